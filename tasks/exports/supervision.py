"""The inspection and fault-tolerance indexes as workbooks: the rows the user filtered, in the
same order as the page."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kernel.spreadsheets import Filters, table_bytes
from tasks.models import FollowUp, Inspection, ToleranceFiling


def _date(value: Any) -> Any:
    """A date cell, or an empty one."""
    return value or None


def _moment(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


def inspections_xlsx(inspections: QuerySet[Inspection], filters: Filters | None = None) -> bytes:
    follow_ups = FollowUp.objects.select_related("by").order_by("at", "id")
    rows_source = inspections.prefetch_related(Prefetch("follow_ups", queryset=follow_ups))
    yes = _("yes")
    headers = [
        _("No."),
        _("Date"),
        _("Kind"),
        _("Programme"),
        _("Claimant"),
        _("Task"),
        _("Findings"),
        _("Rectification required"),
        _("Rectify by"),
        _("State"),
        _("Overdue"),
        _("Closed at"),
        _("Inspector"),
        _("Follow-ups"),
    ]
    rows = (
        [
            i.pk,
            _date(i.inspected_on),
            i.get_kind_display(),
            i.task.programme.title,
            str(i.task.claimant),
            i.task.title,
            i.findings,
            i.rectification,
            _date(i.rectify_by),
            i.get_state_display(),
            yes if getattr(i, "overdue", False) else "",
            _date(i.closed_at),
            _person(i.inspector),
            "\n".join(f"{_moment(f.at)} {_person(f.by)}: {f.note}" for f in i.follow_ups.all()),
        ]
        for i in rows_source.iterator(chunk_size=500)
    )
    return table_bytes(_("Inspections"), headers, rows, filters=filters)


def filings_xlsx(filings: QuerySet[ToleranceFiling], filters: Filters | None = None) -> bytes:
    headers = [
        _("No."),
        _("Filed at"),
        _("Programme"),
        _("Claimant"),
        _("Task"),
        _("What went wrong"),
        _("Why it was a good-faith exploration"),
        _("Filed by"),
        _("Decision"),
        _("Reason for the decision"),
        _("Deciding body"),
        _("Implementing measures applied"),
        _("Document number of the measures"),
        _("Decided by"),
        _("Decided at"),
    ]
    rows = (
        [
            f.pk,
            _date(f.filed_at),
            f.task.programme.title,
            str(f.task.claimant),
            f.task.title,
            f.what_went_wrong,
            f.good_faith,
            _person(f.filed_by),
            f.get_state_display(),
            f.decision_reason,
            f.deciding_body,
            f.measures_title,
            f.measures_number,
            _person(f.decided_by),
            _date(f.decided_at),
        ]
        for f in filings.iterator(chunk_size=500)
    )
    return table_bytes(_("Fault-tolerance filings"), headers, rows, filters=filters)
