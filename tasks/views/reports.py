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
from django.utils.translation import ngettext

from accounts.actors import Actor, AuthenticatedHttpRequest
from kernel.access import require
from kernel.actions import form_action
from tasks import jobs as export_jobs
from tasks import periods, rules
from tasks import reports_selectors as selectors
from tasks.errors import TaskError
from tasks.exports import bulk as bulk_sheet
from tasks.forms.reports import (
    BatchUnchangedForm,
    BulkUploadForm,
    ReportForm,
    ReviewReportForm,
    StartReportForm,
    SubmitReportForm,
    UnchangedReportForm,
)
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


def _start_choices(
    task: Any, today: Any
) -> tuple[list[tuple[str, str]], str | None, dict[periods.Period, ProgressReport]]:
    """The periods a report may be started or continued for (no report, or a draft), newest
    first; the default, the OLDEST due one (else the newest); the drafts by period."""
    reports = {(r.year, r.period): r for r in task.reports.all()}
    drafts = {p: r for p, r in reports.items() if r.state == ProgressReport.State.DRAFT}
    open_periods = [
        p for p in reversed(selectors.periods_open(task, today)) if p not in reports or p in drafts
    ]
    choices = []
    for y, n in open_periods:
        label = services.period_label(task, (y, n))
        if (y, n) in drafts:
            label = _("%(period)s (draft started)") % {"period": label}
        choices.append((f"{y}-{n}", label))
    due = [p for p in selectors.due_periods(task, today) if p in open_periods]
    default = due[0] if due else (open_periods[0] if open_periods else None)
    return choices, (f"{default[0]}-{default[1]}" if default else None), drafts


@login_required
def report_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The entry point of a report: the period defaults to the oldest one due, and a period
    that already has a draft leads to the draft rather than being refused."""
    task = task_for(request, pk, rules.can_report)
    today = timezone.localdate()
    choices, default, drafts = _start_choices(task, today)
    if not choices:
        messages.info(request, _("Every period so far already has a report."))
        return redirect("tasks:task", task.pk)
    default_period = periods.parse(default) if default else None
    if request.method != "POST" and default_period in drafts:
        messages.info(request, _("This period's report was started already: continue the draft."))
        return redirect("tasks:report_edit", drafts[default_period].pk)
    form = StartReportForm(request.POST or None, choices=choices, initial={"period": default})
    if request.method == "POST" and form.is_valid() and form.cleaned_data["period"] in drafts:
        return redirect("tasks:report_edit", drafts[form.cleaned_data["period"]].pk)
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
        "can_review": rules.can_review_report(request.user, report),
        "review_form": ReviewReportForm(),
    }
    return render(request, "tasks/reports/report.html", context)


@login_required
def report_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = _writable(request, pk)
    form = ReportForm(request.POST or None, report=report, submitting="submit" in request.POST)
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


# One-action filing (本期无变化) and review (已阅) ------------------------------------------------


def _due_of_task(user: Actor, task: Any, period: periods.Period | None) -> Any:
    """The task's due report of `period` (default: the oldest due), or None."""
    for due in selectors.due_reports_of_task(user, task, timezone.localdate()):
        if period is None or (due.year, due.period) == period:
            return due
    return None


