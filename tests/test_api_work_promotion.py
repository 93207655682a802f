"""Promotion batches and adoption records (推广落实情况) through the API: adoption records are
read by each level for its own units and those below it (`promotion.rules.ADOPTIONS`, as the
pages), by the officials only; the batches are public as on the public pages; filters narrow;
no list costs a query per row.

The world (`tests.test_promotion_adoption_fixtures`): the three real batches, Henan with
郑州市, its county 中原区, 郑州高新区 and 济源市, and Sichuan; a unit of each level has
answered the first measure."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from promotion import rules
from promotion.models import AdoptionRecord, PromotionBatch
from promotion.services.records import adoption_write
from regions.models import Division, Park
from tests.test_promotion_adoption_fixtures import (
    LANDED,
    batches,
    division,
    make_world,
    park,
)


def api(user) -> Client:
    headers = {"Accept-Language": "en"}
    if user is not None:
        headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return Client(headers=headers)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def world(db):
    users = make_world()
    first = batches()[0].measures.order_by("position")
    measure, second = first[0], first[1]
    units: dict[str, Division | Park] = {
        "henan": division("410000"),
        "zhengzhou": division("410100"),
        "county": division("410102"),
        "park": park("410172"),
        "sichuan": division("510000"),
    }
    records = {}
    for name, unit in units.items():
        records[name] = adoption_write(by=users[name], unit=unit, measure=measure, data=LANDED)
    records["county_second"] = adoption_write(
        by=users["county"], unit=units["county"], measure=second, data=LANDED
    )
    return users, records, measure


# What each user reads: its own units and those below (the county's second measure too).
READS = {
    "national": {"henan", "zhengzhou", "county", "park", "sichuan", "county_second"},
    "henan": {"henan", "zhengzhou", "county", "park", "county_second"},
    "zhengzhou": {"zhengzhou", "county", "park", "county_second"},
    "county": {"county", "county_second"},
    "park": {"park"},
    "sichuan": {"sichuan"},
    "kaifeng": set(),
}


@pytest.mark.parametrize("role", sorted(READS))
def test_each_level_reads_its_units_and_those_below(world, role):
    users, records, _measure = world
    shown = ids(api(users[role]).get("/api/adoption-records/", {"page_size": 200}))
    assert sorted(shown) == sorted(records[name].pk for name in READS[role])
    assert sorted(shown) == sorted(
        rules.ADOPTIONS.queryset(users[role]).values_list("pk", flat=True)
    )


def test_a_record_outside_the_scope_is_not_found(world):
    users, records, _measure = world
    url = f"/api/adoption-records/{records['sichuan'].pk}/"
    assert api(users["henan"]).get(url).status_code == 404
    body = api(users["sichuan"]).get(url).json()
    assert (body["status"], body["local_document"]) == ("landed", "郑政〔2021〕1号")
    assert body["unit_name"] == "四川省"


def test_who_reports_no_adoption_is_refused(world):
    users, _records, _measure = world
    assert api(users["implementer"]).get("/api/adoption-records/").status_code == 403
    assert api(None).get("/api/adoption-records/").status_code == 401


def test_filters(world):
    users, records, measure = world
    client = api(users["national"])
    by_measure = ids(client.get("/api/adoption-records/", {"measure": measure.pk}))
    assert records["county_second"].pk not in by_measure and len(by_measure) == 5
    by_province = ids(client.get("/api/adoption-records/", {"province": division("510000").pk}))
    assert by_province == [records["sichuan"].pk]
    assert ids(client.get("/api/adoption-records/", {"level": "4"})) == [records["park"].pk]
    assert ids(client.get("/api/adoption-records/", {"status": "effective"})) == []
    assert client.get("/api/adoption-records/", {"status": "done"}).status_code == 400


def test_batches_are_public_and_hold_their_measures(world):
    published = list(PromotionBatch.objects.order_by("number"))
    assert ids(api(None).get("/api/batches/")) == [b.pk for b in published]
    body = api(None).get(f"/api/batches/{published[0].pk}/").json()
    assert body["doc_number"] == published[0].doc_number
    assert len(body["measures"]) == published[0].measures.count()


@pytest.mark.parametrize("url", ["/api/adoption-records/", "/api/batches/"])
def test_no_query_per_row(world, url):
    users, _records, _measure = world
    client = api(users["national"])
    client.get(url)
    counts = []
    for size in (1, 50):
        with CaptureQueriesContext(connection) as queries:
            rows = len(client.get(url, {"page_size": size}).json()["results"])
        counts.append((rows, len(queries)))
    (one, few), (many, more) = counts
    assert one == 1 and many >= 2
    assert few == more


def test_adoption_records_survive_an_unknown_unit_level_filter(world):
    users, _records, _measure = world
    response = api(users["national"]).get("/api/adoption-records/", {"level": "9"})
    assert response.status_code == 400
    assert AdoptionRecord.objects.count() == 6


# Answering a measure for a unit in a tracking round (the measure's form, as JSON) -------------


def answer(user, round, unit_kind, unit, measure, **data):
    body = {"round": round.pk, "unit_kind": unit_kind, "unit": unit.pk, "measure": measure.pk}
    return api(user).post(
        "/api/adoption-records/answer/", {**body, **data}, content_type="application/json"
    )


@pytest.fixture
def round_world(db):
    from tests.test_promotion_adoption_fixtures import measures, open_round

    users = make_world()
    round = open_round(users["national"])
    nationwide = [m for m in measures(round) if m.scope != m.Scope.REGIONS]
    return users, round, nationwide[0]


def test_a_county_answers_a_measure(round_world):
    users, round, measure = round_world
    county = division("410102")
    response = answer(
        users["county"],
        round,
        "division",
        county,
        measure,
        status="landed",
        status_on="2021-06-01",
        local_document="中原区〔2021〕3号",
    )
    assert response.status_code == 200, response.content
    record = AdoptionRecord.objects.get(division=county, measure=measure)
    assert (record.status, record.local_document, record.round) == (
        "landed",
        "中原区〔2021〕3号",
        round,
    )
    assert response.json()["id"] == record.pk


def test_an_answer_breaking_the_forms_rules_writes_nothing(round_world):
    users, round, measure = round_world
    county = division("410102")
    client_args = (users["county"], round, "division", county, measure)
    # In place without the local document: the form's own rule, in the user's language.
    refused = answer(*client_args, status="landed", status_on="2021-06-01")
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": ["Name the local document that adopted the measure."]
    }
    assert not AdoptionRecord.objects.filter(division=county).exists()


def test_a_unit_of_another_territory_is_not_found(round_world):
    users, round, measure = round_world
    county = division("410102")
    response = answer(users["sichuan"], round, "division", county, measure, status="deployed")
    assert response.status_code == 404
    response = answer(users["kaifeng"], round, "division", county, measure, status="deployed")
    assert response.status_code == 404
    assert not AdoptionRecord.objects.filter(division=county).exists()
