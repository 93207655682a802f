"""Pages of commissioned evaluations (委托评估): the list with its export, commissioning and
changing a commission (the national level), the commission's page, the evaluator's read-only
dossier of each task in the scope, field visits and evidence (the evaluator, while the
evaluation is in progress).

Objects outside the user's scope are 404 (`evaluation.selectors.commissions`); an action the
user may not take is 403. Evidence and close-out documents are served through views that
check the right, never as static media.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.actors import Actor, AuthenticatedHttpRequest
from audit.selectors import entries_for
from evaluation import rules
from evaluation.errors import EvaluationError
from evaluation.forms.commissions import (
    CommissionEditForm,
    CommissionFilterForm,
    CommissionForm,
    EvidenceForm,
    VisitForm,
    closure_label,
)
from evaluation.models import Commission, Evidence
from evaluation.selectors import commissions as reads
from evaluation.services import commissions as services
from kernel.access import object_for, require
from kernel.actions import form_action
from kernel.downloads import stamp, stored_file
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from tasks.models import Closure

Right = Callable[[Actor, Commission], bool]
Scope = Commission.Scope


def _commissions_right(user: Actor, commission: Commission) -> bool:
    return rules.can_commission(user)


def _commission_for(
    request: HttpRequest, pk: int, check: Right, *, posted: Right | None = None
) -> Commission:
    return object_for(request, reads.commission_get_for_user, pk, check, posted=posted)


def _in_progress_for(request: HttpRequest, pk: int, right: Right) -> Commission | HttpResponse:
    """The commission for a step taken only while it is in progress: 404 outside the user's
    scope, 403 without the (state-free) `right`; once the report is delivered, the commission's
    page, which says so. A POST goes on to the service, which says what changed."""
    commission = _commission_for(request, pk, right)
    if request.method != "POST" and commission.state != Commission.State.IN_PROGRESS:
        messages.info(request, _("The report of this evaluation is delivered: it cannot change."))
        return redirect("evaluation:commission", commission.pk)
    return commission


def _local(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


# The list -----------------------------------------------------------------------------------------


@login_required
@require(rules.can_list_commissions)
def commission_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = CommissionFilterForm(request.GET or None, user=request.user)
    qs = reads.commission_list(request.user, filters.params())
    context = {
        "filters": filters,
        "page": paginate(request, qs),
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_commission": rules.can_commission(request.user),
    }
    return render(request, "evaluation/commission_list.html", context)


@login_required
@require(rules.can_list_commissions)
def commission_list_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = CommissionFilterForm(request.GET or None, user=request.user)
    qs = reads.commission_list(request.user, filters.params())
    headers = [
        _("No."),
        _("Title"),
        _("Third-party evaluator"),
        _("Scope"),
        _("Covers"),
        _("Tasks"),
        _("Tasks closed out"),
        _("Start date"),
        _("End date"),
        _("State"),
        _("Commissioned at"),
    ]
    rows = (
        [
            row.commission.pk,
            row.commission.title,
            row.commission.evaluator.name,
            row.commission.get_scope_display(),
            reads.scope_object(row.commission),
            row.tasks,
            row.closed,
            row.commission.starts_on,
            row.commission.ends_on,
            row.commission.get_state_display(),
            _local(row.commission.created_at),
        ]
        for row in reads.commission_rows(qs)
    )
    content = table_bytes(
        _("Commissioned evaluations"), headers, rows, filters=form_filters(filters)
    )
    return xlsx_response(content, f"evaluations-{stamp()}.xlsx")


# Commissioning ----------------------------------------------------------------------------------


@login_required
@require(rules.can_commission)
def commission_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """First the kind of scope (`?scope=`), then the form for it. For chosen tasks, the
    closed ones are offered unless `?open=1` (a mid-term or follow-up evaluation)."""
    scope = request.GET.get("scope", "")
    if scope not in Scope.values:
        return render(request, "evaluation/commission_scope.html", {"scopes": Scope.choices})
    include_open = request.GET.get("open") == "1"
    programme = None
    if request.GET.get("programme", "").isdigit():
        programme = reads.programme_choices().filter(pk=int(request.GET["programme"])).first()
    tasks = reads.task_choices(include_open=include_open, programme=programme)
    form = CommissionForm(request.POST or None, scope=scope, tasks=tasks)
    done: list[Commission] = []
    if form_action(
        request,
        form,
        lambda: done.append(services.commission_create(by=request.user, **form.service_kwargs())),
        _("Evaluation commissioned; the evaluator has been told."),
    ):
        return redirect("evaluation:commission", done[0].pk)
    context = {
        "form": form,
        "scope": scope,
        "scope_label": Scope(scope).label,
        "include_open": include_open,
        "programme": programme,
        "programmes": reads.programme_choices(),
        "task_count": tasks.count() if scope == Scope.TASKS else None,
    }
    return render(request, "evaluation/commission_form.html", context)


@login_required
def commission_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    commission = _in_progress_for(request, pk, _commissions_right)
    if isinstance(commission, HttpResponse):
        return commission
    initial = {
        "title": commission.title,
        "starts_on": commission.starts_on,
        "ends_on": commission.ends_on,
        "terms_of_reference": commission.terms_of_reference,
    }
    form = CommissionEditForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.commission_update(
            commission=commission, by=request.user, **form.cleaned_data
        ),
        _("Commission saved."),
    ):
        return redirect("evaluation:commission", commission.pk)
    context = {"form": form, "commission": commission}
    return render(request, "evaluation/commission_edit.html", context)


# The commission's page -------------------------------------------------------------------------


@login_required
def commission_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    commission = _commission_for(request, pk, rules.can_view_commission)
    evaluations = list(reads.commission_evaluations(commission))
    context = {
        "commission": commission,
        "covers": reads.scope_object(commission),
        "evaluations": evaluations,
        "counts": reads.scope_counts(commission),
        "visits": reads.commission_visits(commission),
        "evidence": reads.commission_evidence(commission),
        "entries": list(entries_for(commission).order_by("-at", "-id")[:100]),
        "can_change": services.can_change_commission(user, commission),
        "can_work": rules.can_work_on(user, commission),
        "evaluates": rules.evaluates(user, commission),
        "open_closure": Closure.OPEN,
    }
    return render(request, "evaluation/commission_page.html", context)


@login_required
def commission_tasks_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    commission = _commission_for(request, pk, rules.can_view_commission)
    headers = [
        _("No."),
        _("Programme"),
        _("Claimant"),
        _("Item number"),
        _("Task"),
        _("Close-out"),
    ]
    rows = (
        [
            e.task_id,
            e.task.programme.title,
            str(e.task.claimant),
            e.task.claim.item.position,
            e.task.title,
            closure_label(e.task),
        ]
        for e in reads.commission_evaluations(commission)
    )
    content = table_bytes(_("Tasks in scope"), headers, rows)
    return xlsx_response(content, f"evaluation-{commission.pk}-tasks-{stamp()}.xlsx")


@login_required
def commission_task(request: AuthenticatedHttpRequest, pk: int, task_pk: int) -> HttpResponse:
    """The evaluator's read-only dossier of a task in the scope."""
    user = request.user
    commission = _commission_for(request, pk, rules.can_view_commission)
    evaluation = reads.evaluated_task_get(user, commission, task_pk)
    dossier = reads.dossier(user, commission, evaluation)
    context = {
        "commission": commission,
        "evaluation": evaluation,
        "dossier": dossier,
        # The plan as the task page's plan part reads it, without its actions.
        "plan": {"line": dossier.plan},
        "visits": reads.commission_visits(commission, evaluation.task),
        "evidence": reads.commission_evidence(commission, evaluation.task),
        "can_work": rules.can_work_on(user, commission),
    }
    return render(request, "evaluation/commission_task.html", context)


