"""Assignment from the database: the solver's feed (conflicts by division and organisation),
a preview job then the save of that preview, partial plans only when confirmed, and overrides
with their reasons."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import User
from audit.models import AuditEntry
from jobs.models import Job
from jobs.services import job_run
from kernel.errors import Forbidden
from review.errors import ReviewError
from review.models import Assignment, ExpertProfile, Review
from review.services import assignments as services
from review.services.reviews import review_save, review_submit
from tests.conftest import client_for
from tests.test_review_setup import assign, build_world, make_expert

SCORES = {"value": 4, "operability": 4, "assessability": 3, "replicability": 4}


@pytest.fixture
def review_world(users, cycle):
    return build_world(users, cycle)


def reviewers_of(candidate) -> set[str]:
    return set(candidate.assignments.values_list("expert__username", flat=True))


def plan_rows(plan) -> dict[str, list[str]]:
    return {
        row.candidate.title: sorted(p.profile.user.username for p in row.proposed)
        for row in plan.rows
    }


# The feed: conflicts of interest come from the source proposals -----------------------------


def test_specs_carry_the_provinces_and_organisations_behind_each_candidate(review_world):
    w = review_world
    specs = {s.id: s for s in services.candidate_specs([w.tech, w.ip, w.joint], 3)}
    sichuan, guangdong = w.users["sichuan"].division_id, w.users["guangdong"].division_id
    assert specs[w.tech.pk].provinces == {sichuan}
    assert specs[w.joint.pk].provinces == {sichuan, guangdong}
    scu = w.tech.sources.get().sources.get().organisation_id
    assert specs[w.tech.pk].organisations == {scu}
    assert specs[w.ip.pk].organisations == frozenset()


def test_an_expert_in_a_city_of_the_proposing_province_has_a_conflict(review_world):
    w = review_world
    plan = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=3)
    rows = plan_rows(plan)
    assert "shu_expert" not in rows[w.tech.title]  # 成都市 lies in Sichuan
    assert "shu_expert" not in rows[w.joint.title]
    assert "shu_expert" in rows[w.ip.title]  # Guangdong's alone: no conflict


def test_an_expert_of_the_suggesting_organisation_has_a_conflict(review_world):
    w = review_world
    rows = plan_rows(services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=3))
    assert "scu_expert" not in rows[w.tech.title]  # drawn from a 四川大学 suggestion
    assert "scu_expert" in rows[w.ip.title]


def test_an_experts_province_falls_back_to_their_organisations(review_world):
    w = review_world
    profile = ExpertProfile.objects.get(user__username="scu_expert")
    profile.division = None
    profile.save()
    rows = plan_rows(services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=3))
    assert "scu_expert" not in rows[w.joint.title]  # 四川大学 sits in Sichuan
    assert "scu_expert" in rows[w.ip.title]


def test_unavailable_experts_are_never_proposed(review_world):
    w = review_world
    plan = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=3)
    assert all("idle_expert" not in names for names in plan_rows(plan).values())


def test_the_shortfall_is_said_plainly(review_world):
    w = review_world
    with translation.override("en"):
        plan = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=3)
    # tech: `expert` and other_expert are eligible; shu_expert (division) and scu_expert
    # (organisation) have a conflict; idle_expert is unavailable.
    assert [row.candidate for row in plan.shortfalls] == [w.tech]
    assert plan.shortfalls[0].shortfall == (
        "Too few eligible experts: only 2 left after conflicts of interest (2 excluded for a "
        "conflict of interest, 1 unavailable, 0 already at their load cap); gets 2 of 3 reviewers."
    )


def test_a_pool_too_small_for_the_cycle_is_told_apart_from_a_small_pool(review_world):
    w = review_world
    ExpertProfile.objects.update(max_load=1)
    with translation.override("en"):
        plan = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=2)
    # Four experts with room for one review each, six places wanted.
    assert plan.pool_too_small
    messages = [row.shortfall for row in plan.shortfalls]
    assert messages
    assert all(m.startswith("The pool is too small: ") for m in messages)
    assert all("room for 4 more reviews this cycle, fewer than the 6 needed" in m for m in messages)


# Preview, then save exactly that -----------------------------------------------------------


def preview_job(w, reviewers: int):
    """A finished preview job, run as the worker would run it."""
    job = services.assignment_preview_enqueue(cycle=w.cycle, by=w.national, reviewers=reviewers)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.message
    return job


def test_preview_saves_nothing_and_save_needs_confirmation_when_partial(review_world):
    w = review_world
    job = preview_job(w, 3)
    plan = services.preview_plan(job, job.params["preview"]["order"])
    assert not Assignment.objects.exists()
    with pytest.raises(ReviewError):
        services.assignments_save(preview_job=job, by=w.national)
    assert not Assignment.objects.exists()
    created = services.assignments_save(preview_job=job, by=w.national, accept_partial=True)
    assert plan is not None
    assert len(created) == plan.new_count == 8  # 2 + 3 + 3
    assert {a.source for a in created} == {"solver"}
    assert plan_rows(plan)[w.tech.title] == sorted(reviewers_of(w.tech))
    assert AuditEntry.objects.filter(action="review.assigned").count() == 3
    solved = AuditEntry.objects.get(action="review.assignment_solved")
    assert w.tech.title in solved.note


def test_a_complete_plan_saves_without_confirmation(review_world):
    w = review_world
    job = preview_job(w, 2)
    assert job.params["preview"]["shortfalls"] == []
    services.assignments_save(preview_job=job, by=w.national)
    assert Assignment.objects.count() == 6


def test_a_change_since_the_preview_refuses_the_save(review_world):
    w = review_world
    job = preview_job(w, 2)
    ExpertProfile.objects.filter(user__username="other_expert").update(available=False)
    with pytest.raises(ReviewError, match="preview|预览"):
        services.assignments_save(preview_job=job, by=w.national)
    assert not Assignment.objects.exists()


def test_solving_again_only_fills_missing_places(review_world):
    w = review_world
    assign(w.ip, w.users["expert"], w.national)
    plan = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=2)
    ip_row = next(r for r in plan.rows if r.candidate == w.ip)
    assert [u.username for u in ip_row.existing] == ["expert"]
    assert len(ip_row.proposed) == 1
    assert ip_row.proposed[0].profile.user.username != "expert"


def test_the_load_cap_counts_reviews_already_held_in_the_cycle(review_world):
    w = review_world
    ExpertProfile.objects.filter(user=w.users["expert"]).update(max_load=1)
    assign(w.ip, w.users["expert"], w.national)
    plan = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=3)
    assert all("expert" not in names for names in plan_rows(plan).values())


def test_only_the_national_coordinator_may_solve(review_world):
    w = review_world
    job = preview_job(w, 3)
    for role in ("sichuan", "expert", "public"):
        with pytest.raises(Forbidden):
            services.assignment_plan(cycle=w.cycle, by=w.users[role], reviewers=3)
        with pytest.raises(Forbidden):
            services.assignment_preview_enqueue(cycle=w.cycle, by=w.users[role], reviewers=3)
        with pytest.raises(Forbidden):
            services.assignments_save(preview_job=job, by=w.users[role], accept_partial=True)
    assert not Assignment.objects.exists()


def test_reviewers_per_candidate_is_bounded(review_world):
    w = review_world
    for n in (0, services.MAX_REVIEWERS + 1):
        with pytest.raises(ReviewError):
            services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=n)


def test_preview_and_save_over_http(review_world, inline_jobs):
    w = review_world
    client = client_for(w.national)
    url = f"/review/cycles/{w.cycle.pk}/assign/"
    assert client.get(url).status_code == 200
    queued = inline_jobs(lambda: client.post(url, {"reviewers": 3}))
    job = Job.objects.get(kind="review.assignment_preview")
    assert queued["Location"] == f"/jobs/{job.pk}/"
    assert not Assignment.objects.exists()
    preview_url = f"/review/previews/{job.pk}/"
    assert f'href="{preview_url}"' in client.get(f"/jobs/{job.pk}/").content.decode()
    page = client.get(preview_url).content.decode()
    assert w.tech.title in page
    assert 'name="accept_partial"' in page
    refused = client.post(f"{preview_url}save/")
    assert refused["Location"] == preview_url
    assert not Assignment.objects.exists()
    saved = inline_jobs(lambda: client.post(f"{preview_url}save/", {"accept_partial": "on"}))
    saving = Job.objects.get(kind="review.assignment_save")
    assert saved["Location"] == f"/jobs/{saving.pk}/"
    assert Assignment.objects.count() == 8
    assert "This preview has been saved." in english_page(client, preview_url)


def english_page(client, url: str) -> str:
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_complete_preview_asks_for_no_partial_confirmation(review_world):
    w = review_world
    job = preview_job(w, 2)
    page = client_for(w.national).get(f"/review/previews/{job.pk}/").content.decode()
    assert 'name="accept_partial"' not in page
    assert f'action="/review/previews/{job.pk}/save/"' in page


# Overrides ------------------------------------------------------------------------------------


def test_add_needs_a_reason_and_records_it(review_world):
    w = review_world
    with pytest.raises(ReviewError):
        services.assignment_add(candidate=w.ip, expert=w.users["expert"], by=w.national, reason=" ")
    assignment = services.assignment_add(
        candidate=w.ip, expert=w.users["expert"], by=w.national, reason="熟悉知识产权质押"
    )
    assert (assignment.source, assignment.override_reason) == ("override", "熟悉知识产权质押")
    entry = AuditEntry.objects.get(action="review.reviewer_added")
    assert entry.note == "熟悉知识产权质押"
    assert entry.changes == {"reviewers": [None, str(w.users["expert"])]}


@pytest.mark.parametrize(
    ("username", "problem"),
    [
        ("shu_expert", "province|省"),
        ("scu_expert", "organisation|单位"),
        ("idle_expert", "unavailable|不可"),
    ],
)
def test_an_override_never_breaks_conflict_of_interest_or_availability(
    review_world, username, problem
):
    w = review_world
    with pytest.raises(ReviewError, match=problem):
        services.assignment_add(
            candidate=w.tech,
            expert=User.objects.get(username=username),
            by=w.national,
            reason="急需",
        )
    assert not Assignment.objects.exists()


def test_an_override_may_exceed_the_load_cap(review_world):
    w = review_world
    ExpertProfile.objects.filter(user=w.users["expert"]).update(max_load=1)
    assign(w.ip, w.users["expert"], w.national)
    services.assignment_add(
        candidate=w.tech, expert=w.users["expert"], by=w.national, reason="领域唯一专家"
    )
    assert Assignment.objects.filter(expert=w.users["expert"]).count() == 2


def test_replace_and_remove_record_the_reason_and_discard_a_draft(review_world):
    w = review_world
    first = assign(w.ip, w.users["expert"], w.national)
    review_save(assignment=first, by=w.users["expert"], data={"value": 3})
    other = make_expert("third_expert", division_code="110000")
    new = services.assignment_replace(
        assignment=first, expert=other, by=w.national, reason="原专家出国"
    )
    assert (new.source, new.override_reason) == ("override", "原专家出国")
    assert not Review.objects.exists()
    replaced = AuditEntry.objects.get(action="review.reviewer_replaced")
    assert replaced.changes == {"reviewers": [str(w.users["expert"]), str(other)]}
    assert replaced.note.startswith("原专家出国")
    services.assignment_remove(assignment=new, by=w.national, reason="回避")
    assert not Assignment.objects.exists()
    removed = AuditEntry.objects.get(action="review.reviewer_removed")
    assert removed.changes == {"reviewers": [str(other), None]}
    assert removed.note == "回避"


def test_a_submitted_review_keeps_its_reviewer(review_world):
    w = review_world
    assignment = assign(w.ip, w.users["expert"], w.national)
    review_submit(
        assignment=assignment,
        by=w.users["expert"],
        data={**SCORES, "recommendation": "include"},
    )
    with pytest.raises(ReviewError):
        services.assignment_remove(assignment=assignment, by=w.national, reason="回避")
    with pytest.raises(ReviewError):
        services.assignment_replace(
            assignment=assignment,
            expert=w.users["expert"],
            by=w.national,
            reason="回避",
        )
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    page = client_for(w.national).get(f"/review/candidates/{w.ip.pk}/").content.decode()
    assert f"/review/assignments/{assignment.pk}/remove/" not in page


def test_remove_asks_for_confirmation_first(review_world):
    w = review_world
    assignment = assign(w.ip, w.users["expert"], w.national)
    client = client_for(w.national)
    url = f"/review/assignments/{assignment.pk}/remove/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert '<form method="post"' in confirm.content.decode()
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    without_reason = client.post(url, {"reason": ""})
    assert without_reason.status_code == 200
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    done = client.post(url, {"reason": "专家申请回避"})
    assert done.status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_override_form_offers_only_eligible_experts_and_keeps_the_typed_reason(review_world):
    w = review_world
    client = client_for(w.national)
    url = f"/review/candidates/{w.tech.pk}/add/"
    offered = {u.username for u in client.get(url).context["form"].fields["expert"].queryset}
    assert offered == {"expert", "other_expert"}
    shu = User.objects.get(username="shu_expert")
    refused = client.post(url, {"expert": shu.pk, "reason": "请保留这段理由"})
    assert refused.status_code == 200
    assert "请保留这段理由</textarea>" in refused.content.decode()
    assert not Assignment.objects.exists()


# The cycle's overview: filters and the assignment export ----------------------------------


def test_overview_filters_by_text_field_and_progress(review_world):
    w = review_world
    done = assign(w.ip, w.users["expert"], w.national)
    review_submit(
        assignment=done, by=w.users["expert"], data={**SCORES, "recommendation": "include"}
    )
    assign(w.joint, w.users["expert"], w.national)
    client = client_for(w.national)

    def shown(**params):
        response = client.get(f"/review/cycles/{w.cycle.pk}/", params)
        return [c.title for c in response.context["page"].object_list]

    assert shown() == [w.tech.title, w.ip.title, w.joint.title]
    assert shown(progress="none") == [w.tech.title]
    assert shown(progress="open") == [w.joint.title]
    assert shown(progress="done") == [w.ip.title]
    assert shown(q="质押") == [w.ip.title]
    assert shown(field=w.joint.field_id) == [w.joint.title]


def test_assignment_export_reads_back(review_world):
    w = review_world
    services.assignment_add(
        candidate=w.ip, expert=w.users["expert"], by=w.national, reason="熟悉该领域"
    )
    response = client_for(w.national).get(
        f"/review/cycles/{w.cycle.pk}/export/", HTTP_ACCEPT_LANGUAGE="en"
    )
    rows = list(
        load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    )
    assert rows[0][:4] == ("No.", "Candidate measure", "Reform field", "Reviewer")
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title[w.ip.title][3:6] == (
        str(w.users["expert"]),
        "coordinator override",
        "熟悉该领域",
    )
    assert by_title[w.ip.title][7] == "not started"
    assert by_title[w.tech.title][3] is None  # no reviewers yet: one row, empty
    assert len(rows) == 4
