"""The dispatch page (按季调度) and its workbook: per period and claimant, which reports came
on time, late or not at all, overdue milestones and open help requests."""

import datetime
import hashlib
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.actors import Actor, AuthenticatedHttpRequest
from claims.models import Claimant, Programme
from kernel import snapshots
from kernel.access import require
from kernel.forms import FilterForm
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters
from tasks import jobs as export_jobs
from tasks import periods, rules, selectors
from tasks.dispatch import (
    ALL,
    HELP,
    LIFETIME,
    NAMESPACE,
    OVERDUE,
    PROBLEMS,
    Dispatch,
    ReportStatus,
    Schedule,
)
from tasks.dispatch import dispatch_for as compute

# The page number of the table of tasks past their expected end, beside `page` of the tasks.
PAST_PAGE = "past_page"


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _key(period: periods.Period) -> str:
    """How a period travels in a link: `2026-2` (tasks.periods.parse reads it back)."""
    return f"{period[0]}-{period[1]}"


class DispatchFilterForm(FilterForm):
    """Always bound: what the user did not choose takes its default (the newest programme,
    the last period whose reports are due, the problem tasks)."""

    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=None
    )
    period = forms.ChoiceField(label=_("Period"))
    claimant = forms.ModelChoiceField(
        label=_("Claimant"), queryset=Claimant.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (PROBLEMS, _("tasks needing attention")),
            (ALL, _("all tasks")),
            (ReportStatus.ON_TIME, _("report on time")),
            (ReportStatus.LATE, _("report late")),
            (ReportStatus.MISSING, _("report missing")),
            (ReportStatus.NOT_DUE, _("report not yet due")),
            (ReportStatus.NOT_EXPECTED, _("no report expected")),
            (OVERDUE, _("with overdue milestones")),
            (HELP, _("with open help requests")),
        ],
    )
    q = forms.CharField(label=_("Search"), required=False)

    def __init__(self, data: QueryDict, *, user: Actor, today: datetime.date) -> None:
        # Read once (a semi-join over every task in scope); the list and the validation then
        # look programmes up by key.
        found = list(selectors.programmes_with_tasks(user))
        programmes = Programme.objects.filter(pk__in=[p.pk for p in found]).order_by("-created_at")
        wanted = data.get("programme", "")
        chosen = next((p for p in found if str(p.pk) == wanted), None)
        self.chosen = chosen or (found[0] if found else None)
        self.today = today
        self.first_day = today
        if self.chosen is not None:
            self.first_day = selectors.first_day_reported(user, self.chosen) or today
        merged = data.copy()
        asked = merged.get("period", "")
        if self.chosen is not None:
            self.schedule = Schedule.of(self.chosen)
            merged["programme"] = str(self.chosen.pk)
            default = self.schedule.last_due(today)
            if periods.parse(asked) is None:
                merged["period"] = asked = _key(default)
        super().__init__(merged)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        if self.chosen is None:
            return
        self.fields["period"].choices = self._period_choices(asked)  # type: ignore[attr-defined]
        claimants = selectors.claimants_visible_to(user, self.chosen)
        if roles.is_national(user) or claimants.count() > 1:
            # The national level, or a province dispatching the zones it oversees (省地协同,
            # 按季调度) beside its own claims.
            self.fields["claimant"].queryset = claimants  # type: ignore[attr-defined]
        else:
            # A locality sees its own claimant only: there is nothing to choose.
            del self.fields["claimant"]

    def _period_choices(self, asked: str) -> list[tuple[str, str]]:
        found = self.schedule.choices(self.first_day, self.today)
        # An older (or later) period asked for by its link stays choosable.
        period = periods.parse(asked)
        if period is not None and self.schedule.valid(period) and period not in found:
            found.append(period)
            found.sort(reverse=True)
        return [(_key(p), self.schedule.label(p)) for p in found]

    @property
    def chosen_period(self) -> periods.Period:
        chosen = periods.parse(self.params().get("period", ""))
        return chosen or self.schedule.last_due(self.today)


def _compute(request: HttpRequest) -> tuple[DispatchFilterForm, Dispatch | None, dict[str, str]]:
    today = timezone.localdate()
    form = DispatchFilterForm(request.GET, user=request.user, today=today)
    params = form.params()
    if form.chosen is None:
        return form, None, params
    claimant = form.cleaned_data.get("claimant") if "claimant" in form.fields else None
    result = compute(request.user, form.chosen, form.chosen_period, today=today, claimant=claimant)
    return form, result, params


@login_required
@require(rules.can_view_dispatch)
def dispatch_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, result, params = _compute(request)
    context: dict[str, Any] = {"filters": form, "dispatch": result}
    if result is not None:
        context["tables"] = _kept_tables(request, result, params)
        context["export_query"] = _query_without(request, "page", PAST_PAGE)
    return render(request, "tasks/dispatch/index.html", context)


def _tables(request: HttpRequest, result: Dispatch, params: dict[str, str]) -> str:
    lines = result.rows(params.get("status", PROBLEMS), params.get("q", ""))
    past = Paginator(result.past_end, settings.PAGE_SIZE)
    context = {
        "dispatch": result,
        # Two tables, two pagers: each keeps the filters and the other's page in its links.
        "page": paginate(request, lines),
        "querystring": querystring_without_page(request),
        "past_page": past.get_page(request.GET.get(PAST_PAGE)),
        "past_querystring": _query_without(request, PAST_PAGE),
        "showing_problems": params.get("status", PROBLEMS) == PROBLEMS,
    }
    return render_to_string("tasks/dispatch/tables.html", context)


def _kept_tables(request: HttpRequest, result: Dispatch, params: dict[str, str]) -> SafeString:
    """The three tables (by claimant, past their expected end, the tasks of the page) as
    HTML, kept in the shared cache beside the figures they show: under the same namespace,
    so the saves that forget those figures (tasks.apps) forget the tables too, and keyed by
    the same scope (visibility, period, day) and the whole query string (filters, pages).
    Reading a page of rows and rendering the three tables were most of a national
    dispatch's time. Nothing in them depends on the viewer beyond that scope."""
    if not result.scope:
        return mark_safe(_tables(request, result, params))  # noqa: S308 (rendered by a template)
    query = hashlib.sha256(urlencode(sorted(request.GET.lists()), doseq=True).encode()).hexdigest()
    kept = snapshots.snapshot(
        NAMESPACE,
        "tables",
        f"{result.scope}:{query}",
        lambda: str(_tables(request, result, params)),
        LIFETIME,
    )
    return mark_safe(kept.value)  # noqa: S308 (rendered by a template, escaped there)


@login_required
@require(rules.can_view_dispatch)
def dispatch_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the export of the page as filtered (a background job) and show its page."""
    today = timezone.localdate()
    form = DispatchFilterForm(request.GET, user=request.user, today=today)
    params = form.params()
    chosen = form.chosen
    claimant = form.cleaned_data.get("claimant") if "claimant" in form.fields else None
    job = export_jobs.dispatch_export_start(
        by=request.user,
        programme=chosen,
        period=form.chosen_period if chosen is not None else None,
        claimant=claimant,
        status=params.get("status", PROBLEMS),
        text=params.get("q", ""),
        shown=form_filters(form),
    )
    return redirect("jobs:job_detail", job.pk)


urlpatterns: list[URLPattern] = [
    path("dispatch/", dispatch_page, name="dispatch"),
    path("dispatch/xlsx/", dispatch_export, name="dispatch_xlsx"),
]
