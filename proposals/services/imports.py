"""Proposals imported from a workbook (Excel 导入) in bulk: one transaction, batched inserts.

What proposal_create does for one draft, done for thousands: the locality is the importer's
province, the cycle must be open, each draft gets its search text and its "created" audit
entry. Rows are inserted BATCH at a time (bulk_create), never held all at once, and all of
them inside ONE transaction: a row refused half-way leaves nothing imported."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from audit.models import AuditEntry
from audit.services import actor_name, diff, snapshot
from kernel.errors import Forbidden
from proposals import rules
from proposals.errors import ProposalError
from proposals.models import Cycle, Proposal
from proposals.services.proposals import CONTENT_FIELDS, build_search_text

BATCH = 500


class RowRefused(ProposalError):
    """Row `row` of the sheet could not be imported; nothing was."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


def _flush(batch: list[tuple[int, Proposal]], by: User, kind: ContentType) -> None:
    created = Proposal.objects.bulk_create([proposal for _n, proposal in batch])
    fields = [*CONTENT_FIELDS, "topic"]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action="proposal.created",
            actor_id=by.pk,
            actor_name=actor_name(by),
            content_type=kind,
            object_id=str(proposal.pk),
            object_repr=str(proposal)[:300],
            changes=diff({}, snapshot(proposal, fields)),
        )
        for proposal in created
    )
    batch.clear()


def proposals_import(
    *,
    by: User,
    cycle: Cycle,
    rows: Iterable[tuple[int, dict[str, Any]]],
    on_row: Callable[[int], Any] | None = None,
) -> int:
    """Create a draft of `cycle` for each (row number, cleaned form data) of `rows`, as `by`;
    the number created. Raises RowRefused (nothing imported) for the first row refused."""
    if not rules.can_import_proposals(by):
        raise Forbidden
    locality = roles.province_of(by)
    if locality is None:
        raise Forbidden
    kind = ContentType.objects.get_for_model(Proposal)
    count = 0
    with transaction.atomic():
        # Read again under the transaction: a cycle closed since the job was queued refuses.
        open_now = Cycle.objects.filter(pk=cycle.pk, is_open=True).exists()
        batch: list[tuple[int, Proposal]] = []
        for number, data in rows:
            if not open_now:
                raise RowRefused(number, _("This cycle is closed."))
            proposal = Proposal(cycle_id=cycle.pk, locality=locality, created_by=by)
            for name in CONTENT_FIELDS:
                if name in data:
                    setattr(proposal, name, data[name])
            if proposal.needs_national_authority and not proposal.ministries.strip():
                raise RowRefused(
                    number,
                    _("Name the ministries concerned when national authority is needed."),
                )
            proposal.search_text = build_search_text(proposal)
            batch.append((number, proposal))
            count += 1
            if len(batch) >= BATCH:
                _flush(batch, by, kind)
            if on_row:
                on_row(count)
        if batch:
            _flush(batch, by, kind)
    return count
