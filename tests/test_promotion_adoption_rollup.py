"""Roll-ups of adoption per level (source 000: 四级政策传导 — each level sees the levels below):
the country by province, a province by prefecture, a prefecture by county and park; per
measure, the units in each status and those not reported (未报送); counted in the database in
the same number of queries whatever the data. And the stage's start page for each role."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kernel.errors import Forbidden
from promotion.models import AdoptionRecord, PromotedMeasure, RoundReturn
from promotion.selectors.adoption import rollup
from promotion.services.records import AdoptionData, adoption_write
from promotion.services.rounds import feedback_send, round_close
from promotion.territory import unit_fields
from regions.models import Division, Park
from tests.conftest import client_for
from tests.test_promotion_adoption_fixtures import (
    LANDED,
    TODAY,
    division,
    make_world,
    measures,
    open_round,
    park,
)

DEPLOYED = AdoptionData(status="deployed", status_on=TODAY - datetime.timedelta(days=3))


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return make_world()


def nationwide(round) -> PromotedMeasure:
    return next(m for m in measures(round) if m.scope != PromotedMeasure.Scope.REGIONS)


def row_of(rows, group: str, measure):
    return next(r for r in rows if r.group == group and r.measure == measure)


@pytest.fixture
def answered(world):
    """A round in which 中原区 has put the measure in place and 郑州高新区 deployed it."""
    round = open_round(world["national"])
    measure = nationwide(round)
    adoption_write(
        by=world["county"], unit=division("410102"), measure=measure, data=LANDED, round=round
    )
    adoption_write(
        by=world["park"], unit=park("410172"), measure=measure, data=DEPLOYED, round=round
    )
    return round, measure


def test_the_country_by_province(world, answered):
    round, measure = answered
    rows = rollup(world["national"], round=round, by="province")
    henan = division("410000")
    row = row_of(rows, f"division:{henan.pk}", measure)
    units = (
        Division.objects.filter(province=henan).count()
        + Park.objects.filter(province=henan).count()
    )
    assert row.in_scope == units
    assert row.counts == {"landed": 1, "deployed": 1}
    assert row.not_reported == units - 2
    sichuan = row_of(rows, f"division:{division('510000').pk}", measure)
    assert sichuan.counts == {} and sichuan.not_reported == sichuan.in_scope
    # A province sees only its own row.
    own = rollup(world["henan"], round=round, by="province", measure=measure)
    assert [r.group for r in own] == [f"division:{henan.pk}"]


def test_a_province_by_prefecture(world, answered):
    round, measure = answered
    rows = rollup(world["henan"], round=round, measure=measure, by="prefecture")
    zz = division("410100")
    row = row_of(rows, f"division:{zz.pk}", measure)
    assert row.in_scope == 1 + zz.children.count() + zz.parks.count()
    assert row.counts == {"landed": 1, "deployed": 1}
    henan = division("410000")
    direct = row_of(rows, f"direct:{henan.pk}", measure)
    # The province itself and the counties directly under it (济源市).
    assert direct.in_scope == 1 + Division.objects.filter(parent=henan, level=3).count()
    # The national level may roll up any province.
    assert rollup(world["national"], measure=measure, by="prefecture", within=henan)


def test_a_prefecture_by_county_and_park(world, answered):
    round, measure = answered
    rows = rollup(world["zhengzhou"], round=round, measure=measure, by="county")
    county = row_of(rows, f"division:{division('410102').pk}", measure)
    assert (county.counts, county.in_scope, county.not_reported) == ({"landed": 1}, 1, 0)
    the_park = row_of(rows, f"park:{park('410172').pk}", measure)
    assert the_park.counts == {"deployed": 1}
    other = row_of(rows, f"division:{division('410103').pk}", measure)
    assert (other.counts, other.not_reported) == ({}, 1)
    assert len(rows) == 1 + division("410100").children.count() + division("410100").parks.count()


def test_a_round_counts_only_what_was_filed_in_it(world, answered):
    round, measure = answered
    round_close(by=world["national"], round=round)
    second = open_round(world["national"], "第二轮")
    henan = f"division:{division('410000').pk}"
    in_second = row_of(rollup(world["national"], round=second, by="province"), henan, measure)
    assert in_second.counts == {}
    current = row_of(rollup(world["national"], by="province", measure=measure), henan, measure)
    assert current.counts == {"landed": 1, "deployed": 1}


@pytest.mark.parametrize(
    ("who", "by", "within"),
    [
        ("county", "province", None),
        ("county", "county", None),
        ("park", "province", None),
        ("implementer", "province", None),
        ("sichuan", "prefecture", "410000"),
        ("sichuan", "county", "410100"),
        ("kaifeng", "county", "410100"),
        ("zhengzhou", "prefecture", None),
    ],
)
def test_a_roll_up_outside_the_users_scope_is_refused(world, who, by, within):
    area = division(within) if within else None
    with pytest.raises(Forbidden):
        rollup(world[who], by=by, within=area)


def _fill(round, by, per_measure: int) -> None:
    """`per_measure` of Henan's divisions answer every measure, written at once."""
    AdoptionRecord.objects.all().delete()
    units = Division.objects.filter(province__code="410000").select_related("parent")
    rows = [
        AdoptionRecord(
            measure=m,
            **unit_fields(d),
            status="deployed",
            status_on=TODAY,
            deployed_on=TODAY,
            updated_by=by,
            round=round,
        )
        for m in measures(round)
        if m.scope != PromotedMeasure.Scope.REGIONS
        for d in units[:per_measure]
    ]
    AdoptionRecord.objects.bulk_create(rows)


