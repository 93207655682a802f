"""A repeated action on the annual list says what already happened.

Sending for opinions (征求意见), publishing (公布), revising, discarding, adding, ordering,
editing and removing measures, and recording consultations: a second click, or a colleague at
the centre who acted first, lands on a page with the message and writes nothing; a province is
still refused (403 on a published version it reads, 404 on anything else).
"""

import datetime
from types import SimpleNamespace

import pytest

from lists.errors import ListError
from lists.models import Consultation, ListItem, ListVersion
from lists.services import drafting, publishing
from tests.conftest import client_for
from tests.test_lists_fixtures import build_world
from tests.test_repeat_fixtures import colleague, english, entries, refused, says

PUBLISHED = "A published version never changes. Start a revision to change the list."
PUBLISH = {"issuing_authority": "国家发展改革委", "doc_number": "发改高技〔2097〕5号"}


@pytest.fixture
def w(users, cycle) -> SimpleNamespace:
    w = build_world(users, cycle)
    w.national = users["national"]
    w.national2 = colleague(users["national"], "national2")
    w.users = users
    return w


def version_state(version: ListVersion) -> str:
    return ListVersion.objects.get(pk=version.pk).state


def test_sending_for_opinions_twice(w):
    url = f"/lists/manage/versions/{w.draft.pk}/send/"
    says(english(w.national).post(url, follow=True), "Out for opinions.")
    for who in (w.national, w.national2):
        again = english(who).post(url, follow=True)
        says(again, "This version is already out for opinions.")
        assert again.redirect_chain[-1][0] == f"/lists/manage/versions/{w.draft.pk}/"
    assert version_state(w.draft) == "consulting"
    assert entries("list.sent_for_opinions", w.draft) == 1
    refused(client_for(w.users["sichuan"]), url, status=404)


def test_publishing_twice(w):
    url = f"/lists/manage/versions/{w.consulting.pk}/publish/"
    data = {**PUBLISH, "issued_on": "2099-06-01"}
    first = english(w.national).post(url, data, follow=True)
    says(first, "Published. The list is now public.")
    message = "This version of the list has already been published."
    for who in (w.national, w.national2):
        says(english(who).post(url, {**data, "doc_number": "发改高技〔2097〕6号"}), message)
    version = ListVersion.objects.get(pk=w.consulting.pk)
    assert (version.state, version.doc_number) == ("published", PUBLISH["doc_number"])
    assert entries("list.published", w.consulting) == 1
    # Anyone reads a published version: a province sees it, so it is refused with 403.
    refused(client_for(w.users["sichuan"]), url, data, 403)
    # Sending it for opinions again is refused with the message too.
    send = english(w.national).post(f"/lists/manage/versions/{w.consulting.pk}/send/", follow=True)
    says(send, message)


def test_recording_a_consultation_once_published(w):
    publishing.version_publish(
        version=w.consulting, by=w.national2, issued_on=datetime.date(2099, 6, 1), **PUBLISH
    )
    data = {"ministry": "财政部", "asked_at": "2099-05-10"}
    new = f"/lists/manage/versions/{w.consulting.pk}/consultations/new/"
    says(english(w.national).post(new, data), PUBLISHED)
    edit = f"/lists/manage/consultations/{w.consultation.pk}/edit/"
    says(english(w.national).post(edit, {**data, "ministry": "改了"}), PUBLISHED)
    assert Consultation.objects.filter(version=w.consulting).count() == 1
    assert entries("list.consultation_recorded") == 2  # the two the world made, no third
    assert entries("list.consultation_updated") == 0
    refused(client_for(w.users["sichuan"]), new, data, 403)


def test_revising_twice(w):
    url = f"/lists/manage/{w.published.annual_list_id}/revise/"
    first = english(w.national).post(url, {"change_note": "增补两项"}, follow=True)
    says(first, "Revision drafted from the published version.")
    message = "Version 2 is still open: publish or discard it before revising."
    for who in (w.national, w.national2):
        says(english(who).post(url, {"change_note": "再修订一次"}), message)
    assert w.published.annual_list.versions.count() == 2
    assert entries("list.revised") == 1
    # A province reads the published list but does not revise it.
    refused(client_for(w.users["sichuan"]), url, {"change_note": "x"}, 403)


