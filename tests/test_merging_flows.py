"""Merging similar proposals (合并同类项): the suggestion run, accepting, splitting, joining,
ignoring, merging by hand, promoting, undoing, and the database rule that a merged proposal
always points at its candidate.

Similar proposals here carry the same or nearly the same text, and the others are about
unrelated measures, so the tests do not depend on where the text analysis puts its threshold.
"""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEntry
from jobs.models import Job
from lists.models import AnnualList, ListItem, ListVersion
from merging import services
from merging.errors import MergeError
from merging.models import CandidateMeasure, SuggestedGroup
from proposals.models import Proposal, ReformField
from review.models import Assignment
from tests.conftest import client_for, make_proposal

# (title, content) of unrelated measures; TECH and TECH_AGAIN are the same measure.
TECH = (
    "技术经理人全程参与的科技成果转化服务模式",
    "培育技术经理人队伍，全程参与高校院所科技成果的评估、对接、交易和孵化。",
)
TECH_AGAIN = (
    "推行技术经理人全程参与科技成果转化的服务模式",
    "培育专业化技术经理人队伍，全程参与高校院所科技成果的评估、对接、交易和孵化。",
)
COURT = (
    "知识产权民事、刑事、行政案件“三合一”审判",
    "设立知识产权审判庭，统一审理知识产权民事、刑事和行政案件，提升司法保护效率。",
)
VISA = (
    "外籍高层次人才永久居留便利措施",
    "简化外籍高层次人才来华工作许可和永久居留申请手续，实行一站式受理。",
)
TAX = ("国税地税联合办税", "国税地税共建办税服务厅，纳税人一次排队、一窗办理两家税务事项。")
STAFF = ("事业单位编制省内统筹使用", "建立省级事业单位编制周转池，跨地区、跨部门调剂使用空余编制。")


def submitted(cycle, user, text, **overrides) -> Proposal:
    title, content = text
    return make_proposal(cycle, user, state="submitted", title=title, content=content, **overrides)


def candidate_data(**overrides) -> dict:
    data = {
        "title": "技术经理人全程参与科技成果转化",
        "content": "各地由技术经理人全程参与成果转化服务。",
        "field": ReformField.objects.get(name="促进技术要素市场体系建设"),
        "needs_national_authority": False,
        "ministries": "",
    }
    data.update(overrides)
    return data


def form_data(**overrides) -> dict:
    data = candidate_data(**overrides)
    data["field"] = data["field"].pk
    if not data["needs_national_authority"]:
        del data["needs_national_authority"]
    return data


def group_of(cycle, proposals, state=SuggestedGroup.State.OPEN) -> SuggestedGroup:
    group = SuggestedGroup.objects.create(cycle=cycle, score=0.9, key_terms=["技术经理人"])
    group.state = state
    group.save()
    group.proposals.set(proposals)
    return group


def states(*proposals) -> list[str]:
    return [Proposal.objects.get(pk=p.pk).state for p in proposals]


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


@pytest.fixture
def similar(users, cycle) -> SimpleNamespace:
    sichuan, guangdong = users["sichuan"], users["guangdong"]
    return SimpleNamespace(
        national=users["national"],
        cycle=cycle,
        a=submitted(cycle, sichuan, TECH),
        b=submitted(cycle, guangdong, TECH_AGAIN),
        other=submitted(cycle, guangdong, COURT),
        draft=make_proposal(cycle, guangdong, title=TECH[0], content=TECH[1]),
    )


# The database rule ---------------------------------------------------------------------------


def test_a_merged_proposal_must_point_at_a_candidate(similar):
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=similar.a.pk).update(state="merged")


def test_only_a_merged_proposal_points_at_a_candidate(similar):
    candidate = CandidateMeasure.objects.create(
        cycle=similar.cycle, created_by=similar.national, **candidate_data()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=similar.a.pk).update(merged_into=candidate)
    Proposal.objects.filter(pk=similar.a.pk).update(state="merged", merged_into=candidate)
    assert states(similar.a) == ["merged"]


# The suggestion run --------------------------------------------------------------------------


def test_the_run_groups_similar_submitted_proposals_only(similar):
    groups = services.suggestions_run(cycle=similar.cycle, by=similar.national)
    assert len(groups) == 1
    group = groups[0]
    assert set(group.proposals.all()) == {similar.a, similar.b}  # not the draft, not COURT
    assert 0.5 <= group.score <= 1
    assert group.key_terms
    assert all(t in "".join(TECH) and t in "".join(TECH_AGAIN) for t in group.key_terms)
    assert states(similar.a, similar.b) == ["submitted", "submitted"]  # nothing merged
    assert actions()[-1] == "merge.suggested"


