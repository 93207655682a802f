"""Incentives (激励): the national level changes the ranking's formula and records incentive
decisions for a locality or an implementing unit. Each is on the trail; a decision's
beneficiary is told.

Source: 发改高技〔2021〕484号 §三(四): "国家发展改革委、科技部研究采取适当方式，对完成改革任务较好
的地方、单位进行激励，并优先支持其承担创新创业创造等重大项目". So the beneficiary is a 地方 (a
locality, the claimant) or a 单位 (an implementing unit), and priority support for major
projects is one of the forms; the others are 通报表扬 and any other form the decision describes.
The way of ranking is left to "适当方式": the formula is the platform's and the national level's
to change (`evaluation.ranking`).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.visibility import IMPLEMENTER
from audit.services import record
from claims.models import Claimant
from evaluation import rules
from evaluation.errors import EvaluationError
from evaluation.models import IncentiveDecision, RankingFormula, TaskEvaluation
from evaluation.selectors.incentives import beneficiary_evaluations
from evaluation.selectors.ranking import formula_in_force
from kernel.errors import Forbidden
from notifications.services import notify
from regions.models import Organisation
from tasks.selectors import claimant_coordinators

Form = IncentiveDecision.Form
MAX_WEIGHT = Decimal("9999.99")


# The formula ---------------------------------------------------------------------------------


@transaction.atomic
def formula_change(
    *, by: User, completion: Decimal, evaluation: Decimal, progress: Decimal, reason: str
) -> RankingFormula:
    """A new formula row (the newest is in force), with the reason; the change is recorded as
    `ranking.formula_changed` with the weights before and after."""
    if not rules.can_manage_incentives(by):
        raise Forbidden
    reason = reason.strip()
    if not reason:
        raise EvaluationError(_("Give the reason for changing the formula."))
    weights = {"completion": completion, "evaluation": evaluation, "progress": progress}
    for value in weights.values():
        if value < 0 or value > MAX_WEIGHT:
            raise EvaluationError(_("Each weight is a number from 0 to 9999.99."))
    if not any(weights.values()):
        raise EvaluationError(_("At least one weight must be more than 0."))
    # Serialise changes: two national users changing at once each see the other's.
    list(RankingFormula.objects.select_for_update().order_by("-pk")[:1])
    before = formula_in_force().weights
    if (before.completion, before.evaluation, before.progress) == (
        completion,
        evaluation,
        progress,
    ):
        raise EvaluationError(_("These are the weights in force already."))
    row = RankingFormula.objects.create(
        completion_weight=completion,
        evaluation_weight=evaluation,
        progress_weight=progress,
        note=reason,
        changed_by=by,
    )
    record(
        "ranking.formula_changed",
        obj=row,
        by=by,
        changes={
            "completion_weight": [str(before.completion), str(completion)],
            "evaluation_weight": [str(before.evaluation), str(evaluation)],
            "progress_weight": [str(before.progress), str(progress)],
        },
        note=reason,
    )
    return row


# Decisions -----------------------------------------------------------------------------------


def _url(decision: IncentiveDecision) -> str:
    return reverse("evaluation:incentive", args=[decision.pk])


def beneficiary_users(decision: IncentiveDecision) -> list[User]:
    """Who is told of a decision: the coordinators who speak for the locality, or the users of
    the unit."""
    if decision.claimant is not None:
        return list(claimant_coordinators(decision.claimant))
    return list(rules.INCENTIVES.audience(decision, IMPLEMENTER))


@transaction.atomic
def incentive_decide(
    *,
    by: User,
    claimant: Claimant | None = None,
    organisation: Organisation | None = None,
    form: str,
    form_detail: str = "",
    reason: str,
    approving_authority: str,
    decided_on: datetime.date,
    document_number: str = "",
    evaluations: Iterable[TaskEvaluation] = (),
) -> IncentiveDecision:
    """Record a decision for exactly one beneficiary. The evaluations it cites must be
    delivered evaluations of the beneficiary's own tasks (a locality's tasks, or the tasks a
    unit implements)."""
    if not rules.can_manage_incentives(by):
        raise Forbidden
    if (claimant is None) == (organisation is None):
        raise EvaluationError(_("Choose one beneficiary: a locality or an implementing unit."))
    if form not in Form.values:
        raise EvaluationError(_("Choose the form of the incentive."))
    form_detail, reason = form_detail.strip(), reason.strip()
    approving_authority, document_number = approving_authority.strip(), document_number.strip()
    if form == Form.OTHER and not form_detail:
        raise EvaluationError(_("Describe the form of the incentive."))
    if not reason:
        raise EvaluationError(_("Give the reason for the incentive."))
    if not approving_authority:
        raise EvaluationError(_("Name the approving authority."))
    # The beneficiary's row is locked, so of two identical requests (a double click, or a
    # colleague recording the same decision) the second finds the first's decision.
    if claimant is not None:
        Claimant.objects.select_for_update().get(pk=claimant.pk)
    elif organisation is not None:
        Organisation.objects.select_for_update().get(pk=organisation.pk)
    if IncentiveDecision.objects.filter(
        claimant=claimant,
        organisation=organisation,
        form=form,
        decided_on=decided_on,
        document_number=document_number,
    ).exists():
        raise EvaluationError(
            _("This decision is already recorded for this beneficiary on this date.")
        )
    chosen = {e.pk for e in evaluations}
    allowed = beneficiary_evaluations(claimant=claimant, organisation=organisation)
    found = list(allowed.filter(pk__in=chosen).order_by("pk"))
    if len(found) != len(chosen):
        raise EvaluationError(_("Cite only delivered evaluations of the beneficiary's own tasks."))
    decision = IncentiveDecision.objects.create(
        claimant=claimant,
        organisation=organisation,
        form=form,
        form_detail=form_detail,
        reason=reason,
        approving_authority=approving_authority,
        decided_on=decided_on,
        document_number=document_number,
        created_by=by,
    )
    decision.evaluations.set(found)
    record(
        "incentive.decided",
        obj=decision,
        by=by,
        changes={
            "claimant" if claimant is not None else "organisation": [None, decision.beneficiary],
            "form": [None, form],
            "form_detail": [None, form_detail],
            "approving_authority": [None, approving_authority],
            "decided_on": [None, decided_on.isoformat()],
            "document_number": [None, document_number],
            "evaluations": [None, [str(e) for e in found]],
        },
        note=reason,
    )
    notify(
        users=beneficiary_users(decision),
        subject=_("Incentive decided for %(beneficiary)s: %(form)s")
        % {"beneficiary": decision.beneficiary, "form": decision.get_form_display()},
        body=reason,
        url=_url(decision),
        email=True,
    )
    return decision
