"""Claiming in the demo, through the same services the coordinator and claimants use.

(a) The 2024 policy pilot of the demonstration zones (国家自创区政策试点"揭榜挂帅") as far as
data/pilots2024.csv and data/zones.csv know it: the 23 zones as claimants, the two categories
and three items the sources name, and Chengdu's shortlisting as its claims. The other
categories, items and shortlisted zones are not known to the project and are not invented.
(b) An annual-list programme from the published 2026 list, window open, with a couple of
province claims (demo content).
"""

import csv
import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.services import record
from claims import services
from claims.models import Claim, Claimant, Programme
from lists.models import ListVersion
from regions.models import Division, RegionGroup

PILOT_TITLE = "2024年国家自创区政策试点“揭榜挂帅”（已知部分）"
PILOT_DESCRIPTION = (
    "工业和信息化部办公厅、科技部办公厅2024年12月公布。公开资料称该批试点共4类、14项政策事项、"
    "23个国家自主创新示范区参与。本系统仅掌握其中2个类别（成果转化类、企业创新类）、3项事项和"
    "成都国家自主创新示范区的入围情况（来源见 data/pilots2024.csv）；其余类别、事项、各示范区"
    "的揭榜情况以及揭榜时间窗口本系统不掌握，未予虚构。"
)
LIST_TITLE = "2026年度全面改革创新举措揭榜（演示）"


def _pilot_rows() -> list[dict[str, str]]:
    path = Path(settings.BASE_DIR) / "data" / "pilots2024.csv"
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _pilot(national: User) -> None:
    programme = services.programme_create(
        by=national,
        kind=Programme.Kind.ZONE_PILOT,
        title=PILOT_TITLE,
        description=PILOT_DESCRIPTION,
        min_claims=0,  # the rule of the pilot is not known to the project
    )
    rows = _pilot_rows()
    services.items_import(
        programme=programme,
        by=national,
        rows=[(row["category"], row["policy_item"], "") for row in rows],
    )
    zones = RegionGroup.objects.filter(kind=RegionGroup.Kind.DEMONSTRATION_ZONE)
    services.claimants_set(programme=programme, by=national, divisions=[], region_groups=zones)
    # The shortlisting happened before this system: the claims are recorded as they were
    # announced, without a claim window (its dates are not known), and the programme closed.
    for row, item in zip(rows, programme.items.order_by("position"), strict=True):
        claimant = Claimant.objects.get(programme=programme, region_group__name=row["zone"])
        Claim.objects.create(item=item, claimant=claimant, claimed_by=national)
    programme.state = Programme.State.CLOSED
    programme.save(update_fields=["state"])
    record(
        "programme.closed",
        obj=programme,
        by=national,
        changes={"state": [Programme.State.DRAFT, Programme.State.CLOSED]},
        note="入围情况按公开报道录入（来源见 data/pilots2024.csv）。",
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
