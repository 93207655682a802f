"""Who takes part in a programme (issue #9).

An annual list starts with the 13 provinces 发改高技〔2021〕484号 is addressed to (主送:
北京市、天津市、河北省、辽宁省、上海市、江苏省、浙江省、安徽省、湖北省、广东省、重庆市、四川省、
陕西省, /work/shared/sources/004_*.txt); its "原则上每个地方年度揭榜改革任务不少于3项" (§三（三）)
binds the participating provinces only, not an experiment region the coordinator adds. A zone
pilot starts with no claimant; once its applications are shortlisted its participants are the
shortlisted zones (入围单位, source 003).
"""

import datetime

import pytest

from claims import selectors, services
from claims.errors import ClaimError
from claims.models import ANNUAL_LIST_PROVINCES, Claim, Programme
from regions.models import Division, RegionGroup
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme

ROWS = [("成果转化类", "事项一", ""), ("企业创新类", "事项二", "")]
CODES_484 = [
    "110000",
    "120000",
    "130000",
    "210000",
    "310000",
    "320000",
    "330000",
    "340000",
    "420000",
    "440000",
    "500000",
    "510000",
    "610000",
]


def codes(programme: Programme) -> list[str]:
    return sorted(
        programme.claimants.filter(division__isnull=False).values_list("division__code", flat=True)
    )


def test_the_13_provinces_of_484_are_the_constant():
    assert sorted(ANNUAL_LIST_PROVINCES) == CODES_484


def test_an_annual_list_starts_with_the_13_provinces(users):
    programme = services.programme_create(
        by=users["national"], kind=Programme.Kind.ANNUAL_LIST, title="2027年度揭榜"
    )
    assert codes(programme) == CODES_484
    names = set(Division.objects.filter(code__in=CODES_484).values_list("name", flat=True))
    assert {"北京市", "四川省", "陕西省", "广东省"} <= names
    # No experiment region or zone unless the coordinator adds it.
    assert not programme.claimants.filter(region_group__isnull=False).exists()
    assert [c.division and c.division.code for c in selectors.participants(programme)] == CODES_484
    entry = selectors.programme_history(programme)[0]
    assert "四川省" in entry.changes["claimants"][1]


def test_a_zone_pilot_starts_without_claimants(users):
    programme = services.programme_create(
        by=users["national"], kind=Programme.Kind.ZONE_PILOT, title="政策试点"
    )
    assert not programme.claimants.exists()
    assert selectors.participants(programme) == []


def test_the_coordinator_may_add_an_experiment_region(users):
    programme = services.programme_create(
        by=users["national"], kind=Programme.Kind.ANNUAL_LIST, title="2027年度揭榜"
    )
    region = RegionGroup.objects.get(pk=1)
    services.claimants_set(
        programme=programme,
        by=users["national"],
        divisions=Division.objects.filter(code__in=CODES_484),
        region_groups=[region],
    )
    assert codes(programme) == CODES_484
    assert programme.claimants.filter(region_group=region).exists()


def test_the_minimum_counts_the_provinces_only(users):
    """484号 §三（三）: 原则上每个地方年度揭榜改革任务不少于3项 — the provinces'."""
    programme = make_programme(users)  # Sichuan, Guangdong and experiment region 1
    sichuan = claimant(programme, users["sichuan"])
    for item in programme.items.order_by("position")[:3]:
        services.item_claim(item=item, claimant=sichuan, by=users["sichuan"])
    short = selectors.below_minimum(programme)
    assert [str(c) for c in short] == ["广东省"]  # the experiment region is not held to it
    with pytest.raises(ClaimError, match="广东省"):
        services.programme_close(programme=programme, by=users["national"])
    guangdong = claimant(programme, users["guangdong"])
    for item in programme.items.order_by("position")[1:]:
        services.item_claim(item=item, claimant=guangdong, by=users["guangdong"])
    assert selectors.below_minimum(programme) == []
    # The region claimed nothing, yet the window closes without a reason.
    closed = services.programme_close(programme=programme, by=users["national"])
    assert closed.state == Programme.State.CLOSED
    assert closed.close_note == ""


def test_a_pilots_minimum_counts_its_zones(users):
    zones = list(RegionGroup.objects.filter(kind=RegionGroup.Kind.DEMONSTRATION_ZONE)[:2])
    programme = services.programme_create(
        by=users["national"], kind=Programme.Kind.ZONE_PILOT, title="政策试点", min_claims=1
    )
    services.items_import(programme=programme, by=users["national"], rows=[("类", "事项", "")])
    services.claimants_set(
        programme=programme, by=users["national"], divisions=[], region_groups=zones
    )
    assert len(selectors.below_minimum(programme)) == 2


def test_pilot_participants_are_the_shortlisted_zones(users):
    national = users["national"]
    zones = list(RegionGroup.objects.filter(kind=RegionGroup.Kind.DEMONSTRATION_ZONE)[:2])
    programme = services.programme_create(
        by=national, kind=Programme.Kind.ZONE_PILOT, title="政策试点", min_claims=0
    )
    services.items_import(
        programme=programme,
        by=national,
        rows=ROWS,
    )
    services.claimants_set(programme=programme, by=national, divisions=[], region_groups=zones)
    first, second = programme.claimants.order_by("region_group_id")
    item = programme.items.order_by("position")[0]
    # Applications as recorded by the window (the service is tested in test_pilot_shortlisting).
    a = Claim.objects.create(item=item, claimant=first, claimed_by=national, shortlisting="applied")
    b = Claim.objects.create(
        item=item, claimant=second, claimed_by=national, shortlisting="applied"
    )
    assert [c.pk for c in selectors.participants(programme)] == [first.pk, second.pk]
    Programme.objects.filter(pk=programme.pk).update(state=Programme.State.CLOSED)
    programme.refresh_from_db()
    services.applications_shortlist(
        programme=programme,
        by=national,
        decisions={a.pk: "shortlisted", b.pk: "not_shortlisted"},
        decided_on=datetime.date(2026, 12, 26),
    )
    assert [c.pk for c in selectors.participants(programme)] == [first.pk]
    page = client_for(national).get(f"/claims/{programme.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Shortlisted units" in page.content.decode()
