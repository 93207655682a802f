"""Proposal writes: drafting, submission within the cycle's rules, return and resubmission."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from proposals import rules
from proposals.errors import ProposalError
from proposals.models import Cycle, Proposal, Suggestion
from proposals.selectors import is_participant, locality_counts, submission_window
from proposals.services.topics import check_answerable
from zhtext import index_terms

CONTENT_FIELDS = Proposal.CONTENT_FIELDS
TRAIL_FIELDS = [*CONTENT_FIELDS, "topic", "state", "return_reason"]
SEARCHED_FIELDS = [
    "title",
    "problem",
    "content",
    "implementing_bodies",
    "expected_results",
    "targets",
]


def build_search_text(proposal: Proposal) -> str:
    text = "\n".join(str(getattr(proposal, name)) for name in SEARCHED_FIELDS)
    return f" {' '.join(index_terms(text))} "


def _validate(proposal: Proposal) -> None:
    if proposal.needs_national_authority and not proposal.ministries.strip():
        raise ProposalError(_("Name the ministries concerned when national authority is needed."))
    if proposal.state != Proposal.State.DRAFT:
        _check_complete([proposal])  # a returned proposal was submitted once: it stays complete


def _answer(proposal: Proposal, data: dict[str, Any], by: User) -> None:
    """The topic the proposal answers (破题), when the form offers one: a new choice must be an
    open topic of the proposal's cycle (`check_answerable`); None answers no topic."""
    if "topic" not in data or getattr(data["topic"], "pk", None) == proposal.topic_id:
        return
    if data["topic"] is not None:
        check_answerable(by=by, topic=data["topic"], cycle_id=proposal.cycle_id)
    proposal.topic = data["topic"]


def _adopt(suggestions: Iterable[Suggestion], proposal: Proposal, by: User) -> None:
    for suggestion in suggestions:
        if (
            suggestion.locality_id != proposal.locality_id
            or suggestion.cycle_id != proposal.cycle_id
        ):
            raise ProposalError(_("A source suggestion must come from this locality and cycle."))
        proposal.sources.add(suggestion)
        if suggestion.state == Suggestion.State.SUBMITTED:
            _move(suggestion, Suggestion.State.ADOPTED, "suggestion.adopted", by, proposal.title)


def _release(suggestions: Iterable[Suggestion], by: User, note: str) -> None:
    """A suggestion no proposal uses any more is pending again: it can be used or declined."""
    for suggestion in suggestions:
        if suggestion.state == Suggestion.State.ADOPTED and not suggestion.proposals.exists():
            _move(suggestion, Suggestion.State.SUBMITTED, "suggestion.released", by, note)


def _move(suggestion: Suggestion, state: str, action: str, by: User, note: str) -> None:
    before, suggestion.state = suggestion.state, state
    suggestion.save(update_fields=["state"])
    record(action, obj=suggestion, by=by, changes={"state": [before, state]}, note=note)


def _lock(proposal: Proposal, by: User) -> Proposal:
    """The proposal, locked for the change, if the user speaks for its locality. A proposal
    deleted meanwhile is said so, not a server error."""
    if not rules.speaks_for_proposal(by, proposal):
        raise Forbidden
    locked = Proposal.objects.select_for_update().filter(pk=proposal.pk).first()
    if locked is None:
        raise ProposalError(_("This draft was already deleted."))
    return locked


def lock_editable(proposal: Proposal, by: User) -> Proposal:
    """The proposal, locked, if its locality may still change it (a draft, or returned)."""
    proposal = _lock(proposal, by)
    if proposal.state == Proposal.State.MERGED:
        raise ProposalError(
            _("This proposal has been merged into a candidate measure; it can no longer change.")
        )
    if proposal.state == Proposal.State.SUBMITTED:
        raise ProposalError(
            _(
                "This proposal has already been submitted; it can be changed again only if "
                "the national coordinator returns it."
            )
        )
    return proposal


