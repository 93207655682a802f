"""Reads of replicable outcomes (可复制推广的改革成果), scoped by `evaluation.rules.OUTCOMES`: the
national level sees every outcome, drafts included; whoever sees one of an outcome's tasks
sees it once confirmed. Outside that scope an outcome does not exist (404).

Also the tasks an outcome can be distilled from (a task with a delivered evaluation), and what
the draft form starts from (`outcome_prefill`).
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.actors import Actor
from audit.models import AuditEntry
from audit.selectors import entries_for
from evaluation import rules
from evaluation.models import (
    CloseOut,
    Commission,
    InstitutionalDocument,
    Outcome,
    Recommendation,
    TaskEvaluation,
)
from proposals.models import ReformField
from tasks.models import Implementer, Task
from tasks.rules import TASKS

ORIGIN_MAX = Outcome._meta.get_field("origin").max_length or 300
TITLE_MAX = Outcome._meta.get_field("title").max_length or 200
DELIVERED = Q(commission__state=Commission.State.REPORTED)


def delivered_evaluations() -> QuerySet[TaskEvaluation]:
    """Evaluations whose commission's report is delivered, newest report first."""
    return (
        TaskEvaluation.objects.filter(DELIVERED)
        .select_related("commission", "task__claimant__division", "task__claimant__region_group")
        .order_by("-commission__reported_at", "-pk")
    )


# Outcomes ------------------------------------------------------------------------------------


def outcomes_visible_to(user: Actor) -> QuerySet[Outcome]:
    return rules.OUTCOMES.queryset(user).select_related("field", "created_by")


def outcome_get_for_user(user: Actor, pk: int) -> Outcome:
    try:
        return outcomes_visible_to(user).get(pk=pk)
    except Outcome.DoesNotExist:
        raise Http404 from None


def outcome_list(user: Actor, params: dict[str, str]) -> QuerySet[Outcome]:
    """The user's outcomes narrowed by the list's filters (field, recommended scope, state,
    programme, text), newest first, with their tasks prefetched."""
    qs = outcomes_visible_to(user)
    if params.get("field"):
        qs = qs.filter(field_id=int(params["field"]))
    if params.get("scope"):
        qs = qs.filter(recommended_scope=params["scope"])
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    if params.get("programme"):
        qs = qs.filter(pk__in=Outcome.objects.filter(tasks__programme_id=params["programme"]))
    text = params.get("q", "").strip()
    if text:
        matching = Outcome.objects.filter(
            Q(title__icontains=text)
            | Q(summary__icontains=text)
            | Q(institutional_change__icontains=text)
            | Q(origin__icontains=text)
            | Q(tasks__title__icontains=text)
        )
        qs = qs.filter(pk__in=matching.values("pk"))
    tasks = Task.objects.select_related("claimant__division", "claimant__region_group")
    return qs.prefetch_related(Prefetch("tasks", queryset=tasks)).order_by("-created_at", "-pk")


@dataclass
class OutcomeTask:
    """One task behind an outcome, as the reader may see it: the link and the evaluations
    only where the reader sees the task and the evaluation."""

    task: Task
    visible: bool
    evaluations: list[TaskEvaluation]


def outcome_tasks(user: Actor, outcome: Outcome) -> list[OutcomeTask]:
    tasks = list(
        outcome.tasks.select_related(
            "claimant__division", "claimant__region_group", "programme"
        ).order_by("programme_id", "claimant_id", "claim__item__position")
    )
    seen = set(
        TASKS.queryset(user).filter(pk__in=[t.pk for t in tasks]).values_list("pk", flat=True)
    )
    readable = rules.TASK_EVALUATIONS.queryset(user, outcome.evaluations.all()).select_related(
        "commission"
    )
    by_task: dict[int, list[TaskEvaluation]] = {}
    for evaluation in readable.order_by("-commission__reported_at", "-pk"):
        by_task.setdefault(evaluation.task_id, []).append(evaluation)
    return [OutcomeTask(t, t.pk in seen, by_task.get(t.pk, [])) for t in tasks]


def outcome_history(outcome: Outcome, limit: int = 100) -> list[AuditEntry]:
    return list(entries_for(outcome).order_by("-at", "-pk")[:limit])


