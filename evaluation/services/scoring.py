"""Writes of an evaluation's indicators, scores and report (评估指标、评分、评估报告).

- `indicators_set`: the national level, which commissions the evaluation (484号 §三(四):
  "国家发展改革委、科技部及时委托第三方机构评估"), sets the indicator system while the commission
  is in progress and before any task is scored; once a score exists the system is frozen, so
  every task of the commission is measured with the same indicators and weights.
- `task_score`: the commissioned evaluator scores a task on each indicator, every score with
  its evidence, and writes the task's findings and recommendation (replicate nationwide, in the
  8 experiment regions, or not yet — source 000: "全国或 8个改革试验区域推广"). The task's
  score and rating are recomputed from the scores (`evaluation.scoring`, the platform's rules).
- `commission_report`: the evaluator delivers the report once every task is fully scored and
  has a recommendation, with the overall findings. The national level and the localities
  running the evaluated tasks are told; from then on the scores are frozen.
- `report_upload`: once the report is delivered, the evaluator's own signed report (PDF, OFD or
  Word) replaces the generated one, and the national level is told. Before delivery there is
  nothing final to sign: the upload is refused.

Requiring evidence for every score, findings for delivery, the freeze after delivery and the
signed report only after delivery are the platform's rules.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import User
from accounts.roles import is_national
from accounts.visibility import EVALUATOR, NATIONAL
from audit.services import record
from evaluation import rules, scoring
from evaluation.errors import EvaluationError
from evaluation.indicators import IndicatorRow
from evaluation.models import Commission, Indicator, Recommendation, Score, TaskEvaluation
from kernel.errors import DomainError, Forbidden
from kernel.uploads import check_upload, file_saved, limited_name
from notifications.services import notify
from tasks.selectors import claimant_coordinators

# The signed report is a document the evaluator signs or stamps: these types only.
REPORT_TYPES = (".pdf", ".ofd", ".docx")
MAX_INDICATORS = 50


def commission_url(commission: Commission) -> str:
    return reverse("evaluation:commission", args=[commission.pk])


def evaluation_url(evaluation: TaskEvaluation) -> str:
    return reverse("evaluation:task_evaluation", args=[evaluation.pk])


def _lock(commission: Commission) -> Commission:
    return Commission.objects.select_for_update().select_related("evaluator").get(pk=commission.pk)


def _evaluator_users(commission: Commission) -> Any:
    return rules.COMMISSIONS.audience(commission, EVALUATOR)


def _has_scores(commission: Commission) -> bool:
    return Score.objects.filter(evaluation__commission=commission).exists()


def _describe(rows: Sequence[Any]) -> str:
    """The indicator system as one line of the history: 1. name ×weight; 2. …"""
    return "；".join(
        f"{number}. {row.name} ×{Decimal(row.weight).normalize():f}"
        for number, row in enumerate(rows, start=1)
    )


# Indicators -----------------------------------------------------------------------------------


@transaction.atomic
def indicators_set(
    *, commission: Commission, by: User, rows: Sequence[IndicatorRow]
) -> list[Indicator]:
    """Replace the commission's indicator system by `rows`, numbered in order."""
    commission = _lock(commission)
    if not is_national(by) or not rules.can_view_commission(by, commission):
        raise Forbidden
    if commission.state != Commission.State.IN_PROGRESS:
        raise EvaluationError(_("The report has been delivered: the indicators are final."))
    if _has_scores(commission):
        raise EvaluationError(
            _("Scoring has started: the indicator system can no longer be changed.")
        )
    if not rows:
        raise EvaluationError(_("Keep at least one indicator."))
    if len(rows) > MAX_INDICATORS:
        raise EvaluationError(_("At most %(count)s indicators.") % {"count": MAX_INDICATORS})
    dimensions = set(Indicator.Dimension.values)
    cleaned: list[IndicatorRow] = []
    for number, row in enumerate(rows, start=1):
        name = row.name.strip()
        if not name:
            raise EvaluationError(_("Indicator %(number)s has no name.") % {"number": number})
        if row.dimension not in dimensions:
            raise EvaluationError(
                _("Choose the dimension of indicator %(number)s.") % {"number": number}
            )
        weight = Decimal(row.weight)
        if weight <= 0:
            raise EvaluationError(
                _("The weight of indicator %(number)s must be greater than zero.")
                % {"number": number}
            )
        cleaned.append(IndicatorRow(row.dimension, name, row.guidance.strip(), weight))
    before = list(commission.indicators.order_by("position"))
    commission.indicators.all().delete()
    created = Indicator.objects.bulk_create(
        Indicator(
            commission=commission,
            position=number,
            dimension=row.dimension,
            name=row.name,
            guidance=row.guidance,
            weight=row.weight,
        )
        for number, row in enumerate(cleaned, start=1)
    )
    old, new = _describe(before), _describe(cleaned)
    record(
        "commission.indicators_set",
        obj=commission,
        by=by,
        changes={"indicators": [old, new]} if old != new else {},
    )
    notify(
        users=_evaluator_users(commission),
        subject=_("Indicator system set: %(title)s") % {"title": commission.title},
        body=new,
        url=commission_url(commission),
    )
    return created


