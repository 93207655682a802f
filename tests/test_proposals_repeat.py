"""A repeated action of the call for proposals says what already happened.

Submitting, returning, editing, deleting, attaching and declining: a second click, or a
colleague of the same role who acted first, lands on a page with the message and writes
nothing; a user without the right is still refused.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals.models import Attachment, Proposal, Suggestion
from proposals.services.attachments import attachment_add
from proposals.services.suggestions import suggestion_submit
from tests.conftest import client_for, make_proposal, proposal_data
from tests.test_repeat_fixtures import colleague, english, entries, refused, says

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"

ALREADY_SUBMITTED = "“%s” is already submitted."
SUBMITTED_NO_CHANGE = (
    "This proposal has already been submitted; it can be changed again only if the national "
    "coordinator returns it."
)


def state(proposal: Proposal) -> str:
    return Proposal.objects.get(pk=proposal.pk).state


def edit_data(**overrides) -> dict:
    data = proposal_data(**overrides)
    data["field"] = data["field"].pk
    del data["needs_national_authority"]  # an unticked checkbox is not posted
    return data


@pytest.fixture
def one_at_a_time(cycle):
    """A locality may submit a single draft on its own."""
    cycle.min_per_locality = 1
    cycle.save()
    return cycle


def test_submitting_twice_says_it_is_already_submitted(users, one_at_a_time):
    sichuan = users["sichuan"]
    draft = make_proposal(one_at_a_time, sichuan, title="四川草稿")
    data = {"proposal": [draft.pk]}
    first = english(sichuan).post("/proposals/submit/", data, follow=True)
    says(first, "1 proposal(s) submitted.")
    again = english(sichuan).post("/proposals/submit/", data, follow=True)
    says(again, ALREADY_SUBMITTED % "四川草稿")
    other = english(colleague(sichuan, "sichuan2")).post("/proposals/submit/", data, follow=True)
    says(other, ALREADY_SUBMITTED % "四川草稿")
    assert state(draft) == "submitted"
    assert entries("proposal.submitted", draft) == 1
    # Without the right: the centre sees it but does not submit; another province does not
    # see it at all (the view refuses ids it cannot see).
    refused(client_for(users["national"]), "/proposals/submit/", data, 403)
    refused(client_for(users["guangdong"]), "/proposals/submit/", data, 403)
    assert entries("proposal.submitted", draft) == 1


def test_resubmitting_a_returned_proposal_twice(users, one_at_a_time):
    sichuan = users["sichuan"]
    returned = make_proposal(one_at_a_time, sichuan, state="returned", title="四川退回")
    data = {"proposal": [returned.pk]}
    says(english(sichuan).post("/proposals/submit/", data, follow=True), "submitted.")
    again = english(sichuan).post("/proposals/submit/", data, follow=True)
    says(again, ALREADY_SUBMITTED % "四川退回")
    assert entries("proposal.resubmitted", returned) == 1


def test_returning_twice_says_it_was_already_returned(users, cycle):
    submitted = make_proposal(cycle, users["sichuan"], state="submitted")
    url = f"/proposals/{submitted.pk}/return/"
    national = english(users["national"])
    first = national.post(url, {"reason": "请补充量化指标"}, follow=True)
    says(first, "Proposal returned to the locality.")
    message = "This proposal was already returned to its locality."
    says(national.post(url, {"reason": "再退一次"}, follow=True), message)
    other = english(colleague(users["national"], "national2"))
    says(other.post(url, {"reason": "同事也退"}, follow=True), message)
    assert Proposal.objects.get(pk=submitted.pk).return_reason == "请补充量化指标"
    assert entries("proposal.returned", submitted) == 1
    # The page keeps its GET check: nothing to return now.
    assert national.get(url).status_code == 403
    refused(client_for(users["sichuan"]), url, {"reason": "x"}, 403)
    refused(client_for(users["guangdong"]), url, {"reason": "x"}, 404)
    assert entries("proposal.returned", submitted) == 1


def test_editing_a_proposal_a_colleague_submitted_meanwhile(users, cycle):
    sichuan = users["sichuan"]
    proposal = make_proposal(cycle, sichuan, state="submitted")
    url = f"/proposals/{proposal.pk}/edit/"
    for who in (sichuan, colleague(sichuan, "sichuan2")):
        response = english(who).post(url, edit_data(title="我刚改的标题"), follow=True)
        says(response, SUBMITTED_NO_CHANGE)
        assert "我刚改的标题" in response.content.decode()  # what was typed is shown back
    assert Proposal.objects.get(pk=proposal.pk).title == proposal_data()["title"]
    assert entries("proposal.updated", proposal) == 0
    refused(client_for(users["national"]), url, edit_data(), 403)
    refused(client_for(users["guangdong"]), url, edit_data(), 404)


def test_deleting_a_draft_submitted_meanwhile_or_deleted_already(users, cycle):
    sichuan = users["sichuan"]
    submitted = make_proposal(cycle, sichuan, state="submitted")
    url = f"/proposals/{submitted.pk}/delete/"
    response = english(sichuan).post(url, follow=True)
    says(response, "This proposal has already been submitted; only a draft can be deleted.")
    assert response.redirect_chain[-1][0] == f"/proposals/{submitted.pk}/"
    assert Proposal.objects.filter(pk=submitted.pk).exists()
    refused(client_for(users["national"]), url, status=403)
    refused(client_for(users["guangdong"]), url, status=404)

    draft = make_proposal(cycle, sichuan, title="要删的草稿")
    url = f"/proposals/{draft.pk}/delete/"
    says(english(sichuan).post(url, follow=True), "Draft deleted.")
    # Gone: a second click finds nothing there, as for anyone else.
    assert english(sichuan).post(url).status_code == 404
    assert entries("proposal.deleted", draft) == 1


def test_attaching_to_a_proposal_submitted_meanwhile(users, cycle, media_root):
    sichuan = users["sichuan"]
    proposal = make_proposal(cycle, sichuan, state="submitted")
    url = f"/proposals/{proposal.pk}/attachments/"
    for who in (sichuan, colleague(sichuan, "sichuan2")):
        response = english(who).post(url, {"file": SimpleUploadedFile("a.pdf", PDF)}, follow=True)
        says(response, SUBMITTED_NO_CHANGE)
    assert not Attachment.objects.exists()
    assert entries("proposal.attachment_added") == 0
    refused(client_for(users["national"]), url, {"file": SimpleUploadedFile("a.pdf", PDF)}, 403)


def test_removing_an_attachment_twice_or_once_submitted(users, cycle, media_root):
    sichuan = users["sichuan"]
    draft = make_proposal(cycle, sichuan)
    kept = attachment_add(proposal=draft, by=sichuan, upload=SimpleUploadedFile("留.pdf", PDF))
    gone = attachment_add(proposal=draft, by=sichuan, upload=SimpleUploadedFile("删.pdf", PDF))
    url = f"/attachments/{gone.pk}/delete/"
    says(english(sichuan).post(url, follow=True), "Attachment removed.")
    assert english(sichuan).post(url).status_code == 404  # nothing left to remove
    assert entries("proposal.attachment_removed", draft) == 1

    Proposal.objects.filter(pk=draft.pk).update(state="submitted", submitted_at=draft.created_at)
    url = f"/attachments/{kept.pk}/delete/"
    response = english(colleague(sichuan, "sichuan2")).post(url, follow=True)
    says(response, SUBMITTED_NO_CHANGE)
    assert response.redirect_chain[-1][0] == f"/proposals/{draft.pk}/"
    assert Attachment.objects.filter(pk=kept.pk).exists()
    assert entries("proposal.attachment_removed", draft) == 1
    refused(client_for(users["national"]), url, status=403)
    refused(client_for(users["guangdong"]), url, status=404)


def test_declining_a_suggestion_twice(users, cycle):
    suggestion = suggestion_submit(by=users["innovator"], cycle=cycle, title="建议", content="内容")
    url = f"/suggestions/{suggestion.pk}/"
    sichuan = english(users["sichuan"])
    says(sichuan.post(url, {"reason": "不在本年度范围"}, follow=True), "Suggestion declined.")
    message = "This suggestion was already declined."
    says(sichuan.post(url, {"reason": "再拒一次"}, follow=True), message)
    other = english(colleague(users["sichuan"], "sichuan2"))
    says(other.post(url, {"reason": "同事也拒"}, follow=True), message)
    declined = Suggestion.objects.get(pk=suggestion.pk)
    assert (declined.state, declined.decline_reason) == ("declined", "不在本年度范围")
    assert entries("suggestion.declined", suggestion) == 1
    refused(client_for(users["innovator"]), url, {"reason": "x"}, 403)
    refused(client_for(users["guangdong"]), url, {"reason": "x"}, 404)


def test_declining_a_suggestion_adopted_meanwhile(users, cycle):
    suggestion = suggestion_submit(by=users["innovator"], cycle=cycle, title="建议", content="内容")
    proposal = make_proposal(cycle, users["sichuan"])
    proposal.sources.add(suggestion)
    Suggestion.objects.filter(pk=suggestion.pk).update(state=Suggestion.State.ADOPTED)
    response = english(users["sichuan"]).post(
        f"/suggestions/{suggestion.pk}/", {"reason": "不采纳"}, follow=True
    )
    says(
        response,
        "This suggestion was already adopted into a proposal; it can no longer be declined.",
    )
    assert entries("suggestion.declined", suggestion) == 0