# What an outcome is distilled from -----------------------------------------------------------


def evaluated_tasks(params: dict[str, str] | None = None) -> QuerySet[Task]:
    """Tasks with at least one delivered evaluation (what an outcome can be distilled from),
    narrowed by programme and text, each with `outcome_count`."""
    params = params or {}
    delivered = TaskEvaluation.objects.filter(DELIVERED, task=OuterRef("pk"))
    qs = (
        Task.objects.filter(Exists(delivered))
        .select_related("programme", "claimant__division", "claimant__region_group")
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=TaskEvaluation.objects.filter(DELIVERED)
                .select_related("commission")
                .order_by("-commission__reported_at", "-pk"),
                to_attr="delivered",
            ),
            Prefetch("outcomes", queryset=Outcome.objects.only("pk", "title", "state")),
        )
    )
    if params.get("programme"):
        qs = qs.filter(programme_id=params["programme"])
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            pk__in=Task.objects.filter(
                Q(title__icontains=text) | Q(implementers__organisation__name__icontains=text)
            ).values("pk")
        )
    return qs.order_by("programme_id", "claimant_id", "claim__item__position")


def tasks_without_delivered_evaluation(task_ids: list[int]) -> list[Task]:
    delivered = TaskEvaluation.objects.filter(DELIVERED, task=OuterRef("pk"))
    return list(Task.objects.filter(pk__in=task_ids).exclude(Exists(delivered)))