@login_required
def report_unchanged(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """File a due report as "no change this period". The button on the task page and on the
    to-do home POSTs the period straight here and files it (one click); GET shows what would
    be filed — the figures carried forward and the narrative prefilled (预填), editable — and
    its button files it (two clicks)."""
    task = task_for(request, pk, rules.can_report)
    if request.method == "POST":
        form = UnchangedReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_file_unchanged(
                    user=request.user,
                    task=task,
                    year=data["year"],
                    period=data["period"],
                    narrative=data["narrative"] if "narrative" in request.POST else None,
                )
            except services.DraftHasEdits as exc:
                messages.info(request, exc.message)
                return redirect("tasks:report_edit", exc.report.pk)
            except TaskError as exc:
                messages.error(request, exc.message)
                return redirect("tasks:task", task.pk)
            messages.success(request, _("Report filed unchanged: no change this period."))
            return redirect("tasks:report", report.pk)
        due = _due_of_task(request.user, task, None)
    else:
        wanted = periods.parse(request.GET.get("period", ""))
        due = _due_of_task(request.user, task, wanted)
        if due is None:
            messages.info(request, _("No report of this task is due to file unchanged."))
            return redirect("tasks:task", task.pk)
        if not due.can_file_unchanged:
            assert due.draft is not None
            messages.info(
                request,
                _("This period's draft holds your changes: finish it instead."),
            )
            return redirect("tasks:report_edit", due.draft.pk)
        form = UnchangedReportForm(
            initial={
                "year": due.year,
                "period": due.period,
                "narrative": services.unchanged_narrative(),
            }
        )
    previous = (
        selectors.previous_submitted(task, (due.year, due.period)) if due is not None else None
    )
    context = {
        "task": task,
        "due": due,
        "form": form,
        "previous": previous,
        "milestones": task.milestones.order_by("position"),
        "targets": task.targets.order_by("position"),
    }
    return render(request, "tasks/reports/unchanged.html", context)


def _batch_choices(user: Actor) -> tuple[list[Any], list[tuple[str, str]]]:
    due = [d for d in selectors.due_reports(user, timezone.localdate()) if d.can_file_unchanged]
    choices = [(BatchUnchangedForm.key(d.task.pk, d.year, d.period), d.task.title) for d in due]
    return due, choices


@login_required
def reports_unchanged(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every due report of the user that may be filed unchanged, one checkbox each (all
    checked); filing the checked ones is one transaction."""
    due, choices = _batch_choices(request.user)
    form = BatchUnchangedForm(
        request.POST or None, choices=choices, initial={"items": [c for c, _l in choices]}
    )
    filed: list[ProgressReport] = []
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.reports_file_unchanged(
                user=request.user, items=form.cleaned_data["items"]
            )
        except TaskError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s report filed unchanged.",
                    "%(count)s reports filed unchanged.",
                    len(filed),
                )
                % {"count": len(filed)},
            )
            return redirect("tasks:reports_unchanged")
    checked = set(form["items"].value() or [])
    rows = [(d, BatchUnchangedForm.key(d.task.pk, d.year, d.period)) for d in due]
    context = {"form": form, "rows": rows, "checked": checked}
    return render(request, "tasks/reports/unchanged_batch.html", context)


@login_required
def report_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark a submitted report as read (已阅), with an optional note."""
    report = selectors.report_get_for_user(request.user, pk)
    if not rules.reviews_reports_of(request.user, report.task):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("tasks:report", report.pk)
    form = ReviewReportForm(request.POST)
    if form_action(
        request,
        form,
        lambda: services.report_review(
            user=request.user, report=report, note=form.cleaned_data["note"]
        ),
        _("Report marked as read; the implementer is told."),
    ):
        # Straight on to the next report waiting, oldest first: reading a quarter's reports
        # is one click each, not a return to the home page each time.
        waiting = selectors.reports_to_review(request.user)
        if waiting:
            messages.info(request, _("Next report waiting to be read."))
            return redirect("tasks:report", waiting[0].pk)
        return redirect("tasks:report", report.pk)
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect("tasks:report", report.pk)


# Bulk update --------------------------------------------------------------------------------


@login_required
@require(rules.can_bulk_update_tasks)
def bulk_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = bulk_sheet.read_sheet(upload)
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
    """Queue the sheet (a background job: a national one has tens of thousands of rows)."""
    job = export_jobs.bulk_sheet_start(by=request.user)
    return redirect("jobs:job_detail", job.pk)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/reports/new/", report_start, name="report_start"),
    path("reports/<int:pk>/", report_page, name="report"),
    path("reports/<int:pk>/edit/", report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", report_submit, name="report_submit"),
    path("reports/<int:pk>/review/", report_review, name="report_review"),
    path("<int:pk>/reports/unchanged/", report_unchanged, name="report_unchanged"),
    path("reports/unchanged/", reports_unchanged, name="reports_unchanged"),
    path("bulk/", bulk_page, name="bulk"),
    path("bulk/sheet/", bulk_download, name="bulk_sheet"),
    *help_views.urlpatterns,
]


def task_context(user: Actor, task: Any) -> dict[str, Any]:
    """What this part adds to the task page: the periods and their reports, and the help
    requests of the task."""
    can_report = rules.can_report(user, task)
    today = timezone.localdate()
    # Every due report of the user that may be filed unchanged: this task's get a button, and
    # with more than one in all the batch page is offered.
    fileable = (
        [d for d in selectors.due_reports(user, today) if d.can_file_unchanged]
        if can_report
        else []
    )
    drafts = [
        (r, services.period_label(task, (r.year, r.period)))
        for r in task.reports.all()
        if r.state == ProgressReport.State.DRAFT
    ]
    context = {
        "report_rows": selectors.period_rows(user, task),
        "can_report": can_report,
        "can_start_report": can_report and bool(_start_choices(task, today)[0]),
        # Due reports that may be filed unchanged in one click (本期无变化，提交).
        "due_unchanged": [d for d in fileable if d.task.pk == task.pk],
        "batch_count": len(fileable),
        # A draft left open: the implementer's, shown as a banner with a link to it.
        "open_drafts": drafts if can_report else [],
        # Not for a province that only oversees the task: its sheet does not hold it.
        "can_bulk_update": rules.can_bulk_update_tasks(user)
        and rules.can_bulk_update_task(user, task),
    }
    context.update(help_views.task_context(user, task))
    return context
