"""The journey of a measure (一项举措的全程, issue 11 "The journey of a measure"): one page tells
the whole story of a measure on a timeline, opened from any of its records; each step links
to its record; each user sees the steps their role allows (each stage's own visibility); the
same journey is available as JSON; the queries do not grow with the reports and the adoption
records.

Steps a user may not see are left out without a trace (the platform's rule), so these tests
assert which kinds of step each user gets, in order."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from evaluation.models import Commission
from regions.models import Division
from tests.conftest import client_for, make_proposal, make_user
from tests.test_overview_journey_fixtures import add_adoptions, add_reports, journey_world

# The national level reads no suggestion: a suggestion is the innovation body's and its
# province's (proposals.rules.SUGGESTIONS).
NATIONAL_STEPS = [
    "proposal",
    "candidate",
    "review",
    "list_item",
    "programme",
    "claim",
    "notice",
    "task",
    "reports",
    "close_out",
    "evaluation",
    "outcome",
    "measure",
    "adoption",
]
# Sichuan claimed the measure and runs its task: its suggestion too, and everything but the
# experts' review (no locality sees review results, review.rules).
SICHUAN_STEPS = ["suggestion", *(kind for kind in NATIONAL_STEPS if kind != "review")]
# Guangdong was eligible to claim but did not: the published list, the programme it was
# offered in, the published batch, and the adoption of its own territory.
GUANGDONG_STEPS = ["list_item", "programme", "measure", "adoption"]
PUBLIC_STEPS = ["list_item", "measure"]


@pytest.fixture
def world(users):
    return journey_world(users)


def url(kind: str, pk: int, *, json: bool = False) -> str:
    return reverse("overview:journey_json" if json else "overview:journey", args=[kind, pk])


def kinds(response) -> list[str]:
    return [step.kind for step in response.context["steps"]]


def start_pk(world, kind: str) -> int:
    records = {
        "proposal": world.proposal,
        "candidate": world.candidate,
        "item": world.item,
        "task": world.task,
        "outcome": world.outcome,
        "measure": world.measure,
    }
    return records[kind].pk


@pytest.mark.parametrize("kind", ["proposal", "candidate", "item", "task", "outcome", "measure"])
def test_the_national_level_sees_every_step_in_order_from_any_record(users, world, kind):
    response = client_for(users["national"]).get(url(kind, start_pk(world, kind)))
    assert response.status_code == 200
    assert kinds(response) == NATIONAL_STEPS
    started = [step for step in response.context["steps"] if step.start]
    assert len(started) == 1
    assert started[0].record[1] == start_pk(world, kind)


def test_each_step_links_to_its_record(users, world):
    response = client_for(users["national"]).get(url("measure", world.measure.pk))
    links = {step.kind: step.url for step in response.context["steps"]}
    assert links["proposal"] == reverse("proposals:proposal_detail", args=[world.proposal.pk])
    assert links["candidate"] == reverse("merging:candidate_detail", args=[world.candidate.pk])
    assert links["review"] == reverse("review:candidate_detail", args=[world.candidate.pk])
    assert links["list_item"] == reverse("lists:version_page", args=[world.version.pk])
    assert links["programme"] == reverse("claims:programme", args=[world.task.programme_id])
    assert links["task"] == reverse("tasks:task", args=[world.task.pk])
    assert links["close_out"] == reverse("evaluation:closeout", args=[world.close_out.pk])
    assert links["evaluation"] == reverse("evaluation:task_evaluation", args=[world.evaluation.pk])
    assert links["outcome"] == reverse("evaluation:outcome", args=[world.outcome.pk])
    assert links["measure"]
    html = response.content.decode()
    for step in response.context["steps"]:
        assert f'href="{step.url}"' in html


def test_every_linked_record_opens_for_the_national_level(users, world):
    client = client_for(users["national"])
    response = client.get(url("task", world.task.pk))
    for step in response.context["steps"]:
        if step.kind == "notice":
            continue  # a .docx download, checked by the claims tests
        assert client.get(step.url).status_code == 200, step.kind


def test_the_review_is_an_aggregate_never_one_experts_scores(users, world):
    response = client_for(users["national"]).get(
        url("candidate", world.candidate.pk), HTTP_ACCEPT_LANGUAGE="en"
    )
    (review,) = [s for s in response.context["steps"] if s.kind == "review"]
    details = {d.key: d.value for d in review.details}
    # Two reviews: (5+4+4+4)/4 = 4.25 and (4+4+5+4)/4 = 4.25.
    assert details == {
        "reviews": 2,
        "mean_score": 4.25,
        "include": 1,
        "revise": 1,
        "exclude": 0,
    }
    assert "2 of 2 reviews submitted" in review.title


def test_reports_and_adoption_are_counted(users, world):
    response = client_for(users["national"]).get(url("measure", world.measure.pk))
    steps = {step.kind: step for step in response.context["steps"]}
    reports = {d.key: d.value for d in steps["reports"].details}
    assert reports["count"] == 2
    assert reports["last"] is not None
    adoption = {d.key: d.value for d in steps["adoption"].details}
    # Sichuan's three units (deployed, in place, showing results) and Guangdong (deployed).
    assert adoption["units"] == 4
    assert adoption["deployed"] == 2
    assert adoption["landed"] == 1
    assert adoption["effective"] == 1
    assert adoption["not_deployed"] == 0


def test_the_province_that_runs_the_task_sees_its_part(users, world):
    response = client_for(users["sichuan"]).get(url("task", world.task.pk))
    assert response.status_code == 200
    assert kinds(response) == SICHUAN_STEPS
    adoption = next(s for s in response.context["steps"] if s.kind == "adoption")
    # Only its own territory's records: not Guangdong's.
    assert {d.key: d.value for d in adoption.details}["units"] == 3
    # Not even the aggregate of the review: left out, not shown as withheld.
    html = response.content.decode()
    assert reverse("review:candidate_detail", args=[world.candidate.pk]) not in html


def test_a_province_that_does_not_own_the_task_sees_fewer_steps(users, world):
    response = client_for(users["guangdong"]).get(url("measure", world.measure.pk))
    assert response.status_code == 200
    assert kinds(response) == GUANGDONG_STEPS
    adoption = next(s for s in response.context["steps"] if s.kind == "adoption")
    assert {d.key: d.value for d in adoption.details}["units"] == 1
    html = response.content.decode()
    assert world.proposal.title not in html
    assert reverse("tasks:task", args=[world.task.pk]) not in html


def test_an_implementer_sees_the_delivery_of_its_task(users, world):
    response = client_for(users["implementer"]).get(url("task", world.task.pk))
    assert response.status_code == 200
    # No proposal, merge, review or claim (those are the localities' and the centre's), but
    # its task, reports, close-out, evaluation (report delivered), outcome and the public steps.
    assert kinds(response) == [
        "list_item",
        "task",
        "reports",
        "close_out",
        "evaluation",
        "outcome",
        "measure",
    ]


def test_a_draft_proposal_is_its_localitys_alone(users, world):
    draft = make_proposal(world.proposal.cycle, users["sichuan"], title="另一项改革举措")
    response = client_for(users["sichuan"]).get(url("proposal", draft.pk))
    assert kinds(response) == ["proposal"]
    assert client_for(users["national"]).get(url("proposal", draft.pk)).status_code == 404


@pytest.mark.parametrize("kind", ["proposal", "candidate", "task", "outcome"])
def test_a_record_the_user_may_not_see_is_not_found(users, world, kind):
    pk = start_pk(world, kind)
    client = client_for(users["guangdong"])
    assert client.get(url(kind, pk)).status_code == 404
    answer = client.get(url(kind, pk, json=True))
    assert answer.status_code == 404
    assert answer.json() == {"error": "not found"}
    assert Client().get(url(kind, pk)).status_code == 404


def test_an_unknown_kind_or_record_is_not_found(users, world):
    client = client_for(users["national"])
    assert client.get(url("commission", world.evaluation.commission_id)).status_code == 404
    assert client.get(url("task", 999999)).status_code == 404


def test_the_public_sees_only_the_published_steps_of_a_published_measure(world):
    client = Client()
    response = client.get(url("measure", world.measure.pk))
    assert response.status_code == 200
    assert kinds(response) == PUBLIC_STEPS
    assert client.get(url("item", world.item.pk)).status_code == 200
    data = client.get(url("measure", world.measure.pk, json=True)).json()
    assert [step["kind"] for step in data["steps"]] == PUBLIC_STEPS


def test_a_measure_of_a_reference_batch_starts_with_its_batch(world):
    assert world.reference is not None
    response = Client().get(url("measure", world.reference.pk))
    assert response.status_code == 200
    assert kinds(response) == ["measure"]


def test_a_city_sees_the_adoption_of_its_own_units(users, world):
    chengdu = make_user("chengdu", Role.CITY, division=Division.objects.get(code="510100"))
    add_adoptions(world.measure, users["sichuan"], 3)  # 成都市 and its districts among them
    response = client_for(chengdu).get(url("measure", world.measure.pk))
    assert kinds(response) == ["list_item", "measure", "adoption"]


def test_an_evaluation_is_shown_to_the_locality_once_its_report_is_delivered(users, world):
    Commission.objects.filter(pk=world.evaluation.commission_id).update(
        state=Commission.State.IN_PROGRESS, reported_at=None
    )
    sichuan = client_for(users["sichuan"]).get(url("task", world.task.pk))
    assert "evaluation" not in kinds(sichuan)
    national = client_for(users["national"]).get(url("task", world.task.pk))
    evaluation = next(s for s in national.context["steps"] if s.kind == "evaluation")
    assert {d.key: d.value for d in evaluation.details}["rating"] == "excellent"


@pytest.mark.parametrize("who", ["national", "sichuan", "guangdong", None])
def test_the_json_is_the_pages_steps(users, world, who):
    client = client_for(users[who]) if who else Client()
    page = client.get(url("measure", world.measure.pk))
    data = client.get(url("measure", world.measure.pk, json=True))
    assert data.status_code == 200
    assert data["Content-Type"] == "application/json"
    body = data.json()
    assert body["kind"] == "measure" and body["pk"] == world.measure.pk
    assert body["steps"] == [step.as_json() for step in page.context["steps"]]
    for step in body["steps"]:
        assert set(step) >= {"stage", "kind", "date", "title", "url", "details"}


def test_the_link_other_pages_include(world):
    html = render_to_string(
        "overview/includes/journey_link.html", {"kind": "task", "pk": world.task.pk}
    )
    assert f'href="{url("task", world.task.pk)}"' in html


def _count(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["national", "sichuan"])
def test_queries_do_not_grow_with_reports_and_adoption(
    users, world, who, django_assert_max_num_queries
):
    client = client_for(users[who])
    address = url("measure", world.measure.pk)
    client.get(address)  # warm the session and the caches
    small = _count(client, address)
    add_reports(world.task, users["implementer"], 10)
    add_adoptions(world.measure, users["sichuan"], 20)
    with django_assert_max_num_queries(40):
        response = client.get(address)
    assert _count(client, address) == small
    steps = {step.kind: step for step in response.context["steps"]}
    assert {d.key: d.value for d in steps["reports"].details}["count"] == 12