@login_required
def commission_document(
    request: AuthenticatedHttpRequest, pk: int, task_pk: int, document_pk: int
) -> FileResponse:
    """A document of a scoped task's close-out report, for the evaluator to read."""
    commission = _commission_for(request, pk, rules.can_view_commission)
    evaluation = reads.evaluated_task_get(request.user, commission, task_pk)
    document = reads.close_out_document_get(commission, evaluation, document_pk)
    name = document.file_name or document.file.name.rsplit("/", 1)[-1]
    return stored_file(document.file, name)


# Visits and evidence ----------------------------------------------------------------------------


@login_required
def visit_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    commission = _in_progress_for(request, pk, rules.evaluates)
    if isinstance(commission, HttpResponse):
        return commission
    form = VisitForm(request.POST or None, commission=commission)
    if form_action(
        request,
        form,
        lambda: services.visit_record(commission=commission, by=request.user, **form.cleaned_data),
        _("Field visit recorded."),
    ):
        return redirect("evaluation:commission", commission.pk)
    context = {"form": form, "commission": commission}
    return render(request, "evaluation/commission_visit.html", context)


@login_required
def evidence_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    commission = _in_progress_for(request, pk, rules.evaluates)
    if isinstance(commission, HttpResponse):
        return commission
    initial = {}
    if request.GET.get("task", "").isdigit():
        initial["task"] = int(request.GET["task"])
    form = EvidenceForm(
        request.POST or None, request.FILES or None, commission=commission, initial=initial
    )
    if form_action(
        request,
        form,
        lambda: services.evidence_add(
            commission=commission,
            by=request.user,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            task=form.cleaned_data["task"],
            visit=form.cleaned_data["visit"],
        ),
        _("Evidence added."),
    ):
        return redirect("evaluation:commission", commission.pk)
    context = {"form": form, "commission": commission}
    return render(request, "evaluation/commission_evidence.html", context)


def _evidence_for(commission: Commission, evidence_pk: int) -> Evidence:
    evidence = reads.evidence_get(commission, evidence_pk)
    if evidence is None:
        raise Http404
    return evidence


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    commission = _commission_for(request, pk, rules.can_view_commission)
    evidence = _evidence_for(commission, evidence_pk)
    return stored_file(evidence.file, evidence.name)


@login_required
def evidence_remove(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """A confirmation page (GET), then the removal (POST). A second click, or a colleague who
    removed it first, lands on the commission with a note instead of a 404."""
    commission = _commission_for(request, pk, rules.can_work_on, posted=rules.evaluates)
    evidence = reads.evidence_get(commission, evidence_pk)
    if evidence is None:
        if request.method != "POST":
            raise Http404
        messages.info(request, _("This evidence was already removed."))
        return redirect("evaluation:commission", commission.pk)
    if request.method == "POST":
        try:
            services.evidence_remove(evidence=evidence, by=request.user)
        except EvaluationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Evidence removed."))
        return redirect("evaluation:commission", commission.pk)
    context = {"commission": commission, "evidence": evidence}
    return render(request, "evaluation/commission_evidence_remove.html", context)
