"""Reviewer assignment (专家论证) as background jobs: the preview job's progress and stored
result, the save that applies that result without solving again and refuses a stale one,
conflicts of interest in what is saved, the message when the pool is too small, and the
rights of the other roles. Small instances: the national scale is `bench/assignment.py`'s."""

import pytest
from django.utils import translation

from jobs.models import Job
from review import assignment as solver
from review.errors import ReviewError
from review.models import Assignment, ExpertProfile
from review.services import assignments as services
from tests.conftest import client_for
from tests.test_review_setup import assign, build_world, field

PREVIEW, SAVE = "review.assignment_preview", "review.assignment_save"


@pytest.fixture
def review_world(users, cycle):
    return build_world(users, cycle)


def english(user):
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def run_preview(w, inline_jobs, reviewers: int) -> Job:
    client = english(w.national)
    response = inline_jobs(
        lambda: client.post(f"/review/cycles/{w.cycle.pk}/assign/", {"reviewers": reviewers})
    )
    job = Job.objects.filter(kind=PREVIEW).latest("pk")
    assert response["Location"] == f"/jobs/{job.pk}/"
    return job


def saved_pairs(w) -> list[list[int]]:
    return sorted(
        [c, e]
        for c, e in Assignment.objects.filter(candidate__cycle=w.cycle).values_list(
            "candidate_id", "expert_id"
        )
    )


def test_the_preview_job_reports_its_phases_and_keeps_the_result(review_world, inline_jobs):
    w = review_world
    job = run_preview(w, inline_jobs, 2)
    assert (job.state, job.progress, job.total) == ("done", 100, 100)
    preview = job.params["preview"]
    assert set(preview["seconds"]) == {"loading", "solving", "writing"}
    assert len(preview["pairs"]) == 6 and preview["shortfalls"] == []
    assert sorted(preview["order"]) == sorted([w.tech.pk, w.ip.pk, w.joint.pk])
    assert job.message.startswith("Preview ready: 6 new assignment(s).")
    assert not Assignment.objects.exists()  # a preview saves nothing
    # The job page leads back to this preview, which lists every candidate.
    client = english(w.national)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/review/previews/{job.pk}/"' in page
    html = client.get(f"/review/previews/{job.pk}/").content.decode()
    assert all(c.title in html for c in (w.tech, w.ip, w.joint))
    assert "6 new assignment(s) from a pool of 5 expert(s)" in html


def test_the_save_applies_the_preview_without_solving_again(review_world, inline_jobs):
    w = review_world
    job = run_preview(w, inline_jobs, 1)
    preview = job.params["preview"]
    previewed = sorted(preview["pairs"])
    assert [w.ip.pk, w.other_expert.pk] in previewed  # the only field match for ip
    # Fields are no part of what a preview rests on: a solve now would choose differently,
    # and the save must still apply what was shown.
    ExpertProfile.objects.get(user=w.other_expert).fields.clear()
    ExpertProfile.objects.get(user=w.shu_expert).fields.set([field("包容审慎监管新产业新业态")])
    fresh = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=1)
    assert sorted(fresh.preview["pairs"]) != previewed
    client = english(w.national)
    response = inline_jobs(lambda: client.post(f"/review/previews/{job.pk}/save/"))
    saving = Job.objects.get(kind=SAVE)
    assert response["Location"] == f"/jobs/{saving.pk}/"
    saving.refresh_from_db()
    assert (saving.state, saving.progress, saving.message) == (
        "done",
        100,
        "3 assignment(s) saved.",
    )
    assert saved_pairs(w) == previewed
    job.refresh_from_db()
    assert job.params["preview"]["saved_by"] == saving.pk
    # The save's job page leads back to the preview it saved.
    saved_page = client.get(f"/jobs/{saving.pk}/").content.decode()
    assert f'href="/review/previews/{job.pk}/"' in saved_page
    # Saving the same preview again is refused, and nothing is added.
    again = client.post(f"/review/previews/{job.pk}/save/", follow=True)
    assert "This preview has already been saved." in again.content.decode()
    assert Job.objects.filter(kind=SAVE).count() == 1
    assert saved_pairs(w) == previewed


