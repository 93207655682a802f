"""A draft may be incomplete; submission checks completeness (issue #12, suggestion → proposal).

Platform rule (平台规则, not a rule of 发改高技〔2021〕484号): a locality saves a draft with its
title only, e.g. drafted from a received suggestion (改革建议), which holds no reform field,
problem, targets or timetable; every field of `Proposal.REQUIRED_TO_SUBMIT` must be filled in
when the proposal is submitted (`proposals_submit`), and the refusal names the proposal and what
it lacks. Source 001 (信息一次填报) and issue #12: suggestion → proposal in ≤ 5 actions, nothing
retyped.
"""

import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from jobs.models import Job
from proposals.errors import ProposalError
from proposals.forms import ProposalForm
from proposals.models import Proposal, Suggestion
from proposals.services.proposals import proposal_create, proposal_update, proposals_submit
from proposals.services.suggestions import suggestion_submit
from tests.conftest import client_for, make_proposal, prefilled_post_data


def _bare(cycle, user, title: str = "只有标题的草稿") -> Proposal:
    return proposal_create(by=user, cycle=cycle, data={"title": title})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_draft_is_saved_with_its_title_only(cycle, users):
    response = client_for(users["sichuan"]).post(
        reverse("proposals:proposal_create"), {"title": "只有标题的草稿"}
    )
    assert response.status_code == 302
    draft = Proposal.objects.get(title="只有标题的草稿")
    assert draft.state == Proposal.State.DRAFT
    assert draft.field is None and draft.problem == ""
    assert response["Location"] == reverse("proposals:proposal_detail", args=[draft.pk])


