"""Merging lists as workbooks, in the same streamed one-sheet layout as the proposals."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from kernel.spreadsheets import Filters, table_bytes
from merging.models import CandidateMeasure, SuggestedGroup


def _local(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


def candidates_bytes(candidates: Iterable[CandidateMeasure], on_row: Any = None) -> bytes:
    """One row per candidate, with its sources and their localities."""
    headers = [_("No."), _("Cycle"), _("Title"), _("Reform field"), _("Reform content")]
    headers += [_("Needs national authority"), _("Ministries concerned"), _("Sources")]
    headers += [_("Source localities"), _("Source proposals"), _("Created")]
    yes, no = _("yes"), _("no")
    rows = (
        [
            c.pk,
            c.cycle.title,
            c.title,
            c.field.name,
            c.content,
            yes if c.needs_national_authority else no,
            c.ministries,
            len(c.sources.all()),
            "、".join(dict.fromkeys(p.locality.name for p in c.sources.all())),
            "\n".join(f"{p.pk} {p.title}" for p in c.sources.all()),
            _local(c.created_at),
        ]
        for c in candidates
    )
    return table_bytes(_("Candidate measures"), headers, rows, on_row)


def groups_bytes(groups: Iterable[SuggestedGroup], filters: Filters | None = None) -> bytes:
    """One row per member of each group, so the sheet can be filtered and sorted."""
    headers = [_("Group"), _("State"), _("Similarity"), _("Shared key terms")]
    headers += [_("Proposal No."), _("Title"), _("Locality"), _("Reform field")]
    rows = (
        [
            group.pk,
            group.get_state_display(),
            group.score,
            "、".join(group.key_terms),
            p.pk,
            p.title,
            p.locality.name,
            p.field.name if p.field else "",  # a submitted proposal always has one
        ]
        for group in groups
        for p in group.proposals.all()
    )
    return table_bytes(_("Suggested groups"), headers, rows, filters=filters)
