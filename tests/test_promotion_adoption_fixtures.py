"""A world for the adoption and tracking-round tests: the three real batches, the national
level, Henan (a province with parks: 郑州市 and its counties, 郑州高新区, 济源市 directly under
the province) and Sichuan as the other province, and a user for each level."""

import datetime

from django.utils import timezone

from accounts.models import Role, User
from promotion.models import PromotedMeasure, PromotionBatch, TrackingRound
from promotion.reference import load_promotion
from promotion.services.records import AdoptionData
from promotion.services.rounds import RoundData, round_open
from regions.models import Division, Organisation, Park
from tests.conftest import make_user

TODAY = timezone.localdate()
DEADLINE = TODAY + datetime.timedelta(days=30)
LANDED = AdoptionData(
    status="landed",
    status_on=TODAY - datetime.timedelta(days=10),
    local_document="郑政〔2021〕1号",
    contact="张三 0371-1234567",
    difficulties="部门协同不畅",
)


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def park(code: str) -> Park:
    return Park.objects.get(code=code)


def make_world() -> dict[str, User]:
    """The batches loaded and a user of each level (call it from a fixture with the db)."""
    load_promotion()
    return {
        "national": make_user("nat", Role.NATIONAL),
        "henan": make_user("henan", Role.LOCALITY, division=division("410000")),
        "sichuan": make_user("sc", Role.LOCALITY, division=division("510000")),
        "zhengzhou": make_user("zz", Role.CITY, division=division("410100")),
        "kaifeng": make_user("kf", Role.CITY, division=division("410200")),
        "county": make_user("zy", Role.CITY, division=division("410102")),
        "jiyuan": make_user("jy", Role.CITY, division=division("419001")),
        "park": make_user("park", Role.PARK, park=park("410172")),
        "other_park": make_user("park2", Role.PARK, park=park("410171")),
        "implementer": make_user(
            "impl",
            Role.IMPLEMENTER,
            organisation=Organisation.objects.create(
                name="河南省科技厅", kind="government", division=division("410000")
            ),
        ),
    }


def batches() -> list[PromotionBatch]:
    return list(PromotionBatch.objects.order_by("number"))


def open_round(national, title: str = "2026年全国摸查", which=None) -> TrackingRound:
    return round_open(
        by=national,
        data=RoundData(title=title, batches=which or batches(), deadline=DEADLINE),
    )


def measures(round: TrackingRound) -> list[PromotedMeasure]:
    return list(
        PromotedMeasure.objects.filter(batch__in=round.batches.all()).order_by(
            "batch__number", "position"
        )
    )
