"""Merging writes: the suggestion run, edits of suggested groups, merges and their undoing.

Nothing is merged without a person: a suggestion run only stores groups; a candidate measure
is made when the coordinator accepts a group (writing the candidate's text), merges a set
chosen by hand, or confirms promoting the remaining proposals one by one. A merge never
deletes or rewrites a proposal: its state says `merged` and it points at its candidate.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import diff, record, snapshot
from jobs.models import Job
from jobs.services import job_enqueue
from kernel.errors import Forbidden
from merging import rules
from merging.errors import MergeError
from merging.models import CandidateMeasure, SuggestedGroup
from merging.selectors import comparison_text
from proposals.models import Cycle, Proposal
from zhtext.groups import cohesive_groups
from zhtext.pairs import Pair, candidate_pairs

CANDIDATE_FIELDS = ["title", "content", "field", "needs_national_authority", "ministries"]
KEY_TERMS = 8
Members = SuggestedGroup.proposals.through


def _check(by: User) -> None:
    if not rules.can_merge(by):
        raise Forbidden


# Describing a group --------------------------------------------------------------------------


def _describe(pairs: Sequence[Pair[int]]) -> tuple[float, list[str]]:
    """The mean score of the similar pairs inside a group, and the terms they share most."""
    if not pairs:
        return 0.0, []
    score = round(sum(p.score for p in pairs) / len(pairs), 3)
    counts = Counter(term for p in pairs for term in p.terms)
    ranked = sorted(counts, key=lambda t: (-counts[t], -len(t), t))
    return score, ranked[:KEY_TERMS]


def _texts(proposal_ids: Iterable[int]) -> dict[int, str]:
    rows = Proposal.objects.filter(pk__in=list(proposal_ids)).values_list("pk", "title", "content")
    return {pk: comparison_text(title, content) for pk, title, content in rows}


def _redescribe(group: SuggestedGroup) -> None:
    """After members changed by hand: every pair that shares some wording counts, and the
    cap's note (cut from a larger cluster) no longer speaks for the group a person made."""
    docs = _texts(group.proposals.values_list("pk", flat=True))
    group.score, group.key_terms = _describe(candidate_pairs(docs, threshold=0.0))
    group.cut_from = 0
    group.save(update_fields=["score", "key_terms", "cut_from"])


def _member_ids(group: SuggestedGroup) -> set[int]:
    return set(group.proposals.values_list("pk", flat=True))


def _ignored_sets(cycle: Cycle) -> set[frozenset[int]]:
    rows = Members.objects.filter(
        suggestedgroup__cycle=cycle, suggestedgroup__state=SuggestedGroup.State.IGNORED
    ).values_list("suggestedgroup_id", "proposal_id")
    sets: dict[int, set[int]] = defaultdict(set)
    for group_id, proposal_id in rows:
        sets[group_id].add(proposal_id)
    return {frozenset(members) for members in sets.values()}


# The suggestion run --------------------------------------------------------------------------


SUGGESTIONS_KIND = "merging.suggestions"


def suggestions_enqueue(*, cycle: Cycle, by: User) -> Job:
    """Queue the suggestion run (merging.jobs.run_suggestions) for the cycle."""
    _check(by)
    return job_enqueue(kind=SUGGESTIONS_KIND, by=by, params={"cycle": cycle.pk})


