"""The expert's review: drafts, one submission, the lock, the database's completeness check,
forms that keep what was typed, and an expert who sees only their own assignments."""

import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from kernel.errors import Forbidden
from review.errors import ReviewError
from review.models import Review
from review.services.reviews import review_save, review_submit
from tests.conftest import client_for, make_proposal
from tests.test_review_setup import assign, build_world, make_candidate, make_expert

SCORES = {"value": 4, "operability": 3, "assessability": 5, "replicability": 2}
COMPLETE = {**SCORES, "comments": "指标可量化", "recommendation": "include"}


@pytest.fixture
def review_world(users, cycle):
    w = build_world(users, cycle)
    w.mine = assign(w.ip, users["expert"], w.national)
    w.colleague = make_expert("colleague", division_code="310000")
    w.theirs = assign(w.ip, w.colleague, w.national)
    return w


def form_data(**overrides):
    data = {k: str(v) for k, v in COMPLETE.items()}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# Services -------------------------------------------------------------------------------------


def test_a_draft_is_saved_incomplete_and_changed_freely(review_world):
    w, expert = review_world, review_world.users["expert"]
    review = review_save(assignment=w.mine, by=expert, data={"value": 3})
    assert (review.state, review.value, review.operability) == ("draft", 3, None)
    review = review_save(assignment=w.mine, by=expert, data={"value": 5, "comments": "初稿"})
    assert (review.value, review.comments) == (5, "初稿")
    assert Review.objects.count() == 1
    trail = AuditEntry.objects.filter(action__startswith="review.").order_by("id")
    actions = list(trail.values_list("action", flat=True))
    assert actions == ["review.created", "review.updated"]
    assert trail.reverse()[0].changes["value"] == [3, 5]


def test_submit_requires_every_criterion_and_a_recommendation(review_world):
    w, expert = review_world, review_world.users["expert"]
    review_save(assignment=w.mine, by=expert, data=SCORES)
    with pytest.raises(ReviewError, match="recommendation|论证建议"):
        review_submit(assignment=w.mine, by=expert)
    assert Review.objects.get().state == "draft"
    with pytest.raises(ReviewError):  # nothing saved yet: nothing to submit
        review_submit(assignment=w.theirs, by=w.colleague)


def test_submitted_once_then_locked(review_world):
    w, expert = review_world, review_world.users["expert"]
    review = review_submit(assignment=w.mine, by=expert, data=COMPLETE)
    assert review.state == "submitted" and review.submitted_at is not None
    with pytest.raises(ReviewError, match="locked|锁定"):
        review_save(assignment=w.mine, by=expert, data={"value": 1})
    with pytest.raises(ReviewError):
        review_submit(assignment=w.mine, by=expert)
    review.refresh_from_db()
    assert review.value == 4
    assert AuditEntry.objects.filter(action="review.submitted").count() == 1


def test_scores_run_from_one_to_five(review_world):
    w, expert = review_world, review_world.users["expert"]
    for bad in (0, 6, "4"):
        with pytest.raises(ReviewError):
            review_save(assignment=w.mine, by=expert, data={"value": bad})
    with pytest.raises(ReviewError):
        review_save(assignment=w.mine, by=expert, data={"recommendation": "maybe"})


@pytest.mark.parametrize("who", ["national", "sichuan", "colleague"])
def test_only_the_assigned_expert_writes_the_review(review_world, who):
    w = review_world
    user = w.colleague if who == "colleague" else w.users[who]
    with pytest.raises(Forbidden):
        review_save(assignment=w.mine, by=user, data={"value": 3})
    with pytest.raises(Forbidden):
        review_submit(assignment=w.mine, by=user, data=COMPLETE)
    assert not Review.objects.filter(assignment=w.mine).exists()


def test_the_database_refuses_an_incomplete_submitted_review(review_world):
    w = review_world
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            assignment=w.mine, state="submitted", submitted_at=timezone.now(), **SCORES
        )  # no recommendation
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            assignment=w.mine, state="submitted", recommendation="include", **SCORES
        )  # no date


# Pages ----------------------------------------------------------------------------------------


