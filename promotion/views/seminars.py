"""Pages of the exchange seminars (交流研讨会): the list, due ones first (days until each
batch's seminar, `selectors.seminars.seminars_due`), with filters and .xlsx export; a
seminar's page; planning one (the proposed one, or a new one); recording it as held; its
minutes (纪要) as .docx.

Every official reads them (`rules.SEMINARS`); only the national level plans and records them
(`rules.manages_promotion`)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor, AuthenticatedHttpRequest
from kernel.access import require
from kernel.actions import form_action
from kernel.downloads import DOCX, download, stamp
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from promotion import rules
from promotion.forms.seminars import HeldForm, PlanForm, SeminarFilterForm
from promotion.models import Seminar
from promotion.selectors import seminars as reads
from promotion.seminar_minutes import file_name, minutes_docx
from promotion.services import seminars as services


def sees_seminars(user: Actor) -> bool:
    return rules.SEMINARS.filter_for(user) is not None


def _filters(request: HttpRequest) -> SeminarFilterForm:
    return SeminarFilterForm(request.GET or None)


def _batches(seminar: Seminar) -> str:
    return "、".join(str(b) for b in seminar.batches.all())


@login_required
@require(sees_seminars)
def seminar_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = paginate(request, reads.seminar_list(request.user, filters.params()))
    context = {
        "due": reads.due_first(reads.seminars_due(timezone.localdate())),
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_manage": rules.manages_promotion(request.user),
    }
    return render(request, "promotion/seminar_index.html", context)


@login_required
@require(sees_seminars)
def seminar_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filters(request)
    seminars = reads.seminar_list(request.user, form.params())
    headers = [
        _("No."),
        _("Title"),
        _("Batches"),
        _("State"),
        _("Due on"),
        _("Date"),
        _("Regions taking part"),
        _("Agenda"),
        _("Practices collected"),
        _("Solutions to difficulties"),
    ]
    rows = (
        [
            s.pk,
            s.title,
            _batches(s),
            s.get_state_display(),
            s.proposed_for,
            s.held_on,
            "、".join(d.name for d in s.regions.all()),
            s.agenda,
            s.practices,
            s.solutions,
        ]
        for s in seminars
    )
    content = table_bytes(_("Exchange seminars"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"seminars-{stamp()}.xlsx")


@login_required
@require(sees_seminars)
def seminar_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    seminar = reads.seminar_get_for_user(request.user, pk)
    context = {
        "seminar": seminar,
        "can_manage": rules.manages_promotion(request.user),
        "entries": reads.seminar_history(seminar),
    }
    return render(request, "promotion/seminar_page.html", context)


def _plan(request: AuthenticatedHttpRequest, seminar: Seminar | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if seminar is not None:
        initial = {
            "title": seminar.title,
            "batches": [b.pk for b in seminar.batches.all()],
            "held_on": seminar.held_on or seminar.proposed_for,
        }
    elif request.GET.get("batch"):
        initial = {"batches": [request.GET["batch"]]}
    form = PlanForm(request.POST or None, initial=initial)
    done: list[Seminar] = []
    if form_action(
        request,
        form,
        lambda: done.append(
            services.seminar_plan(by=request.user, seminar=seminar, **form.cleaned_data)
        ),
        _("Seminar planned."),
    ):
        return redirect("promotion:seminar", done[0].pk)
    return render(request, "promotion/seminar_plan.html", {"form": form, "seminar": seminar})


@login_required
@require(rules.manages_promotion)
def seminar_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _plan(request, None)


@login_required
@require(rules.manages_promotion)
def seminar_plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    seminar = reads.seminar_get_for_user(request.user, pk)
    if seminar.state == Seminar.State.HELD:
        return redirect("promotion:seminar_held", seminar.pk)
    return _plan(request, seminar)


@login_required
@require(rules.manages_promotion)
def seminar_held(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    seminar = reads.seminar_get_for_user(request.user, pk)
    initial = {
        "held_on": seminar.held_on,
        "regions": [d.pk for d in seminar.regions.all()],
        "agenda": seminar.agenda,
        "practices": seminar.practices,
        "solutions": seminar.solutions,
    }
    form = HeldForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.seminar_record_held(by=request.user, seminar=seminar, **form.cleaned_data),
        _("Seminar recorded as held; the provinces taking part have been told."),
    ):
        return redirect("promotion:seminar", seminar.pk)
    return render(request, "promotion/seminar_held.html", {"form": form, "seminar": seminar})


@login_required
@require(sees_seminars)
def seminar_docx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    seminar = reads.seminar_get_for_user(request.user, pk)
    return download(minutes_docx(seminar), file_name(seminar), DOCX)
