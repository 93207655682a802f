from promotion.models.adoption import (
    PROGRESSION,
    AdoptionRecord,
    AdoptionStatus,
    RoundFeedback,
    RoundReturn,
    TrackingRound,
    UnitLevel,
)
from promotion.models.batches import ORDINALS, PromotedMeasure, PromotionBatch
from promotion.models.cases import ReformCase
from promotion.models.guidance import GuidanceActivity, Seminar

__all__ = [
    "ORDINALS",
    "PROGRESSION",
    "AdoptionRecord",
    "AdoptionStatus",
    "GuidanceActivity",
    "PromotedMeasure",
    "PromotionBatch",
    "ReformCase",
    "RoundFeedback",
    "RoundReturn",
    "Seminar",
    "TrackingRound",
    "UnitLevel",
]
