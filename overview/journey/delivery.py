"""The second half of a journey, each stage read through its own visibility: the tasks and
their progress reports (how many, the last), the close-out, the evaluation (its rating where
the user may read it), the outcome, the batch that promoted the measure and its adoption
across the country, counted per status in the database."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Max
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.actors import Actor
from evaluation.rules import CLOSE_OUTS, OUTCOMES, TASK_EVALUATIONS
from overview.journey.chain import Chain
from overview.journey.steps import Detail, Step, first_url, latest, moment
from promotion.models import AdoptionStatus
from promotion.rules import ADOPTIONS, MEASURES
from tasks.models import ProgressReport
from tasks.rules import REPORTS, TASKS


def _claimant(task: Any) -> str:
    return str(task.claimant)


def tasks(user: Actor, chain: Chain) -> list[Step]:
    rows = TASKS.queryset(user).filter(pk__in=chain.tasks)
    related = ("claimant__division", "claimant__region_group")
    return [
        Step(
            "tasks",
            "task",
            moment(t.created_at),
            _("Task of %(claimant)s: %(title)s") % {"claimant": _claimant(t), "title": t.title},
            reverse("tasks:task", args=[t.pk]),
            [
                Detail("plan", _("Plan"), t.plan_state, t.get_plan_state_display()),
                Detail("progress", _("Progress (%)"), float(t.progress)),
                Detail("closure", _("Close-out"), t.closure, t.get_closure_display()),
            ],
            ("task", t.pk),
        )
        for t in rows.select_related(*related)
    ]


def reports(user: Actor, chain: Chain) -> list[Step]:
    """One step per task: the number of its submitted reports and the date of the last, in one
    grouped query whatever their number."""
    rows = (
        REPORTS.queryset(user)
        .filter(task__in=chain.tasks, state=ProgressReport.State.SUBMITTED)
        .values("task", "task__title")
        .annotate(count=Count("pk"), last=Max("submitted_at"))
        .order_by("task")
    )
    return [
        Step(
            "tasks",
            "reports",
            latest(row["last"]),
            _("Progress reports on “%(task)s”: %(count)s")
            % {
                "task": row["task__title"],
                "count": row["count"],
            },
            reverse("tasks:task", args=[row["task"]]),
            [
                Detail("count", _("Reports submitted"), row["count"]),
                Detail(
                    "last",
                    _("Last submitted"),
                    row["last"].date().isoformat() if row["last"] else None,
                ),
            ],
            ("reports", row["task"]),
        )
        for row in rows
    ]


def close_outs(user: Actor, chain: Chain) -> list[Step]:
    rows = CLOSE_OUTS.queryset(user).filter(task__in=chain.tasks).select_related("task")
    return [
        Step(
            "evaluation",
            "close_out",
            latest(c.decided_at, c.confirmed_at, c.submitted_at, c.created_at),
            _("Close-out of “%(task)s”: %(state)s")
            % {"task": c.task.title, "state": c.get_state_display()},
            reverse("evaluation:closeout", args=[c.pk]),
            [
                Detail("state", _("State"), c.state, c.get_state_display()),
                Detail("result", _("Result"), c.result, c.get_result_display()),
            ],
            ("close_out", c.pk),
        )
        for c in rows
    ]


def evaluations(user: Actor, chain: Chain) -> list[Step]:
    """A task's evaluation, with its rating, for whoever reads it (evaluation.rules: the
    national level and the evaluator at once, the others once the report is delivered)."""
    rows = TASK_EVALUATIONS.queryset(user).filter(task__in=chain.tasks)
    return [
        Step(
            "evaluation",
            "evaluation",
            latest(e.commission.reported_at) or moment(e.commission.starts_on),
            _("Evaluation of “%(task)s” in “%(commission)s”")
            % {"task": e.task.title, "commission": e.commission.title},
            reverse("evaluation:task_evaluation", args=[e.pk]),
            [
                Detail("rating", _("Rating"), e.rating or None, e.get_rating_display()),
                Detail(
                    "recommendation",
                    _("Replication recommendation"),
                    e.recommendation or None,
                    e.get_recommendation_display(),
                ),
            ],
            ("evaluation", e.pk),
        )
        for e in rows.select_related("commission", "task")
    ]


def outcomes(user: Actor, chain: Chain) -> list[Step]:
    rows = OUTCOMES.queryset(user).filter(pk__in=chain.outcomes)
    return [
        Step(
            "evaluation",
            "outcome",
            latest(o.confirmed_at) or moment(o.created_at),
            _("Distilled into the replicable outcome “%(title)s”") % {"title": o.title},
            reverse("evaluation:outcome", args=[o.pk]),
            [
                Detail("state", _("State"), o.state, o.get_state_display()),
                Detail(
                    "recommended_scope",
                    _("Recommended scope"),
                    o.recommended_scope,
                    o.get_recommended_scope_display(),
                ),
            ],
            ("outcome", o.pk),
        )
        for o in rows
    ]


def measures(user: Actor, chain: Chain) -> list[Step]:
    rows = MEASURES.queryset(user).filter(pk__in=chain.measures).select_related("batch")
    steps = []
    for m in rows:
        batch = m.batch
        steps.append(
            Step(
                "promotion",
                "measure",
                latest(batch.issued_on) or latest(batch.published_on, batch.published_at),
                _("Promoted in %(batch)s as measure %(position)s")
                % {"batch": batch, "position": m.position},
                first_url(
                    ("promotion:measure", (m.pk,)),
                    ("promotion:batch", (batch.pk,)),
                    ("promotion:batches", ()),
                ),
                [
                    Detail("batch_state", _("Batch"), batch.state, batch.get_state_display()),
                    Detail("scope", _("Where it applies"), m.scope, m.get_scope_display()),
                ],
                ("measure", m.pk),
            )
        )
    return steps


def adoption(user: Actor, chain: Chain) -> list[Step]:
    """Per measure, how many units (divisions and parks) stand at each status, among the
    records the user sees (the national level the country, a province its territory …),
    counted in one grouped query whatever their number."""
    rows = (
        ADOPTIONS.queryset(user)
        .filter(measure__in=chain.measures)
        .values("measure", "status")
        .annotate(count=Count("pk"), last=Max("updated_at"))
        .order_by("measure", "status")
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    lasts: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        counts[row["measure"]][row["status"]] = row["count"]
        lasts[row["measure"]].append(row["last"])
    steps = []
    for measure_id, by_status in sorted(counts.items()):
        total = sum(by_status.values())
        steps.append(
            Step(
                "promotion",
                "adoption",
                latest(*lasts[measure_id]),
                ngettext(
                    "Adoption reported by %(count)s unit",
                    "Adoption reported by %(count)s units",
                    total,
                )
                % {"count": total},
                first_url(
                    ("promotion:measure_adoption", (measure_id,)),
                    ("promotion:measure", (measure_id,)),
                    ("promotion:index", ()),
                ),
                [
                    Detail("units", _("Units reported"), total),
                    *(
                        Detail(status.value, str(status.label), by_status.get(status.value, 0))
                        for status in AdoptionStatus
                    ),
                ],
                ("adoption", measure_id),
            )
        )
    return steps


STEPS = [tasks, reports, close_outs, evaluations, outcomes, measures, adoption]
