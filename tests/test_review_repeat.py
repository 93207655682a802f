"""A repeated action of the expert review says what already happened.

Saving or submitting a review already submitted, saving the solver's plan twice, adding,
removing or replacing a reviewer a colleague changed first: the page the user lands on shows
the message and nothing is written twice; a user without the right is still refused.
"""

from types import SimpleNamespace

import pytest
from django.utils import translation

from review.errors import ReviewError
from review.models import Assignment, Review
from review.services import assignments as services
from review.services.reviews import review_save, review_submit
from tests.conftest import client_for
from tests.test_repeat_fixtures import colleague, english, entries, refused, says
from tests.test_review_setup import assign, build_world

COMPLETE = {"value": 4, "operability": 3, "assessability": 5, "replicability": 2}
LOCKED = "This review was submitted and is locked; it cannot change."


@pytest.fixture
def w(users, cycle) -> SimpleNamespace:
    w = build_world(users, cycle)
    w.mine = assign(w.ip, users["expert"], w.national)
    w.theirs = assign(w.ip, w.other_expert, w.national)
    w.national2 = colleague(w.national, "national2")
    return w


def review_form(**extra) -> dict:
    return {**{k: str(v) for k, v in COMPLETE.items()}, "recommendation": "include", **extra}


def test_submitting_a_review_twice(w, users):
    expert = users["expert"]
    review_save(assignment=w.mine, by=expert, data={**COMPLETE, "recommendation": "include"})
    url = f"/review/assignments/{w.mine.pk}/submit/"
    first = english(expert).post(url)
    assert first.status_code == 302 and first["Location"] == "/review/mine/"
    again = english(expert).post(url, follow=True)
    says(again, LOCKED)
    # Back on the review's page, which shows the review locked, without a form.
    assert again.redirect_chain[-1][0] == f"/review/assignments/{w.mine.pk}/"
    assert again.context["form"] is None
    assert entries("review.submitted") == 1
    review = Review.objects.get(assignment=w.mine)
    assert review.state == "submitted"
    # Without the right: the coordinator sees the review but does not write it; another
    # expert does not know it exists.
    refused(client_for(w.national), url, status=403)
    refused(client_for(w.other_expert), url, status=404)
    assert Review.objects.get(assignment=w.mine).submitted_at == review.submitted_at


def test_saving_a_review_already_submitted(w, users):
    expert = users["expert"]
    review_submit(
        assignment=w.mine, by=expert, data={**COMPLETE, "recommendation": "include"}
    )  # in another tab, say
    url = f"/review/assignments/{w.mine.pk}/"
    response = english(expert).post(url, review_form(value="1", action="save"))
    says(response, LOCKED)
    assert Review.objects.get(assignment=w.mine).value == COMPLETE["value"]
    assert entries("review.updated") == 0
    refused(client_for(w.national), url, review_form(action="save"), 403)
    refused(client_for(w.other_expert), url, review_form(action="save"), 404)


def test_saving_the_solvers_plan_twice(w, inline_jobs):
    job = inline_jobs(
        lambda: services.assignment_preview_enqueue(cycle=w.cycle, by=w.national, reviewers=1)
    )
    url = f"/review/previews/{job.pk}/save/"
    data = {"accept_partial": "on"}
    assert inline_jobs(lambda: english(w.national).post(url, data)).status_code == 302
    saved = Assignment.objects.count()
    assert saved
    message = "This preview has already been saved."
    for who in (w.national, w.national2):
        says(english(who).post(url, data, follow=True), message)
    assert Assignment.objects.count() == saved
    assert entries("review.assignment_solved") == 1
    refused(client_for(w.users["expert"]), url, data, 403)


def test_adding_a_reviewer_twice(w):
    url = f"/review/candidates/{w.tech.pk}/add/"
    data = {"expert": w.other_expert.pk, "reason": "补充评审"}
    assert english(w.national).post(url, data).status_code == 302
    for who in (w.national, w.national2):
        # The expert is no longer offered: the form says so, nothing is added twice.
        assert english(who).post(url, data).status_code == 200
    assert Assignment.objects.filter(candidate=w.tech, expert=w.other_expert).count() == 1
    assert entries("review.reviewer_added", w.tech) == 1
    with pytest.raises(ReviewError, match="already reviews"):
        services.assignment_add(candidate=w.tech, expert=w.other_expert, by=w.national, reason="x")
    refused(client_for(w.users["expert"]), url, data, 404)


def test_removing_a_reviewer_twice(w):
    url = f"/review/assignments/{w.theirs.pk}/remove/"
    first = english(w.national).post(url, {"reason": "回避"}, follow=True)
    says(first, "Reviewer removed.")
    # The assignment is gone: a second click finds nothing, as anyone else would.
    assert english(w.national).post(url, {"reason": "再删"}).status_code == 404
    # A colleague who had the page open: the service says what happened, and writes nothing.
    with pytest.raises(ReviewError, match="was already removed or replaced"):
        services.assignment_remove(assignment=w.theirs, by=w.national2, reason="同事也删")
    with pytest.raises(ReviewError, match="was already removed or replaced"):
        services.assignment_replace(
            assignment=w.theirs, expert=w.shu_expert, by=w.national2, reason="同事换人"
        )
    assert entries("review.reviewer_removed", w.ip) == 1
    assert entries("review.reviewer_replaced", w.ip) == 0


def test_replacing_a_reviewer_who_submitted_meanwhile(w, users):
    review_submit(
        assignment=w.mine, by=users["expert"], data={**COMPLETE, "recommendation": "include"}
    )
    url = f"/review/assignments/{w.mine.pk}/replace/"
    for who in (w.national, w.national2):
        response = english(who).post(url, {"expert": w.shu_expert.pk, "reason": "换人"})
        says(response, "has submitted the review; a submitted review stays.")
    url = f"/review/assignments/{w.mine.pk}/remove/"
    response = english(w.national).post(url, {"reason": "删"})
    says(response, "has submitted the review; a submitted review stays.")
    assert Assignment.objects.filter(pk=w.mine.pk).exists()
    assert entries("review.reviewer_replaced") == 0 and entries("review.reviewer_removed") == 0
    refused(client_for(users["expert"]), url, {"reason": "x"}, 403)


def test_saving_a_review_whose_assignment_was_removed(w, users):
    stale = Assignment.objects.get(pk=w.mine.pk)
    services.assignment_remove(assignment=w.mine, by=w.national, reason="回避")
    with translation.override("en"), pytest.raises(ReviewError, match="no longer assigned"):
        review_save(assignment=stale, by=users["expert"], data={"value": 3})
    assert not Review.objects.exists()
