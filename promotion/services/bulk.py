"""Reporting adoption in bulk (批量填报): a user's whole territory for a tracking round as one
sheet — a province's: itself, every prefecture, county and park in it — downloaded, filled in,
uploaded and written all or nothing; then the units whose returns are complete filed (报送)
in one action.

Every row is checked with the rules of the unit's form (records.check) and of territory,
scope and round; a sheet with any bad row writes nothing and lists each error with its sheet
row and column. A good sheet writes each changed row through records.adoption_write, the one
write of a record. Rows left as downloaded are skipped, so a sheet kept for a few days never
writes its old answers over a unit's filing made since; a row changed in the sheet whose record
also changed meanwhile is refused rather than overwriting either side (平台规则).
"""

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl.utils.datetime import from_excel

from accounts import roles
from accounts.models import User
from accounts.visibility import CITY, NATIONAL, PROVINCE
from audit.services import record
from jobs.models import Job
from jobs.registry import job_kind
from jobs.services import JobFailed, job_attach_result, job_set_progress
from kernel.downloads import stamp
from kernel.errors import Forbidden
from notifications.services import notify
from promotion import rules
from promotion.exports.bulk_sheet import (
    MAX_ROWS,
    SheetError,
    SheetRow,
    headers,
    read_sheet,
    sheet_bytes,
)
from promotion.models import (
    AdoptionRecord,
    AdoptionStatus,
    PromotedMeasure,
    PromotionBatch,
    RoundReturn,
    TrackingRound,
    UnitLevel,
)
from promotion.services.records import (
    FIELDS,
    AdoptionData,
    PromotionError,
    adoption_reconfirm,
    adoption_write,
    check,
)
from promotion.territory import (
    divisions_in_scope,
    divisions_of,
    parks_in_scope,
    parks_of,
    unit_fields,
)
from regions.models import Division, Park

ACTION_LABELS = {
    "adoption.bulk_uploaded": gettext_lazy("adoption reported by sheet"),
    "return.filed_in_bulk": gettext_lazy("return filed with a sheet's units"),
}

SHEET_KIND, UPLOAD_KIND = "promotion.bulk_sheet", "promotion.bulk_upload"
PROGRESS_EVERY = 500
# The platform's limit on a free-text cell (平台规则); the short fields keep their column's.
MAX_TEXT = 2000
TEXT_LIMITS = {
    "local_document": AdoptionRecord._meta.get_field("local_document").max_length or MAX_TEXT,
    "contact": AdoptionRecord._meta.get_field("contact").max_length or MAX_TEXT,
    "difficulties": MAX_TEXT,
    "reason": MAX_TEXT,
}
NOTHING = "-"  # the stamp's digest of a measure the unit had not reported


# The territory ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A reporting unit of the sheet: `key` identifies it inside the platform ("d12", "p3"),
    `code` in the sheet (a division's code, "P" and a park's id)."""

    key: str
    code: str
    name: str
    level: int
    obj: Division | Park
    in_regions: bool


@dataclass
class Plan:
    """What a user's sheet for a round holds: the units, the measures and each unit's
    current answers (record key (unit key, measure id) → AdoptionData)."""

    round: TrackingRound
    units: list[Unit]
    measures: list[PromotedMeasure]
    records: dict[tuple[str, int], AdoptionData] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.unit_by_code = {unit.code: unit for unit in self.units}
        self.measure_by_number = {(m.batch.number, m.position): m for m in self.measures}

    def scoped(self, unit: Unit) -> list[PromotedMeasure]:
        """The round's measures the unit reports on (nationwide ones, and the 8 regions' ones
        for a unit in those regions)."""
        return [m for m in self.measures if unit.in_regions or not _regional(m)]

    def pairs(self) -> Iterator[tuple[Unit, PromotedMeasure]]:
        for unit in self.units:
            for measure in self.scoped(unit):
                yield unit, measure

    def count(self) -> int:
        return sum(len(self.scoped(unit)) for unit in self.units)


def _regional(measure: PromotedMeasure) -> bool:
    return measure.scope == PromotedMeasure.Scope.REGIONS


def division_key(pk: int) -> str:
    return f"d{pk}"


def park_key(pk: int) -> str:
    return f"p{pk}"


def park_code(pk: int) -> str:
    return f"P{pk}"


def round_measures(round: TrackingRound) -> list[PromotedMeasure]:
    """The published measures of the round's batches, in the order of the notices."""
    return list(
        PromotedMeasure.objects.filter(
            batch__in=round.batches.all(), batch__state=PromotionBatch.State.PUBLISHED
        )
        .select_related("batch")
        .order_by("batch__number", "position")
    )


