import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from proposals import rules
from proposals.errors import ProposalError
from proposals.models import Cycle, DeadlineExtension
from regions.models import Division

CYCLE_FIELDS = [
    "year",
    "title",
    "issuing_authorities",
    "deadline",
    "min_per_locality",
    "max_per_locality",
    "is_open",
]


def _codes(participants: Iterable[Division]) -> list[str]:
    """The participants as the history shows them: names, in the order of their codes."""
    return [division.name for division in sorted(participants, key=lambda d: d.code)]


def _set_participants(cycle: Cycle, participants: Iterable[Division]) -> None:
    chosen = list(participants)
    if not chosen:
        raise ProposalError(_("Choose at least one participant."))
    if not all(division.is_province for division in chosen):
        raise ProposalError(_("Participants are province-level localities."))
    cycle.participants.set(chosen)


def _check_range(minimum: int, maximum: int) -> None:
    if minimum < 1 or maximum < minimum:
        raise ProposalError(
            _("The range must be at least 1 and the maximum not below the minimum.")
        )


@transaction.atomic
def cycle_open(
    *,
    by: User,
    year: int,
    title: str,
    deadline: datetime.date,
    min_per_locality: int = 3,
    max_per_locality: int = 5,
    is_open: bool = True,
    participants: Iterable[Division] | None = None,
    issuing_authorities: str = "",
) -> Cycle:
    """Open a cycle. Its participants default to the 13 addressees of 发改高技〔2021〕484号
    (主送; `proposals.models.CALL_484_ADDRESSEES`)."""
    if not rules.can_manage_cycles(by):
        raise Forbidden
    _check_range(min_per_locality, max_per_locality)
    if Cycle.objects.filter(year=year).exists():
        raise ProposalError(_("A cycle for %(year)s already exists.") % {"year": year})
    cycle = Cycle.objects.create(
        year=year,
        title=title,
        deadline=deadline,
        min_per_locality=min_per_locality,
        max_per_locality=max_per_locality,
        is_open=is_open,
        opened_by=by,
        **({"issuing_authorities": issuing_authorities.strip()} if issuing_authorities else {}),
    )
    if participants is not None:
        _set_participants(cycle, participants)
    changes = diff({}, snapshot(cycle, CYCLE_FIELDS))
    changes["participants"] = [None, _codes(cycle.participants.all())]
    record("cycle.opened", obj=cycle, by=by, changes=changes)
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle: Cycle, by: User, participants: Iterable[Division] | None = None, **fields: Any
) -> Cycle:
    if not rules.can_manage_cycles(by):
        raise Forbidden
    before = snapshot(cycle, CYCLE_FIELDS)
    before["participants"] = _codes(cycle.participants.all())
    for name, value in fields.items():
        if name not in CYCLE_FIELDS or name == "year":
            raise ValueError(name)
        setattr(cycle, name, value)
    _check_range(cycle.min_per_locality, cycle.max_per_locality)
    cycle.save()
    if participants is not None:
        _set_participants(cycle, participants)
    after = snapshot(cycle, CYCLE_FIELDS)
    after["participants"] = _codes(cycle.participants.all())
    changes = diff(before, after)
    if changes:
        record("cycle.updated", obj=cycle, by=by, changes=changes)
    return cycle


def _label(extension: DeadlineExtension | None) -> str | None:
    if extension is None:
        return None
    return f"{extension.locality.name} → {extension.until.isoformat()}"


@transaction.atomic
def extension_grant(
    *, cycle: Cycle, locality: Division, until: datetime.date, reason: str, by: User
) -> DeadlineExtension:
    if not rules.can_grant_extension(by):
        raise Forbidden
    if not locality.is_province:
        raise ProposalError(_("Extensions are granted to province-level localities."))
    if until <= cycle.deadline:
        raise ProposalError(_("An extension must end after the cycle's deadline."))
    if not reason.strip():
        raise ProposalError(_("Give a reason for the extension."))
    previous = DeadlineExtension.objects.filter(cycle=cycle, locality=locality).first()
    extension, _created = DeadlineExtension.objects.update_or_create(
        cycle=cycle,
        locality=locality,
        defaults={"until": until, "reason": reason, "granted_by": by},
    )
    record(
        "cycle.extension_granted",
        obj=cycle,
        by=by,
        changes={"extension": [_label(previous), _label(extension)]},
        note=reason,
    )
    return extension
