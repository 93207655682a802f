"""Tracking rounds (跟踪调研, 全国摸查; source 000: "建立前后3批改革举措推广情况的跟踪调研与评估反馈
机制"): the national level opens a round over one or several batches — all three at once —
sees each province's returns, closes it after a confirmation and sends each province its
feedback (评估反馈), prefilled with the province's figures."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEntry
from kernel.errors import Forbidden
from notifications.models import Notification
from promotion.models import RoundFeedback, RoundReturn, TrackingRound
from promotion.services import rounds as services
from promotion.services.records import PromotionError, adoption_write
from promotion.services.rounds import RoundData
from regions.models import Division, Park
from tests.conftest import client_for
from tests.test_promotion_adoption_fixtures import (
    DEADLINE,
    LANDED,
    TODAY,
    batches,
    division,
    make_world,
    measures,
    open_round,
)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return make_world()


def test_the_national_level_opens_a_round_over_all_three_batches(world):
    response = client_for(world["national"]).post(
        reverse("promotion:round_new"),
        {
            "title": "2026年全国摸查",
            "batches": [b.pk for b in batches()],
            "deadline": DEADLINE.isoformat(),
            "note": "请逐项填报",
        },
    )
    round = TrackingRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("promotion:round", args=[round.pk])
    assert round.opened_on == timezone.localdate()  # not TODAY: a run may cross midnight
    assert round.state == TrackingRound.State.OPEN
    assert round.batches.count() == 3
    assert len(measures(round)) == 13 + 23 + 20
    # One return per unit in scope: every division and park (a nationwide measure is in it).
    assert round.returns.count() == Division.objects.count() + Park.objects.count()
    assert round.returns.filter(level=1).count() == Division.objects.filter(level=1).count()
    # The provinces' coordinators are told; nobody else.
    told = set(
        Notification.objects.filter(url__contains=f"/rounds/{round.pk}/").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"henan", "sc"}
    assert AuditEntry.objects.filter(action="round.opened", object_id=str(round.pk)).exists()


def test_a_round_may_cover_one_batch(world):
    round = open_round(world["national"], which=batches()[:1])
    assert [b.number for b in round.batches.all()] == [1]
    assert len(measures(round)) == 13


def test_a_rejected_round_keeps_what_was_typed(world):
    client = client_for(world["national"])
    response = client.post(
        reverse("promotion:round_new"),
        {"title": "我的摸查", "deadline": (TODAY - datetime.timedelta(days=1)).isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "我的摸查" in response.content.decode()
    assert "batch" in response.content.decode().lower()
    assert not TrackingRound.objects.exists()
    with pytest.raises(PromotionError, match="deadline"):
        services.round_open(
            by=world["national"],
            data=RoundData(
                title="x", batches=batches(), deadline=TODAY - datetime.timedelta(days=1)
            ),
        )


@pytest.mark.parametrize("who", ["henan", "zhengzhou", "park", "implementer"])
def test_only_the_national_level_opens_closes_and_sends_feedback(world, who):
    user = world[who]
    round = open_round(world["national"])
    client = client_for(user)
    assert client.get(reverse("promotion:round_new")).status_code == 403
    assert client.post(reverse("promotion:round_close", args=[round.pk])).status_code in (403, 404)
    url = reverse("promotion:round_feedback", args=[round.pk, division("410000").pk])
    assert client.get(url).status_code in (403, 404)
    with pytest.raises(Forbidden):
        services.round_open(
            by=user, data=RoundData(title="x", batches=batches(), deadline=DEADLINE)
        )
    with pytest.raises(Forbidden):
        services.round_close(by=user, round=round)


def test_anonymous_users_are_sent_to_sign_in(world, client):
    round = open_round(world["national"])
    for name, args in [("rounds", []), ("round", [round.pk]), ("round_new", [])]:
        response = client.get(reverse(f"promotion:{name}", args=args))
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_an_implementer_sees_no_round(world):
    round = open_round(world["national"])
    client = client_for(world["implementer"])
    assert client.get(reverse("promotion:rounds")).status_code == 403
    assert client.get(reverse("promotion:round", args=[round.pk])).status_code == 404


def test_the_round_list_filters_by_state(world):
    national = world["national"]
    first = open_round(national, "第一轮")
    open_round(national, "第二轮")
    services.round_close(by=national, round=first)
    client = client_for(world["henan"])
    page = client.get(reverse("promotion:rounds"), {"state": "closed"}).content.decode()
    assert "第一轮" in page and "第二轮" not in page
    page = client.get(reverse("promotion:rounds")).content.decode()
    assert "第一轮" in page and "第二轮" in page


def _plain_rounds(national, count: int) -> None:
    for n in range(count):
        round = TrackingRound.objects.create(
            title=f"轮次{n}", opened_on=TODAY, deadline=DEADLINE, opened_by=national
        )
        round.batches.set(batches())


def test_the_round_list_takes_the_same_queries_for_more_rounds(
    world, django_assert_max_num_queries
):
    client = client_for(world["national"])
    _plain_rounds(world["national"], 2)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("promotion:rounds")).status_code == 200
    _plain_rounds(world["national"], 30)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("promotion:rounds"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 32


def test_the_round_page_shows_each_provinces_returns(world, django_assert_max_num_queries):
    national = world["national"]
    round = open_round(national)
    henan = division("410000")
    RoundReturn.objects.filter(round=round, division=division("410100")).update(
        delegated_at=timezone.now(), delegated_by=national
    )
    RoundReturn.objects.filter(round=round, division=henan).update(
        filed_at=timezone.now(), filed_by=world["henan"]
    )
    client = client_for(national)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("promotion:round", args=[round.pk]))
    progress = {p.province.code: p for p in response.context["progress"]}
    units = RoundReturn.objects.filter(round=round, province=henan).count()
    assert progress["410000"].units == units
    assert progress["410000"].filed == 1
    assert progress["410000"].handed_down == 1
    assert progress["410000"].not_filed == units - 1
    assert progress["510000"].filed == 0


def test_closing_asks_for_confirmation_then_closes(world):
    national = world["national"]
    round = open_round(national)
    client = client_for(national)
    page = client.get(reverse("promotion:round_close", args=[round.pk]))
    assert page.status_code == 200
    round.refresh_from_db()
    assert round.state == TrackingRound.State.OPEN
    response = client.post(reverse("promotion:round_close", args=[round.pk]))
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.state == TrackingRound.State.CLOSED and round.closed_at is not None
    assert AuditEntry.objects.filter(action="round.closed", object_id=str(round.pk)).exists()
    # Closed: nothing more is filed in it.
    with pytest.raises(PromotionError):
        adoption_write(
            by=world["county"],
            unit=division("410102"),
            measure=measures(round)[1],
            data=LANDED,
            round=round,
        )
    with pytest.raises(PromotionError):
        services.round_close(by=national, round=round)


def test_feedback_is_prefilled_with_the_provinces_figures_and_reaches_the_province(world):
    national = world["national"]
    round = open_round(national)
    henan = division("410000")
    county = division("410102")
    for measure in measures(round)[:3]:
        adoption_write(by=world["county"], unit=county, measure=measure, data=LANDED, round=round)
    client = client_for(national)
    url = reverse("promotion:round_feedback", args=[round.pk, henan.pk])
    # Not before the round is closed.
    assert client.get(url).status_code == 302
    with pytest.raises(PromotionError):
        services.feedback_send(by=national, round=round, province=henan, text="x")
    services.round_close(by=national, round=round)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    initial = page.context["form"].initial["text"]
    assert "河南省" in initial
    assert "in place: 3" in initial
    assert "difficulties: 3" in initial
    response = client.post(url, {"text": initial + "\n建议加强部门协同。"})
    assert response.status_code == 302
    feedback = RoundFeedback.objects.get(round=round, province=henan)
    assert "建议加强部门协同" in feedback.text
    assert (
        Notification.objects.filter(user=world["henan"], url__contains=str(round.pk)).count() == 2
    )
    assert not Notification.objects.filter(
        user=world["sichuan"], subject__contains="Feedback"
    ).exists()
    # The province sees it on the round's page; the other province does not.
    seen = client_for(world["henan"]).get(reverse("promotion:round", args=[round.pk]))
    assert "建议加强部门协同" in seen.content.decode()
    unseen = client_for(world["sichuan"]).get(reverse("promotion:round", args=[round.pk]))
    assert "建议加强部门协同" not in unseen.content.decode()
    # Sending again corrects it.
    client.post(url, {"text": "更正后的反馈"})
    assert RoundFeedback.objects.get(round=round, province=henan).text == "更正后的反馈"


def test_empty_feedback_is_refused_on_the_form(world):
    national = world["national"]
    round = open_round(national)
    services.round_close(by=national, round=round)
    url = reverse("promotion:round_feedback", args=[round.pk, division("410000").pk])
    response = client_for(national).post(url, {"text": "  "})
    assert response.status_code == 200
    assert not RoundFeedback.objects.exists()
