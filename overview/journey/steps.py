"""A step of a journey (全程): one record of one stage, dated, described and linked, and what
the journey page and its JSON both show of it."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The stages in the order a measure goes through them; the journey follows this order.
STAGES = {
    "proposals": _("Call for proposals"),
    "merging": _("Merging"),
    "review": _("Expert review"),
    "lists": _("Annual list"),
    "claims": _("Claiming"),
    "tasks": _("Implementation"),
    "evaluation": _("Close-out and evaluation"),
    "promotion": _("Promotion"),
}
# Within a stage, the kinds of record in the order of the process.
KINDS = [
    "suggestion",
    "proposal",
    "candidate",
    "review",
    "list_item",
    "programme",
    "claim",
    "notice",
    "task",
    "reports",
    "close_out",
    "evaluation",
    "outcome",
    "measure",
    "adoption",
]

Value = str | int | float | None


@dataclass(frozen=True)
class Detail:
    """One fact of a step: `value` for machines (the JSON), `text` for people (the page)."""

    key: str
    label: str
    value: Value
    text: str = ""

    @property
    def shown(self) -> str:
        if self.text:
            return self.text
        return "—" if self.value is None or self.value == "" else str(self.value)


@dataclass
class Step:
    stage: str
    kind: str
    at: datetime.datetime | None
    title: str
    url: str
    details: list[Detail] = field(default_factory=list)
    # The record the step tells of, to mark where the user started.
    record: tuple[str, int] | None = None
    start: bool = False

    @property
    def date(self) -> datetime.date | None:
        return timezone.localdate(self.at) if self.at is not None else None

    @property
    def stage_label(self) -> str:
        return str(STAGES[self.stage])

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "kind": self.kind,
            "date": self.date.isoformat() if self.date is not None else None,
            "title": self.title,
            "url": self.url,
            "details": {d.key: d.value for d in self.details},
            "start": self.start,
        }


def moment(value: datetime.datetime | datetime.date | None) -> datetime.datetime | None:
    """A datetime to sort and show by; a bare date counts from the start of its day."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def latest(*values: datetime.datetime | datetime.date | None) -> datetime.datetime | None:
    moments = [m for m in (moment(v) for v in values) if m is not None]
    return max(moments) if moments else None


def first_url(*candidates: tuple[str, tuple[Any, ...]]) -> str:
    """The first of the pages that exists. A stage's record page may come later than the
    journey (a measure's page in promotion); until then the step links to the page above it."""
    for name, args in candidates:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def ordered(steps: list[Step]) -> list[Step]:
    """Process order: stage by stage, kind by kind within a stage (the programme, its claims,
    then the notices), and by date among records of one kind (undated last). Dates alone would
    not do: a notice is dated by the day it bears, not by when it was entered."""
    stages = list(STAGES)
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return sorted(
        steps,
        key=lambda s: (stages.index(s.stage), KINDS.index(s.kind), s.at or far, s.title),
    )