def test_a_second_run_replaces_open_groups_and_keeps_ignored_ones_away(similar, users):
    first = services.suggestions_run(cycle=similar.cycle, by=similar.national)[0]
    services.group_ignore(group=first, by=similar.national)
    assert services.suggestions_run(cycle=similar.cycle, by=similar.national) == []
    assert SuggestedGroup.objects.get(pk=first.pk).state == "ignored"
    # A new similar proposal makes a group with other members: that one is suggested.
    third = submitted(similar.cycle, users["sichuan"], TECH, contact_name="李四")
    again = services.suggestions_run(cycle=similar.cycle, by=similar.national)
    assert [set(g.proposals.all()) for g in again] == [{similar.a, similar.b, third}]


def test_merged_and_returned_proposals_are_left_out_of_the_run(similar, users):
    services.proposals_merge(
        cycle=similar.cycle, proposals=[similar.a], by=similar.national, data=candidate_data()
    )
    submitted(similar.cycle, users["sichuan"], TECH_AGAIN, contact_name="王五")
    Proposal.objects.filter(pk=similar.b.pk).update(state="returned", return_reason="补充")
    assert services.suggestions_run(cycle=similar.cycle, by=similar.national) == []


def test_the_group_page_shows_score_terms_and_members(similar):
    (group,) = services.suggestions_run(cycle=similar.cycle, by=similar.national)
    page = client_for(similar.national).get(f"/merging/cycles/{similar.cycle.pk}/")
    html = page.content.decode()
    assert similar.a.title in html and similar.b.title in html
    assert group.key_terms[0] in html
    assert similar.other.title not in html


def test_running_the_suggestions_over_http(similar, inline_jobs):
    """Seconds at national scale: a background job whose page leads back to the groups."""
    client = client_for(similar.national)
    response = inline_jobs(lambda: client.post(f"/merging/cycles/{similar.cycle.pk}/suggest/"))
    job = Job.objects.get(kind="merging.suggestions")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.state, job.params["cycle"]) == ("done", similar.cycle.pk)
    assert SuggestedGroup.objects.filter(cycle=similar.cycle, state="open").count() == 1
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/merging/cycles/{similar.cycle.pk}/"' in page


# Accepting -----------------------------------------------------------------------------------


def test_the_accept_form_is_prefilled_and_merges_nothing(similar):
    group = group_of(similar.cycle, [similar.a, similar.b])
    response = client_for(similar.national).get(f"/merging/groups/{group.pk}/accept/")
    form = response.context["form"]
    assert form.initial["title"] in (similar.a.title, similar.b.title)
    assert similar.a.content in form.initial["content"]
    assert similar.b.content in form.initial["content"]
    assert form.initial["field"] == similar.a.field
    assert states(similar.a, similar.b) == ["submitted", "submitted"]
    assert not CandidateMeasure.objects.exists()


def test_accepting_makes_one_candidate_and_marks_the_sources(similar):
    group = group_of(similar.cycle, [similar.a, similar.b])
    before = {p.pk: (p.title, p.content) for p in Proposal.objects.all()}
    response = client_for(similar.national).post(f"/merging/groups/{group.pk}/accept/", form_data())
    candidate = CandidateMeasure.objects.get()
    assert response["Location"] == f"/merging/candidates/{candidate.pk}/"
    assert candidate.title == "技术经理人全程参与科技成果转化"
    assert set(candidate.sources.all()) == {similar.a, similar.b}
    assert states(similar.a, similar.b, similar.other) == ["merged", "merged", "submitted"]
    group.refresh_from_db()
    assert (group.state, group.candidate) == ("accepted", candidate)
    # No proposal was deleted or rewritten.
    assert {p.pk: (p.title, p.content) for p in Proposal.objects.all()} == before
    assert actions()[-4:] == [
        "proposal.merged",
        "proposal.merged",
        "merge.accepted",
        "group.accepted",
    ]


def test_a_rejected_candidate_form_keeps_what_was_typed(similar):
    group = group_of(similar.cycle, [similar.a, similar.b])
    data = form_data(title="我改写的标题", needs_national_authority=True, ministries="")
    response = client_for(similar.national).post(f"/merging/groups/{group.pk}/accept/", data)
    assert response.status_code == 200
    assert "我改写的标题" in response.content.decode()
    assert response.context["form"].errors["ministries"]
    assert not CandidateMeasure.objects.exists()
    assert states(similar.a, similar.b) == ["submitted", "submitted"]


def test_a_group_whose_member_was_merged_meanwhile_cannot_be_accepted(similar):
    group = group_of(similar.cycle, [similar.a, similar.b])
    other = group_of(similar.cycle, [similar.a, similar.other])
    services.group_accept(group=group, by=similar.national, data=candidate_data())
    # The merged proposal left the other group, which dissolved with one member left.
    assert not SuggestedGroup.objects.filter(pk=other.pk).exists()
    with pytest.raises(MergeError):
        services.group_accept(group=group, by=similar.national, data=candidate_data())