def territory(user: User, measures: list[PromotedMeasure]) -> list[Unit]:
    """The units the user reports for, a province first, then each prefecture followed by its
    counties and parks; `in_regions` says which are in the 8 experiment regions."""
    divisions = list(divisions_of(user).select_related("parent").order_by("code"))
    parks = list(parks_of(user).select_related("division").order_by("division__code", "pk"))
    regional = next((m for m in measures if _regional(m)), None)
    region_divisions: set[int] = set()
    region_parks: set[int] = set()
    if regional is not None:
        region_divisions = set(
            divisions_in_scope(regional)
            .filter(pk__in=[d.pk for d in divisions])
            .values_list("pk", flat=True)
        )
        region_parks = set(
            parks_in_scope(regional)
            .filter(pk__in=[p.pk for p in parks])
            .values_list("pk", flat=True)
        )
    keyed: list[tuple[tuple[str, int, str], Unit]] = []
    for d in divisions:
        place = unit_fields(d)
        prefecture = d if d.level == Division.Level.PREFECTURE else None
        if prefecture is None and place["prefecture_id"] is not None:
            prefecture = d.parent
        name = d.name if prefecture is None or prefecture == d else f"{prefecture.name} {d.name}"
        unit = Unit(division_key(d.pk), d.code, name, d.level, d, d.pk in region_divisions)
        keyed.append(((prefecture.code if prefecture else "", d.level, d.code), unit))
    for p in parks:
        home = p.division
        prefecture_code = home.code if home.level == Division.Level.PREFECTURE else ""
        if home.level == Division.Level.COUNTY and home.parent_id != home.province_id:
            prefecture_code = ""  # a park is placed as the platform places it (unit_fields)
        name = f"{home.name} {p.name}"
        unit = Unit(park_key(p.pk), park_code(p.pk), name, UnitLevel.PARK, p, p.pk in region_parks)
        keyed.append(((prefecture_code, UnitLevel.PARK, unit.code), unit))
    keyed.sort(key=lambda pair: pair[0])
    return [unit for _key, unit in keyed]


def bulk_plan(user: User, round: TrackingRound, *, with_records: bool = True) -> Plan:
    measures = round_measures(round)
    plan = Plan(round=round, units=territory(user, measures), measures=measures)
    if with_records and plan.units:
        rows = (
            rules.ADOPTIONS.queryset(user)
            .filter(measure__in=[m.pk for m in measures])
            .values_list("division_id", "park_id", "measure_id", *FIELDS)
            .iterator(chunk_size=2000)
        )
        for division_id, park_id, measure_id, *values in rows:
            key = division_key(division_id) if division_id else park_key(park_id)
            plan.records[(key, measure_id)] = AdoptionData(**dict(zip(FIELDS, values, strict=True)))
    return plan


# Rights ----------------------------------------------------------------------------------------


def may_report_in_bulk(user: Any, round: TrackingRound) -> bool:
    """A user who reports adoption, on a round they see that is still open."""
    return (
        rules.reports_adoption(user)
        and rules.ROUNDS.allows(user, round)
        and round.state == TrackingRound.State.OPEN
    )


def _guard(by: User, round: TrackingRound) -> None:
    if not rules.reports_adoption(by) or not rules.ROUNDS.allows(by, round):
        raise Forbidden
    if round.state != TrackingRound.State.OPEN:
        raise PromotionError(_("This tracking round is closed."))


# The sheet -------------------------------------------------------------------------------------


