"""Reads of incentive decisions (激励决定) and of the priority-support register, scoped by
`evaluation.rules.INCENTIVES`: the national level reads every decision; a locality the
decisions about it (its coordinators), a unit those about it (its users). The register is the
national level's (`rules.can_manage_incentives`).
"""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.actors import Actor
from audit.models import AuditEntry
from audit.selectors import entries_for
from claims.models import Claimant
from evaluation import rules
from evaluation.models import Commission, IncentiveDecision, TaskEvaluation
from regions.models import Organisation
from tasks.models import Implementer, Task

LOCALITY, UNIT = "locality", "unit"


def _evaluations() -> Prefetch:
    return Prefetch(
        "evaluations",
        queryset=TaskEvaluation.objects.select_related("commission", "task").order_by(
            "-commission__reported_at", "-pk"
        ),
    )


def decisions_visible_to(user: Actor) -> QuerySet[IncentiveDecision]:
    return rules.INCENTIVES.queryset(user).select_related(
        "claimant__division",
        "claimant__region_group",
        "claimant__programme",
        "organisation",
        "created_by",
    )


def decision_get_for_user(user: Actor, pk: int) -> IncentiveDecision:
    try:
        return decisions_visible_to(user).prefetch_related(_evaluations()).get(pk=pk)
    except IncentiveDecision.DoesNotExist:
        raise Http404 from None


def decision_list(user: Actor, params: dict[str, str]) -> QuerySet[IncentiveDecision]:
    """The user's decisions narrowed by form, kind of beneficiary, programme and text, newest
    first, with their evaluations."""
    qs = decisions_visible_to(user)
    if params.get("form"):
        qs = qs.filter(form=params["form"])
    if params.get("beneficiary") == LOCALITY:
        qs = qs.filter(claimant__isnull=False)
    elif params.get("beneficiary") == UNIT:
        qs = qs.filter(organisation__isnull=False)
    if params.get("programme"):
        qs = qs.filter(claimant__programme_id=params["programme"])
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(organisation__name__icontains=text)
            | Q(claimant__division__name__icontains=text)
            | Q(claimant__region_group__name__icontains=text)
            | Q(reason__icontains=text)
            | Q(form_detail__icontains=text)
            | Q(document_number__icontains=text)
            | Q(approving_authority__icontains=text)
        )
    return qs.prefetch_related(_evaluations()).order_by("-decided_on", "-pk")


def register(params: dict[str, str] | None = None) -> QuerySet[IncentiveDecision]:
    """The priority-support register: the decisions of the form "priority support for major
    projects" (484号 §三(四): "优先支持其承担创新创业创造等重大项目"), newest first."""
    params = params or {}
    qs = IncentiveDecision.objects.filter(form=IncentiveDecision.Form.PRIORITY).select_related(
        "claimant__division", "claimant__region_group", "claimant__programme", "organisation"
    )
    if params.get("beneficiary") == LOCALITY:
        qs = qs.filter(claimant__isnull=False)
    elif params.get("beneficiary") == UNIT:
        qs = qs.filter(organisation__isnull=False)
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(organisation__name__icontains=text)
            | Q(claimant__division__name__icontains=text)
            | Q(claimant__region_group__name__icontains=text)
            | Q(reason__icontains=text)
            | Q(document_number__icontains=text)
        )
    return qs.prefetch_related(_evaluations()).order_by("-decided_on", "-pk")


def decision_history(decision: IncentiveDecision, limit: int = 100) -> list[AuditEntry]:
    return list(entries_for(decision).order_by("-at", "-pk")[:limit])


# Beneficiaries and what a decision rests on --------------------------------------------------


def beneficiary_claimants() -> QuerySet[Claimant]:
    """Localities that have tasks, by programme (newest first)."""
    return (
        Claimant.objects.filter(tasks__isnull=False)
        .distinct()
        .select_related("division", "region_group", "programme")
        .order_by("-programme__created_at", "region_group_id", "division__code")
    )


def beneficiary_organisations() -> QuerySet[Organisation]:
    """Units that implement a task."""
    ids = Implementer.objects.values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def beneficiary_tasks(
    *, claimant: Claimant | None = None, organisation: Organisation | None = None
) -> QuerySet[Task]:
    """A locality's tasks, or the tasks a unit implements (lead or not)."""
    if claimant is not None:
        return Task.objects.filter(claimant=claimant)
    assert organisation is not None
    return Task.objects.filter(
        pk__in=Implementer.objects.filter(organisation=organisation).values("task_id")
    )


def beneficiary_evaluations(
    *, claimant: Claimant | None = None, organisation: Organisation | None = None
) -> QuerySet[TaskEvaluation]:
    """The delivered evaluations of the beneficiary's tasks: what a decision can cite."""
    tasks = beneficiary_tasks(claimant=claimant, organisation=organisation)
    return (
        TaskEvaluation.objects.filter(
            task__in=tasks.values("pk"), commission__state=Commission.State.REPORTED
        )
        .select_related("commission", "task__claimant__division", "task__claimant__region_group")
        .order_by("-commission__reported_at", "task__claim__item__position", "pk")
    )