# Split, join, ignore -------------------------------------------------------------------------


def test_split_moves_members_into_a_new_group(similar, users):
    c = submitted(similar.cycle, users["sichuan"], VISA)
    d = submitted(similar.cycle, users["guangdong"], VISA)
    group = group_of(similar.cycle, [similar.a, similar.b, c, d])
    response = client_for(similar.national).post(
        f"/merging/groups/{group.pk}/split/", {"move": [c.pk, d.pk]}
    )
    assert response.status_code == 302
    assert set(SuggestedGroup.objects.get(pk=group.pk).proposals.all()) == {similar.a, similar.b}
    new = SuggestedGroup.objects.exclude(pk=group.pk).get()
    assert set(new.proposals.all()) == {c, d}
    assert new.state == "open"
    assert "group.split" in actions()


def test_a_side_left_alone_is_no_group(similar):
    group = group_of(similar.cycle, [similar.a, similar.b, similar.other])
    services.group_split(group=group, by=similar.national, move=[similar.other])
    assert set(SuggestedGroup.objects.get().proposals.all()) == {similar.a, similar.b}
    services.group_split(group=group, by=similar.national, move=[similar.b])
    assert not SuggestedGroup.objects.exists()
    assert states(similar.a, similar.b) == ["submitted", "submitted"]


