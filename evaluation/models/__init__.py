"""The evaluation and incentive stage (评估激励), on top of implementation: close-out (验收),
third-party evaluation, replicable outcomes and incentives."""

from evaluation.models.closeout import (
    CloseOut,
    CloseOutMilestone,
    CloseOutTarget,
    InstitutionalDocument,
)
from evaluation.models.commissions import (
    Commission,
    Evidence,
    FieldVisit,
    Indicator,
    Recommendation,
    Score,
    TaskEvaluation,
)
from evaluation.models.incentives import IncentiveDecision, RankingFormula
from evaluation.models.outcomes import Outcome

__all__ = [
    "CloseOut",
    "CloseOutMilestone",
    "CloseOutTarget",
    "Commission",
    "Evidence",
    "FieldVisit",
    "IncentiveDecision",
    "Indicator",
    "InstitutionalDocument",
    "Outcome",
    "RankingFormula",
    "Recommendation",
    "Score",
    "TaskEvaluation",
]
