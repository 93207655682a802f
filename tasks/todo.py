"""What waits on a user in implementation (实施): an implementer's reports due and overdue,
plans returned and help answered; a coordinator's tasks to set up, plans to approve, reports
to read, help to answer, and what is overdue in the tasks it runs or oversees (分层推进,
发改高技〔2021〕484号 §四). Each function costs a fixed number of queries, whatever the number
of tasks."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.roles import is_national
from accounts.visibility import IMPLEMENTER
from kernel.todo import QuickAction, TodoItem
from tasks import periods, rules
from tasks.dispatch import OVERDUE, ReportStatus, Schedule, report_expected
from tasks.models import Closure, HelpRequest, Milestone, ProgressReport, Status, Task
from tasks.reports_selectors import due_reports, reports_to_review

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
        to_read = reports_to_review(user)
        if to_read:
            items.append(
                TodoItem(
                    "reports-to-review",
                    _("Progress reports to read and mark as read"),
                    reverse("tasks:report", args=[to_read[0].pk]),
                    len(to_read),
                )
            )
    items += _help_to_answer(user)
    items += _overdue(user, today)
    return items


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
    rows = list(
        scope.order_by()
        .values_list(
            "pk", "plan_approved_at", "programme__report_every_months", "programme__report_due_days"
        )
        .distinct()
    )
    owed: dict[int, tuple[periods.Period, datetime.date]] = {}
    for pk, approved_at, months, days in rows:
        schedule = Schedule(months, days)
        period = schedule.last_due(today)
        if report_expected(approved_at, schedule.bounds(period)[1]):
            owed[pk] = (period, schedule.due_on(period))
    if not owed:
        return items
    first_year = min(period[0] for period, _due in owed.values())
    filed = set(
        ProgressReport.objects.filter(
            task__in=scope.values("pk"),
            state=ProgressReport.State.SUBMITTED,
            year__gte=first_year,
        ).values_list("task_id", "year", "period")
    )
    missing = [due for pk, (period, due) in owed.items() if (pk, *period) not in filed]
    if missing:
        items.append(
            TodoItem(
                "reports-overdue",
                _("Progress reports overdue"),
                reverse("tasks:dispatch") + f"?status={ReportStatus.MISSING}",
                len(missing),
                due_on=min(missing),
                overdue=True,
            )
        )
    return items
