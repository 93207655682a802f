"""Claiming in the demo, through the same services the coordinator and claimants use.

(a) The 2024 policy pilot of the demonstration zones (国家自创区政策试点"揭榜挂帅") as far as the
reference data knows it (claims.reference: data/pilot_*.csv, data/zones.csv): the items whose
titles the sources give, under their categories (the three items whose category no source states
are grouped as 类别不详); the shortlisted zones the sources name as its claimants; Chengdu's
shortlisting as its claims. The eight items whose titles are not known are left out and the
description says so: a placeholder would read as a real item to claim, count and export.
Only Chengdu's shortlisting is recorded as claims, because the demo implements those
(demo/tasks_demo.py opens a task for every claim); the other named shortlistings are given
in each item's description.
(b) An annual-list programme from the published 2026 list, window open, with a couple of
province claims (demo content).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.services import record
from claims import services
from claims.models import Claim, Claimant, Programme
from claims.reference import PilotItem, PilotReference, pilot_reference
from lists.models import ListVersion
from regions.models import Division, RegionGroup

PILOT_TITLE = "2024年国家自创区政策试点“揭榜挂帅”（已知部分）"
LIST_TITLE = "2026年度全面改革创新举措揭榜（演示）"
UNKNOWN_CATEGORY = "类别不详"
CLAIMS_ZONE = "成都国家自主创新示范区"  # the zone whose shortlisting the demo implements
# How the sources read to a user (the register of data/sources.csv keys them P003, S17).
SOURCE_NAMES = {
    "P003": "《23家国家自创区入围国家政策试点“揭榜挂帅”名单》报道",
    "S17": "《成都日报》报道",
}
SHORTLIST_NOTE = "入围情况按公开报道录入。"


def _sources(keys: str) -> str:
    names = [SOURCE_NAMES.get(key.strip(), "") for key in keys.split("|")]
    return "、".join(name for name in names if name) or "公开报道"


def pilot_description(ref: PilotReference) -> str:
    """What the programme is and what the system does not know, in the project's words."""
    named = "、".join(c.name for c in ref.categories if not c.inferred)
    inferred = "、".join(c.name for c in ref.categories if c.inferred)
    others = "、".join(i for i in ref.issuers if i != ref.issuer)
    day = datetime.date.fromisoformat(ref.announced_on)
    spread = ref.distribution
    items_known, zones_named = len(ref.named_items), len(ref.zones)
    return "".join(
        [
            f"{ref.issuer}于{day.year}年{day.month}月{day.day}日公布",
            f"（另有报道称由{others}公布，本系统按前者显示）。" if others else "。",
            f"共{ref.categories_total}类{ref.items_total}项政策试点，",
            f"{ref.zones_total}个国家自主创新示范区入围，其中入围3项及以上的{spread['3+']}个、",
            f"2项的{spread['2']}个、1项的{spread['1']}个。",
            f"类别中{named}见于公开报道，{inferred}系据中关村示范区的表述推断。",
            f"本系统列出名称已知的{items_known}项；",
            f"其余{ref.items_total - items_known}项名称本系统不掌握，未列出。",
            f"可揭榜方为公开报道点名入围的{zones_named}个示范区；",
            f"其余{ref.zones_total - zones_named}个入围示范区未被点名，未列入。",
            "揭榜记录仅录入成都国家自主创新示范区的入围事项，其他已知入围情况见各事项说明。",
            "揭榜时间窗口本系统不掌握，未予虚构。",
        ]
    )


def _item_text(item: PilotItem) -> str:
    parts = []
    if item.zones:
        parts.append(f"已知入围：{'、'.join(item.zones)}。")
    if not item.category:
        parts.append("所属类别公开资料未说明。")
    parts.append(f"来源：{_sources(item.source)}。")
    return "".join(parts)


def _pilot(national: User) -> None:
    ref = pilot_reference()
    programme = services.programme_create(
        by=national,
        kind=Programme.Kind.ZONE_PILOT,
        title=PILOT_TITLE,
        description=pilot_description(ref),
        min_claims=0,  # the rule of the pilot is not known to the project
    )
    named = ref.named_items
    services.items_import(
        programme=programme,
        by=national,
        rows=[(i.category or UNKNOWN_CATEGORY, i.title, _item_text(i)) for i in named],
    )
    names = [zone.name for zone in ref.zones]
    zones = list(
        RegionGroup.objects.filter(kind=RegionGroup.Kind.DEMONSTRATION_ZONE, name__in=names)
    )
    assert len(zones) == len(names), "a zone of data/pilot_zones.csv is not in data/zones.csv"
    services.claimants_set(programme=programme, by=national, divisions=[], region_groups=zones)
    # The shortlisting happened before this system: the claims are recorded as they were
    # announced, without a claim window (its dates are not known), and the programme closed.
    claimant = Claimant.objects.get(programme=programme, region_group__name=CLAIMS_ZONE)
    for data, item in zip(named, programme.items.order_by("position"), strict=True):
        if CLAIMS_ZONE in data.zones:
            Claim.objects.create(item=item, claimant=claimant, claimed_by=national)
    programme.state = Programme.State.CLOSED
    programme.save(update_fields=["state"])
    record(
        "programme.closed",
        obj=programme,
        by=national,
        changes={"state": [Programme.State.DRAFT, Programme.State.CLOSED]},
        note=SHORTLIST_NOTE,
    )


def _annual(national: User) -> None:
    version = (
        ListVersion.objects.filter(state=ListVersion.State.PUBLISHED, annual_list__cycle__year=2026)
        .order_by("-number")
        .first()
    )
    if version is None:
        return
    today = timezone.localdate()
    programme = services.programme_create(
        by=national,
        kind=Programme.Kind.ANNUAL_LIST,
        title=LIST_TITLE,
        description="（演示数据）各省级地方和全面创新改革试验区域从2026年度清单中揭榜，每家不少于3项。",
        list_version=version,
        min_claims=3,
    )
    provinces = Division.objects.filter(level=Division.Level.PROVINCE)
    regions = RegionGroup.objects.filter(kind=RegionGroup.Kind.EXPERIMENT_REGION)
    services.claimants_set(
        programme=programme, by=national, divisions=provinces, region_groups=regions
    )
    services.programme_open(
        programme=programme,
        by=national,
        opens_at=today - datetime.timedelta(days=30),
        closes_at=today + datetime.timedelta(days=60),
    )
    items = list(programme.items.order_by("position"))
    # Sichuan has claimed nothing yet: the walk-through in the README claims for it.
    for username, count in (("guangdong", 3), ("hubei", 2)):
        user = User.objects.filter(username=username, role=Role.LOCALITY).first()
        if user is None:
            continue
        claimant = Claimant.objects.get(programme=programme, division=user.division)
        for item in items[:count]:
            services.item_claim(item=item, claimant=claimant, by=user)


@transaction.atomic
def build_claims_demo() -> bool:
    """Build both programmes once; False if they were there already."""
    national = User.objects.filter(role=Role.NATIONAL).order_by("pk").first()
    if national is None:
        return False
    built = False
    if not Programme.objects.filter(title=PILOT_TITLE).exists():
        _pilot(national)
        built = True
    if not Programme.objects.filter(title=LIST_TITLE).exists():
        _annual(national)
        built = True
    return built
