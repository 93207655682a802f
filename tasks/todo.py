"""What waits on a user in implementation (实施): an implementer's reports due and overdue,
plans returned and help answered; a coordinator's tasks to set up, plans to approve, reports
to read, help to answer, and what is overdue in the tasks it runs or oversees (分层推进,
发改高技〔2021〕484号 §四). Each function costs a fixed number of queries, whatever the number
of tasks."""

import datetime
import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.roles import is_national
from accounts.visibility import IMPLEMENTER
from kernel.todo import QuickAction, TodoItem
from tasks import rules
from tasks.dispatch import OVERDUE, ReportStatus, Schedule
from tasks.models import Closure, HelpRequest, Milestone, ProgressReport, Status, Task
from tasks.reports_selectors import due_reports

# 平台规则: an answer to a help request stays on the implementer's to-do home for two weeks.
HELP_ANSWERED_DAYS = 14


@dataclass(frozen=True)
class Implementation:
    items: list[TodoItem]
    batch: QuickAction | None = None


def _tasks_url(**params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("tasks:index") + (f"?{query}" if query else "")


def implementer_items(user: Actor, today: datetime.date) -> Implementation:
    """Reports due (each with its one-click "no change" filing where it may be filed so),
    plans returned or still to write, and help answered lately."""
    items: list[TodoItem] = []
    due = due_reports(user, today)
    for report in due:
        task = report.task
        url = (
            reverse("tasks:report_edit", args=[report.draft.pk])
            if report.draft is not None
            else reverse("tasks:report_start", args=[task.pk]) + f"?period={report.value}"
        )
        quick = None
        if report.can_file_unchanged:
            quick = QuickAction(
                reverse("tasks:report_unchanged", args=[task.pk]),
                _("No change this period, file"),
                "report-unchanged",
                (("year", str(report.year)), ("period", str(report.period))),
            )
        items.append(
            TodoItem(
                f"report-{task.pk}-{report.value}",
                _("Progress report %(period)s: %(task)s")
                % {"period": report.label, "task": task.title},
                url,
                due_on=report.due_on,
                overdue=report.overdue,
                quick_action=quick,
                note=_("draft started") if report.draft is not None else "",
            )
        )
    batch = None
    if sum(1 for report in due if report.can_file_unchanged) >= 2:
        batch = QuickAction(
            reverse("tasks:reports_unchanged"),
            _("No change in any, file them all"),
            "reports-unchanged",
        )
    mine = rules.IMPLEMENTED_BY.queryset(user).filter(closure=Closure.OPEN)
    items += _plan_items(mine, implementer=True)
    items += _help_answered(user, today)
    return Implementation(items, batch)


def _plan_items(tasks: QuerySet[Task], *, implementer: bool) -> list[TodoItem]:
    """Plans returned or still to write (an implementer), to approve (a coordinator). One
    query: the count and the first task of each plan state."""
    rows = (
        tasks.order_by()
        .values("plan_state")
        .annotate(n=Count("pk", distinct=True), first=Min("pk"))
    )
    found = {row["plan_state"]: row for row in rows}
    wanted = (
        [
            (Task.PlanState.RETURNED, _("Implementation plans returned to you"), "plan_edit"),
            (Task.PlanState.DRAFT, _("Implementation plans to draw up"), "plan_edit"),
        ]
        if implementer
        else [(Task.PlanState.SUBMITTED, _("Implementation plans to approve"), "task")]
    )
    items = []
    for state, label, view in wanted:
        row = found.get(state)
        if row is None:
            continue
        url = (
            reverse(f"tasks:{view}", args=[row["first"]])
            if row["n"] == 1
            else _tasks_url(plan_state=state, closure=Closure.OPEN)
        )
        items.append(TodoItem(f"plans-{state}", label, url, row["n"]))
    return items


def _help_answered(user: Actor, today: datetime.date) -> list[TodoItem]:
    since = timezone.now() - datetime.timedelta(days=HELP_ANSWERED_DAYS)
    found = (
        rules.HELP_REQUESTS.only(IMPLEMENTER)
        .queryset(user)
        .filter(state=HelpRequest.State.ANSWERED, answered_at__gte=since)
        .aggregate(n=Count("pk", distinct=True))
    )
    if not found["n"]:
        return []
    url = reverse("tasks:help_index") + f"?state={HelpRequest.State.ANSWERED}"
    return [
        TodoItem("help-answered", _("Help requests answered (last two weeks)"), url, found["n"])
    ]


def coordinator_items(user: Actor, today: datetime.date) -> list[TodoItem]:
    """The locality running tasks (and the province overseeing its zones' tasks) or the
    national level: tasks to set up, plans to approve, reports to read, help to answer,
    milestones and reports overdue."""
    items: list[TodoItem] = []
    run = rules.RUN_BY.queryset(user).filter(closure=Closure.OPEN)
    if not is_national(user):
        setup = run.filter(plan_state=Task.PlanState.DRAFT, implementers__isnull=True).aggregate(
            n=Count("pk", distinct=True), first=Min("pk")
        )
        if setup["n"]:
            url = (
                reverse("tasks:task", args=[setup["first"]])
                if setup["n"] == 1
                else _tasks_url(plan_state=Task.PlanState.DRAFT, closure=Closure.OPEN)
            )
            items.append(
                TodoItem(
                    "tasks-setup", _("Tasks to set up: name the implementers"), url, setup["n"]
                )
            )
        items += _plan_items(run, implementer=False)
        # Only the count and the oldest: the reports themselves are the report pages' business.
        # One row: the oldest, with the count of all beside it (a window over the whole set).
        oldest = (
            reports_to_review_query(user)
            .annotate(n=Window(Count("pk")))
            .values_list("pk", "n")
            .first()
        )
        if oldest is not None:
            first, n = oldest
            items.append(
                TodoItem(
                    "reports-to-review",
                    _("Progress reports to read and mark as read"),
                    reverse("tasks:report", args=[first]),
                    n,
                )
            )
    items += _help_to_answer(user)
    items += _overdue(user, today)
    return items


def reports_to_review_query(user: Actor) -> QuerySet[ProgressReport]:
    """`tasks.reports_selectors.reports_to_review` as a query, oldest submitted first, for a
    count and the first without loading every report."""
    return ProgressReport.objects.filter(
        task__in=rules.REVIEWED_BY.queryset(user).values("pk"),
        state=ProgressReport.State.SUBMITTED,
        reviewed_at=None,
    ).order_by("submitted_at", "pk")


def _help_to_answer(user: Actor) -> list[TodoItem]:
    """Open help requests addressed to the user's level (`rules.can_answer_help`). One query."""
    if is_national(user):
        open_help = HelpRequest.objects.filter(level=HelpRequest.Level.NATIONAL)
    else:
        open_help = HelpRequest.objects.filter(
            level=HelpRequest.Level.LOCALITY, task__in=rules.RUN_BY.queryset(user).values("pk")
        )
    n = open_help.filter(state=HelpRequest.State.OPEN).count()
    if not n:
        return []
    url = reverse("tasks:help_index") + f"?state={HelpRequest.State.OPEN}"
    return [TodoItem("help-to-answer", _("Help requests to answer"), url, n)]


def _overdue(user: Actor, today: datetime.date) -> list[TodoItem]:
    """Milestones past due and not done, and reports past due and not submitted (the latest
    period due of each task, as the dispatch counts it: `tasks.dispatch`), of the open tasks
    with an approved plan the user inspects — its own and, for a province, those of the zones
    on its territory; every task for the national level. Three queries."""
    scope = rules.INSPECTED_BY.queryset(user).filter(
        closure=Closure.OPEN, plan_state=Task.PlanState.APPROVED
    )
    items = []
    late = (
        Milestone.objects.filter(task__in=scope.values("pk"), due_on__lt=today)
        .exclude(status=Status.DONE)
        .aggregate(n=Count("pk"), first=Min("due_on"))
    )
    if late["n"]:
        items.append(
            TodoItem(
                "milestones-overdue",
                _("Milestones overdue"),
                reverse("tasks:dispatch") + f"?status={OVERDUE}",
                late["n"],
                due_on=late["first"],
                overdue=True,
            )
        )
    late_reports = _reports_overdue(scope, today)
    if late_reports["n"]:
        items.append(
            TodoItem(
                "reports-overdue",
                _("Progress reports overdue"),
                reverse("tasks:dispatch") + f"?status={ReportStatus.MISSING}",
                late_reports["n"],
                due_on=late_reports["first"],
                overdue=True,
            )
        )
    return items


def _reports_overdue(scope: QuerySet[Task], today: datetime.date) -> dict[str, Any]:
    """How many tasks of `scope` owe the report of their latest period due, and the earliest
    such due date, counted in SQL. Tasks of one reporting rhythm share that period, so one
    condition per rhythm (a handful) replaces a pass over every task: two queries."""
    rhythms = (
        scope.order_by()
        .values_list("programme__report_every_months", "programme__report_due_days")
        .distinct()
    )
    owed: list[Q] = []
    first_due = []
    for months, days in rhythms:
        schedule = Schedule(months, days)
        period = schedule.last_due(today)
        end = schedule.bounds(period)[1]
        # report_expected: a plan approved on or before the period's last day (local time).
        approved_by = timezone.make_aware(
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
        )
        rhythm = Q(
            programme__report_every_months=months,
            programme__report_due_days=days,
            plan_approved_at__lt=approved_by,
        ) & Q(
            ~Exists(
                ProgressReport.objects.filter(
                    task=OuterRef("pk"),
                    state=ProgressReport.State.SUBMITTED,
                    year=period[0],
                    period=period[1],
                )
            )
        )
        owed.append(rhythm)
        first_due.append(When(rhythm, then=Value(schedule.due_on(period))))
    if not owed:
        return {"n": 0, "first": None}
    return Task.objects.filter(reduce(operator.or_, owed), pk__in=scope.values("pk")).aggregate(
        n=Count("pk"), first=Min(Case(*first_due, output_field=DateField()))
    )