def test_discarding_a_draft_sent_meanwhile_or_discarded_already(w):
    url = f"/lists/manage/versions/{w.draft.pk}/discard/"
    publishing.version_send_for_opinions(version=w.draft, by=w.national2)
    response = english(w.national).post(url, follow=True)
    says(response, "Only a draft that was not sent for opinions can be discarded.")
    assert response.redirect_chain[-1][0] == f"/lists/manage/versions/{w.draft.pk}/"
    assert version_state(w.draft) == "consulting"
    refused(client_for(w.users["sichuan"]), url, status=404)

    version = drafting.list_create(cycle=w.cycle96, by=w.national, title="九六清单")
    url = f"/lists/manage/versions/{version.pk}/discard/"
    says(english(w.national).post(url, follow=True), "Draft discarded.")
    assert english(w.national).post(url).status_code == 404  # gone
    assert entries("list.version_discarded") == 1
    # A colleague whose page was open meanwhile: the service says so, no server error.
    with pytest.raises(ListError, match="This draft version was already discarded."):
        publishing.version_discard(version=version, by=w.national2)
    assert entries("list.version_discarded") == 1


def test_adding_the_same_measures_twice(w):
    url = f"/lists/manage/versions/{w.draft.pk}/add/"
    data = {"candidates": [w.candidates98[2].pk]}
    says(english(w.national).post(url, data, follow=True), "1 measure(s) added.")
    for who in (w.national, w.national2):
        again = english(who).post(url, data, follow=True)
        says(again, "A candidate you ticked is already on this version.")
        assert again.redirect_chain[-1][0] == f"/lists/manage/versions/{w.draft.pk}/"
    assert w.draft.items.count() == 3
    assert entries("list.item_added") == 3 + 2 + 1 + 1  # the world's six, and this one
    refused(client_for(w.users["sichuan"]), url, data, 404)


def test_changing_the_measures_of_a_version_published_meanwhile(w):
    version = w.consulting
    item = version.items.get()
    publishing.version_publish(
        version=version, by=w.national2, issued_on=datetime.date(2099, 6, 1), **PUBLISH
    )
    client = english(w.national)
    edit = client.post(
        f"/lists/manage/items/{item.pk}/edit/",
        {"title": "新标题", "field": item.field_id, "content": "新内容", "ministries": ""},
    )
    says(edit, PUBLISHED)
    assert "新标题" in edit.content.decode()  # what was typed is shown back
    removed = client.post(f"/lists/manage/items/{item.pk}/remove/", follow=True)
    says(removed, PUBLISHED)
    ordered = client.post(
        f"/lists/manage/versions/{version.pk}/order/", {f"item_{item.pk}": "1"}, follow=True
    )
    says(ordered, PUBLISHED)
    details = client.post(
        f"/lists/manage/versions/{version.pk}/edit/", {"preamble": "改了", "title": "x"}
    )
    says(details, PUBLISHED)
    assert ListItem.objects.get(pk=item.pk).title == "九七候选"
    for action in ("list.item_updated", "list.item_removed", "list.item_moved", "list.updated"):
        assert entries(action) == 0, action
    refused(client_for(w.users["sichuan"]), f"/lists/manage/items/{item.pk}/remove/", status=403)


def test_removing_a_measure_twice(w):
    item = w.draft_item
    url = f"/lists/manage/items/{item.pk}/remove/"
    says(english(w.national).post(url, follow=True), "Measure removed from this version.")
    assert english(w.national).post(url).status_code == 404  # gone
    # A colleague whose page was open meanwhile: said so, recorded once.
    with pytest.raises(ListError, match="This measure was already removed from the version."):
        drafting.item_remove(item=item, by=w.national2)
    with pytest.raises(ListError, match="This measure was already removed from the version."):
        drafting.item_update(item=item, by=w.national2, data={"title": "改"})
    assert entries("list.item_removed") == 1


def test_recording_opinions_on_a_draft_not_sent_yet(w):
    """Not a repeat, but the same rule: a POST the state does not allow gets the message."""
    version = drafting.list_create(cycle=w.cycle96, by=w.national, title="九六清单")
    data = {"ministry": "财政部", "asked_at": "2099-05-10"}
    url = f"/lists/manage/versions/{version.pk}/consultations/new/"
    says(english(w.national2).post(url, data), "Send the draft for opinions first.")
    assert not Consultation.objects.filter(version=version).exists()
    assert client_for(w.national2).get(url).status_code == 403  # the page keeps its check
