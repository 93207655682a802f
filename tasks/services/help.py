"""Requests for coordination (协调事项): an implementer asks for help at the level that can act
on it; the coordinator there answers, or a locality passes up what needs national authority.
Each step is recorded on the task and told to whoever must act next."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from kernel.errors import Forbidden
from notifications.services import notify
from tasks import reports_selectors as selectors
from tasks import rules
from tasks.errors import TaskError
from tasks.models import HelpRequest, ProgressReport, Task

Level = HelpRequest.Level


def change_key(request: HelpRequest) -> str:
    """How the task's history names the request, so its own page can pick out its steps."""
    # The number stays outside the translated text, so any language's entries match it.
    return f"{_('help request')} #{request.pk}"


def _url(request: HelpRequest) -> str:
    return reverse("tasks:help", args=[request.pk])


@transaction.atomic
def help_request(
    *,
    task: Task,
    by: User,
    text: str,
    level: str = Level.LOCALITY,
    report: ProgressReport | None = None,
) -> HelpRequest:
    if not rules.can_request_help(by, task):
        raise Forbidden
    text = text.strip()
    if not text:
        raise TaskError(_("Say what help is needed."))
    if level not in Level.values:
        raise TaskError(_("Choose whom the request for help is addressed to."))
    request = HelpRequest.objects.create(
        task=task, report=report, level=level, text=text, raised_by=by
    )
    record(
        "task.help_requested",
        obj=task,
        by=by,
        changes={change_key(request): [None, str(Level(level).label)]},
        note=text,
    )
    notify(
        users=selectors.coordinators_at(task, level),
        subject=_("Help requested: %(task)s") % {"task": task.title},
        body=text,
        url=_url(request),
        email=True,
    )
    return request


def _lock(request: HelpRequest) -> HelpRequest:
    return (
        HelpRequest.objects.select_for_update()
        .select_related("task__claimant", "raised_by")
        .get(pk=request.pk)
    )


def _check_open(request: HelpRequest) -> None:
    if request.state != HelpRequest.State.OPEN:
        raise TaskError(_("This request for help has already been answered."))


@transaction.atomic
def help_answer(*, request: HelpRequest, by: User, answer: str) -> HelpRequest:
    answer = answer.strip()
    request = _lock(request)
    if not rules.answers_help_at_level(by, request):
        if request.level == Level.NATIONAL and rules.runs_task(by, request.task):
            # Passed up by a colleague while this answer was being written.
            raise TaskError(_("This request is now with the national coordinator, who answers it."))
        raise Forbidden
    _check_open(request)
    if not answer:
        raise TaskError(_("Write the answer."))
    request.state, request.answer = HelpRequest.State.ANSWERED, answer
    request.answered_by, request.answered_at = by, timezone.now()
    request.save(update_fields=["state", "answer", "answered_by", "answered_at"])
    record(
        "task.help_answered",
        obj=request.task,
        by=by,
        changes={
            change_key(request): [
                str(HelpRequest.State.OPEN.label),
                str(HelpRequest.State.ANSWERED.label),
            ]
        },
        note=answer,
    )
    notify(
        users=[request.raised_by],
        subject=_("Your request for help was answered: %(task)s") % {"task": request.task.title},
        body=answer,
        url=_url(request),
        email=True,
    )
    return request


@transaction.atomic
def help_escalate(*, request: HelpRequest, by: User, note: str) -> HelpRequest:
    """Pass a locality-level request to the national coordinator, saying why."""
    note = note.strip()
    request = _lock(request)
    if not rules.runs_task(by, request.task):
        raise Forbidden
    _check_open(request)
    if request.level == Level.NATIONAL:
        raise TaskError(_("This request is already with the national coordinator."))
    if not note:
        raise TaskError(_("Say why the national coordinator must act on it."))
    request.level = Level.NATIONAL
    request.save(update_fields=["level"])
    record(
        "task.help_escalated",
        obj=request.task,
        by=by,
        changes={change_key(request): [str(Level.LOCALITY.label), str(Level.NATIONAL.label)]},
        note=note,
    )
    notify(
        users=selectors.national_coordinators(),
        subject=_("Help request passed up: %(task)s") % {"task": request.task.title},
        body=f"{request.text}\n\n{note}",
        url=_url(request),
        email=True,
    )
    notify(
        users=[request.raised_by],
        subject=_("Your request for help was passed to the national coordinator: %(task)s")
        % {"task": request.task.title},
        body=note,
        url=_url(request),
    )
    return request
