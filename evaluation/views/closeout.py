"""Pages of close-out (验收): the close-out report's edit page (prefilled from the plan and the
last progress report), the close-out page with its steps (file, confirm and send up, return
with a reason, accept after a confirmation), institutional documents and their files, the
index of close-outs with its export, and the close-out section of the task page.

A close-out outside the user's scope is 404 (scoped reads); an action the user may not take
is 403; an action on a close-out that has moved on (a double click, a colleague who acted
first) says so on the page.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.actors import Actor, AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import is_national
from audit.selectors import entries_for
from evaluation import rules
from evaluation.forms.closeout import (
    CloseOutFilterForm,
    CloseOutForm,
    ConfirmForm,
    DocumentForm,
    NoteForm,
)
from evaluation.models import CloseOut, InstitutionalDocument
from evaluation.selectors import closeout as reads
from evaluation.services import closeout as services
from evaluation.services import documents
from kernel.access import object_for, require
from kernel.actions import form_action
from kernel.downloads import stamp, stored_file
from kernel.forms import ReasonForm
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from tasks.models import Task
from tasks.rules import IMPLEMENTED_BY, can_view_dispatch, runs_task

State = CloseOut.State


def _close_out_for(
    request: AuthenticatedHttpRequest,
    pk: int,
    check: Any,
    *,
    posted: Any = None,
) -> CloseOut:
    return object_for(request, reads.close_out_get_for_user, pk, check, posted=posted)


def _implements(user: User, close_out: CloseOut) -> bool:
    return rules.files_close_out(user, close_out.task)


def _runs(user: User, close_out: CloseOut) -> bool:
    return runs_task(user, close_out.task)


def _returns(user: User, close_out: CloseOut) -> bool:
    """Who returns a report, whatever its state: the locality running the task, the national
    level."""
    return is_national(user) or runs_task(user, close_out.task)


def _national(user: User, close_out: CloseOut) -> bool:
    return is_national(user)


def _posted(request: AuthenticatedHttpRequest) -> Any:
    """The POST data, even empty (a confirmation has no field), or None for a GET."""
    return request.POST if request.method == "POST" else None


def _moved_on(request: AuthenticatedHttpRequest, close_out: CloseOut) -> HttpResponse:
    """A step page opened on a close-out that has moved on: say where it stands."""
    messages.info(
        request,
        _("This close-out report is now: %(state)s.") % {"state": close_out.get_state_display()},
    )
    return redirect("evaluation:closeout", close_out.pk)


# The index ------------------------------------------------------------------------------------


def _filters(request: AuthenticatedHttpRequest) -> CloseOutFilterForm:
    claimants = reads.claimants_with_close_outs(request.user)
    return CloseOutFilterForm(request.GET or None, claimants=claimants)


# The longest overdue tasks listed on the index; the dispatch lists them all.
PAST_END_SHOWN = 50


@login_required
@require(rules.can_list_close_outs)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The tasks the user can start a close-out report for, the close-outs the user sees
    (those waiting on the user first), and the tasks past their expected end and not
    closed."""
    filters = _filters(request)
    qs = reads.close_out_list(request.user, filters.params())
    past_end, past_end_count = reads.past_end_tasks(request.user, limit=PAST_END_SHOWN)
    context = {
        "filters": filters,
        "page": paginate(request, qs),
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "past_end": past_end,
        "past_end_count": past_end_count,
        "past_end_shown": PAST_END_SHOWN,
        "can_dispatch": can_view_dispatch(request.user),
        "closable": reads.tasks_to_close_out(request.user),
        "implements": IMPLEMENTED_BY.filter_for(request.user) is not None,
        "today": timezone.localdate(),
    }
    return render(request, "evaluation/closeout_index.html", context)


def export_headers() -> list[str]:
    return [
        _("Task"),
        _("Programme"),
        _("Claimant"),
        _("State"),
        _("Result"),
        pgettext("close-out", "Filed at"),
        _("Confirmed at"),
        _("Accepted at"),
        _("Summary of the work done"),
        _("Why it was not completed"),
        _("Reason for returning"),
        _("Institutional documents"),
    ]


