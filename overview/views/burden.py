"""The burden monitor (减负监测) and its export: the national level's view of what the platform
costs its users (overview/burden.py computes it)."""

import datetime
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from claims.models import Programme
from kernel.access import require
from kernel.downloads import stamp
from kernel.forms import FilterForm
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, write_table, xlsx_response
from overview import burden
from regions.models import Division
from tasks.models import ProgressReport


class BurdenFilterForm(FilterForm):
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year"), coerce=int, required=False, empty_value=None
    )
    locality = forms.ModelChoiceField(
        label=gettext_lazy("Locality"),
        queryset=Division.objects.filter(level=Division.Level.PROVINCE).order_by("code"),
        required=False,
        empty_label=gettext_lazy("All localities"),
    )
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"),
        queryset=Programme.objects.order_by("-pk"),
        required=False,
        empty_label=gettext_lazy("All programmes"),
    )

    def __init__(self, data: QueryDict, today: datetime.date) -> None:
        super().__init__(data)
        years = set(
            ProgressReport.objects.filter(state=ProgressReport.State.SUBMITTED)
            .order_by()
            .values_list("year", flat=True)
            .distinct()
        )
        years.add(today.year)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("All years"))] + [(y, str(y)) for y in sorted(years, reverse=True)]

    def filters(self) -> burden.Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return burden.Filters(
            year=data.get("year"),
            province=data.get("locality"),
            programme=data.get("programme"),
        )


def _form(request: HttpRequest) -> tuple[BurdenFilterForm, burden.Filters, datetime.date]:
    today = timezone.localdate()
    form = BurdenFilterForm(request.GET, today)
    return form, form.filters(), today


def _month_labels(filters: burden.Filters, today: datetime.date) -> list[str]:
    return [month.strftime("%Y-%m") for month in burden.months(filters, today)]


@require_GET
@login_required
@require(burden.sees_burden)
def monitor(request: HttpRequest) -> HttpResponse:
    form, filters, today = _form(request)
    page = paginate(request, burden.report_rows(filters))
    page.object_list = burden.with_medians(list(page.object_list), filters)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "months": _month_labels(filters, today),
        "reminders": burden.reminder_rows(filters, today),
        "note_reports": _note_reports(),
        "note_reminders": _note_reminders(),
    }
    return render(request, "overview/burden.html", context)


def report_headers() -> list[str]:
    return [
        _("Programme"),
        _("Locality"),
        _("Year"),
        _("Tasks"),
        _("Reports filed"),
        _("Reports per task"),
        _("Median actions per report"),
        _("Median minutes per report"),
    ]


@require_GET
@login_required
@require(burden.sees_burden)
def monitor_xlsx(request: HttpRequest) -> HttpResponse:
    """The page's two tables, every row of them, as two sheets."""
    form, filters, today = _form(request)
    applied = form_filters(form)
    workbook = Workbook(write_only=True)
    rows = burden.with_medians(list(burden.report_rows(filters)), filters, every=True)
    write_table(
        workbook.create_sheet(_("Reports")[:31]),
        report_headers(),
        (
            [
                row["programme_title"],
                row["locality"],
                row["year"],
                row["tasks"],
                row["filed"],
                row["per_task"],
                row["median_actions"],
                row["median_minutes"],
            ]
            for row in rows
        ),
        filters=applied,
        after=[[], [_note_reports()]],
    )
    months = _month_labels(filters, today)
    headers = [_("Locality")]
    for month in months:
        headers += [
            _("%(month)s people reminded") % {"month": month},
            _("%(month)s median per person") % {"month": month},
            _("%(month)s most per person") % {"month": month},
        ]
    headers.append(_("Reminders sent"))
    reminder_sheet = workbook.create_sheet(_("Reminders")[:31])
    write_table(
        reminder_sheet,
        headers,
        (
            [
                row.name,
                *(v for cell in row.cells for v in (cell.people, cell.median, cell.most)),
                row.sent,
            ]
            for row in burden.reminder_rows(filters, today)
        ),
        filters=applied,
        after=[[], [_note_reminders()]],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    label = _("burden monitor")  # outside the f-string: xgettext does not read calls inside one
    return xlsx_response(buffer.getvalue(), f"{label}-{stamp()}.xlsx")


def _note_reports() -> str:
    return _(
        "Platform measurements (平台统计口径), not rules of 484号, measured from the server's own "
        "records (平台记录). An action is an entry of the audit trail on the report's task while "
        "the report was being written: starting the draft, each save, and the submission. "
        "Minutes run from the draft's creation to its submission."
    )


def _note_reminders() -> str:
    return _(
        "Reminders (催报提醒) the platform sent, per person reminded in the month: the median "
        "and the most one person received. A person counts in the province of their division, "
        "organisation or park; the programme filter does not apply to reminders."
    )
