"""The demo's programmes: the 2024 zone pilot as far as the data knows it, and an annual-list
programme open for claims."""

from claims.models import Claim, Programme
from claims.reference import pilot_reference
from demo.builder import build_demo
from demo.claims_demo import LIST_TITLE, PILOT_TITLE, UNKNOWN_CATEGORY, build_claims_demo


def test_demo_programmes(db):
    build_demo()
    pilot = Programme.objects.get(title=PILOT_TITLE)
    assert pilot.kind == "zone_pilot" and pilot.state == "closed"
    # The shortlisted zones the sources name (data/pilot_zones.csv, source 003), not all 23.
    assert sorted(str(c) for c in pilot.claimants.all()) == sorted(
        zone.name for zone in pilot_reference().zones
    )
    assert pilot.claimants.count() == 9
    assert all(
        c.region_group and c.region_group.kind == "demonstration_zone"
        for c in pilot.claimants.all()
    )
    # The six items whose titles are known; the three whose category no source gives are
    # grouped as such, the eight unknown items are left out and the description says so.
    assert sorted(set(pilot.items.values_list("category", flat=True))) == sorted(
        ["企业创新类", "成果转化类", UNKNOWN_CATEGORY]
    )
    assert pilot.items.count() == 6
    assert "天津国家自主创新示范区" in pilot.items.get(title__startswith="长期资本").description
    claims = Claim.objects.filter(item__programme=pilot)
    assert {str(c.claimant) for c in claims} == {"成都国家自主创新示范区"}
    assert claims.count() == 3
    assert pilot.description.startswith("工业和信息化部、科学技术部于2024年12月26日公布")
    assert "其余8项名称本系统不掌握" in pilot.description
    assert "产业发展类系据中关村示范区的表述推断" in pilot.description
    assert "不掌握" in pilot.description and "未予虚构" in pilot.description
    annual = Programme.objects.get(title=LIST_TITLE)
    assert annual.state == "open" and annual.list_version is not None
    assert annual.items.count() == annual.list_version.items.count()
    assert Claim.objects.filter(item__programme=annual).count() == 5
    assert not Claim.objects.filter(item__programme=annual, claimant__division__code="510000")
    assert build_claims_demo() is False