# Scores -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    """What the evaluator entered for one indicator: both empty leaves it unscored."""

    indicator_id: int
    value: Decimal | None
    evidence: str


def _result(evaluation: TaskEvaluation, indicators: Sequence[Indicator]) -> scoring.TaskResult:
    values = dict(evaluation.scores.values_list("indicator_id", "value"))
    return scoring.task_result((i.weight, values.get(i.pk)) for i in indicators)


def _summary(evaluation: TaskEvaluation) -> dict[str, str | None]:
    """The task's figures as the history shows them (labels in the recorder's language)."""
    return {
        "score": None if evaluation.score is None else str(evaluation.score),
        "rating": evaluation.get_rating_display() or None,
        "recommendation": evaluation.get_recommendation_display() or None,
        "task_findings": evaluation.findings or None,
    }


@transaction.atomic
def task_score(
    *,
    evaluation: TaskEvaluation,
    by: User,
    scores: Sequence[ScoreRow],
    findings: str = "",
    recommendation: str = "",
) -> TaskEvaluation:
    """Store the scores entered (each with its evidence), the findings and the recommendation,
    and recompute the task's score and rating. Indicators left blank stay unscored (a score
    cleared is removed): the task has no score until every indicator is scored."""
    commission = _lock(evaluation.commission)
    if not rules.evaluates(by, commission):
        raise Forbidden
    if commission.state != Commission.State.IN_PROGRESS:
        raise EvaluationError(_("The report has been delivered: the scores are final."))
    evaluation = (
        TaskEvaluation.objects.select_for_update()
        .select_related("task")
        .get(pk=evaluation.pk, commission=commission)
    )
    if recommendation and recommendation not in Recommendation.values:
        raise EvaluationError(_("Choose one of the replication recommendations offered."))
    indicators = list(commission.indicators.order_by("position"))
    by_id = {indicator.pk: indicator for indicator in indicators}
    existing = {s.indicator_id: s for s in evaluation.scores.all()}
    changes: dict[str, list[Any]] = {}
    for row in scores:
        indicator = by_id.get(row.indicator_id)
        if indicator is None:
            raise EvaluationError(
                _("The indicator system has changed; reload the page and score again.")
            )
        evidence = row.evidence.strip()
        label = f"{indicator.position}. {indicator.name}"
        if row.value is None and not evidence:
            if row.indicator_id in existing:
                changes[label] = [str(existing[row.indicator_id].value), None]
                existing.pop(row.indicator_id).delete()
            continue
        if row.value is None:
            raise EvaluationError(_("Give the score of “%(name)s”.") % {"name": indicator.name})
        if not scoring.in_range(row.value):
            raise EvaluationError(
                _("The score of “%(name)s” must be between 0 and 100.") % {"name": indicator.name}
            )
        if not evidence:
            raise EvaluationError(
                _("Give the evidence for the score of “%(name)s”.") % {"name": indicator.name}
            )
        value = scoring.rounded(row.value)
        score = existing.get(row.indicator_id)
        if score is None:
            Score.objects.create(
                evaluation=evaluation,
                indicator=indicator,
                value=value,
                evidence=evidence,
                scored_by=by,
            )
            changes[label] = [None, str(value)]
        elif score.value != value or score.evidence != evidence:
            if score.value != value:
                changes[label] = [str(score.value), str(value)]
            score.value, score.evidence, score.scored_by = value, evidence, by
            score.save(update_fields=["value", "evidence", "scored_by", "scored_at"])
    result = _result(evaluation, indicators)
    before = _summary(evaluation)
    evaluation.score, evaluation.rating = result.score, result.rating
    evaluation.findings, evaluation.recommendation = findings.strip(), recommendation
    evaluation.save(update_fields=["score", "rating", "findings", "recommendation"])
    after = _summary(evaluation)
    changes.update({key: [before[key], after[key]] for key in after if before[key] != after[key]})
    if changes:
        record(
            "commission.scored", obj=commission, by=by, changes=changes, note=str(evaluation.task)
        )
    return evaluation


# The report ---------------------------------------------------------------------------------


def delivery_gaps(commission: Commission) -> dict[str, list[TaskEvaluation]]:
    """What stops the report from being delivered: tasks not fully scored, tasks without a
    recommendation."""
    count = commission.indicators.count()
    evaluations = list(
        commission.evaluations.select_related(
            "task__claimant__division", "task__claimant__region_group"
        )
        .annotate(scored=Count("scores"))
        .order_by("task__claimant", "task__claim__item__position", "task_id")
    )
    return {
        "unscored": [e for e in evaluations if e.score is None or e.scored < count],
        "no_recommendation": [e for e in evaluations if not e.recommendation],
    }