def digest(data: AdoptionData | None) -> str:
    """A short fingerprint of an answer, kept hidden in the sheet to tell what changed."""
    if data is None:
        return NOTHING
    values = [getattr(data, name) for name in FIELDS]
    text = json.dumps([v.isoformat() if isinstance(v, datetime.date) else v for v in values])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def as_downloaded(unit: Unit, measure: PromotedMeasure, data: AdoptionData | None) -> str:
    """The stamp of a row as downloaded; it names the row's unit and measure too, so a stamp
    separated from its row (a sort of part of the sheet) is refused, not compared."""
    return f"{unit.code} {measure.batch.number}-{measure.position} {digest(data)}"


def sheet_rows(plan: Plan) -> Iterator[list[Any]]:
    """The sheet's rows, in the order of bulk_sheet.COLUMNS; the words repeated on every row
    are looked up once."""
    levels = {value: str(label) for value, label in UnitLevel.choices}
    statuses = {value: str(label) for value, label in AdoptionStatus.choices}
    for unit, measure in plan.pairs():
        data = plan.records.get((unit.key, measure.pk))
        answer: list[Any] = [None] * 6
        if data is not None:
            answer = [
                statuses.get(data.status, data.status),
                data.status_on,
                data.local_document,
                data.contact,
                data.difficulties,
                data.reason,
            ]
        yield [
            unit.code,
            unit.name,
            levels[unit.level],
            measure.batch.number,
            measure.position,
            str(measure),
            *answer,
            as_downloaded(unit, measure, data),
        ]


def sheet_build(
    *, by: User, round: TrackingRound, on_row: Callable[[int, int], Any] | None = None
) -> tuple[bytes, int]:
    """The workbook of the user's territory for the round, and its number of rows."""
    _guard(by, round)
    plan = bulk_plan(by, round)
    count = plan.count()
    if on_row is not None:
        on_row(0, count)
    content = sheet_bytes(
        sheet_rows(plan), count, None if on_row is None else lambda n: on_row(n, count)
    )
    return content, count


# Reading a row -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # a column key of bulk_sheet.COLUMNS, or "" for the whole row
    message: str


class BulkRejected(PromotionError):
    """The sheet has errors; nothing was written. `errors` lists them by row and column."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        count = len({e.row for e in errors})
        super().__init__(
            ngettext(
                "Nothing was written: %(count)s row has errors.",
                "Nothing was written: %(count)s rows have errors.",
                count,
            )
            % {"count": count}
        )

    def as_dicts(self) -> list[dict[str, Any]]:
        names = headers()
        return [
            {"row": e.row, "column": names.get(e.column, ""), "message": e.message}
            for e in self.errors
        ]


class _Bad(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() else None


DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value: Any) -> datetime.date | None:
    """A date cell, an Excel day number, or text such as 2026-03-31, 2026/3/31, 2026年3月31日;
    ValueError for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's days from 1900 to 9999
            raise ValueError
        moment = from_excel(value)
        if not isinstance(moment, datetime.datetime):
            raise ValueError
        return moment.date()
    text = _text(value)
    if not text:
        return None
    match = DATE_TEXT.match(text)
    if match is None:
        raise ValueError
    year, month, day = (int(part) for part in match.groups())
    return datetime.date(year, month, day)


# The statuses in the issue's own words (未部署 / 已部署 / 已落地 / 见成效, or 不适用), read
# whatever the translations in use say.
CHINESE_STATUSES = {
    "未部署": AdoptionStatus.NOT_DEPLOYED,
    "已部署": AdoptionStatus.DEPLOYED,
    "已落地": AdoptionStatus.LANDED,
    "见成效": AdoptionStatus.EFFECTIVE,
    "不适用": AdoptionStatus.NOT_APPLICABLE,
}


def status_words() -> dict[str, str]:
    """Every accepted spelling of a status, in either language, lower-cased."""
    words: dict[str, str] = {value: value for value in AdoptionStatus.values}
    words.update({word: str(value) for word, value in CHINESE_STATUSES.items()})
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in AdoptionStatus.choices:
                words[str(label).lower()] = value
    return words