def test_the_form_marks_what_submission_needs_and_states_the_rule(cycle, users):
    with translation.override("en"):
        form = ProposalForm()
        page = client_for(users["sichuan"]).get(
            reverse("proposals:proposal_create"), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert not form.fields["problem"].required
    assert form.fields["problem"].required_to_submit  # type: ignore[attr-defined]
    assert not form.fields["risks"].required
    html = page.content.decode()
    assert "Platform rule: a draft can be saved with its title only" in html
    star = '<span aria-hidden="true">*</span>'
    assert f'<label for="id_problem">Problem and pain point {star}' in html
    assert '<label for="id_risks">Risks and fault-tolerance needs</label>' in html


def test_national_authority_still_names_the_ministries_on_a_draft(cycle, users):
    form = ProposalForm(data={"title": "草稿", "needs_national_authority": "on"})
    assert not form.is_valid()
    assert "ministries" in form.errors


def test_a_returned_proposal_and_an_import_stay_complete(cycle, users):
    """A returned proposal was submitted once; an imported sheet is submission-ready."""
    returned = make_proposal(cycle, users["sichuan"], state="returned")
    assert not ProposalForm(data={"title": "改"}, instance=returned).is_valid()
    form = ProposalForm(data={"title": "导入"}, complete=True)
    assert not form.is_valid()
    assert {"field", "problem", "contact_phone"} <= set(form.errors)


def test_the_service_keeps_a_returned_proposal_complete(cycle, users):
    returned = make_proposal(cycle, users["sichuan"], state="returned")
    with translation.override("en"), pytest.raises(ProposalError) as refused:
        proposal_update(proposal=returned, by=users["sichuan"], data={"field": None})
    assert "still to fill in: reform field" in refused.value.message
    returned.refresh_from_db()
    assert returned.field is not None


def test_submitting_an_incomplete_draft_names_it_and_the_missing_fields(cycle, users):
    sichuan = users["sichuan"]
    complete = [make_proposal(cycle, sichuan, title=f"完整{i}") for i in range(2)]
    bare = _bare(cycle, sichuan)
    with translation.override("en"), pytest.raises(ProposalError) as refused:
        proposals_submit(proposals=[*complete, bare], by=sichuan)
    message = refused.value.message
    assert "“只有标题的草稿” is incomplete; still to fill in:" in message
    assert "reform field" in message and "problem and pain point" in message
    assert "contact phone" in message
    assert "完整0" not in message
    assert Proposal.objects.filter(cycle=cycle, state=Proposal.State.DRAFT).count() == 3


def test_submitting_from_the_list_refuses_all_or_nothing(cycle, users):
    sichuan = users["sichuan"]
    chosen = [make_proposal(cycle, sichuan, title=f"完整{i}") for i in range(2)]
    chosen.append(_bare(cycle, sichuan))
    response = client_for(sichuan).post(
        reverse("proposals:proposal_submit"),
        {"proposal": [p.pk for p in chosen]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("“只有标题的草稿” is incomplete" in m for m in shown)
    assert not Proposal.objects.exclude(state=Proposal.State.DRAFT).exists()


def test_a_completed_draft_is_submitted(cycle, users):
    sichuan = users["sichuan"]
    bare = _bare(cycle, sichuan)
    others = [make_proposal(cycle, sichuan, title=f"完整{i}") for i in range(2)]
    edit = client_for(sichuan).post(
        reverse("proposals:proposal_edit", args=[bare.pk]),
        {
            "title": bare.title,
            "field": str(others[0].field_id),
            "problem": "问题",
            "content": "内容",
            "implementing_bodies": "省科技厅",
            "expected_results": "成效",
            "targets": "指标",
            "timetable": "2099年底前",
            "contact_name": "张三",
            "contact_phone": "028-12345678",
        },
    )
    assert edit.status_code == 302
    bare.refresh_from_db()
    assert bare.missing_to_submit() == []
    done = proposals_submit(proposals=[bare, *others], by=sichuan)
    assert len(done) == 3
    assert Proposal.objects.filter(state=Proposal.State.SUBMITTED).count() == 3


def test_the_database_refuses_a_submitted_proposal_without_a_field(cycle, users):
    bare = _bare(cycle, users["sichuan"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=bare.pk).update(
            state=Proposal.State.SUBMITTED, submitted_at=timezone.now()
        )


def test_the_page_of_an_incomplete_draft_says_what_is_left_with_a_link(cycle, users):
    bare = _bare(cycle, users["sichuan"])
    response = client_for(users["sichuan"]).get(
        reverse("proposals:proposal_detail", args=[bare.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Still to fill in before submission" in html
    assert "reform field、problem and pain point" in html
    assert reverse("proposals:proposal_edit", args=[bare.pk]) in html
    assert "None" not in html.split("<dl", 1)[1].split("</dl>", 1)[0]


def test_a_complete_draft_has_no_such_notice(cycle, users):
    proposal = make_proposal(cycle, users["sichuan"])
    response = client_for(users["sichuan"]).get(
        reverse("proposals:proposal_detail", args=[proposal.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Still to fill in before submission" not in response.content.decode()


def test_the_list_and_the_word_document_render_an_incomplete_draft(cycle, users):
    client = client_for(users["sichuan"])
    bare = _bare(cycle, users["sichuan"])
    listing = client.get(reverse("proposals:proposal_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    assert "只有标题的草稿" in listing.content.decode()
    assert '<span class="badge">still incomplete</span>' in listing.content.decode()
    docx = client.get(reverse("proposals:proposal_docx", args=[bare.pk]))
    assert docx.status_code == 200
    assert docx["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )


def test_the_export_renders_an_incomplete_draft(cycle, users, inline_jobs):
    client = client_for(users["sichuan"])
    _bare(cycle, users["sichuan"])
    response = inline_jobs(lambda: client.post(reverse("proposals:proposal_export"), {"query": ""}))
    assert response.status_code == 302
    job = Job.objects.get(kind="proposals.export")
    assert job.state == Job.State.DONE, job.message
    content = _body(client.get(f"/jobs/{job.pk}/download/"))
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    mine = [r for r in rows if "只有标题的草稿" in r]
    assert len(mine) == 1
    assert "None" not in mine[0]


def test_the_list_queries_do_not_grow_with_incomplete_drafts(
    cycle, users, django_assert_max_num_queries
):
    client = client_for(users["sichuan"])
    _bare(cycle, users["sichuan"], title="草稿0")
    counts = []
    for size in (1, 4):
        while Proposal.objects.count() < size:
            _bare(cycle, users["sichuan"], title=f"草稿{Proposal.objects.count()}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("proposals:proposal_list")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(reverse("proposals:proposal_list"))


def test_suggestion_to_proposal_saves_the_prefilled_form_unchanged(cycle, users):
    """Issue #12: login → suggestion → 据此起草建议书 → 保存草稿, nothing retyped."""
    suggestion = suggestion_submit(
        by=users["innovator"],
        cycle=cycle,
        title="高校科研人员离岗创业期间保留人事关系",
        content="允许高校科研人员离岗创业三年内保留人事关系。",
    )
    client = client_for(users["sichuan"])
    page = client.get(reverse("proposals:proposal_create"), {"from": suggestion.pk})
    assert page.status_code == 200
    response = client.post(
        reverse("proposals:proposal_create"), prefilled_post_data(page.context["form"])
    )
    assert response.status_code == 302
    draft = Proposal.objects.get(sources=suggestion)
    assert draft.state == Proposal.State.DRAFT
    assert draft.title == suggestion.title and draft.content == suggestion.content
    assert draft.field is None
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.ADOPTED
