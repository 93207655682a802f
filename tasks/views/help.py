"""Pages of help requests (协调事项): the index for coordinators and implementers, a request's
page, answering, passing up to the national coordinator, and asking for help on a task."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor, AuthenticatedHttpRequest
from audit.selectors import entries_for
from kernel.access import require
from kernel.actions import form_action
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from tasks import reports_selectors as selectors
from tasks import rules
from tasks.forms.reports import AnswerForm, EscalateForm, HelpFilterForm, HelpRequestForm
from tasks.models import HelpRequest
from tasks.selectors import programmes_with_tasks
from tasks.services import help as services
from tasks.views.common import task_for

Right = Callable[[Any, HelpRequest], bool]


def _filters(request: HttpRequest) -> HelpFilterForm:
    return HelpFilterForm(request.GET or None, programmes=programmes_with_tasks(request.user))


@login_required
@require(rules.can_list_tasks)
def help_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = paginate(request, selectors.help_list(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "tasks/help/index.html", context)


def _local(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


@login_required
@require(rules.can_list_tasks)
def help_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filters(request)
    requests = selectors.help_list(request.user, form.params())
    headers = [
        _("No."),
        _("Task"),
        _("Claimant"),
        _("Programme"),
        _("Addressed to"),
        _("State"),
        _("Help needed"),
        _("Raised by"),
        _("Raised at"),
        _("Answer"),
        _("Answered by"),
        _("Answered at"),
    ]
    rows = (
        [
            r.pk,
            r.task.title,
            str(r.task.claimant),
            r.task.programme.title,
            r.get_level_display(),
            r.get_state_display(),
            r.text,
            str(r.raised_by),
            _local(r.raised_at),
            r.answer,
            str(r.answered_by or ""),
            _local(r.answered_at),
        ]
        for r in requests.iterator(chunk_size=500)
    )
    stamp = timezone.localdate().isoformat()
    content = table_bytes(_("Help requests"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"help-requests-{stamp}.xlsx")


def _steps(request: HelpRequest) -> list[Any]:
    """The task's history entries about this request."""
    mark = f"#{request.pk}"
    entries = entries_for(request.task).filter(action__startswith="task.help_")
    return [e for e in entries if any(key.endswith(mark) for key in e.changes)]


@login_required
def help_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    help_request = selectors.help_get_for_user(request.user, pk)
    context = {
        "help": help_request,
        "task": help_request.task,
        "entries": _steps(help_request),
        "can_answer": rules.can_answer_help(request.user, help_request),
        "can_escalate": rules.can_escalate_help(request.user, help_request),
    }
    return render(request, "tasks/help/help.html", context)


def _help_for(request: HttpRequest, pk: int, check: Right, posted: Right) -> HelpRequest:
    """404 outside the user's scope; 403 unless `check` holds, or for a POST `posted`, the
    right without the state. The service then says what changed meanwhile (answered, passed
    up), where a refusal would leave the user wondering."""
    help_request = selectors.help_get_for_user(request.user, pk)
    right = posted if request.method == "POST" else check
    if not right(request.user, help_request):
        raise PermissionDenied
    return help_request


def _runs_task_of(user: Actor, help_request: HelpRequest) -> bool:
    return rules.runs_task(user, help_request.task)


@login_required
def help_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    help_request = _help_for(request, pk, rules.can_answer_help, rules.answers_help_at_level)
    form = AnswerForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.help_answer(
            request=help_request, by=request.user, answer=form.cleaned_data["answer"]
        ),
        _("Answer sent."),
    ):
        return redirect("tasks:help", help_request.pk)
    context = {"form": form, "help": help_request, "heading": _("Answer the request for help")}
    return render(request, "tasks/help/form.html", context)


@login_required
def help_escalate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation with a note: the request leaves the locality for the national level."""
    help_request = _help_for(request, pk, rules.can_escalate_help, _runs_task_of)
    form = EscalateForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.help_escalate(
            request=help_request, by=request.user, note=form.cleaned_data["note"]
        ),
        _("Passed to the national coordinator."),
    ):
        return redirect("tasks:help", help_request.pk)
    context = {
        "form": form,
        "help": help_request,
        "heading": _("Pass the request to the national coordinator"),
        "escalate": True,
    }
    return render(request, "tasks/help/form.html", context)


@login_required
def help_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.can_request_help)
    form = HelpRequestForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.help_request(
            task=task,
            by=request.user,
            text=form.cleaned_data["text"],
            level=form.cleaned_data["level"],
        ),
        _("Request for help sent."),
    ):
        return redirect("tasks:task", task.pk)
    context = {"form": form, "task": task, "heading": _("Ask for help")}
    return render(request, "tasks/help/form.html", context)


urlpatterns: list[URLPattern] = [
    path("help/", help_index, name="help_index"),
    path("help/xlsx/", help_xlsx, name="help_xlsx"),
    path("help/<int:pk>/", help_page, name="help"),
    path("help/<int:pk>/answer/", help_answer, name="help_answer"),
    path("help/<int:pk>/escalate/", help_escalate, name="help_escalate"),
    path("<int:pk>/help/new/", help_new, name="help_new"),
]


def task_context(user: Actor, task: Any) -> dict[str, Any]:
    return {
        "help_requests": selectors.help_of_task(task),
        "can_request_help": rules.can_request_help(user, task),
    }