def _check_columns() -> dict[str, str]:
    """records.check's messages → the column they are about (the same msgids, so the same
    words in the active language); a message not listed is shown for the whole row."""
    return {
        _("Say why the measure does not apply here."): "reason",
        _("Give the date the measure reached this status."): "status_on",
        _("The date cannot be in the future."): "status_on",
        _("Name the local document that adopted the measure."): "local_document",
    }


@dataclass
class _Change:
    row: int
    unit: Unit
    measure: PromotedMeasure
    data: AdoptionData


@dataclass
class _Reader:
    """Checks the rows of one sheet against one plan."""

    plan: Plan
    today: datetime.date
    statuses: dict[str, str] = field(default_factory=status_words)
    columns: dict[str, str] = field(default_factory=_check_columns)
    seen: dict[tuple[str, int], int] = field(default_factory=dict)
    changes: list[_Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    blank: int = 0
    units: dict[str, Unit] = field(default_factory=dict)

    def read(self, row: SheetRow) -> None:
        try:
            unit, measure = self._identity(row)
            was = self._stamp(row, unit, measure)
        except _Bad as bad:
            self.errors.append(RowError(row.row, bad.column, bad.message))
            return
        self.units[unit.key] = unit
        current = self.plan.records.get((unit.key, measure.pk))
        problems: list[RowError] = []
        data = self._data(row, problems)
        if problems:
            self.errors.extend(problems)
        elif data is None:
            self._no_status(row, was, current)
        else:
            self._compare(row, unit, measure, data, was, current)

    def _stamp(self, row: SheetRow, unit: Unit, measure: PromotedMeasure) -> str:
        """The digest of the row's answer as downloaded, from the hidden stamp."""
        parts = _text(row.get("was")).split()
        if len(parts) != 3 or parts[:2] != [
            unit.code,
            f"{measure.batch.number}-{measure.position}",
        ]:
            raise _Bad(
                "was",
                _(
                    "the row has lost the hidden value it had when downloaded: make your "
                    "changes in a sheet downloaded again"
                ),
            )
        return parts[2]

    def _no_status(self, row: SheetRow, was: str, current: AdoptionData | None) -> None:
        """A row without a status: a measure still not reported when it was not when the
        sheet was downloaded (if its unit has filed it since, that filing stays); an error
        when the sheet had an answer that the row has lost."""
        if was != NOTHING:
            self.errors.append(RowError(row.row, "status", self._status_message("")))
        elif current is None:
            self.blank += 1
        else:
            self.unchanged += 1

    def _identity(self, row: SheetRow) -> tuple[Unit, PromotedMeasure]:
        code = _text(row.get("unit_code")).upper()
        unit = self.plan.unit_by_code.get(code)
        if unit is None:
            raise _Bad(
                "unit_code",
                _("unit %(code)s is not one you report for") % {"code": code or "—"},
            )
        batch, number = _integer(row.get("batch")), _integer(row.get("number"))
        measure = self.plan.measure_by_number.get((batch or 0, number or 0))
        if measure is None:
            raise _Bad(
                "number",
                _("this round has no measure %(number)s of batch %(batch)s")
                % {
                    "number": _text(row.get("number")) or "—",
                    "batch": _text(row.get("batch")) or "—",
                },
            )
        if _regional(measure) and not unit.in_regions:
            raise _Bad(
                "number", _("The measure is promoted only in the 8 reform experiment regions.")
            )
        key = (unit.key, measure.pk)
        if key in self.seen:
            raise _Bad(
                "unit_code",
                _("the same unit and measure are already on row %(row)s") % {"row": self.seen[key]},
            )
        self.seen[key] = row.row
        return unit, measure

    def _data(self, row: SheetRow, problems: list[RowError]) -> AdoptionData | None:
        """The row's answer; None when it has no status (or problems, added to `problems`)."""
        texts: dict[str, str] = {}
        for name, limit in TEXT_LIMITS.items():
            texts[name] = _text(row.get(name))
            if len(texts[name]) > limit:
                message = _("at most %(limit)s characters in this cell; it has %(count)s") % {
                    "limit": limit,
                    "count": len(texts[name]),
                }
                problems.append(RowError(row.row, name, message))
        status_text = _text(row.get("status"))
        status = self.statuses.get(status_text.lower())
        if status_text and status is None:
            problems.append(RowError(row.row, "status", self._status_message(status_text)))
        try:
            status_on = _date(row.get("status_on"))
        except (ValueError, TypeError, OverflowError):
            message = _("“%(value)s” is not a date such as 2026-03-31") % {
                "value": _text(row.get("status_on"))
            }
            problems.append(RowError(row.row, "status_on", message))
            status_on = None
        if problems:
            return None
        if status is None:
            if status_on is not None or any(texts.values()):
                problems.append(RowError(row.row, "status", self._status_message("")))
            return None
        return AdoptionData(status=status, status_on=status_on, **texts)

    def _status_message(self, value: str) -> str:
        labels = "、".join(str(label) for label in AdoptionStatus.labels)
        if not value:
            return _("choose a status: %(labels)s") % {"labels": labels}
        return _("“%(value)s” is not a status; use %(labels)s") % {
            "value": value,
            "labels": labels,
        }

    def _compare(
        self,
        row: SheetRow,
        unit: Unit,
        measure: PromotedMeasure,
        data: AdoptionData,
        was: str,
        current: AdoptionData | None,
    ) -> None:
        new = digest(data)
        # Untouched in the sheet, or already so in the database: nothing to write.
        if new in (was, digest(current)):
            self.unchanged += 1
            return
        problems = check(data, today=self.today)
        if problems:
            for message in problems:
                self.errors.append(RowError(row.row, self.columns.get(message, ""), message))
            return
        if digest(current) != was:
            self.errors.append(
                RowError(
                    row.row,
                    "status",
                    _("filed by its unit since you downloaded the sheet: download it again"),
                )
            )
            return
        self.changes.append(_Change(row.row, unit, measure, data))


# Uploading -------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    rows: int
    written: int
    unchanged: int
    blank: int
    # The units the sheet's rows covered (Unit.key), offered for filing afterwards.
    units: list[str]


def bulk_upload(
    *,
    by: User,
    round: TrackingRound,
    rows: list[SheetRow],
    today: datetime.date | None = None,
    on_progress: Callable[[int, int], Any] | None = None,
) -> BulkResult:
    """Check every row, then write every changed one, all or nothing (BulkRejected)."""
    _guard(by, round)
    if not rows:
        raise PromotionError(_("The sheet has no rows."))
    if len(rows) > MAX_ROWS:
        raise PromotionError(_("At most %(max)s rows at a time.") % {"max": MAX_ROWS})
    today = today or timezone.localdate()
    reader = _Reader(bulk_plan(by, round), today)
    for index, row in enumerate(rows, start=1):
        reader.read(row)
        if on_progress is not None and index % PROGRESS_EVERY == 0:
            on_progress(index, len(rows))
    if reader.errors:
        raise BulkRejected(reader.errors)
    total = len(rows) + len(reader.changes)
    with transaction.atomic():
        for index, change in enumerate(reader.changes, start=1):
            try:
                adoption_write(
                    by=by,
                    unit=change.unit.obj,
                    measure=change.measure,
                    data=change.data,
                    round=round,
                    today=today,
                )
            except PromotionError as exc:
                raise BulkRejected([RowError(change.row, "", exc.message)]) from exc
            if on_progress is not None and index % PROGRESS_EVERY == 0:
                on_progress(len(rows) + index, total)
        if reader.changes:
            record(
                "adoption.bulk_uploaded",
                obj=round,
                by=by,
                changes={"rows": [None, len(reader.changes)]},
            )
    return BulkResult(
        rows=len(rows),
        written=len(reader.changes),
        unchanged=reader.unchanged,
        blank=reader.blank,
        units=list(reader.units),
    )


# Filing the returns (报送) ---------------------------------------------------------------------


@dataclass
class Filing:
    """The units a sheet covered, by what filing them would do."""

    complete: list[Unit]
    incomplete: list[tuple[Unit, int]]  # with the number of measures not reported
    filed: list[Unit]


def filing_for(*, by: User, round: TrackingRound, keys: list[str]) -> Filing:
    """Of the units `keys` the user reports for: those whose every measure in scope has a
    record (complete), those missing some, and those already filed in this round."""
    plan = bulk_plan(by, round, with_records=False)
    wanted = set(keys)
    units = [unit for unit in plan.units if unit.key in wanted]
    measure_ids = [m.pk for m in plan.measures]
    divisions = [u.obj.pk for u in units if isinstance(u.obj, Division)]
    parks = [u.obj.pk for u in units if isinstance(u.obj, Park)]
    found: dict[str, int] = {}
    counted = (
        AdoptionRecord.objects.filter(measure_id__in=measure_ids)
        .filter(Q(division_id__in=divisions) | Q(park_id__in=parks))
        .values("division_id", "park_id")
        .annotate(n=Count("id"))
    )
    for row in counted:
        key = division_key(row["division_id"]) if row["division_id"] else park_key(row["park_id"])
        found[key] = row["n"]
    filed = set()
    for division_id, park_id in RoundReturn.objects.filter(
        Q(division_id__in=divisions) | Q(park_id__in=parks),
        round=round,
        filed_at__isnull=False,
    ).values_list("division_id", "park_id"):
        filed.add(division_key(division_id) if division_id else park_key(park_id))
    filing = Filing(complete=[], incomplete=[], filed=[])
    for unit in units:
        missing = len(plan.scoped(unit)) - found.get(unit.key, 0)
        if unit.key in filed:
            filing.filed.append(unit)
        elif missing > 0:
            filing.incomplete.append((unit, missing))
        else:
            filing.complete.append(unit)
    return filing


def _records_of(round: TrackingRound, plan: Plan, units: list[Unit]) -> dict[str, list[Any]]:
    """Unit key → its records on the round's measures (with their measure, for the check)."""
    divisions = [u.obj.pk for u in units if isinstance(u.obj, Division)]
    parks = [u.obj.pk for u in units if isinstance(u.obj, Park)]
    found: dict[str, list[Any]] = {u.key: [] for u in units}
    rows = (
        AdoptionRecord.objects.filter(measure__in=[m.pk for m in plan.measures])
        .filter(Q(division_id__in=divisions) | Q(park_id__in=parks))
        .select_related("measure")
        .order_by("pk")
    )
    for rec in rows:
        key = division_key(rec.division_id) if rec.division_id else park_key(rec.park_id or 0)
        found[key].append(rec)
    return found


def bulk_returns_file(
    *, by: User, round: TrackingRound, keys: list[str], now: datetime.datetime | None = None
) -> list[RoundReturn]:
    """File (报送) the returns of the complete units among `keys` in one action. As a unit's
    own filing does, the records not touched in this round are confirmed for it as they
    stand; a unit none of whose records changed in this round is filed as unchanged since
    the last round (与上轮相比无变化)."""
    _guard(by, round)
    now = now or timezone.now()
    with transaction.atomic():
        locked = TrackingRound.objects.select_for_update().get(pk=round.pk)
        if locked.state != TrackingRound.State.OPEN:
            raise PromotionError(_("This tracking round is closed."))
        units = filing_for(by=by, round=round, keys=keys).complete
        if not units:
            raise PromotionError(_("None of these units has a complete return left to file."))
        plan = bulk_plan(by, round, with_records=False)
        records = _records_of(round, plan, units)
        returns = []
        for unit in units:
            stale = [r for r in records[unit.key] if r.round_id != round.pk]
            if stale:
                adoption_reconfirm(by=by, unit=unit.obj, round=round, records=stale)
            unchanged = len(stale) == len(records[unit.key])
            returns.append(_file_one(by, round, unit, now, unchanged))
    _tell_level_above(by, round, returns)
    return returns


def _file_one(
    by: User, round: TrackingRound, unit: Unit, now: datetime.datetime, unchanged: bool
) -> RoundReturn:
    place = unit_fields(unit.obj)
    lookup = {"round": round, "division": place["division"], "park": place["park"]}
    existing = RoundReturn.objects.select_for_update().filter(**lookup).order_by("pk").first()
    ret = existing or RoundReturn(round=round, **place)
    ret.filed_at, ret.filed_by, ret.unchanged = now, by, unchanged
    ret.save()
    record(
        "return.filed_in_bulk",
        obj=ret,
        by=by,
        changes={"filed_at": [None, now.isoformat()], "unchanged": [None, unchanged]},
    )
    return ret


def _tell_level_above(by: User, round: TrackingRound, returns: list[RoundReturn]) -> None:
    """The national level learns of a province's filing; a province (and a county's
    prefecture) of a city's, county's or park's."""
    first = returns[0]
    if roles.province_of(by) is not None:
        users = NATIONAL.members()
    else:
        above = Q(pk__in=PROVINCE.members().filter(division_id=first.province_id))
        if first.level != UnitLevel.PREFECTURE and first.prefecture_id is not None:
            above |= Q(pk__in=CITY.members().filter(division_id=first.prefecture_id))
        users = User.objects.filter(above).exclude(pk=by.pk)
    subject = ngettext(
        "%(who)s filed %(count)s return in %(round)s",
        "%(who)s filed %(count)s returns in %(round)s",
        len(returns),
    ) % {"who": by.get_full_name() or by.username, "count": len(returns), "round": round.title}
    notify(users=users, subject=subject, url=reverse("promotion:index"))


# Background jobs ------------------------------------------------------------------------------


def _job_round(job: Job) -> tuple[User, TrackingRound]:
    user = job.created_by
    round = TrackingRound.objects.filter(pk=job.params.get("round_id")).first()
    if user is None or round is None or not may_report_in_bulk(user, round):
        raise JobFailed(_("You may not report adoption in bulk for this round, or it is closed."))
    return user, round


@job_kind(
    SHEET_KIND,
    title=gettext_lazy("Preparing the adoption sheet"),
    back="promotion:bulk",
    restartable=True,
    atomic=True,
)
def run_sheet(job: Job) -> None:
    user, round = _job_round(job)

    def on_row(count: int, total: int) -> None:
        if count == 0 or count % PROGRESS_EVERY == 0:
            job_set_progress(job, count, total)

    content, count = sheet_build(by=user, round=round, on_row=on_row)
    job_attach_result(job, f"adoption-{round.pk}-{stamp()}.xlsx", content)
    job.progress = job.total = count
    job.message = ngettext(
        "The sheet has %(count)s row.", "The sheet has %(count)s rows.", count
    ) % {"count": count}


@job_kind(
    UPLOAD_KIND,
    title=gettext_lazy("Reporting adoption from a sheet"),
    back="promotion:bulk",
    restartable=False,
    atomic=True,
)
def run_upload(job: Job) -> None:
    user, round = _job_round(job)
    with job.input_file.open("rb") as upload:
        content = upload.read()
    try:
        rows = read_sheet(content)
    except SheetError as exc:
        raise JobFailed(str(exc)) from exc
    job_set_progress(job, 0, len(rows))
    try:
        result = bulk_upload(
            by=user,
            round=round,
            rows=rows,
            on_progress=lambda n, total: job_set_progress(job, n, total),
        )
    except BulkRejected as exc:
        raise JobFailed(exc.message, exc.as_dicts()) from exc
    except PromotionError as exc:
        raise JobFailed(exc.message) from exc
    job.progress = job.total = max(job.total, 1)
    job.params = {
        **job.params,
        "written": result.written,
        "unchanged": result.unchanged,
        "blank": result.blank,
        "units": result.units,
    }
    job.message = _(
        "%(written)s rows written, %(unchanged)s unchanged, %(blank)s left without a status."
    ) % {"written": result.written, "unchanged": result.unchanged, "blank": result.blank}
