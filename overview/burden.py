"""The burden monitor (减负监测): what the platform itself costs its users, per programme and
locality — reports filed per task and year, the actions and minutes one report takes, and the
reminders each person receives a month.

These are platform measurements (平台统计口径), measured from the server's own records (平台记录):
the reports' timestamps, the audit trail (`audit.AuditEntry`) and the notifications. They are
not rules of 484号. The field's complaint that digital platforms add work (智能官僚主义, source
001) is why they are shown at all.

Counts and sums are aggregated in the database. Medians are not portable SQL: each is read
from one values list per measure, ordered by group and value in the database and streamed with
`.iterator()`, keeping only the middle values of the group being read — memory stays flat
whatever the data size, and the number of queries does not grow with it.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone

from accounts import roles
from accounts.actors import Actor
from audit.models import AuditEntry
from claims.models import Programme
from notifications.models import Notification
from regions.models import Division, RegionGroup
from tasks.models import ProgressReport, Task

# The audit entries that are the implementer's own actions on a report: starting the draft
# and each save are `task.report_saved`, filing it is `task.report_submitted`
# (tasks/services/reports.py, which records them on the report's task).
REPORT_ACTIONS = ("task.report_saved", "task.report_submitted")
# The submission's entry is written in the same transaction just after `submitted_at` is set.
SUBMIT_SLACK = datetime.timedelta(minutes=1)
# The reminder table covers this many months.
MONTHS = 12

Key = tuple[Any, ...]


def sees_burden(user: Actor) -> bool:
    """The burden monitor is the national level's (国家发展改革委): it compares localities."""
    return roles.is_national(user)


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    province: Division | None = None
    programme: Programme | None = None


# Reports ------------------------------------------------------------------------------------


def _reports(filters: Filters) -> QuerySet[ProgressReport]:
    """Submitted reports within the filters. A province's claimants are the province and the
    region groups (zones) lying in it."""
    qs = ProgressReport.objects.filter(state=ProgressReport.State.SUBMITTED)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.programme is not None:
        qs = qs.filter(task__programme=filters.programme)
    if filters.province is not None:
        groups = RegionGroup.objects.filter(divisions__province=filters.province).values("pk")
        qs = qs.filter(
            Q(task__claimant__division=filters.province)
            | Q(task__claimant__region_group__in=groups)
        )
    return qs


GROUP = ("task__programme", "task__claimant", "year")


def report_rows(filters: Filters) -> QuerySet[Any]:
    """One row per programme, claimant (the locality) and year: the claimant's tasks in the
    programme, the reports filed that year; newest year and programme first, then the
    claimants in their code order. `with_medians` completes a page of them, the claimant's
    number of tasks included: counted here, in a subquery per claimant, the database grouped
    the reports by it and so ran it once per report (seconds at national scale)."""
    return (
        _reports(filters)
        .values(*GROUP)
        .annotate(
            programme_title=F("task__programme__title"),
            division_name=F("task__claimant__division__name"),
            group_name=F("task__claimant__region_group__name"),
            filed=Count("pk"),
        )
        .order_by(
            "-year",
            "-task__programme",
            "task__claimant__region_group",
            "task__claimant__division__code",
            "task__claimant",
        )
    )


def _page_filter(rows: list[dict[str, Any]]) -> Q:
    found = Q(pk__in=[])
    for row in rows:
        found |= Q(**{name: row[name] for name in GROUP})
    return found


def _actions(qs: QuerySet[ProgressReport]) -> QuerySet[ProgressReport]:
    """Each report with the number of the implementers' actions on it: the entries of
    REPORT_ACTIONS on its task from its creation to its submission (SUBMIT_SLACK after)."""
    entries = (
        AuditEntry.objects.filter(
            content_type__app_label="tasks",
            content_type__model="task",
            object_id=Cast(OuterRef("task_id"), CharField()),
            action__in=REPORT_ACTIONS,
            at__gte=OuterRef("created_at"),
            at__lte=OuterRef("window_end"),
        )
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        window_end=ExpressionWrapper(
            F("submitted_at") + Value(SUBMIT_SLACK), output_field=DateTimeField()
        ),
        actions=Coalesce(Subquery(entries), 0),
    )


def medians(values: Iterable[tuple[Key, Any]], sizes: dict[Key, int]) -> dict[Key, Any]:
    """The median of each group's values, read from `values` ordered by group and then
    value, knowing each group's size: only the lower middle value is kept while reading."""
    found: dict[Key, Any] = {}
    current: Key | None = None
    index = 0
    low: Any = None
    for key, value in values:
        if key != current:
            current, index = key, 0
        size = sizes.get(key, 0)
        if index == (size - 1) // 2:
            low = value
        if index == size // 2 and size:
            found[key] = (low + value) / 2
        index += 1
    return found


def _stream(qs: QuerySet[Any], value: str) -> Iterator[tuple[Key, Any]]:
    rows = qs.order_by(*GROUP, value).values_list(*GROUP, value)
    for *key, measured in rows.iterator(chunk_size=2000):
        yield tuple(key), measured