@dataclass
class Prefill:
    """What the draft form starts from, and where each value came from."""

    initial: dict[str, Any]
    recommendations: list[tuple[Task, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def item_field(task: Task, by_name: dict[str, ReformField]) -> ReformField | None:
    """The reform field of the task's item: the list item's field, or for an item entered by
    hand the field its category is named after (items of an annual list carry the field's
    name as their category, `claims.services.programme_create`)."""
    item = task.claim.item
    if item.list_item is not None:
        return item.list_item.field
    return by_name.get(item.category)


def narrowest_scope(recommendations: list[str]) -> str:
    """The scope every task's latest evaluation supports: nationwide only if all recommend it,
    the 8 experiment regions if all recommend at least that, otherwise none (the national
    level chooses). The platform's rule for the prefill only."""
    allowed = {Recommendation.NATIONWIDE, Recommendation.EXPERIMENT_REGIONS}
    if not recommendations or any(r not in allowed for r in recommendations):
        return ""
    if all(r == Recommendation.NATIONWIDE for r in recommendations):
        return Recommendation.NATIONWIDE
    return Recommendation.EXPERIMENT_REGIONS


def _tasks_for_prefill(task_ids: list[int]) -> list[Task]:
    documents = InstitutionalDocument.objects.order_by("issued_on", "pk")
    return list(
        Task.objects.filter(pk__in=task_ids)
        .select_related(
            "claimant__division",
            "claimant__region_group",
            "claim__item__list_item__field",
            "close_out",
        )
        .prefetch_related(
            Prefetch(
                "implementers",
                queryset=Implementer.objects.select_related("organisation").order_by(
                    "-lead", "organisation__name"
                ),
            ),
            Prefetch(
                "evaluations",
                queryset=TaskEvaluation.objects.filter(DELIVERED)
                .select_related("commission")
                .order_by("-commission__reported_at", "-pk"),
                to_attr="delivered",
            ),
            Prefetch("close_out__documents", queryset=documents),
        )
        .order_by("programme_id", "claimant_id", "claim__item__position")
    )


def _close_out(task: Task) -> CloseOut | None:
    try:
        return task.close_out
    except CloseOut.DoesNotExist:
        return None


def outcome_prefill(task_ids: list[int]) -> Prefill:
    """The draft's fields from its tasks (platform's prefill, all editable before saving):

    - title: the item's title when the tasks share one item, else the first task's title;
    - field: the reform field most of the tasks' items carry;
    - summary: each task's proposed replicable outcomes from its close-out report and the
      findings of its delivered evaluations;
    - institutional change: the institutional documents the close-out reports list;
    - origin: each locality with the units implementing its task (lead first);
    - evidence: each delivered evaluation's rating and score, and the close-outs' cases;
    - recommended scope: `narrowest_scope` of the tasks' latest recommendations.
    """
    tasks = _tasks_for_prefill(task_ids)
    by_name = {f.name: f for f in ReformField.all_fields.all()}
    prefill = Prefill(initial={"tasks": [t.pk for t in tasks]})
    if not tasks:
        return prefill
    items = {t.claim.item.title for t in tasks}
    title = items.pop() if len(items) == 1 else tasks[0].title
    fields = [f for f in (item_field(t, by_name) for t in tasks) if f is not None]
    chosen = Counter(f.pk for f in fields).most_common(1)
    summary, changes, origin, evidence, latest = [], [], [], [], []
    for task in tasks:
        close_out = _close_out(task)
        delivered: list[TaskEvaluation] = getattr(task, "delivered", [])
        heading = f"{task.claimant} · {task.title}"
        parts = [heading]
        if close_out is not None and close_out.proposed_outcomes.strip():
            parts.append(
                _("Proposed replicable outcomes (close-out report): %(text)s")
                % {"text": close_out.proposed_outcomes.strip()}
            )
        for evaluation in delivered:
            if evaluation.findings.strip():
                parts.append(
                    _("Findings of %(commission)s: %(text)s")
                    % {"commission": evaluation.commission, "text": evaluation.findings.strip()}
                )
        summary.append("\n".join(parts))
        if close_out is not None:
            for doc in close_out.documents.all():
                number = f" {doc.number}" if doc.number else ""
                changes.append(
                    f"《{doc.title}》（{doc.issuer}{number}，{doc.issued_on.isoformat()}）"
                )
            if close_out.cases.strip():
                evidence.append(
                    _("Cases (%(task)s): %(text)s")
                    % {
                        "task": task.title,
                        "text": close_out.cases.strip(),
                    }
                )
        units = "、".join(i.organisation.name for i in task.implementers.all())
        origin.append(f"{task.claimant}（{units}）" if units else str(task.claimant))
        for evaluation in delivered:
            evidence.append(
                _("%(commission)s, %(task)s: %(rating)s, score %(score)s")
                % {
                    "commission": evaluation.commission,
                    "task": task.title,
                    "rating": evaluation.get_rating_display() or "—",
                    "score": evaluation.score if evaluation.score is not None else "—",
                }
            )
        recommendation = delivered[0].recommendation if delivered else ""
        latest.append(recommendation)
        prefill.recommendations.append(
            (task, delivered[0].get_recommendation_display() if delivered else "")
        )
    origin_text = "；".join(dict.fromkeys(origin))
    if len(origin_text) > ORIGIN_MAX:
        origin_text = origin_text[: ORIGIN_MAX - 1] + "…"
        prefill.notes.append(_("The origin was shortened to fit; check it."))
    scope = narrowest_scope(latest)
    if not scope:
        prefill.notes.append(
            _(
                "The latest evaluation of some task does not recommend replicating it (or "
                "recommends nothing): choose the recommended scope yourself."
            )
        )
    if not fields:
        prefill.notes.append(
            _("No reform field could be read from the tasks' items: choose the field.")
        )
    if not changes:
        prefill.notes.append(
            _(
                "The close-out reports list no institutional document: describe the "
                "institutional change."
            )
        )
    prefill.initial.update(
        {
            "title": title[:TITLE_MAX],
            "field": chosen[0][0] if chosen else None,
            "summary": "\n\n".join(summary),
            "institutional_change": "\n".join(changes),
            "origin": origin_text,
            "evidence": "\n".join(evidence),
            "recommended_scope": scope,
        }
    )
    return prefill


# Rights of the pages built on the rules (`evaluation.rules.can_manage_outcomes`) ----------------


def can_edit_outcome(user: Actor, outcome: Outcome) -> bool:
    """The national level, while the outcome is a draft (platform's rule: a confirmed outcome
    is what the promotion stage promotes, so it stays as confirmed)."""
    return rules.can_manage_outcomes(user) and outcome.state == Outcome.State.DRAFT


def manages_outcome(user: Actor, outcome: Outcome) -> bool:
    """`can_edit_outcome` without the state: a POST is checked with it, and the service says
    what changed meanwhile."""
    return rules.can_manage_outcomes(user)