@transaction.atomic
def commission_report(*, commission: Commission, by: User, findings: str) -> Commission:
    """Deliver the evaluation report: the scores are final from now on."""
    commission = _lock(commission)
    if not rules.evaluates(by, commission):
        raise Forbidden
    if commission.state != Commission.State.IN_PROGRESS:
        raise EvaluationError(_("The report has already been delivered."))
    findings = findings.strip()
    if not findings:
        raise EvaluationError(_("Write the overall findings."))
    if not commission.evaluations.exists():
        raise EvaluationError(_("There is no task to report on."))
    if not commission.indicators.exists():
        raise EvaluationError(_("The commission has no indicator system."))
    gaps = delivery_gaps(commission)
    if gaps["unscored"]:
        raise EvaluationError(
            _("%(count)s tasks are not fully scored yet, e.g. “%(task)s”.")
            % {"count": len(gaps["unscored"]), "task": gaps["unscored"][0].task.title}
        )
    if gaps["no_recommendation"]:
        raise EvaluationError(
            _("%(count)s tasks have no recommendation yet, e.g. “%(task)s”.")
            % {
                "count": len(gaps["no_recommendation"]),
                "task": gaps["no_recommendation"][0].task.title,
            }
        )
    old_findings = commission.findings
    commission.state, commission.reported_at = Commission.State.REPORTED, timezone.now()
    commission.findings = findings
    commission.save(update_fields=["state", "reported_at", "findings"])
    record(
        "commission.reported",
        obj=commission,
        by=by,
        changes={
            "state": [Commission.State.IN_PROGRESS, Commission.State.REPORTED],
            "findings": [old_findings or None, findings],
        },
    )
    notify(
        users=NATIONAL.members(),
        subject=_("Evaluation report delivered: %(title)s") % {"title": commission.title},
        body=findings,
        url=commission_url(commission),
    )
    _tell_localities(commission)
    return commission


def _tell_localities(commission: Commission) -> None:
    """Each locality running evaluated tasks reads its tasks' results."""
    evaluations = commission.evaluations.select_related(
        "task__claimant__division", "task__claimant__region_group"
    ).order_by("task__claimant", "task__claim__item__position", "task_id")
    by_claimant: dict[int, list[TaskEvaluation]] = {}
    for evaluation in evaluations:
        by_claimant.setdefault(evaluation.task.claimant_id, []).append(evaluation)
    for found in by_claimant.values():
        lines = [
            f"{e.task.title}：{e.score}（{e.get_rating_display()}）{e.get_recommendation_display()}"
            for e in found
        ]
        notify(
            users=claimant_coordinators(found[0].task.claimant),
            subject=_("Your tasks have been evaluated: %(title)s") % {"title": commission.title},
            body="\n".join(lines),
            url=evaluation_url(found[0]),
        )


def can_upload_report(user: Actor, commission: Commission) -> bool:
    """The evaluator uploads its signed report once the report is delivered (the platform's
    rule, on top of `evaluation.rules.evaluates`): what is signed is the delivered report."""
    return commission.state == Commission.State.REPORTED and rules.evaluates(user, commission)


@transaction.atomic
def report_upload(*, commission: Commission, by: User, upload: Any) -> Commission:
    """The evaluator's own signed report replaces the generated one (and any earlier upload),
    once the report is delivered (`can_upload_report`)."""
    commission = _lock(commission)
    if not rules.evaluates(by, commission):
        raise Forbidden
    if commission.state != Commission.State.REPORTED:
        raise EvaluationError(
            _(
                "The signed report can be uploaded once the evaluation report is delivered: "
                "score every task and deliver the report first."
            )
        )
    try:
        name = check_upload(upload)
    except DomainError as exc:
        raise EvaluationError(exc.message) from exc
    if PurePath(name).suffix.lower() not in REPORT_TYPES:
        raise EvaluationError(
            _("%(name)s: the signed report must be a PDF, OFD or Word (.docx) file.")
            % {"name": name}
        )
    name = limited_name(name)
    old_file, old_name = commission.report_file.name, commission.report_file_name
    with file_saved(commission.report_file, name, upload):
        commission.report_file_name = name
        commission.save(update_fields=["report_file", "report_file_name"])
        record(
            "commission.report_uploaded",
            obj=commission,
            by=by,
            changes={"report_file_name": [old_name or None, name]},
        )
    if old_file and old_file != commission.report_file.name:
        storage = commission.report_file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    notify(
        users=NATIONAL.members(),
        subject=_("Signed evaluation report uploaded: %(title)s") % {"title": commission.title},
        body=name,
        url=commission_url(commission),
    )
    return commission
