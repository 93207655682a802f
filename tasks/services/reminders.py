"""Reminders (催报提醒) of progress reports and milestones, sent by the background worker.

For every task with an approved plan:

- a report due within settings.REMINDER_DAYS_AHEAD days and not submitted: a reminder to the
  implementers; once its due date has passed, an overdue reminder to the implementers and the
  locality coordinators of the claimant;
- a milestone not done that falls due within the same window: a reminder to the implementers;
  once overdue, to the implementers and the locality.

Each is an in-app notification and an e-mail, written in the project's language (the
recipients' own language is not known). A `Reminder` row, written in the same transaction as
the notifications, makes sure nothing is sent twice: a run that stops half way leaves what it
sent recorded, and the next run sends only the rest. The notifications are also the e-mails'
outbox, which the worker sends later with retries (notifications.services.mail_send_due): a
reminder is never recorded as sent while its e-mail is lost, and a mail server that is down
does not stop the run.
"""

import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from notifications.services import notifications_close, notify
from tasks import periods, rules
from tasks.dispatch import Schedule, report_expected
from tasks.models import Closure, Milestone, ProgressReport, Reminder, Status, Task

log = logging.getLogger(__name__)


@dataclass
class Due:
    """One reminder to send: `key` names what it is about (see tasks.models.Reminder)."""

    task: Task
    key: str
    overdue: bool
    subject: str
    body: str


def _report_reminders(
    task: Task, submitted: set[tuple[int, int, int]], today: datetime.date, horizon: datetime.date
) -> Iterator[Due]:
    schedule = Schedule.of(task.programme)
    assert task.plan_approved_at is not None
    period = periods.period_of(timezone.localdate(task.plan_approved_at), schedule.months)
    while (due := schedule.due_on(period)) <= horizon:
        owed = report_expected(task.plan_approved_at, schedule.bounds(period)[1])
        if owed and (task.pk, *period) not in submitted:
            values = {"task": task.title, "period": schedule.label(period), "due": due}
            year, number = period
            if due < today:
                yield Due(
                    task,
                    f"report-overdue:{year}:{number}",
                    True,
                    _("Progress report overdue: %(task)s") % values,
                    _(
                        "The progress report of “%(task)s” for %(period)s was due on %(due)s "
                        "and has not been submitted."
                    )
                    % values,
                )
            else:
                yield Due(
                    task,
                    f"report-due:{year}:{number}",
                    False,
                    _("Progress report due on %(due)s: %(task)s") % values,
                    _("The progress report of “%(task)s” for %(period)s is due on %(due)s.")
                    % values,
                )
        period = periods.following(period, schedule.months)


def _milestone_reminder(task: Task, milestone: Milestone, today: datetime.date) -> Due:
    values = {"task": task.title, "milestone": milestone.title, "due": milestone.due_on}
    if milestone.due_on < today:
        return Due(
            task,
            f"milestone-overdue:{milestone.pk}",
            True,
            _("Milestone overdue: %(milestone)s") % values,
            _("The milestone “%(milestone)s” of “%(task)s” was due on %(due)s and is not done.")
            % values,
        )
    return Due(
        task,
        f"milestone-due:{milestone.pk}",
        False,
        _("Milestone due on %(due)s: %(milestone)s") % values,
        _("The milestone “%(milestone)s” of “%(task)s” is due on %(due)s.") % values,
    )


def reminders_due(today: datetime.date) -> list[Due]:
    """What should be reminded today and was not yet, in a few queries for all tasks."""
    horizon = today + datetime.timedelta(days=settings.REMINDER_DAYS_AHEAD)
    approved = Task.objects.filter(plan_state=Task.PlanState.APPROVED, closure=Closure.OPEN)
    tasks = {
        task.pk: task
        for task in approved.select_related("programme", "claimant").exclude(plan_approved_at=None)
    }
    sent = set(Reminder.objects.filter(task__in=approved).values_list("task_id", "key"))
    submitted = set(
        ProgressReport.objects.filter(
            task__in=approved, state=ProgressReport.State.SUBMITTED
        ).values_list("task_id", "year", "period")
    )
    found: list[Due] = []
    for task in tasks.values():
        found.extend(_report_reminders(task, submitted, today, horizon))
    milestones = Milestone.objects.filter(task__in=approved, due_on__lte=horizon).exclude(
        status=Status.DONE
    )
    for milestone in milestones.order_by("task_id", "position"):
        if milestone.task_id in tasks:
            found.append(_milestone_reminder(tasks[milestone.task_id], milestone, today))
    return [due for due in found if (due.task.pk, due.key) not in sent]


class Recipients:
    """Who hears of a task's reminders, looked up once for every task concerned: the
    implementers, and for what is overdue also the locality running the task (the same
    visibility rules that decide who sees the task, `tasks.rules`)."""

    def __init__(self, tasks: list[Task]) -> None:
        self.implementers = rules.IMPLEMENTED_BY.audience_of_each(tasks)
        self.coordinators = rules.RUN_BY.audience_of_each(tasks)

    def of(self, task: Task, *, overdue: bool) -> list[User]:
        users = self.implementers[task.pk] + (self.coordinators[task.pk] if overdue else [])
        return list({user.pk: user for user in users}.values())


def reminder_about(task: Task, key: str) -> str:
    """The key of a reminder's messages, by which they are closed once filed or done."""
    return f"task:{task.pk}:{key}"


def reminders_close(task: Task, *keys: str) -> int:
    """Close the unread reminders of `keys` (e.g. when the report they chase is filed)."""
    return sum(notifications_close(about=reminder_about(task, key)) for key in keys)


def _send(due: Due, users: list[User]) -> bool:
    """Record one reminder with its notifications and e-mails, all or none; False when
    another run recorded it first. The e-mail carries the task's link (from the url)."""
    path = reverse("tasks:task", args=[due.task.pk])
    try:
        with transaction.atomic():
            Reminder.objects.create(task=due.task, key=due.key, recipients=len(users))
            notify(
                users=users,
                subject=due.subject,
                body=due.body,
                url=path,
                email=True,
                about=reminder_about(due.task, due.key),
                reminder=True,
            )
            record("task.reminded", obj=due.task, by=None, note=due.subject)
    except IntegrityError:
        return False
    return True


def reminders_send(
    today: datetime.date | None = None, on_sent: Callable[[int, int], Any] | None = None
) -> int:
    """Send what is due and not yet sent; the number sent. `on_sent(sent, total)` is called
    after each one is committed (the job reports its progress with it)."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        due = reminders_due(today)
        if not due:
            return 0
        recipients = Recipients(list({d.task.pk: d.task for d in due}.values()))
        count = 0
        for item in due:
            users = recipients.of(item.task, overdue=item.overdue)
            if not users:
                # Nobody to tell yet: kept unrecorded, so a user added later still hears.
                continue
            if _send(item, users):
                count += 1
                if on_sent is not None:
                    on_sent(count, len(due))
    log.info("%s reminders sent", count)
    return count