def with_medians(
    rows: list[dict[str, Any]], filters: Filters, *, every: bool = False
) -> list[dict[str, Any]]:
    """Complete rows of `report_rows` (a page, or `every` row for an export) with the
    locality's name, its tasks, reports per task, the median actions and the median minutes to
    file one report: four queries whatever the page. Reports back-filled with past dates are
    not timed."""
    if not rows:
        return rows
    on_page = _reports(filters)
    if not every:
        on_page = on_page.filter(_page_filter(rows))
    # Only reports written on the platform are timed: one back-filled (by the bulk sheet, or
    # loaded with its past dates) was submitted before its row was created, and took the
    # implementer no action here.
    timed = on_page.filter(submitted_at__gte=F("created_at"))
    sizes = {
        tuple(found[name] for name in GROUP): found["n"]
        for found in timed.order_by().values(*GROUP).annotate(n=Count("pk"))
    }
    tasks = dict(
        Task.objects.filter(claimant__in={row["task__claimant"] for row in rows})
        .order_by()
        .values("claimant")
        .annotate(n=Count("pk"))
        .values_list("claimant", "n")
    )
    actions = medians(_stream(_actions(timed), "actions"), sizes)
    spent = timed.annotate(
        spent=ExpressionWrapper(F("submitted_at") - F("created_at"), output_field=DurationField())
    )
    minutes = medians(_stream(spent, "spent"), sizes)
    for row in rows:
        key = tuple(row[name] for name in GROUP)
        row["locality"] = row["division_name"] or row["group_name"] or ""
        row["tasks"] = tasks.get(row["task__claimant"], 0)
        row["per_task"] = round(row["filed"] / row["tasks"], 2) if row["tasks"] else None
        median = actions.get(key)
        row["median_actions"] = None if median is None else round(float(median), 1)
        duration = minutes.get(key)
        row["median_minutes"] = (
            None if duration is None else round(duration.total_seconds() / 60, 1)
        )
    return rows


# Reminders ----------------------------------------------------------------------------------


def months(filters: Filters, today: datetime.date) -> list[datetime.date]:
    """The first days of the months shown: the filtered year's twelve, or the last twelve
    up to today's."""
    if filters.year is not None:
        return [datetime.date(filters.year, month, 1) for month in range(1, 13)]
    year, month = today.year, today.month
    found = []
    for _step in range(MONTHS):
        found.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _next_month(day: datetime.date) -> datetime.date:
    return (
        datetime.date(day.year + 1, 1, 1) if day.month == 12 else day.replace(month=day.month + 1)
    )


@dataclass
class MonthCell:
    people: int = 0
    sent: int = 0
    median: float | None = None
    most: int | None = None


@dataclass
class ReminderRow:
    province_id: int
    name: str
    cells: list[MonthCell] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(cell.sent for cell in self.cells)


def reminder_rows(filters: Filters, today: datetime.date) -> list[ReminderRow]:
    """Per province, per month shown: the people who received reminders (催报提醒), how many
    they received in all, and the median and the most one person received. A person belongs to
    the province of their division, organisation or park; the programme filter does not
    apply (a reminder names no programme). Three queries; at most one row per province."""
    shown = months(filters, today)
    province = Coalesce(
        "user__division__province",
        "user__organisation__division__province",
        "user__park__province",
    )
    qs = (
        Notification.objects.filter(
            is_reminder=True,
            created_at__gte=_moment(shown[0]),
            created_at__lt=_moment(_next_month(shown[-1])),
        )
        .annotate(province=province, month=TruncMonth("created_at", output_field=DateField()))
        .exclude(province=None)
    )
    if filters.province is not None:
        qs = qs.filter(province=filters.province.pk)
    totals = qs.values("province", "month").annotate(
        people=Count("user", distinct=True), sent=Count("pk")
    )
    cells: dict[Key, MonthCell] = {}
    for total in totals.order_by():
        cells[(total["province"], total["month"])] = MonthCell(total["people"], total["sent"])
    if not cells:
        return []
    per_person = (
        qs.values("province", "month", "user")
        .annotate(n=Count("pk"))
        .order_by("province", "month", "n")
        .values_list("province", "month", "n")
    )
    sizes = {key: cell.people for key, cell in cells.items()}

    def stream() -> Iterator[tuple[Key, int]]:
        for province_id, month, n in per_person.iterator(chunk_size=2000):
            key = (province_id, month)
            cells[key].most = n  # ordered by n: the last one read is the most
            yield key, n

    for key, median in medians(stream(), sizes).items():
        cells[key].median = float(median)
    names = Division.objects.filter(pk__in={key[0] for key in cells}).order_by("code")
    return [
        ReminderRow(pk, name, [cells.get((pk, month), MonthCell()) for month in shown])
        for pk, name in names.values_list("pk", "name")
    ]