@pytest.mark.parametrize("by", ["province", "prefecture", "county"])
def test_a_roll_up_takes_the_same_queries_whatever_the_data(world, by):
    round = open_round(world["national"])
    user = world["national"]
    within = {"province": None, "prefecture": division("410000"), "county": division("410100")}[by]
    counts = []
    for size in (2, 80):
        _fill(round, world["henan"], size)
        with CaptureQueriesContext(connection) as queries:
            rows = rollup(user, round=round, by=by, within=within)
        counts.append(len(queries))
        assert sum(r.reported for r in rows) > 0
    assert counts[0] == counts[1] <= 12


# The stage's start page ------------------------------------------------------------------------


def test_the_national_level_sees_the_open_rounds_and_their_progress(world, answered):
    round, _measure = answered
    client = client_for(world["national"])
    response = client.get(reverse("promotion:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("promotion:round", args=[round.pk]) in page
    assert reverse("promotion:batches") in page
    assert reverse("promotion:cases") in page
    assert [item.round for item in response.context["open_rounds"]] == [round]


def test_a_province_sees_its_return_the_units_below_and_its_feedback(world, answered):
    round, _measure = answered
    henan = division("410000")
    response = client_for(world["henan"]).get(reverse("promotion:index"))
    item = response.context["open_rounds"][0]
    assert [r.unit for r in item.own] == [henan]
    assert (
        item.below_not_filed == RoundReturn.objects.filter(round=round, province=henan).count() - 1
    )
    round_close(by=world["national"], round=round)
    feedback_send(by=world["national"], round=round, province=henan, text="河南省反馈：进展良好")
    response = client_for(world["henan"]).get(reverse("promotion:index"))
    assert "河南省反馈" in response.content.decode()
    assert (
        "河南省反馈"
        not in client_for(world["sichuan"]).get(reverse("promotion:index")).content.decode()
    )


@pytest.mark.parametrize("who", ["zhengzhou", "county", "park", "jiyuan"])
def test_every_reporting_level_sees_its_own_return_on_the_start_page(world, who):
    round = open_round(world["national"])
    response = client_for(world[who]).get(reverse("promotion:index"))
    assert response.status_code == 200
    item = response.context["open_rounds"][0]
    assert item.round == round and len(item.own) == 1
    assert item.own[0].filed_at is None


def test_the_start_page_is_refused_to_others(world, client):
    assert client_for(world["implementer"]).get(reverse("promotion:index")).status_code == 403
    assert client.get(reverse("promotion:index")).status_code in (302, 403)


def test_the_start_page_takes_bounded_queries(world, django_assert_max_num_queries):
    for n in range(3):
        open_round(world["national"], f"第{n}轮")
    with django_assert_max_num_queries(40):
        assert client_for(world["henan"]).get(reverse("promotion:index")).status_code == 200


# The roll-up page ------------------------------------------------------------------------------


def test_the_roll_up_page_leads_from_the_country_down_to_the_counties(
    world, answered, django_assert_max_num_queries
):
    round, measure = answered
    url = reverse("promotion:round_rollup", args=[round.pk])
    client = client_for(world["national"])
    with django_assert_max_num_queries(20):
        response = client.get(url, {"measure": measure.pk})
    henan = division("410000")
    row = next(i for i in response.context["rows"] if i["row"].name == "河南省")
    assert row["row"].counts == {"landed": 1, "deployed": 1}
    drill = f"by=prefecture&amp;within={henan.pk}"
    assert drill in response.content.decode()
    down = client.get(url, {"measure": measure.pk, "by": "prefecture", "within": henan.pk})
    assert "郑州市" in [i["row"].name for i in down.context["rows"]]
    # A province starts at its prefectures, a prefecture at its counties and parks.
    province = client_for(world["henan"]).get(url, {"measure": measure.pk})
    assert province.context["by"] == "prefecture"
    prefecture = client_for(world["zhengzhou"]).get(url, {"measure": measure.pk})
    names = [i["row"].name for i in prefecture.context["rows"]]
    assert "中原区" in names and "郑州高新技术产业开发区" in names


def test_the_roll_up_page_is_refused_outside_the_users_scope(world, answered):
    round, measure = answered
    url = reverse("promotion:round_rollup", args=[round.pk])
    for who in ("county", "park"):
        assert client_for(world[who]).get(url).status_code == 403
    assert client_for(world["implementer"]).get(url).status_code == 404
    henan = division("410000")
    other = client_for(world["sichuan"]).get(url, {"by": "prefecture", "within": str(henan.pk)})
    assert other.status_code == 403
    assert client_for(world["sichuan"]).get(url, {"by": "province"}).status_code == 200
