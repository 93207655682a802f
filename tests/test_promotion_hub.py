"""What waits on each user in promotion, on the home page: the national level's seminars to
plan (proposed a year after a batch's date, source 000) and its confirmed outcomes in no batch
yet; a reporting level's own return in each open round, gone once filed, and the units below
it to chase."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from promotion.models import PromotionBatch
from promotion.selectors.adoption import unit_measures
from promotion.selectors.hub import waiting_for
from promotion.services import adoption, seminars
from promotion.services.records import AdoptionData, adoption_write
from tests.conftest import client_for
from tests.test_promotion_adoption_fixtures import division, make_world, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def _keys(user) -> dict[str, int]:
    return {item.key: item.count for item in waiting_for(user)}


def test_the_national_level_is_told_of_the_seminars_to_plan(world):
    national = world["national"]
    assert "seminars" not in _keys(national)
    seminars.seminars_propose(today=datetime.date(2026, 12, 2))
    # Batches 1 and 3 have a date a year gone; batch 2 has none (data/batch_notices.csv).
    assert _keys(national)["seminars"] == 2
    response = client_for(national).get(reverse("home"))
    assert 'data-key="seminars"' in response.content.decode()


def test_a_county_sees_its_return_until_it_files_it(world):
    national, county = world["national"], world["county"]
    assert waiting_for(county) == []
    round = open_round(national)
    item = next(i for i in waiting_for(county) if i.key == f"return-{round.pk}")
    assert client_for(county).get(item.url).status_code == 200
    unit = division("410102")
    for measure in unit_measures(round, unit):
        adoption_write(
            by=county,
            unit=unit,
            measure=measure,
            data=AdoptionData(status="not_deployed"),
            round=round,
        )
    adoption.return_file(by=county, round=round, unit=unit)
    assert f"return-{round.pk}" not in _keys(county)


def test_a_province_is_told_of_the_units_it_handed_down_and_that_have_not_filed(world):
    national, henan = world["national"], world["henan"]
    round = open_round(national)
    ret = round.returns.get(division=division("410100"))
    adoption.hand_down(by=henan, ret=ret)
    assert _keys(henan)[f"chase-{round.pk}"] == 1
    with translation.override("en"):
        labels = [i.label for i in waiting_for(henan)]
    assert any("File your return" in label for label in labels)


def test_others_are_told_nothing(world):
    open_round(world["national"])
    assert waiting_for(world["implementer"]) == []


def test_the_home_page_takes_bounded_queries_with_more_rounds(world, django_assert_max_num_queries):
    """One more open round costs a fixed few queries (at most three rounds are listed)."""
    national, county = world["national"], world["county"]
    open_round(national, "第一轮")
    client = client_for(county)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    open_round(national, "第二轮", which=list(PromotionBatch.objects.filter(number=3)))
    with django_assert_max_num_queries(len(few) + 4):
        client.get(reverse("home"))