@transaction.atomic
def suggestions_run(*, cycle: Cycle, by: User) -> list[SuggestedGroup]:
    """Suggest groups among the cycle's submitted proposals that no candidate holds yet.

    Groups are cohesive (average link, zhtext.groups), never chains of pairs, and hold at
    most MAX_GROUP proposals (平台规则: one person reads a group through); a larger cluster is
    cut into several groups, each remembering the cluster's size (`cut_from`). The open
    suggestions of an earlier run are replaced; accepted and ignored groups stay, and a
    group the coordinator ignored does not come back with the same members.
    """
    _check(by)
    Cycle.objects.select_for_update().get(pk=cycle.pk)  # one run per cycle at a time
    pool = Proposal.objects.filter(cycle=cycle, state=Proposal.State.SUBMITTED)
    docs = {
        pk: comparison_text(title, content)
        for pk, title, content in pool.order_by("pk").values_list("pk", "title", "content")
    }
    pairs = candidate_pairs(docs)
    ignored = _ignored_sets(cycle)
    kept = [g for g in cohesive_groups(docs, pairs) if frozenset(g.members) not in ignored]
    found = [sorted(g.members) for g in kept]
    where = {pk: index for index, members in enumerate(found) for pk in members}
    inside: dict[int, list[Pair[int]]] = defaultdict(list)
    for pair in pairs:
        if pair.a in where and where[pair.a] == where.get(pair.b):
            inside[where[pair.a]].append(pair)

    stale = SuggestedGroup.objects.filter(cycle=cycle, state=SuggestedGroup.State.OPEN)
    before = stale.count()
    stale.delete()
    groups = []
    for index, group in enumerate(kept):
        score, terms = _describe(inside[index])
        cut_from = group.cut_from if group.cut else 0
        groups.append(SuggestedGroup(cycle=cycle, score=score, key_terms=terms, cut_from=cut_from))
    groups = SuggestedGroup.objects.bulk_create(groups)
    Members.objects.bulk_create(
        Members(suggestedgroup_id=group.pk, proposal_id=pk)
        for group, members in zip(groups, found, strict=True)
        for pk in members
    )
    record(
        "merge.suggested",
        obj=cycle,
        by=by,
        changes={"suggested_groups": [before, len(groups)]},
        note=_("%(groups)s group(s) suggested among %(proposals)s proposal(s).")
        % {"groups": len(groups), "proposals": len(docs)},
    )
    return groups


# Editing suggested groups --------------------------------------------------------------------


def closed_message(group: SuggestedGroup) -> str:
    """What became of a group that is no longer open: accepted, or ignored."""
    if group.state == SuggestedGroup.State.ACCEPTED:
        return _("This group was already accepted: its candidate measure is saved.")
    if group.state == SuggestedGroup.State.IGNORED:
        return _("This group was already ignored.")
    return ""


def _locked_open(group: SuggestedGroup) -> SuggestedGroup:
    """The group, locked, while it is still a suggestion. A group gone meanwhile (split or
    joined into another, or replaced by a new suggestion run) is said so, not a server error."""
    locked = SuggestedGroup.objects.select_for_update().filter(pk=group.pk).first()
    if locked is None:
        raise MergeError(
            _("This group no longer exists: it was split, joined or suggested anew meanwhile.")
        )
    if locked.state != SuggestedGroup.State.OPEN:
        raise MergeError(closed_message(locked))
    return locked


def _new_group(cycle: Cycle, members: Iterable[int]) -> SuggestedGroup:
    group = SuggestedGroup.objects.create(cycle=cycle, score=0.0)
    group.proposals.set(list(members))
    _redescribe(group)
    return group


@transaction.atomic
def group_split(
    *, group: SuggestedGroup, by: User, move: Iterable[Proposal]
) -> SuggestedGroup | None:
    """Move some members into a new group. A side left with one proposal is no group any
    more: that proposal waits among the remaining ones. Returns the new group, if any."""
    _check(by)
    group = _locked_open(group)
    members = _member_ids(group)
    moving = {p.pk for p in move}
    if not moving or not moving <= members:
        raise MergeError(_("Choose the proposals to move into a new group."))
    if moving == members:
        raise MergeError(_("Leave at least one proposal in this group."))
    staying = members - moving
    record(
        "group.split",
        obj=group,
        by=by,
        changes={"proposals": [len(members), len(staying)]},
        note=_("%(n)s proposal(s) moved out of the group.") % {"n": len(moving)},
    )
    new = _new_group(group.cycle, moving) if len(moving) > 1 else None
    if len(staying) > 1:
        group.proposals.set(list(staying))
        _redescribe(group)
    else:
        group.delete()
    return new


@transaction.atomic
def group_join(*, group: SuggestedGroup, other: SuggestedGroup, by: User) -> SuggestedGroup:
    """Join two open groups of one cycle into the first; the second is gone."""
    _check(by)
    if group.pk == other.pk:
        raise MergeError(_("Choose another group to join with."))
    first, second = sorted([group, other], key=lambda g: g.pk)
    first, second = _locked_open(first), _locked_open(second)
    group, other = (first, second) if first.pk == group.pk else (second, first)
    if group.cycle_id != other.cycle_id:
        raise MergeError(_("Only groups of the same cycle can be joined."))
    before = _member_ids(group)
    joined = before | _member_ids(other)
    group.proposals.set(list(joined))
    record(
        "group.joined",
        obj=group,
        by=by,
        changes={"proposals": [len(before), len(joined)]},
        note=_("Joined with group %(n)s.") % {"n": other.pk},
    )
    other.delete()
    _redescribe(group)
    return group