def test_save_draft_then_submit_with_confirmation(review_world):
    w = review_world
    client = client_for(w.users["expert"])
    url = f"/review/assignments/{w.mine.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert w.ip.content in page.content.decode()
    saved = client.post(url, form_data(recommendation="", action="save"))
    assert saved.status_code == 302 and saved["Location"] == url
    assert Review.objects.get(assignment=w.mine).state == "draft"
    to_confirm = client.post(url, form_data(action="submit"))
    assert to_confirm["Location"] == f"{url}submit/"
    assert Review.objects.get(assignment=w.mine).state == "draft"  # not yet
    confirm = client.get(f"{url}submit/")
    assert confirm.status_code == 200 and '<form method="post"' in confirm.content.decode()
    done = client.post(f"{url}submit/")
    assert done.status_code == 302 and done["Location"] == "/review/mine/"
    assert Review.objects.get(assignment=w.mine).state == "submitted"
    locked = client.get(url)
    assert locked.context["form"] is None
    # A second save or submit is told the review is locked, and changes nothing.
    again = client.post(url, form_data(value="1", action="save"))
    assert again.status_code == 200 and "已提交" in again.content.decode()
    resubmit = client.post(f"{url}submit/")
    assert resubmit.status_code == 302 and resubmit["Location"] == url
    assert Review.objects.get(assignment=w.mine).value == 4


def test_an_incomplete_submission_keeps_what_was_typed_and_saves_nothing(review_world):
    w = review_world
    client = client_for(w.users["expert"])
    url = f"/review/assignments/{w.mine.pk}/"
    data = form_data(replicability=None, comments="请保留这段评审意见", action="submit")
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "请保留这段评审意见</textarea>" in page
    assert re.search(r'name="value" value="4"[^>]*checked', page)
    assert re.search(r'name="recommendation" value="include"[^>]*checked', page)
    assert "replicability" in response.context["form"].errors
    assert not Review.objects.exists()


def test_my_reviews_lists_only_my_assignments(review_world):
    w = review_world
    client = client_for(w.users["expert"])
    page = client.get("/review/mine/")
    assert [a.pk for a in page.context["page"].object_list] == [w.mine.pk]
    other = client_for(w.colleague).get("/review/mine/")
    assert [a.pk for a in other.context["page"].object_list] == [w.theirs.pk]


def test_another_experts_assignment_is_not_found(review_world):
    w = review_world
    client = client_for(w.users["expert"])
    for url in (
        f"/review/assignments/{w.theirs.pk}/",
        f"/review/assignments/{w.theirs.pk}/submit/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, form_data(action="save")).status_code == 404
    assert not Review.objects.exists()


def test_the_expert_page_names_no_other_reviewer(review_world):
    w = review_world
    review_submit(assignment=w.theirs, by=w.colleague, data={**COMPLETE, "comments": "同行意见"})
    page = client_for(w.users["expert"]).get(f"/review/assignments/{w.mine.pk}/")
    html = page.content.decode()
    assert w.colleague.username not in html
    assert str(w.colleague) not in html
    assert "同行意见" not in html


def test_my_reviews_filters_and_export(review_world):
    w = review_world
    expert = w.users["expert"]
    extra = make_candidate(
        w.cycle,
        w.national,
        "外籍人才签证便利",
        [make_proposal(w.cycle, w.users["guangdong"], "submitted", title="广东签证")],
    )
    second = assign(extra, expert, w.national)
    review_submit(assignment=second, by=expert, data=COMPLETE)
    client = client_for(expert)

    def shown(**params):
        response = client.get("/review/mine/", params)
        return [a.pk for a in response.context["page"].object_list]

    assert shown() == [w.mine.pk, second.pk]
    assert shown(state="submitted") == [second.pk]
    assert shown(state="new") == [w.mine.pk]
    assert shown(q="签证") == [second.pk]
    export = client.get("/review/mine/export/", {"state": "submitted"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "外籍人才签证便利"
    assert rows[1][4:8] == (4, 3, 5, 2)


def test_the_coordinator_reads_a_review_only_once_it_is_submitted(review_world):
    w = review_world
    review_save(assignment=w.mine, by=w.users["expert"], data={"comments": "尚未成熟的想法"})
    client = client_for(w.national)
    draft = client.get(f"/review/assignments/{w.mine.pk}/").content.decode()
    assert "尚未成熟的想法" not in draft
    review_submit(assignment=w.mine, by=w.users["expert"], data=COMPLETE)
    submitted = client.get(f"/review/assignments/{w.mine.pk}/").content.decode()
    assert "指标可量化" in submitted