def _when(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


def export_rows(close_outs: Any) -> Any:
    for c in close_outs:
        documents = "；".join(
            f"{d.title}（{d.number}）" if d.number else d.title for d in c.documents.all()
        )
        yield [
            c.task.title,
            c.task.programme.title,
            str(c.task.claimant),
            c.get_state_display(),
            c.get_result_display(),
            _when(c.submitted_at),
            _when(c.confirmed_at),
            _when(c.decided_at) if c.state == State.ACCEPTED else "",
            c.summary,
            c.not_completed_reason,
            c.return_reason if c.state == State.RETURNED else "",
            documents,
        ]


@login_required
@require(rules.can_list_close_outs)
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filters(request)
    qs = reads.close_out_list(request.user, form.params()).prefetch_related("documents")
    content = table_bytes(
        _("Close-out reports")[:31],
        export_headers(),
        export_rows(qs),
        filters=form_filters(form),
    )
    return xlsx_response(content, f"close-outs-{stamp()}.xlsx")


# The report -----------------------------------------------------------------------------------


@login_required
def edit(request: AuthenticatedHttpRequest, task_pk: int) -> HttpResponse:
    """Write the close-out report: the first time from the plan and the last progress
    report, later from the saved draft."""
    user = request.user
    task = reads.task_for_close_out(user, task_pk)
    close_out = CloseOut.objects.filter(task=task).first()
    if close_out is not None:
        close_out.task = task
    if request.method == "POST":
        if not rules.files_close_out(user, task):
            raise PermissionDenied
    else:
        if close_out is not None and close_out.state not in services.EDITABLE:
            if rules.files_close_out(user, task):
                return _moved_on(request, close_out)
            raise PermissionDenied
        allowed = (
            rules.can_edit_close_out(user, close_out)
            if close_out is not None
            else rules.can_file_close_out(user, task)
        )
        if not allowed:
            raise PermissionDenied
    carried = None
    if close_out is None:
        start = reads.prefill(task)
        targets, milestones = start.targets, start.milestones
        carried = start.carried_from
        initial: dict[str, Any] = {"summary": start.summary}
        if start.all_done:
            # The platform's rule: "completed" is offered only when the plan's figures say so.
            initial["result"] = CloseOut.Result.COMPLETED
    else:
        targets, milestones = reads.lines_of(close_out)
        initial = {
            "result": close_out.result,
            "summary": close_out.summary,
            "cases": close_out.cases,
            "proposed_outcomes": close_out.proposed_outcomes,
            "not_completed_reason": close_out.not_completed_reason,
            "tolerance_filing": close_out.tolerance_filing_id,
        }
    form = CloseOutForm(
        request.POST or None,
        initial=initial,
        targets=targets,
        milestones=milestones,
        filings=reads.tolerance_choices(task),
        filing="submit" in request.POST,
    )
    saved: list[CloseOut] = []

    def save() -> None:
        target_rows, milestone_rows = form.rows()
        saved.append(
            services.closeout_save(
                task=task,
                by=user,
                targets=target_rows,
                milestones=milestone_rows,
                **form.values(),
            )
        )

    if form_action(request, form, save, _("Close-out report saved.")):
        if "submit" in request.POST:
            return redirect("evaluation:closeout_submit", saved[0].pk)
        return redirect("evaluation:closeout", saved[0].pk)
    context = {
        "form": form,
        "task": task,
        "close_out": close_out,
        "carried_from": carried,
        "expected_end": task.expected_end,
    }
    return render(request, "evaluation/closeout_edit.html", context)


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    close_out = reads.close_out_get_for_user(user, pk)
    task = close_out.task
    targets, milestones = reads.lines_of(close_out)
    can_edit = rules.can_edit_close_out(user, close_out)
    can_confirm = rules.can_confirm_close_out(user, close_out)
    can_decide = rules.can_decide_close_out(user, close_out)
    context = {
        "close_out": close_out,
        "task": task,
        "targets": targets,
        "milestones": milestones,
        "documents": list(close_out.documents.all()),
        "can_edit": can_edit,
        "can_confirm": can_confirm,
        "can_decide": can_decide,
        "expected_end": task.expected_end,
        "entries": list(
            entries_for(task).filter(action__startswith="task.closeout_").order_by("-at", "-id")
        ),
    }
    return render(request, "evaluation/closeout_detail.html", context)


def _step(
    request: AuthenticatedHttpRequest,
    pk: int,
    who: Callable[[User, CloseOut], bool],
    now: Callable[[User, CloseOut], bool],
    act: Callable[[CloseOut, str], object],
    done: str,
    template: str,
    form_class: type[forms.Form] = NoteForm,
    edit_link: bool = False,
) -> HttpResponse:
    """A step of the flow behind a confirmation page: `who` may take it at all (403 for
    anybody else), `now` says whether it can be taken in the report's present state (a GET on
    a report that moved on says where it stands; a POST lets the service say it), `act` takes
    it with the note typed, if any. With `edit_link`, a step the service refused on a report
    the user may still change links back to the edit page (what is missing is fixed there)."""
    close_out = _close_out_for(request, pk, who)
    if request.method != "POST" and not now(request.user, close_out):
        return _moved_on(request, close_out)
    form = form_class(_posted(request))
    if form_action(request, form, lambda: act(close_out, form.cleaned_data.get("note", "")), done):
        return redirect("evaluation:closeout", close_out.pk)
    edit_url = None
    if edit_link and form.errors and rules.can_edit_close_out(request.user, close_out):
        edit_url = reverse("evaluation:closeout_edit", args=[close_out.task_id])
    context = {
        "form": form,
        "close_out": close_out,
        "task": close_out.task,
        "today": timezone.localdate(),
        "edit_url": edit_url,
    }
    return render(request, template, context)


@login_required
def submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The report goes to the locality and can no longer be changed unless returned."""
    return _step(
        request,
        pk,
        _implements,
        rules.can_edit_close_out,
        lambda c, _note: services.closeout_submit(close_out=c, by=request.user),
        _("Close-out report filed with the locality."),
        "evaluation/closeout_submit.html",
        ConfirmForm,
        edit_link=True,
    )


@login_required
def confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        _runs,
        rules.can_confirm_close_out,
        lambda c, note: services.closeout_confirm(close_out=c, by=request.user, note=note),
        _("Close-out report confirmed and sent up."),
        "evaluation/closeout_confirm.html",
    )


@login_required
def return_(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    close_out = _close_out_for(request, pk, _returns)
    user = request.user
    can = rules.can_confirm_close_out(user, close_out) or rules.can_decide_close_out(
        user, close_out
    )
    if request.method != "POST" and not can:
        return _moved_on(request, close_out)
    form = ReasonForm(_posted(request))
    if form_action(
        request,
        form,
        lambda: services.closeout_return(
            close_out=close_out, by=user, reason=form.cleaned_data["reason"]
        ),
        _("Close-out report returned."),
    ):
        return redirect("evaluation:closeout", close_out.pk)
    context = {
        "form": form,
        "close_out": close_out,
        "task": close_out.task,
        "national": is_national(user),
    }
    return render(request, "evaluation/closeout_return.html", context)


@login_required
def accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The task is closed, as the report says, today."""
    return _step(
        request,
        pk,
        _national,
        rules.can_decide_close_out,
        lambda c, note: services.closeout_accept(close_out=c, by=request.user, note=note),
        _("Close-out accepted: the task is closed."),
        "evaluation/closeout_accept.html",
    )


# Institutional documents ----------------------------------------------------------------------


@login_required
def document_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    close_out = _close_out_for(request, pk, rules.can_edit_close_out, posted=_implements)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if form_action(
        request,
        form,
        lambda: documents.document_add(
            close_out=close_out,
            by=request.user,
            title=form.cleaned_data["title"],
            issuer=form.cleaned_data["issuer"],
            number=form.cleaned_data["number"],
            issued_on=form.cleaned_data["issued_on"],
            upload=form.cleaned_data["file"],
        ),
        _("Institutional document added."),
    ):
        if "another" in request.POST:
            return redirect("evaluation:closeout_document_add", close_out.pk)
        return redirect(reverse("evaluation:closeout", args=[close_out.pk]) + "#documents")
    context = {"form": form, "close_out": close_out, "task": close_out.task}
    return render(request, "evaluation/closeout_document.html", context)


def _document_for(request: AuthenticatedHttpRequest, pk: int) -> InstitutionalDocument:
    return reads.document_get_for_user(request.user, pk)


@login_required
def document_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    document = _document_for(request, pk)
    close_out = reads.close_out_get_for_user(request.user, document.close_out_id)
    if not rules.files_close_out(request.user, close_out.task):
        raise PermissionDenied
    if request.method != "POST" and not rules.can_edit_close_out(request.user, close_out):
        return _moved_on(request, close_out)
    form = ConfirmForm(_posted(request))
    if form_action(
        request,
        form,
        lambda: documents.document_remove(document=document, by=request.user),
        _("Institutional document removed."),
    ):
        return redirect(reverse("evaluation:closeout", args=[close_out.pk]) + "#documents")
    context = {"form": form, "close_out": close_out, "task": close_out.task, "document": document}
    return render(request, "evaluation/closeout_document_remove.html", context)


@login_required
def document_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The document's file, for whoever may read the close-out (404 otherwise)."""
    document = _document_for(request, pk)
    return stored_file(document.file, document.file_name)


# The task page --------------------------------------------------------------------------------


def task_panel(user: Actor, task: Task) -> dict[str, Any] | None:
    """The close-out section of the task page: where the close-out stands and the next step
    for the viewer. The invitation to file comes from `DUE_SOON_DAYS` before the expected
    end (the platform's rule); an implementer may file earlier from the same link."""
    close_out = reads.close_out_of_task(user, task)
    implementer = rules.files_close_out(user, task)
    due = reads.due_state(task) if not task.is_closed else ""
    if close_out is None and not implementer and not due and not task.is_closed:
        # Nothing filed that the viewer may read and nothing due: no section.
        return None
    return {
        "template": "evaluation/includes/closeout_panel.html",
        "task": task,
        "close_out": close_out,
        "expected_end": task.expected_end,
        "due": due,
        "due_soon_days": reads.DUE_SOON_DAYS,
        "can_file": close_out is None and rules.can_file_close_out(user, task),
        "can_edit": close_out is not None and rules.can_edit_close_out(user, close_out),
        "can_confirm": close_out is not None and rules.can_confirm_close_out(user, close_out),
        "can_decide": close_out is not None and rules.can_decide_close_out(user, close_out),
    }