def test_a_stale_preview_is_refused_with_the_advice_to_run_it_again(review_world, inline_jobs):
    w = review_world
    job = run_preview(w, inline_jobs, 2)
    assign(w.ip, w.scu_expert, w.national)  # a colleague's override since the preview
    client = english(w.national)
    refused = client.post(f"/review/previews/{job.pk}/save/", follow=True)
    text = refused.content.decode()
    assert "The cycle&#x27;s assignments changed since this preview" in text
    assert "Run the preview again." in text
    assert not Job.objects.filter(kind=SAVE).exists()
    assert Assignment.objects.count() == 1
    # Stale by the time the save job runs: the job fails and writes nothing.
    other = run_preview(w, inline_jobs, 2)
    ExpertProfile.objects.filter(user=w.other_expert).update(max_load=7)
    with translation.override("en"), pytest.raises(ReviewError, match="Run the preview again"):
        services.assignments_save(preview_job=other, by=w.national)
    assert Assignment.objects.count() == 1


def test_conflicts_of_interest_hold_in_what_is_saved(review_world, inline_jobs):
    w = review_world
    job = run_preview(w, inline_jobs, 3)
    services.assignments_save(preview_job=job, by=w.national, accept_partial=True)
    reviewers = {
        c.pk: set(c.assignments.values_list("expert_id", flat=True))
        for c in (w.tech, w.ip, w.joint)
    }
    assert w.shu_expert.pk not in reviewers[w.tech.pk] | reviewers[w.joint.pk]  # Sichuan
    assert w.scu_expert.pk not in reviewers[w.tech.pk]  # 四川大学's suggestion
    assert w.idle_expert.pk not in set().union(*reviewers.values())  # unavailable
    assert w.shu_expert.pk in reviewers[w.ip.pk]  # Guangdong's alone: no conflict


def test_a_pool_too_small_says_why_per_candidate(review_world, inline_jobs):
    w = review_world
    job = run_preview(w, inline_jobs, 3)
    (short,) = job.params["preview"]["shortfalls"]
    assert short["candidate"] == w.tech.pk
    html = english(w.national).get(f"/review/previews/{job.pk}/").content.decode()
    assert (
        "Too few eligible experts: only 2 left after conflicts of interest (2 excluded for a "
        "conflict of interest, 1 unavailable, 0 already at their load cap); gets 2 of 3 "
        "reviewers."
    ) in html
    assert 'name="accept_partial"' in html
    # Room for fewer reviews than wanted: said so, with the figures.
    ExpertProfile.objects.update(max_load=1)
    with translation.override("en"):
        plan = services.assignment_plan(cycle=w.cycle, by=w.national, reviewers=2)
    assert plan.pool_too_small and plan.short_count
    assert all("fewer than the 6 needed" in row.shortfall for row in plan.shortfalls)


def test_other_roles_may_neither_preview_nor_save(review_world, inline_jobs):
    w = review_world
    job = run_preview(w, inline_jobs, 2)
    for role in ("sichuan", "expert", "public"):
        client = client_for(w.users[role])
        assert (
            client.post(f"/review/cycles/{w.cycle.pk}/assign/", {"reviewers": 2}).status_code == 403
        )
        assert client.get(f"/review/previews/{job.pk}/").status_code == 403
        assert client.post(f"/review/previews/{job.pk}/save/").status_code == 403
    assert Job.objects.filter(kind=PREVIEW).count() == 1
    assert not Job.objects.filter(kind=SAVE).exists()
    assert not Assignment.objects.exists()


def test_the_preview_page_reads_a_page_of_rows_in_bounded_queries(
    review_world, inline_jobs, django_assert_max_num_queries
):
    w = review_world
    job = run_preview(w, inline_jobs, 3)
    client = client_for(w.national)
    with django_assert_max_num_queries(20):
        assert client.get(f"/review/previews/{job.pk}/").status_code == 200


def test_widening_only_for_short_candidates_serves_a_larger_cycle_quickly():
    # 1,200 candidates × 3 from 600 experts, conflicts by province and organisation: all
    # field-matched experts are popular, so some shortlists run dry and are widened.
    cands = [
        solver.CandidateSpec(
            id=c,
            needed=3,
            field=c % 5,
            provinces=frozenset({c % 31, (c * 7) % 31}),
            organisations=frozenset({c % 60}),
        )
        for c in range(1, 1201)
    ]
    experts = [
        solver.ExpertSpec(
            id=10_000 + e,
            capacity=6,
            fields=frozenset({e % 5}),
            province=e % 31,
            organisation=e % 60,
        )
        for e in range(600)
    ]
    solution = solver.solve(cands, experts)
    assert solution.complete and len(solution.pairs) == 3600
    by_id = {c.id: c for c in cands}
    spec = {e.id: e for e in experts}
    assert all(solver.conflict(by_id[c], spec[e]) is None for c, e in solution.pairs)
    assert solution.arcs < 1200 * 600 // 10  # never the full candidate × expert network
