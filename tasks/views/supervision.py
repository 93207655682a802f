"""Pages of supervision (督查) and fault tolerance (容错纠错): the indexes with their exports,
recording an inspection, following it up and closing it, filing and deciding a filing, and the
part of the task page that shows them. Objects outside the user's scope are 404 (scoped
reads); an action the user may not take is 403."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from accounts.actors import Actor, AuthenticatedHttpRequest
from kernel.access import require
from kernel.actions import form_action
from kernel.downloads import stamp
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, xlsx_response
from tasks import rules
from tasks.exports import supervision as exports
from tasks.forms.supervision import (
    CloseInspectionForm,
    DecisionForm,
    FollowUpForm,
    InspectionFilterForm,
    InspectionForm,
    ToleranceFilterForm,
    ToleranceForm,
)
from tasks.models import FollowUp, Inspection, Task, ToleranceFiling
from tasks.selectors import supervision as reads
from tasks.services import supervision, tolerance
from tasks.views.common import task_for

# Inspections --------------------------------------------------------------------------------


@login_required
@require(rules.can_list_tasks)
def inspection_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = InspectionFilterForm(request.GET or None, user=request.user)
    qs = reads.inspection_index(request.user, filters.params())
    context = {
        "filters": filters,
        "page": paginate(request, qs),
        "querystring": querystring_without_page(request),
    }
    return render(request, "tasks/supervision/inspections.html", context)


@login_required
@require(rules.can_list_tasks)
def inspection_index_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = InspectionFilterForm(request.GET or None, user=request.user)
    qs = reads.inspection_index(request.user, filters.params())
    content = exports.inspections_xlsx(qs, form_filters(filters))
    return xlsx_response(content, f"inspections-{stamp()}.xlsx")


@login_required
def inspection_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.can_inspect)
    form = InspectionForm(request.POST or None)
    done: list[Inspection] = []
    if form_action(
        request,
        form,
        lambda: done.append(
            supervision.inspection_record(task=task, by=request.user, **form.cleaned_data)
        ),
        _("Inspection recorded."),
    ):
        return redirect("tasks:inspection", done[0].pk)
    context = {"form": form, "task": task, "heading": _("Record an inspection")}
    return render(request, "tasks/supervision/form.html", context)


@login_required
def inspection_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The inspection, its follow-ups, and the form to add one (GET shows, POST adds)."""
    user = request.user
    inspection = reads.inspection_get_for_user(user, pk)
    can_follow_up = rules.can_follow_up(user, inspection)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST":
        if not can_follow_up:
            raise PermissionDenied
        if form_action(
            request,
            form,
            lambda: supervision.follow_up_add(
                inspection=inspection, by=user, note=form.cleaned_data["note"]
            ),
            _("Follow-up added."),
        ):
            return redirect("tasks:inspection", inspection.pk)
    context = {
        "inspection": inspection,
        "task": inspection.task,
        "follow_ups": inspection.follow_ups.select_related("by"),
        "form": form if can_follow_up else None,
        "can_close": rules.can_close_inspection(user, inspection),
    }
    return render(request, "tasks/supervision/inspection.html", context)