def test_split_must_leave_someone_behind(similar):
    group = group_of(similar.cycle, [similar.a, similar.b])
    response = client_for(similar.national).post(
        f"/merging/groups/{group.pk}/split/", {"move": [similar.a.pk, similar.b.pk]}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert SuggestedGroup.objects.get().proposals.count() == 2


def test_join_puts_two_groups_into_one(similar, users):
    c = submitted(similar.cycle, users["sichuan"], VISA)
    first = group_of(similar.cycle, [similar.a, similar.b])
    second = group_of(similar.cycle, [similar.other, c])
    response = client_for(similar.national).post(
        f"/merging/groups/{first.pk}/join/", {"other": second.pk}
    )
    assert response.status_code == 302
    assert set(SuggestedGroup.objects.get().proposals.all()) == {
        similar.a,
        similar.b,
        similar.other,
        c,
    }
    assert "group.joined" in actions()


def test_ignore_and_bring_back(similar):
    group = group_of(similar.cycle, [similar.a, similar.b])
    client = client_for(similar.national)
    client.post(f"/merging/groups/{group.pk}/ignore/")
    assert SuggestedGroup.objects.get().state == "ignored"
    assert client.get(f"/merging/groups/{group.pk}/accept/").status_code == 302
    client.post(f"/merging/groups/{group.pk}/restore/")
    assert SuggestedGroup.objects.get().state == "open"
    assert actions()[-2:] == ["group.ignored", "group.restored"]


# By hand, and promoting ----------------------------------------------------------------------


def test_merging_by_hand_asks_for_the_candidate_first(similar):
    client = client_for(similar.national)
    url = f"/merging/cycles/{similar.cycle.pk}/merge/"
    chosen = {"proposal": [similar.a.pk, similar.other.pk]}
    page = client.get(url, chosen)
    assert page.status_code == 200
    assert states(similar.a, similar.other) == ["submitted", "submitted"]
    response = client.post(url, {**form_data(), **chosen})
    assert response.status_code == 302
    assert states(similar.a, similar.other) == ["merged", "merged"]


def test_merging_by_hand_refuses_a_draft_or_another_cycle(similar):
    client = client_for(similar.national)
    url = f"/merging/cycles/{similar.cycle.pk}/merge/"
    response = client.post(url, {**form_data(), "proposal": [similar.a.pk, similar.draft.pk]})
    assert response.status_code == 302
    assert states(similar.a, similar.draft) == ["submitted", "draft"]


def test_promote_confirms_then_promotes_only_what_was_shown(similar, users):
    group_of(similar.cycle, [similar.a, similar.b])
    client = client_for(similar.national)
    url = f"/merging/cycles/{similar.cycle.pk}/promote/"
    page = client.get(url)
    assert [p.pk for p in page.context["remaining"]] == [similar.other.pk]
    assert page.context["grouped"] == 2
    assert not CandidateMeasure.objects.exists()
    late = submitted(similar.cycle, users["sichuan"], STAFF)  # arrives after the page was shown
    response = client.post(url, {"proposal": [similar.other.pk]})
    assert response.status_code == 302
    candidate = CandidateMeasure.objects.get()
    assert (candidate.title, candidate.content) == COURT
    assert candidate.field == similar.other.field
    assert states(similar.other, late, similar.a) == ["merged", "submitted", "submitted"]
    assert "merge.promoted" in actions()


# Undoing -------------------------------------------------------------------------------------


@pytest.fixture
def merged(similar) -> SimpleNamespace:
    group = group_of(similar.cycle, [similar.a, similar.b])
    candidate = services.group_accept(group=group, by=similar.national, data=candidate_data())
    return SimpleNamespace(**vars(similar), group=group, candidate=candidate)


def test_undo_asks_for_a_reason_and_confirmation(merged):
    client = client_for(merged.national)
    url = f"/merging/candidates/{merged.candidate.pk}/undo/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert CandidateMeasure.objects.filter(pk=merged.candidate.pk).exists()
    assert states(merged.a, merged.b) == ["merged", "merged"]


def test_undo_restores_the_sources_and_removes_the_candidate(merged):
    response = client_for(merged.national).post(
        f"/merging/candidates/{merged.candidate.pk}/undo/", {"reason": "两条举措侧重点不同"}
    )
    assert response.status_code == 302
    assert not CandidateMeasure.objects.exists()
    assert states(merged.a, merged.b) == ["submitted", "submitted"]
    assert Proposal.objects.filter(merged_into__isnull=False).count() == 0
    assert SuggestedGroup.objects.get(pk=merged.group.pk).state == "open"
    undone = AuditEntry.objects.get(action="merge.undone")
    assert undone.note == "两条举措侧重点不同"
    assert AuditEntry.objects.filter(action="proposal.unmerged").count() == 2


def test_undo_is_refused_once_experts_are_assigned(merged, users):
    Assignment.objects.create(
        candidate=merged.candidate,
        expert=users["expert"],
        source=Assignment.Source.SOLVER,
        assigned_by=merged.national,
    )
    client = client_for(merged.national)
    url = f"/merging/candidates/{merged.candidate.pk}/undo/"
    response = client.post(url, {"reason": "重新合并"})
    assert response.status_code == 200
    assert CandidateMeasure.objects.filter(pk=merged.candidate.pk).exists()
    assert states(merged.a) == ["merged"]
    with pytest.raises(MergeError):
        services.merge_undo(candidate=merged.candidate, by=merged.national, reason="重新合并")


def test_undo_is_refused_once_a_list_holds_the_candidate(merged):
    annual = AnnualList.objects.create(
        cycle=merged.cycle, title="2099年度清单", created_by=merged.national
    )
    version = ListVersion.objects.create(annual_list=annual, number=1)
    ListItem.objects.create(
        version=version,
        position=1,
        candidate=merged.candidate,
        title=merged.candidate.title,
        content=merged.candidate.content,
        field=merged.candidate.field,
    )
    with pytest.raises(MergeError):
        services.merge_undo(candidate=merged.candidate, by=merged.national, reason="重新合并")
    assert states(merged.a, merged.b) == ["merged", "merged"]


# What a locality sees ------------------------------------------------------------------------


def test_the_locality_sees_what_its_proposal_became(merged, users):
    sichuan = client_for(users["sichuan"])
    html = sichuan.get(f"/proposals/{merged.a.pk}/").content.decode()
    assert merged.candidate.title in html
    assert f"/merging/candidates/{merged.candidate.pk}/" in html
    assert merged.b.title not in html  # Guangdong's proposal is counted, never shown
    page = sichuan.get(f"/merging/candidates/{merged.candidate.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert merged.a.title in body
    assert merged.b.title not in body and merged.b.content not in body
    assert page.context["sources"].others == 1
    assert page.context["entries"] is None  # the trail names every source


def test_a_province_without_a_source_does_not_see_the_candidate(users, cycle):
    national = users["national"]
    mine = submitted(cycle, users["sichuan"], TECH)
    candidate = services.proposals_merge(
        cycle=cycle, proposals=[mine], by=national, data=candidate_data()
    )
    response = client_for(users["guangdong"]).get(f"/merging/candidates/{candidate.pk}/")
    assert response.status_code == 404


def test_the_centre_sees_every_source_and_the_history(merged):
    page = client_for(merged.national).get(f"/merging/candidates/{merged.candidate.pk}/")
    html = page.content.decode()
    assert merged.a.title in html and merged.b.title in html
    assert "merge.accepted" in html


def test_the_cycle_page_counts_a_merged_proposal_as_submitted(users, cycle):
    """Merged proposals stay in their locality's submitted count on the cycle page."""
    national = users["national"]
    mine = make_proposal(cycle, users["sichuan"], state="submitted")
    make_proposal(cycle, users["sichuan"], state="submitted", title="另一条建议")
    services.proposals_merge(cycle=cycle, proposals=[mine], by=national, data=candidate_data())
    response = client_for(national).get(f"/cycles/{cycle.pk}/")
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["locality"].code == "510000")
    assert (row["total"], row["returned"]) == (2, 0)
