"""Pages of progress reports and of the bulk update from a sheet; help requests live in
tasks.views.help and are served from here too."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor, AuthenticatedHttpRequest
from kernel.access import require
from kernel.actions import form_action
from kernel.spreadsheets import xlsx_response
from tasks import periods, rules
from tasks import reports_selectors as selectors
from tasks.errors import TaskError
from tasks.exports import bulk as bulk_sheet
from tasks.forms.reports import BulkUploadForm, ReportForm, StartReportForm, SubmitReportForm
from tasks.models import ProgressReport
from tasks.services import bulk as bulk_services
from tasks.services import reports as services
from tasks.views import help as help_views
from tasks.views.common import task_for


def _writable(request: HttpRequest, pk: int) -> ProgressReport:
    """404 outside the user's scope, 403 when the user may not change the report."""
    report = selectors.report_get_for_user(request.user, pk)
    if report.state != ProgressReport.State.DRAFT or not rules.can_report(
        request.user, report.task
    ):
        raise PermissionDenied
    return report


@login_required
def report_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.can_report)
    open_periods = services.periods_to_start(task)
    if not open_periods:
        messages.info(request, _("Every period so far already has a report."))
        return redirect("tasks:task", task.pk)
    choices = [(f"{y}-{n}", services.period_label(task, (y, n))) for y, n in open_periods]
    form = StartReportForm(request.POST or None, choices=choices, initial={"period": choices[0][0]})
    created: list[ProgressReport] = []
    if form_action(
        request,
        form,
        lambda: created.append(
            services.report_start(task=task, by=request.user, period=form.cleaned_data["period"])
        ),
        _("Draft report started from the task's figures; change only what moved."),
    ):
        return redirect("tasks:report_edit", created[0].pk)
    return render(request, "tasks/reports/start.html", {"form": form, "task": task})


@login_required
def report_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get_for_user(request.user, pk)
    task = report.task
    months, days = selectors.schedule(task)
    period = (report.year, report.period)
    writable = report.state == ProgressReport.State.DRAFT and rules.can_report(request.user, task)
    context = {
        "report": report,
        "task": task,
        "label": periods.label(period, months),
        "due_on": periods.due_on(period, months, days),
        "figures": selectors.report_figures(report),
        "writable": writable,
        "kept_on_report_only": selectors.kept_on_report_only(report),
    }
    return render(request, "tasks/reports/report.html", context)


@login_required
def report_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _writable(request, pk)
    form = ReportForm(request.POST or None, report=report)
    moved: list[services.ReportChanged] = []

    def save() -> None:
        milestones, targets, targets_shown = form.figures()
        data = form.cleaned_data
        try:
            services.report_save(
                report=report,
                by=request.user,
                milestones=milestones,
                targets=targets,
                targets_shown=targets_shown,
                done=data["done"],
                problems=data["problems"],
                help_needed=data["help_needed"],
            )
        except services.ReportChanged as exc:
            moved.append(exc)
            raise

    if form_action(request, form, save, _("Draft saved.")):
        if "submit" in request.POST:
            return redirect("tasks:report_submit", report.pk)
        return redirect("tasks:report", report.pk)
    if moved:
        # Shown again on the figures as they now are, with what the implementer typed kept.
        form = form.rebased(report)
        form.add_error(None, moved[0].message)
    label = services.period_label(report.task, (report.year, report.period))
    context = {"form": form, "report": report, "task": report.task, "label": label}
    return render(request, "tasks/reports/edit.html", context)


@login_required
def report_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation: the report becomes read-only and its figures become the task's."""
    report = _writable(request, pk)
    # Without help to address, the form has no field and the POST may be empty.
    data = request.POST if request.method == "POST" else None
    form = SubmitReportForm(data, help_needed=bool(report.help_needed))
    submitted: list[ProgressReport] = []
    if form_action(
        request,
        form,
        lambda: submitted.append(
            services.report_submit(
                report=report,
                by=request.user,
                help_level=form.cleaned_data.get("help_level", ""),
            )
        ),
        _("Report submitted."),
    ):
        if selectors.kept_on_report_only(submitted[0]):
            messages.warning(
                request, _("Figures kept on this report only: a later report is already in.")
            )
        return redirect("tasks:report", report.pk)
    context = {
        "form": form,
        "report": report,
        "task": report.task,
        "label": services.period_label(report.task, (report.year, report.period)),
        "figures": selectors.report_figures(report),
        "later_in": selectors.later_submitted_exists(report),
    }
    return render(request, "tasks/reports/submit.html", context)


# Bulk update --------------------------------------------------------------------------------


@login_required
@require(rules.can_bulk_update_tasks)
def bulk_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = bulk_sheet.read_sheet(upload.read())
            result = bulk_services.bulk_update(by=request.user, rows=rows)
        except ValueError as exc:
            form.add_error("file", str(exc))
        except bulk_services.BulkRejected as exc:
            form.add_error(None, exc.message)
            errors = exc.errors
        except TaskError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(rows)s rows read; %(tasks)s tasks changed.")
                % {"rows": result.rows, "tasks": result.tasks_changed},
            )
            return redirect("tasks:bulk")
    context = {"form": form, "errors": errors, "count": selectors.bulk_tasks(request.user).count()}
    return render(request, "tasks/reports/bulk.html", context)


@login_required
@require(rules.can_bulk_update_tasks)
def bulk_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    milestones, targets = selectors.bulk_items(request.user)
    stamp = timezone.localdate().isoformat()
    return xlsx_response(bulk_sheet.sheet_bytes(milestones, targets), f"tasks-update-{stamp}.xlsx")


urlpatterns: list[URLPattern] = [
    path("<int:pk>/reports/new/", report_start, name="report_start"),
    path("reports/<int:pk>/", report_page, name="report"),
    path("reports/<int:pk>/edit/", report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", report_submit, name="report_submit"),
    path("bulk/", bulk_page, name="bulk"),
    path("bulk/sheet/", bulk_download, name="bulk_sheet"),
    *help_views.urlpatterns,
]


def task_context(user: Actor, task: Any) -> dict[str, Any]:
    """What this part adds to the task page: the periods and their reports, and the help
    requests of the task."""
    can_report = rules.can_report(user, task)
    context = {
        "report_rows": selectors.period_rows(user, task),
        "can_report": can_report,
        "can_start_report": can_report and bool(services.periods_to_start(task)),
        # Not for a province that only oversees the task: its sheet does not hold it.
        "can_bulk_update": rules.can_bulk_update_tasks(user)
        and rules.can_bulk_update_task(user, task),
    }
    context.update(help_views.task_context(user, task))
    return context
