"""A repeated merging action says what already happened.

Accepting, ignoring, bringing back, splitting a group, merging by hand, promoting and undoing:
a second click, or a colleague at the centre who acted first, lands on a page with the message
and writes nothing; a province is still refused. A group or candidate that went meanwhile is
said so by the services, never a server error.
"""

from types import SimpleNamespace

import pytest

from merging import services
from merging.errors import MergeError
from merging.models import CandidateMeasure, SuggestedGroup
from proposals.models import Proposal
from tests.conftest import client_for
from tests.test_merging_flows import (
    COURT,
    TECH,
    TECH_AGAIN,
    VISA,
    candidate_data,
    form_data,
    group_of,
    submitted,
)
from tests.test_repeat_fixtures import colleague, english, entries, refused, says


@pytest.fixture
def w(users, cycle) -> SimpleNamespace:
    sichuan, guangdong = users["sichuan"], users["guangdong"]
    a = submitted(cycle, sichuan, TECH)
    b = submitted(cycle, guangdong, TECH_AGAIN)
    return SimpleNamespace(
        users=users,
        national=users["national"],
        national2=colleague(users["national"], "national2"),
        cycle=cycle,
        a=a,
        b=b,
        other=submitted(cycle, guangdong, COURT),
        group=group_of(cycle, [a, b]),
    )


def group_state(group: SuggestedGroup) -> str:
    return SuggestedGroup.objects.get(pk=group.pk).state


def test_accepting_a_group_twice(w):
    url = f"/merging/groups/{w.group.pk}/accept/"
    first = english(w.national).post(url, form_data())
    assert first.status_code == 302
    message = "This group was already accepted: its candidate measure is saved."
    for who in (w.national, w.national2):
        again = english(who).post(url, form_data(title="第二次"), follow=True)
        says(again, message)
        assert again.redirect_chain[-1][0] == f"/merging/cycles/{w.cycle.pk}/"
    assert CandidateMeasure.objects.count() == 1
    assert entries("merge.accepted") == 1 and entries("group.accepted", w.group) == 1
    for role in ("sichuan", "expert"):
        refused(client_for(w.users[role]), url, form_data(), 404)


def test_ignoring_a_group_twice(w):
    url = f"/merging/groups/{w.group.pk}/ignore/"
    says(english(w.national).post(url, follow=True), "Group ignored")
    for who in (w.national, w.national2):
        says(english(who).post(url, follow=True), "This group was already ignored.")
    assert group_state(w.group) == "ignored"
    assert entries("group.ignored", w.group) == 1
    refused(client_for(w.users["sichuan"]), url, status=404)


def test_bringing_a_group_back_twice(w):
    services.group_ignore(group=w.group, by=w.national)
    url = f"/merging/groups/{w.group.pk}/restore/"
    says(english(w.national).post(url, follow=True), "Group brought back among the suggestions.")
    message = "This group was already brought back among the suggestions."
    for who in (w.national, w.national2):
        says(english(who).post(url, follow=True), message)
    assert group_state(w.group) == "open"
    assert entries("group.restored", w.group) == 1
    refused(client_for(w.users["sichuan"]), url, status=404)


def test_splitting_a_group_a_colleague_accepted(w):
    services.group_accept(group=w.group, by=w.national2, data=candidate_data())
    response = english(w.national).post(
        f"/merging/groups/{w.group.pk}/split/", {"move": [w.a.pk]}, follow=True
    )
    says(response, "This group was already accepted: its candidate measure is saved.")
    assert entries("group.split") == 0


def test_merging_by_hand_twice(w):
    url = f"/merging/cycles/{w.cycle.pk}/merge/"
    data = {**form_data(), "proposal": [w.a.pk, w.other.pk]}
    assert english(w.national).post(url, data).status_code == 302
    message = f"“{w.a.title}” is no longer waiting to be merged (it is merged into a candidate"
    for who in (w.national, w.national2):
        again = english(who).post(url, data, follow=True)
        says(again, message)
        assert again.redirect_chain[-1][0] == f"/merging/cycles/{w.cycle.pk}/remaining/"
    assert CandidateMeasure.objects.count() == 1
    assert entries("proposal.merged", w.a) == 1
    refused(client_for(w.users["sichuan"]), url, data, 403)


def test_promoting_twice(w):
    url = f"/merging/cycles/{w.cycle.pk}/promote/"
    data = {"proposal": [w.other.pk]}
    assert english(w.national).post(url, data).status_code == 302
    for who in (w.national, w.national2):
        says(english(who).post(url, data), "No proposal is waiting to be promoted.")
    assert CandidateMeasure.objects.count() == 1
    assert entries("merge.promoted") == 1
    refused(client_for(w.users["sichuan"]), url, data, 403)


def test_undoing_a_merge_twice(w):
    candidate = services.group_accept(group=w.group, by=w.national, data=candidate_data())
    url = f"/merging/candidates/{candidate.pk}/undo/"
    first = english(w.national).post(url, {"reason": "合并有误"}, follow=True)
    says(first, "Merge undone")
    # The candidate is gone: a second click finds nothing, as anyone else would.
    assert english(w.national).post(url, {"reason": "再撤一次"}).status_code == 404
    assert entries("merge.undone") == 1
    # A colleague who had the page open: the service says what happened (no server error).
    with pytest.raises(MergeError, match="This merge was already undone"):
        services.merge_undo(candidate=candidate, by=w.national2, reason="同事也撤")
    assert entries("merge.undone") == 1
    assert {p.state for p in Proposal.objects.filter(pk__in=[w.a.pk, w.b.pk])} == {"submitted"}


def test_a_group_gone_meanwhile_is_said_so(w, users):
    c = submitted(w.cycle, users["sichuan"], VISA)
    d = submitted(w.cycle, users["guangdong"], VISA)
    big = group_of(w.cycle, [c, d, w.other])
    stale = SuggestedGroup.objects.get(pk=big.pk)
    services.group_join(group=w.group, other=big, by=w.national2)  # `big` is gone now
    message = "This group no longer exists"
    with pytest.raises(MergeError, match=message):
        services.group_ignore(group=stale, by=w.national)
    with pytest.raises(MergeError, match=message):
        services.group_accept(group=stale, by=w.national, data=candidate_data())
    assert entries("group.ignored") == 0 and not CandidateMeasure.objects.exists()
    # The page of a group gone is not found, for anyone.
    assert client_for(w.national).post(f"/merging/groups/{big.pk}/ignore/").status_code == 404