@transaction.atomic
def group_ignore(*, group: SuggestedGroup, by: User) -> SuggestedGroup:
    _check(by)
    group = _locked_open(group)
    group.state = SuggestedGroup.State.IGNORED
    group.save(update_fields=["state"])
    record(
        "group.ignored",
        obj=group,
        by=by,
        changes={"state": [SuggestedGroup.State.OPEN, SuggestedGroup.State.IGNORED]},
    )
    return group


@transaction.atomic
def group_restore(*, group: SuggestedGroup, by: User) -> SuggestedGroup:
    """Bring an ignored group back, if its members are all still waiting and ungrouped."""
    _check(by)
    group = SuggestedGroup.objects.select_for_update().get(pk=group.pk)
    if group.state == SuggestedGroup.State.OPEN:
        raise MergeError(_("This group was already brought back among the suggestions."))
    if group.state != SuggestedGroup.State.IGNORED:
        raise MergeError(_("Only an ignored group can be brought back."))
    members = group.proposals.all()
    waiting = members.filter(state=Proposal.State.SUBMITTED)
    grouped = Members.objects.filter(
        proposal__in=members, suggestedgroup__state=SuggestedGroup.State.OPEN
    )
    if waiting.count() != members.count() or grouped.exists():
        raise MergeError(
            _(
                "Some of its proposals were merged or joined another group since; "
                "run the suggestions again instead."
            )
        )
    group.state = SuggestedGroup.State.OPEN
    group.save(update_fields=["state"])
    record(
        "group.restored",
        obj=group,
        by=by,
        changes={"state": [SuggestedGroup.State.IGNORED, SuggestedGroup.State.OPEN]},
    )
    return group


# Merging -------------------------------------------------------------------------------------


def _validate(candidate: CandidateMeasure) -> None:
    if not candidate.title.strip() or not candidate.content.strip():
        raise MergeError(_("A candidate measure needs a title and its reform content."))
    if candidate.needs_national_authority and not candidate.ministries.strip():
        raise MergeError(_("Name the ministries concerned when national authority is needed."))


def _lock_sources(cycle: Cycle, proposals: Iterable[Proposal]) -> list[Proposal]:
    ids = sorted({p.pk for p in proposals})
    if not ids:
        raise MergeError(_("Choose at least one proposal."))
    locked = list(
        Proposal.objects.select_for_update().filter(pk__in=ids).select_related("locality")
    )
    for proposal in locked:
        if proposal.cycle_id != cycle.pk:
            raise MergeError(_("Merge proposals of one cycle at a time."))
        if proposal.state != Proposal.State.SUBMITTED:
            raise MergeError(
                _("“%(title)s” is no longer waiting to be merged (it is %(state)s).")
                % {"title": proposal.title, "state": proposal.get_state_display()}
            )
    if len(locked) != len(ids):
        raise MergeError(_("Some of the chosen proposals no longer exist."))
    return locked


def _withdraw_from_groups(proposal_ids: set[int], keep: SuggestedGroup | None) -> None:
    """Merged proposals leave the other open groups; a group left with one member goes."""
    links = Members.objects.filter(
        proposal_id__in=proposal_ids, suggestedgroup__state=SuggestedGroup.State.OPEN
    )
    if keep is not None:
        links = links.exclude(suggestedgroup=keep)
    affected = set(links.values_list("suggestedgroup_id", flat=True))
    links.delete()
    for group in SuggestedGroup.objects.filter(pk__in=affected):
        if group.proposals.count() > 1:
            _redescribe(group)
        else:
            group.delete()


def _merge(
    *,
    cycle: Cycle,
    sources: Iterable[Proposal],
    data: dict[str, Any],
    by: User,
    action: str,
    note: str,
    group: SuggestedGroup | None = None,
) -> CandidateMeasure:
    locked = _lock_sources(cycle, sources)
    candidate = CandidateMeasure(cycle=cycle, created_by=by)
    for name in CANDIDATE_FIELDS:
        setattr(candidate, name, data[name])
    _validate(candidate)
    candidate.save()
    for proposal in locked:
        proposal.state, proposal.merged_into = Proposal.State.MERGED, candidate
        proposal.save(update_fields=["state", "merged_into", "updated_at"])
        record(
            "proposal.merged",
            obj=proposal,
            by=by,
            changes={
                "state": [Proposal.State.SUBMITTED, Proposal.State.MERGED],
                "merged_into": [None, candidate.title],
            },
        )
    _withdraw_from_groups({p.pk for p in locked}, keep=group)
    sources_note = "；".join(f"{p.locality.name}：{p.title}" for p in locked)
    record(
        action,
        obj=candidate,
        by=by,
        changes={
            **diff({}, snapshot(candidate, CANDIDATE_FIELDS)),
            "sources": [None, len(locked)],
        },
        note=f"{note} {sources_note}".strip(),
    )
    return candidate


