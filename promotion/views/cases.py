"""Pages of the case library (可复制推广的改革案例): the public list (search, filters by field,
province and measure, pagination, .xlsx export) and a case's page; the national level writes a
case (from scratch or from a confirmed outcome), changes a draft and publishes it after a
confirmation page.

A published case is public; a draft is the national level's alone (404 for anybody else); an
action the user may not take is 403."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from evaluation import rules as evaluation_rules
from kernel.access import object_for, require
from kernel.actions import form_action
from kernel.downloads import stamp
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from promotion import rules
from promotion.forms.cases import CaseFilterForm, CaseForm, ConfirmForm
from promotion.models import ReformCase
from promotion.selectors import cases as reads
from promotion.services import cases as services


def _filters(request: HttpRequest) -> CaseFilterForm:
    return CaseFilterForm(
        request.GET or None,
        fields=reads.case_fields(request.user),
        national=rules.manages_promotion(request.user),
    )


def case_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = paginate(request, reads.case_list(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_manage": rules.manages_promotion(request.user),
    }
    return render(request, "promotion/case_list.html", context)


def _local(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


def where(case: ReformCase) -> str:
    division = case.division
    province = division.province
    if province is None or province.pk == division.pk:
        return division.name
    return f"{province.name} · {division.name}"


def case_xlsx(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    cases = reads.case_list(request.user, form.params())
    headers = [
        _("No."),
        _("Title"),
        _("Where"),
        _("Field"),
        _("State"),
        _("Measure"),
        _("Replicable outcome"),
        _("Summary"),
        _("The case"),
        _("Source"),
        _("Published at"),
    ]
    rows = (
        [
            c.pk,
            c.title,
            where(c),
            c.field,
            c.get_state_display(),
            str(c.measure) if c.measure else "",
            c.outcome.title if c.outcome else "",
            c.summary,
            c.body,
            c.source,
            _local(c.published_at),
        ]
        for c in cases
    )
    content = table_bytes(_("Reform cases"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"cases-{stamp()}.xlsx")


def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = reads.case_get_for_user(request.user, pk)
    outcome = case.outcome
    context = {
        "case": case,
        "where": where(case),
        "can_edit": can_edit(request.user, case),
        "outcome_visible": outcome is not None
        and evaluation_rules.can_view_outcome(request.user, outcome),
    }
    return render(request, "promotion/case_page.html", context)


def can_edit(user: Any, case: ReformCase) -> bool:
    """The national level, while the case is a draft."""
    return rules.manages_promotion(user) and case.state == ReformCase.State.DRAFT


def manages(user: Any, case: ReformCase) -> bool:
    return rules.manages_promotion(user)


@login_required
@require(rules.manages_promotion)
def case_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new case; from a confirmed outcome (?outcome=) its fields start from the outcome."""
    initial: dict[str, Any] = {}
    origin = request.GET.get("outcome", "")
    if origin.isdigit():
        outcome = reads.confirmed_outcomes().filter(pk=int(origin)).first()
        if outcome is not None:
            initial = reads.case_prefill(outcome)
    measure = request.GET.get("measure", "")
    if measure.isdigit() and reads.published_measures().filter(pk=int(measure)).exists():
        initial["measure"] = initial.get("measure") or int(measure)
    form = CaseForm(request.POST or None, initial=initial)
    done: list[ReformCase] = []
    if form_action(
        request,
        form,
        lambda: done.append(services.case_create(by=request.user, data=form.data_for_service())),
        _("Case saved as a draft. Check it, then publish it."),
    ):
        return redirect("promotion:case", done[0].pk)
    context = {
        "form": form,
        "heading": _("Write a reform case"),
        "prefilled": "outcome" in initial,
        "outcomes": reads.confirmed_outcomes()[:200],
    }
    return render(request, "promotion/case_form.html", context)


def _draft_for(request: AuthenticatedHttpRequest, pk: int) -> ReformCase | HttpResponse:
    case = object_for(request, reads.case_get_for_user, pk, manages)
    if request.method != "POST" and not can_edit(request.user, case):
        messages.info(request, _("This case is published and can no longer be changed."))
        return redirect("promotion:case", case.pk)
    return case


@login_required
def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _draft_for(request, pk)
    if isinstance(case, HttpResponse):
        return case
    initial = {
        "title": case.title,
        "division": case.division_id,
        "field": case.field,
        "summary": case.summary,
        "body": case.body,
        "measure": case.measure_id,
        "outcome": case.outcome_id,
        "source": case.source,
    }
    form = CaseForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.case_update(by=request.user, case=case, data=form.data_for_service()),
        _("Case saved."),
    ):
        return redirect("promotion:case", case.pk)
    context = {"form": form, "case": case, "heading": _("Change the reform case")}
    return render(request, "promotion/case_form.html", context)


@login_required
def case_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the publication (POST)."""
    case = _draft_for(request, pk)
    if isinstance(case, HttpResponse):
        return case
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form_action(
        request,
        form,
        lambda: services.case_publish(by=request.user, case=case),
        _("Case published: anyone can now read it."),
    ):
        return redirect("promotion:case", case.pk)
    return render(
        request, "promotion/case_publish.html", {"form": form, "case": case, "where": where(case)}
    )