@login_required
def inspection_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page with the closing note (GET shows it, POST closes)."""
    user = request.user
    inspection = reads.inspection_get_for_user(user, pk)
    if inspection.state == Inspection.State.CLOSED and rules.can_inspect(user, inspection.task):
        messages.info(request, _("This inspection is already closed."))
        return redirect("tasks:inspection", inspection.pk)
    if not rules.can_close_inspection(user, inspection):
        raise PermissionDenied
    form = CloseInspectionForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: supervision.inspection_close(
            inspection=inspection, by=user, note=form.cleaned_data["note"]
        ),
        _("The rectification is closed."),
    ):
        return redirect("tasks:inspection", inspection.pk)
    context = {"form": form, "inspection": inspection, "task": inspection.task}
    return render(request, "tasks/supervision/close.html", context)


# Fault tolerance ----------------------------------------------------------------------------


@login_required
@require(rules.can_list_tolerance_filings)
def tolerance_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = ToleranceFilterForm(request.GET or None, user=request.user)
    qs = reads.filing_index(request.user, filters.params())
    page = paginate(request, qs)
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        # The tasks on the page whose filings the user decides: those of the locality it
        # speaks for, not those of a zone its province only oversees.
        "decides": reads.tasks_decided_by(request.user, [f.task_id for f in page.object_list]),
    }
    return render(request, "tasks/supervision/tolerance.html", context)


@login_required
@require(rules.can_list_tolerance_filings)
def tolerance_index_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = ToleranceFilterForm(request.GET or None, user=request.user)
    qs = reads.filing_index(request.user, filters.params())
    content = exports.filings_xlsx(qs, form_filters(filters))
    return xlsx_response(content, f"fault-tolerance-{stamp()}.xlsx")


@login_required
def tolerance_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.can_file_tolerance)
    form = ToleranceForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: tolerance.tolerance_file(task=task, by=request.user, **form.cleaned_data),
        _("Filing sent to the locality for a decision."),
    ):
        return redirect(reverse("tasks:task", args=[task.pk]) + "#tolerance")
    context = {"form": form, "task": task, "heading": _("File for fault tolerance")}
    return render(request, "tasks/supervision/form.html", context)


@login_required
def tolerance_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    filing = reads.filing_get_for_user(user, pk)
    back = reverse("tasks:task", args=[filing.task_id]) + "#tolerance"
    if filing.state != ToleranceFiling.State.PENDING and rules.runs_task(user, filing.task):
        messages.info(request, _("This filing has already been decided."))
        return redirect(back)
    if not rules.can_decide_tolerance(user, filing):
        raise PermissionDenied
    form = DecisionForm(
        request.POST or None, initial={"deciding_body": reads.default_deciding_body(filing.task)}
    )
    if form_action(
        request,
        form,
        lambda: tolerance.tolerance_decide(
            filing=filing,
            by=user,
            accepted=form.cleaned_data["decision"] == ToleranceFiling.State.ACCEPTED,
            reason=form.cleaned_data["reason"],
            deciding_body=form.cleaned_data["deciding_body"],
            measures_title=form.cleaned_data["measures_title"],
            measures_number=form.cleaned_data["measures_number"],
        ),
        _("Decision recorded."),
    ):
        return redirect(back)
    context = {"form": form, "filing": filing, "task": filing.task}
    return render(request, "tasks/supervision/decide.html", context)


urlpatterns = [
    path("inspections/", inspection_index, name="inspections"),
    path("inspections/xlsx/", inspection_index_xlsx, name="inspections_xlsx"),
    path("inspections/<int:pk>/", inspection_page, name="inspection"),
    path("inspections/<int:pk>/close/", inspection_close, name="inspection_close"),
    path("<int:pk>/inspections/new/", inspection_new, name="inspection_new"),
    path("tolerance/", tolerance_index, name="tolerance"),
    path("tolerance/xlsx/", tolerance_index_xlsx, name="tolerance_xlsx"),
    path("tolerance/<int:pk>/decide/", tolerance_decide, name="tolerance_decide"),
    path("<int:pk>/tolerance/new/", tolerance_new, name="tolerance_new"),
]


# The part of the task page ------------------------------------------------------------------


@dataclass
class InspectionRow:
    inspection: Inspection
    can_follow_up: bool
    can_close: bool


@dataclass
class FilingRow:
    filing: ToleranceFiling
    can_decide: bool


@dataclass
class SupervisionPart:
    inspections: list[InspectionRow]
    filings: list[FilingRow]
    can_inspect: bool
    can_file: bool
    can_list_filings: bool


def task_context(user: Actor, task: Task) -> dict[str, Any]:
    """What this part adds to the task page, in a fixed number of queries: the rights are
    decided once for the task and then per row from its state, as the permission functions
    decide them (can_follow_up, can_close_inspection, can_decide_tolerance)."""
    inspect = rules.can_inspect(user, task)
    implementer = rules.is_task_implementer(user, task)
    runs = rules.runs_task(user, task)
    follow_ups = FollowUp.objects.select_related("by").order_by("at", "id")
    inspections = reads.with_overdue(
        task.inspections.select_related("inspector").prefetch_related(
            Prefetch("follow_ups", queryset=follow_ups)
        )
    )
    open_ = Inspection.State.OPEN
    rows = [
        InspectionRow(
            i, i.state == open_ and (inspect or implementer), i.state == open_ and inspect
        )
        for i in inspections
    ]
    pending = ToleranceFiling.State.PENDING
    filings = [
        FilingRow(f, f.state == pending and runs)
        for f in task.tolerance_filings.select_related("filed_by", "decided_by")
    ]
    part = SupervisionPart(
        inspections=rows,
        filings=filings,
        can_inspect=inspect,
        can_file=implementer,
        can_list_filings=rules.can_list_tolerance_filings(user),
    )
    return {"supervision": part}