@transaction.atomic
def group_accept(*, group: SuggestedGroup, by: User, data: dict[str, Any]) -> CandidateMeasure:
    """Accept a suggested group: its members become one candidate measure, written by the
    coordinator in `data`."""
    _check(by)
    group = _locked_open(group)
    candidate = _merge(
        cycle=group.cycle,
        sources=list(group.proposals.all()),
        data=data,
        by=by,
        action="merge.accepted",
        note=_("Suggested group %(n)s accepted.") % {"n": group.pk},
        group=group,
    )
    group.state, group.candidate = SuggestedGroup.State.ACCEPTED, candidate
    group.save(update_fields=["state", "candidate"])
    record(
        "group.accepted",
        obj=group,
        by=by,
        changes={"state": [SuggestedGroup.State.OPEN, SuggestedGroup.State.ACCEPTED]},
    )
    return candidate


@transaction.atomic
def proposals_merge(
    *, cycle: Cycle, proposals: Sequence[Proposal], by: User, data: dict[str, Any]
) -> CandidateMeasure:
    """Merge proposals the coordinator chose by hand into one candidate measure."""
    _check(by)
    return _merge(
        cycle=cycle,
        sources=proposals,
        data=data,
        by=by,
        action="merge.accepted",
        note=_("Merged by hand."),
    )


@transaction.atomic
def proposals_promote(
    *, cycle: Cycle, proposals: Sequence[Proposal], by: User
) -> list[CandidateMeasure]:
    """Each proposal becomes a candidate measure of its own, with its own text."""
    _check(by)
    if not proposals:
        raise MergeError(_("No proposal is waiting to be promoted."))
    done = []
    for proposal in _lock_sources(cycle, proposals):
        data = {name: getattr(proposal, name) for name in CANDIDATE_FIELDS}
        done.append(
            _merge(
                cycle=cycle,
                sources=[proposal],
                data=data,
                by=by,
                action="merge.promoted",
                note=_("Promoted on its own."),
            )
        )
    return done


@transaction.atomic
def merge_undo(*, candidate: CandidateMeasure, by: User, reason: str) -> list[Proposal]:
    """Undo a merge: the sources are submitted again and the candidate is removed.

    Refused once experts were assigned to the candidate or a list holds it: from then on
    others rely on it.
    """
    _check(by)
    if not reason.strip():
        raise MergeError(_("Give a reason for undoing the merge."))
    locked = CandidateMeasure.objects.select_for_update().filter(pk=candidate.pk).first()
    if locked is None:
        raise MergeError(_("This merge was already undone: its proposals are waiting again."))
    candidate = locked
    if candidate.assignments.exists():
        raise MergeError(
            _("Experts are already assigned to review this candidate; it cannot be unmerged.")
        )
    if candidate.list_items.exists():
        raise MergeError(_("This candidate is on an annual list; it cannot be unmerged."))
    sources = list(candidate.sources.select_for_update().order_by("pk"))
    for proposal in sources:
        proposal.state, proposal.merged_into = Proposal.State.SUBMITTED, None
        proposal.save(update_fields=["state", "merged_into", "updated_at"])
        record(
            "proposal.unmerged",
            obj=proposal,
            by=by,
            changes={
                "state": [Proposal.State.MERGED, Proposal.State.SUBMITTED],
                "merged_into": [candidate.title, None],
            },
            note=reason,
        )
    # The group it came from, if any, is open again: it can be accepted, split or ignored.
    SuggestedGroup.objects.filter(candidate=candidate).update(
        state=SuggestedGroup.State.OPEN, candidate=None
    )
    record(
        "merge.undone",
        obj=candidate,
        by=by,
        changes={
            **diff(snapshot(candidate, CANDIDATE_FIELDS), {}),
            "sources": [len(sources), None],
        },
        note=reason,
    )
    candidate.delete()
    return sources