@transaction.atomic
def proposal_create(
    *, by: User, cycle: Cycle, data: dict[str, Any], sources: Iterable[Suggestion] = ()
) -> Proposal:
    locality = roles.province_of(by)
    if locality is None:
        raise Forbidden
    if not cycle.is_open:
        raise ProposalError(_("This cycle is closed."))
    proposal = Proposal(cycle=cycle, locality=locality, created_by=by)
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(proposal, name, data[name])
    _answer(proposal, data, by)
    _validate(proposal)
    proposal.search_text = build_search_text(proposal)
    proposal.save()
    _adopt(sources, proposal, by)
    record(
        "proposal.created",
        obj=proposal,
        by=by,
        changes=diff({}, snapshot(proposal, [*CONTENT_FIELDS, "topic"])),
    )
    return proposal


@transaction.atomic
def proposal_update(
    *,
    proposal: Proposal,
    by: User,
    data: dict[str, Any],
    sources: Iterable[Suggestion] | None = None,
) -> Proposal:
    proposal = lock_editable(proposal, by)
    before = snapshot(proposal, TRAIL_FIELDS)
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(proposal, name, data[name])
    _answer(proposal, data, by)
    _validate(proposal)
    proposal.search_text = build_search_text(proposal)
    proposal.save()
    if sources is not None:
        previous = list(proposal.sources.all())
        proposal.sources.clear()
        _adopt(sources, proposal, by)
        _release(previous, by, proposal.title)
    changes = diff(before, snapshot(proposal, TRAIL_FIELDS))
    if changes:
        record("proposal.updated", obj=proposal, by=by, changes=changes)
    return proposal


@transaction.atomic
def proposal_delete(*, proposal: Proposal, by: User) -> None:
    proposal = _lock(proposal, by)
    if proposal.state != Proposal.State.DRAFT:
        raise ProposalError(
            _("This proposal has already been submitted; only a draft can be deleted.")
        )
    record(
        "proposal.deleted",
        obj=proposal,
        by=by,
        changes=diff(snapshot(proposal, CONTENT_FIELDS), {}),
    )
    sources = list(proposal.sources.all())
    proposal.delete()
    _release(sources, by, proposal.title)


def _check_window(cycle: Cycle, locality_id: int) -> None:
    if not cycle.is_open:
        raise ProposalError(_("This cycle is closed."))
    last_day = submission_window(cycle, locality_id)["last_day"]
    if timezone.localdate() > last_day:
        raise ProposalError(
            _("Submission closed on %(date)s. Ask the national coordinator for an extension.")
            % {"date": last_day.isoformat()}
        )


def _check_participant(cycle: Cycle, locality_id: int) -> None:
    """Only a participant of the cycle submits proposals in it.

    发改高技〔2021〕484号 is addressed (主送) to 13 provinces, and its §三(一) asks "每个地方"
    for 3–5 proposals a year: the platform reads "each locality" as each locality the call is
    addressed to, the cycle's participants (the 13 by default). Refusing the others is the
    platform's own reading of "addressed to", not a rule 484号 states.
    """
    if not is_participant(cycle, locality_id):
        raise ProposalError(
            _(
                "This year's call is not addressed to your locality: it is not among the "
                "participants of this cycle (the localities the call of 发改高技〔2021〕484号 is "
                "addressed to), so it may not submit proposals in this cycle."
            )
        )


def _check_range(cycle: Cycle, locality_id: int, new: int) -> None:
    """484号 §三(一): each locality proposes 3 to 5 measures a year (the cycle's range),
    counted as the banner and the cycle pages count them (`locality_counts`). It applies to
    the cycle's participants, the only localities that submit (`_check_participant`)."""
    total = locality_counts(cycle, locality_id)["counted"] + new
    values = {"min": cycle.min_per_locality, "max": cycle.max_per_locality, "count": total}
    if total > cycle.max_per_locality:
        raise ProposalError(
            _(
                "Each locality submits %(min)s to %(max)s proposals a year. This submission "
                "would make %(count)s, more than %(max)s."
            )
            % values
        )
    if total < cycle.min_per_locality:
        raise ProposalError(
            _(
                "Each locality submits %(min)s to %(max)s proposals a year. This submission "
                "would make %(count)s, fewer than %(min)s: select more drafts to submit together."
            )
            % values
        )


