"""The journey of a measure (一项举措的全程): the whole story of a measure on one timeline, from
the suggestions and proposals it came from to its adoption across the country, opened from
any of its records. Each stage's records are read through that stage's own visibility
(`<stage>/rules.py`), so each user sees the steps their role allows and no more; the record
the journey is opened on must be visible to the user (404 otherwise).

    journey = journey_for(user, "task", 12)
    journey.steps          # ordered Steps: stage, kind, date, title, url, details
"""

from dataclasses import dataclass
from typing import Any

from accounts.actors import Actor
from overview.journey import delivery, origin
from overview.journey.chain import STARTS, STEP_OF, start_for, walk
from overview.journey.steps import STAGES, Detail, Step, ordered

KINDS = tuple(STARTS)


@dataclass(frozen=True)
class Journey:
    kind: str
    record: Any
    steps: list[Step]

    @property
    def title(self) -> str:
        return str(self.record)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "pk": self.record.pk,
            "title": self.title,
            "steps": [step.as_json() for step in self.steps],
        }


def journey_for(user: Actor, kind: str, pk: int) -> Journey:
    """The journey opened on record `pk` of `kind` (one of `KINDS`), as the user may see it.
    Raises Http404 when the user may not see that record. A fixed number of queries whatever
    the number of records in the journey (reports, adoption records are counted in the
    database)."""
    record = start_for(user, kind, pk)
    chain = walk(kind, record)
    steps: list[Step] = []
    for read in [*origin.STEPS, *delivery.STEPS]:
        steps.extend(read(user, chain))
    here = (kind, record.pk)
    for step in steps:
        step.start = step.kind == STEP_OF[kind] and step.record == here
    return Journey(kind, record, ordered(steps))


__all__ = ["KINDS", "STAGES", "Detail", "Journey", "Step", "journey_for"]
