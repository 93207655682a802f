"""The demo's programmes: the 2024 zone pilot as far as the data knows it, and an annual-list
programme open for claims."""

from claims.models import Claim, Programme
from demo.builder import build_demo
from demo.claims_demo import LIST_TITLE, PILOT_TITLE, build_claims_demo


def test_demo_programmes(db):
    build_demo()
    pilot = Programme.objects.get(title=PILOT_TITLE)
    assert pilot.kind == "zone_pilot" and pilot.state == "closed"
    assert pilot.claimants.count() == 23
    assert all(
        c.region_group and c.region_group.kind == "demonstration_zone"
        for c in pilot.claimants.all()
    )
    assert sorted(set(pilot.items.values_list("category", flat=True))) == [
        "企业创新类",
        "成果转化类",
    ]
    assert pilot.items.count() == 3
    claims = Claim.objects.filter(item__programme=pilot)
    assert {str(c.claimant) for c in claims} == {"成都国家自主创新示范区"}
    assert claims.count() == 3
    assert "不掌握" in pilot.description and "未予虚构" in pilot.description
    annual = Programme.objects.get(title=LIST_TITLE)
    assert annual.state == "open" and annual.list_version is not None
    assert annual.items.count() == annual.list_version.items.count()
    assert Claim.objects.filter(item__programme=annual).count() == 5
    assert not Claim.objects.filter(item__programme=annual, claimant__division__code="510000")
    assert build_claims_demo() is False