def _check_complete(proposals: list[Proposal]) -> None:
    """Platform rule (not 484号's): a draft may be saved incomplete, but each proposal
    submitted has every field of `Proposal.REQUIRED_TO_SUBMIT`; the refusal names each
    incomplete proposal and what it still lacks, and nothing is submitted."""
    problems = [
        _("“%(title)s” is incomplete; still to fill in: %(fields)s.")
        % {"title": proposal.title, "fields": "、".join(missing)}
        for proposal in proposals
        if (missing := proposal.missing_to_submit())
    ]
    if problems:
        raise ProposalError(" ".join(problems))


@transaction.atomic
def proposals_submit(*, proposals: list[Proposal], by: User) -> list[Proposal]:
    """Submit drafts together, or resubmit returned proposals.

    The per-locality range counts every proposal that is not a draft. Resubmitting a returned
    proposal does not change that count and is not bound by the deadline: the centre asked
    for the revision.
    """
    if not proposals:
        raise ProposalError(_("Select at least one proposal to submit."))
    locked = list(
        Proposal.objects.select_for_update().filter(pk__in=[p.pk for p in proposals]).order_by("pk")
    )
    if len(locked) != len({p.pk for p in proposals}):
        raise ProposalError(_("A draft you selected was deleted meanwhile."))
    if not all(rules.speaks_for_proposal(by, proposal) for proposal in locked):
        raise Forbidden
    for proposal in locked:
        if proposal.state == Proposal.State.SUBMITTED:
            raise ProposalError(_("“%(title)s” is already submitted.") % {"title": proposal.title})
        if proposal.state == Proposal.State.MERGED:
            raise ProposalError(
                _("“%(title)s” was already submitted and merged into a candidate measure.")
                % {"title": proposal.title}
            )
    _check_complete(locked)
    cycles = {p.cycle_id for p in locked}
    if len(cycles) != 1:
        raise ProposalError(_("Submit proposals of one cycle at a time."))
    cycle, locality_id = locked[0].cycle, locked[0].locality_id
    if not cycle.is_open:
        raise ProposalError(_("This cycle is closed."))
    drafts = [p for p in locked if p.state == Proposal.State.DRAFT]
    if drafts:
        _check_participant(cycle, locality_id)
        _check_window(cycle, locality_id)
        _check_range(cycle, locality_id, len(drafts))
    now = timezone.now()
    for proposal in locked:
        action = (
            "proposal.resubmitted"
            if proposal.state == Proposal.State.RETURNED
            else "proposal.submitted"
        )
        before = proposal.state
        proposal.state, proposal.submitted_at = Proposal.State.SUBMITTED, now
        proposal.save(update_fields=["state", "submitted_at", "updated_at"])
        record(action, obj=proposal, by=by, changes={"state": [before, proposal.state]})
    return locked


@transaction.atomic
def proposal_return(*, proposal: Proposal, by: User, reason: str) -> Proposal:
    if not rules.returns_proposals(by, proposal):
        raise Forbidden
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state == Proposal.State.RETURNED:
        raise ProposalError(_("This proposal was already returned to its locality."))
    if proposal.state == Proposal.State.MERGED:
        raise ProposalError(
            _(
                "This proposal has been merged into a candidate measure; it can no longer be "
                "returned."
            )
        )
    if proposal.state == Proposal.State.DRAFT:
        raise Forbidden  # never sent: the centre does not know it exists
    if not reason.strip():
        raise ProposalError(_("Give the locality a reason for the return."))
    proposal.state, proposal.return_reason = Proposal.State.RETURNED, reason
    proposal.save(update_fields=["state", "return_reason", "updated_at"])
    record(
        "proposal.returned",
        obj=proposal,
        by=by,
        changes={"state": [Proposal.State.SUBMITTED, Proposal.State.RETURNED]},
        note=reason,
    )
    return proposal
