"""Reporting periods: a year cut into periods of 1, 3 (the default, 按季), 6 or 12 months.
A period is `(year, number)`; its report is due some days after it ends."""

import datetime

from django.utils.translation import gettext as _

Period = tuple[int, int]


def period_of(day: datetime.date, months: int = 3) -> Period:
    return day.year, (day.month - 1) // months + 1


def bounds(period: Period, months: int = 3) -> tuple[datetime.date, datetime.date]:
    year, number = period
    first_month = (number - 1) * months + 1
    start = datetime.date(year, first_month, 1)
    if first_month + months > 12:
        end = datetime.date(year, 12, 31)
    else:
        end = datetime.date(year, first_month + months, 1) - datetime.timedelta(days=1)
    return start, end


def due_on(period: Period, months: int = 3, due_days: int = 10) -> datetime.date:
    return bounds(period, months)[1] + datetime.timedelta(days=due_days)


def following(period: Period, months: int = 3) -> Period:
    year, number = period
    return (year, number + 1) if number < 12 // months else (year + 1, 1)


def previous(period: Period, months: int = 3) -> Period:
    year, number = period
    return (year, number - 1) if number > 1 else (year - 1, 12 // months)


def between(first: datetime.date, last: datetime.date, months: int = 3) -> list[Period]:
    """The periods from the one holding `first` to the one holding `last`, in order."""
    found: list[Period] = []
    period, end = period_of(first, months), period_of(last, months)
    while period <= end:
        found.append(period)
        period = following(period, months)
    return found


def label(period: Period, months: int = 3) -> str:
    year, number = period
    if months == 3:
        return _("Q%(number)s %(year)s") % {"year": year, "number": number}
    if months == 1:
        return _("%(year)s-%(number)02d") % {"year": year, "number": number}
    if months == 6:
        return (_("first half of %(year)s") if number == 1 else _("second half of %(year)s")) % {
            "year": year
        }
    return str(year)


def parse(value: str) -> Period | None:
    """`2026-2` → (2026, 2); None for anything else."""
    try:
        year, number = (int(part) for part in value.split("-"))
    except (ValueError, AttributeError):
        return None
    return (year, number) if 2000 <= year <= 2100 and 1 <= number <= 12 else None
