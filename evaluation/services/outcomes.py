"""Replicable outcomes (可复制推广的改革成果): the national level distils one from one or more
evaluated tasks, changes it while it is a draft, and confirms it for promotion — what the
promotion stage will promote. Each step is on the outcome's trail; the localities whose tasks
are behind a confirmed outcome are told.

Source: 发改高技〔2021〕484号 §三(四) ("国家发展改革委、科技部及时委托第三方机构评估，并总结凝练为
可复制推广的改革成果，推动其在更大范围内实施推广"): an outcome is distilled after the evaluation,
so every task behind it must have a delivered evaluation (its commission's report delivered).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from evaluation import rules
from evaluation.errors import EvaluationError
from evaluation.models import Outcome, Recommendation, TaskEvaluation
from evaluation.selectors.outcomes import DELIVERED
from kernel.errors import Forbidden
from notifications.services import notify
from proposals.models import ReformField
from tasks.models import Task
from tasks.selectors import claimant_coordinators

SCOPES = {Recommendation.NATIONWIDE.value, Recommendation.EXPERIMENT_REGIONS.value}


@dataclass(frozen=True)
class OutcomeData:
    title: str
    field: ReformField
    summary: str
    institutional_change: str
    origin: str
    evidence: str
    recommended_scope: str


def _clean(data: OutcomeData) -> OutcomeData:
    cleaned = OutcomeData(
        title=data.title.strip(),
        field=data.field,
        summary=data.summary.strip(),
        institutional_change=data.institutional_change.strip(),
        origin=data.origin.strip(),
        evidence=data.evidence.strip(),
        recommended_scope=data.recommended_scope,
    )
    if not cleaned.title:
        raise EvaluationError(_("Give the outcome a title."))
    if not cleaned.summary:
        raise EvaluationError(_("Summarise the outcome."))
    if not cleaned.institutional_change:
        raise EvaluationError(_("Say what institutional change it made."))
    if not cleaned.origin:
        raise EvaluationError(_("Say where it came from."))
    if cleaned.recommended_scope not in SCOPES:
        raise EvaluationError(_("Choose the recommended scope."))
    return cleaned


def _url(outcome: Outcome) -> str:
    return reverse("evaluation:outcome", args=[outcome.pk])


FIELDS = [
    "title",
    "field",
    "summary",
    "institutional_change",
    "origin",
    "evidence",
    "recommended_scope",
]


def _values(outcome: Outcome) -> dict[str, object]:
    return {
        name: str(outcome.field) if name == "field" else getattr(outcome, name) for name in FIELDS
    }


@transaction.atomic
def outcome_create(*, by: User, tasks: Iterable[Task], data: OutcomeData) -> Outcome:
    """A draft outcome from `tasks`, each of which must have a delivered evaluation; every
    delivered evaluation of those tasks is linked to it as its basis."""
    if not rules.can_manage_outcomes(by):
        raise Forbidden
    chosen = sorted({t.pk for t in tasks})
    if not chosen:
        raise EvaluationError(_("Choose at least one evaluated task."))
    locked = list(Task.objects.select_for_update().filter(pk__in=chosen).order_by("pk"))
    if len(locked) != len(chosen):
        raise EvaluationError(_("A chosen task no longer exists."))
    evaluations = list(TaskEvaluation.objects.filter(DELIVERED, task_id__in=chosen).order_by("pk"))
    evaluated = {e.task_id for e in evaluations}
    missing = [t for t in locked if t.pk not in evaluated]
    if missing:
        raise EvaluationError(
            _(
                "An outcome is distilled from evaluated tasks: %(tasks)s has no delivered "
                "evaluation yet."
            )
            % {"tasks": "、".join(t.title for t in missing)}
        )
    data = _clean(data)
    # A double click, or a colleague who drafted the same: the tasks are locked, so one of
    # two identical requests finds the other's draft.
    twin = Outcome.objects.filter(title=data.title, tasks__in=chosen).distinct()
    for other in twin.prefetch_related("tasks"):
        if sorted(t.pk for t in other.tasks.all()) == chosen:
            raise EvaluationError(
                _("An outcome with this title was already drafted from these tasks.")
            )
    outcome = Outcome.objects.create(
        title=data.title,
        field=data.field,
        summary=data.summary,
        institutional_change=data.institutional_change,
        origin=data.origin,
        evidence=data.evidence,
        recommended_scope=data.recommended_scope,
        created_by=by,
    )
    outcome.tasks.set(locked)
    outcome.evaluations.set(evaluations)
    after = _values(outcome)
    record(
        "outcome.created",
        obj=outcome,
        by=by,
        changes={
            **{name: [None, value] for name, value in after.items()},
            "tasks": [None, [str(t) for t in locked]],
            "evaluations": [None, [str(e) for e in evaluations]],
        },
    )
    return outcome


def _lock(outcome: Outcome) -> Outcome:
    return Outcome.objects.select_for_update().select_related("field").get(pk=outcome.pk)


@transaction.atomic
def outcome_update(*, outcome: Outcome, by: User, data: OutcomeData) -> Outcome:
    """Change a draft; a confirmed outcome is fixed."""
    if not rules.can_manage_outcomes(by):
        raise Forbidden
    outcome = _lock(outcome)
    if outcome.state != Outcome.State.DRAFT:
        raise EvaluationError(_("This outcome is confirmed and can no longer be changed."))
    data = _clean(data)
    before = _values(outcome)
    for name in FIELDS:
        setattr(outcome, name, getattr(data, name))
    outcome.save(update_fields=FIELDS)
    after = _values(outcome)
    changes = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    if changes:
        record("outcome.updated", obj=outcome, by=by, changes=changes)
    return outcome


@transaction.atomic
def outcome_confirm(*, outcome: Outcome, by: User) -> Outcome:
    """Confirmed for promotion: fixed from now on, and read by whoever sees one of its tasks.
    The localities whose tasks are behind it are told."""
    if not rules.can_manage_outcomes(by):
        raise Forbidden
    outcome = _lock(outcome)
    if outcome.state != Outcome.State.DRAFT:
        raise EvaluationError(_("This outcome has already been confirmed."))
    outcome.state, outcome.confirmed_at = Outcome.State.CONFIRMED, timezone.now()
    outcome.save(update_fields=["state", "confirmed_at"])
    record(
        "outcome.confirmed",
        obj=outcome,
        by=by,
        changes={"state": [Outcome.State.DRAFT, Outcome.State.CONFIRMED]},
    )
    claimants = {t.claimant_id: t.claimant for t in outcome.tasks.select_related("claimant")}
    recipients: dict[int, User] = {}
    for claimant in claimants.values():
        for user in claimant_coordinators(claimant):
            recipients[user.pk] = user
    notify(
        users=recipients.values(),
        subject=_("Replicable outcome confirmed for promotion: %(title)s")
        % {"title": outcome.title},
        body=outcome.summary[:500],
        url=_url(outcome),
    )
    return outcome
