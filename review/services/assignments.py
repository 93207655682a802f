"""Reviewer assignment: the solver fed from the database, its preview and saving, and the
coordinator's overrides (add, remove, replace a reviewer, always with a reason)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import record
from kernel.errors import Forbidden
from merging.models import CandidateMeasure
from proposals.models import Cycle, Proposal
from review import assignment as solver
from review import rules
from review.errors import ReviewError
from review.models import Assignment, ExpertProfile, Review
from review.services.reminders import experts_tell_assigned, review_due_close

DEFAULT_REVIEWERS = 3
MAX_REVIEWERS = 15


# Feeding the solver ---------------------------------------------------------------------------


def _province(profile: ExpertProfile) -> int | None:
    """Where the expert sits: their own division, else their organisation's."""
    division = profile.division or (profile.organisation.division if profile.organisation else None)
    if division is None:
        return None
    return division.province_id or division.pk


def experts_in_pool(cycle: Cycle) -> list[ExpertProfile]:
    """Active experts with a profile, each annotated with `load`: reviews held in the cycle."""
    in_cycle = Q(user__assignments__candidate__cycle=cycle)
    return list(
        ExpertProfile.objects.filter(user__is_active=True, user__role=Role.EXPERT)
        .select_related("user", "division", "organisation__division")
        .prefetch_related("fields")
        .annotate(load=Count("user__assignments", filter=in_cycle))
        .order_by("user_id")
    )


def expert_spec(profile: ExpertProfile) -> solver.ExpertSpec:
    load = getattr(profile, "load", 0)
    return solver.ExpertSpec(
        id=profile.user_id,
        capacity=max(profile.max_load - load, 0),
        fields=frozenset(f.pk for f in profile.fields.all()),
        tags=solver.split_tags(profile.tags),
        province=_province(profile),
        organisation=profile.organisation_id,
        available=profile.available,
    )


def candidate_specs(
    candidates: Iterable[CandidateMeasure], reviewers: int
) -> list[solver.CandidateSpec]:
    """One spec per candidate, with what the conflict rules and the match costs need."""
    candidates = list(candidates)
    ids = [c.pk for c in candidates]
    provinces: dict[int, set[int]] = defaultdict(set)
    for cid, province, locality in Proposal.objects.filter(merged_into__in=ids).values_list(
        "merged_into_id", "locality__province_id", "locality_id"
    ):
        provinces[cid].add(province or locality)
    organisations: dict[int, set[int]] = defaultdict(set)
    links = Proposal.sources.through.objects.filter(proposal__merged_into__in=ids)
    for cid, organisation in links.values_list(
        "proposal__merged_into_id", "suggestion__organisation_id"
    ):
        organisations[cid].add(organisation)
    assigned: dict[int, set[int]] = defaultdict(set)
    for cid, expert in Assignment.objects.filter(candidate__in=ids).values_list(
        "candidate_id", "expert_id"
    ):
        assigned[cid].add(expert)
    return [
        solver.CandidateSpec(
            id=c.pk,
            needed=max(reviewers - len(assigned[c.pk]), 0),
            field=c.field_id,
            text=f"{c.title}\n{c.content}",
            provinces=frozenset(provinces[c.pk]),
            organisations=frozenset(organisations[c.pk]),
            assigned=frozenset(assigned[c.pk]),
        )
        for c in candidates
    ]


# The plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposed:
    """A reviewer the solver proposes, with why they fit."""

    profile: ExpertProfile
    field_match: bool
    tags: list[str]


@dataclass
class PlanRow:
    candidate: CandidateMeasure
    existing: list[Any]  # users already assigned
    proposed: list[Proposed] = field(default_factory=list)
    shortfall: str = ""


@dataclass
class Plan:
    cycle: Cycle
    reviewers: int
    rows: list[PlanRow]
    solution: solver.Solution
    fingerprint: str
    pool_size: int

    @property
    def shortfalls(self) -> list[PlanRow]:
        return [row for row in self.rows if row.shortfall]

    @property
    def new_count(self) -> int:
        return len(self.solution.pairs)


def shortfall_message(shortfall: solver.Shortfall, reviewers: int, already: int) -> str:
    """Why a candidate gets fewer reviewers than asked, in plain words."""
    values = {
        "have": already + shortfall.got,
        "n": reviewers,
        "eligible": already + shortfall.eligible,
        "conflicted": shortfall.conflicted,
        "unavailable": shortfall.unavailable,
        "full": shortfall.full,
    }
    if shortfall.too_few_eligible:
        return (
            _(
                "Gets %(have)s of %(n)s reviewers: only %(eligible)s eligible experts without "
                "a conflict of interest (%(conflicted)s excluded for a conflict of interest, "
                "%(unavailable)s unavailable, %(full)s already at their load cap)."
            )
            % values
        )
    return (
        _(
            "Gets %(have)s of %(n)s reviewers: %(eligible)s experts are eligible, but their load "
            "caps are taken by other candidates. Raise load caps or add experts to the pool."
        )
        % values
    )


def assignment_plan(*, cycle: Cycle, by: User, reviewers: int = DEFAULT_REVIEWERS) -> Plan:
    """Solve the whole cycle and say what would be assigned; nothing is saved."""
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    if not 1 <= reviewers <= MAX_REVIEWERS:
        raise ReviewError(
            _("Reviewers per candidate must be between 1 and %(max)s.") % {"max": MAX_REVIEWERS}
        )
    candidates = list(CandidateMeasure.objects.filter(cycle=cycle).select_related("field"))
    profiles = experts_in_pool(cycle)
    specs = candidate_specs(candidates, reviewers)
    experts = {p.user_id: (p, expert_spec(p)) for p in profiles}
    solution = solver.solve(specs, [spec for _p, spec in experts.values()])
    existing: dict[int, list[Any]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(candidate__cycle=cycle).select_related("expert").order_by("id")
    ):
        existing[a.candidate_id].append(a.expert)
    rows = {c.pk: PlanRow(candidate=c, existing=existing[c.pk]) for c in candidates}
    by_spec = {s.id: s for s in specs}
    for cid, uid in solution.pairs:
        profile, spec = experts[uid]
        match = by_spec[cid].field is not None and by_spec[cid].field in spec.fields
        tags = solver.matched_tags(by_spec[cid], spec)
        rows[cid].proposed.append(Proposed(profile, match, tags))
    for s in solution.shortfalls:
        rows[s.candidate].shortfall = shortfall_message(s, reviewers, len(existing[s.candidate]))
    return Plan(
        cycle=cycle,
        reviewers=reviewers,
        rows=list(rows.values()),
        solution=solution,
        fingerprint=solver.fingerprint(reviewers, solution.pairs),
        pool_size=len(profiles),
    )


def _names(users: Iterable[User]) -> str:
    return "、".join(str(u) for u in users)


def _reviewers(candidate: CandidateMeasure) -> list[Any]:
    return [a.expert for a in candidate.assignments.select_related("expert").order_by("id")]


@transaction.atomic
def assignments_apply(
    *, cycle: Cycle, by: User, reviewers: int, fingerprint: str, accept_partial: bool = False
) -> list[Assignment]:
    """Save the previewed plan; refuse if anything changed since, or if it is partial and the
    coordinator has not confirmed that a partial assignment is wanted."""
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    Cycle.objects.select_for_update().get(pk=cycle.pk)  # one solve per cycle at a time
    plan = assignment_plan(cycle=cycle, by=by, reviewers=reviewers)
    if not plan.solution.pairs and not plan.shortfalls:
        # A second click, or a colleague who saved the plan first.
        raise ReviewError(
            _("Every candidate already has its reviewers: there is nothing more to assign.")
        )
    if plan.fingerprint != fingerprint:
        raise ReviewError(
            _(
                "The candidates, the experts or their assignments changed since the preview. "
                "Check the new preview and save again."
            )
        )
    if not plan.solution.pairs:
        raise ReviewError(_("There is nothing to assign."))
    if plan.shortfalls and not accept_partial:
        raise ReviewError(
            _(
                "Some candidates would get fewer than %(n)s reviewers, so nothing was saved. "
                "Confirm that you want the partial assignment, or change the pool first."
            )
            % {"n": reviewers}
        )
    created = []
    note = _("assignment solver, %(n)s reviewers per candidate") % {"n": reviewers}
    for row in plan.rows:
        if not row.proposed:
            continue
        new = [
            Assignment.objects.create(
                candidate=row.candidate,
                expert=p.profile.user,
                source=Assignment.Source.SOLVER,
                assigned_by=by,
            )
            for p in row.proposed
        ]
        created += new
        after = [*row.existing, *(a.expert for a in new)]
        changes = {"reviewers": [_names(row.existing) or None, _names(after)]}
        record("review.assigned", obj=row.candidate, by=by, changes=changes, note=note)
    summary = [note, *(f"{r.candidate.title}: {r.shortfall}" for r in plan.shortfalls)]
    record(
        "review.assignment_solved",
        obj=cycle,
        by=by,
        changes={"assignments": [None, len(created)]},
        note="\n".join(summary),
    )
    experts_tell_assigned(created)
    return created


# Overrides ------------------------------------------------------------------------------------


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReviewError(_("Give the reason for the override; it is kept with the assignment."))
    return reason


def _check_eligible(candidate: CandidateMeasure, expert: User) -> None:
    profile = (
        ExpertProfile.objects.filter(user=expert, user__is_active=True, user__role=Role.EXPERT)
        .select_related("division", "organisation__division")
        .prefetch_related("fields")
        .first()
    )
    if profile is None:
        raise ReviewError(_("%(name)s is not in the expert pool.") % {"name": expert})
    spec = candidate_specs([candidate], 0)[0]
    values = {"name": expert, "title": candidate.title}
    if expert.pk in spec.assigned:
        raise ReviewError(_("%(name)s already reviews “%(title)s”.") % values)
    reason = solver.conflict(spec, expert_spec(profile))
    if reason == solver.CONFLICT_DIVISION:
        raise ReviewError(
            _(
                "%(name)s may not review “%(title)s”: conflict of interest, a source proposal "
                "comes from the expert's own province."
            )
            % values
        )
    if reason == solver.CONFLICT_ORGANISATION:
        raise ReviewError(
            _(
                "%(name)s may not review “%(title)s”: conflict of interest, a suggestion behind "
                "it comes from the expert's own organisation."
            )
            % values
        )
    if not profile.available:
        raise ReviewError(_("%(name)s is marked unavailable.") % values)


def _lock_review(assignment: Assignment) -> Review | None:
    return Review.objects.select_for_update().filter(assignment=assignment).first()


def _check_changeable(assignment: Assignment, by: User) -> Review | None:
    """The assignment and its review, locked (in the order the expert's saving locks them),
    while the reviewer may still be changed: a second click, or a colleague who removed or
    replaced the reviewer first, is told so."""
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    if not Assignment.objects.select_for_update().filter(pk=assignment.pk).exists():
        raise ReviewError(
            _("%(name)s was already removed or replaced as a reviewer of this candidate.")
            % {"name": assignment.expert}
        )
    review = _lock_review(assignment)
    if review is not None and review.state == Review.State.SUBMITTED:
        raise ReviewError(
            _("%(name)s has submitted the review; a submitted review stays.")
            % {"name": assignment.expert}
        )
    return review


@transaction.atomic
def assignment_add(
    *, candidate: CandidateMeasure, expert: User, by: User, reason: str
) -> Assignment:
    """Add a reviewer by hand. The load cap may be exceeded (the reason says why); a conflict
    of interest or an unavailable expert may not."""
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    reason = _require_reason(reason)
    # One change of a candidate's reviewers at a time: a second click finds the expert there.
    CandidateMeasure.objects.select_for_update().filter(pk=candidate.pk).first()
    _check_eligible(candidate, expert)
    before = _reviewers(candidate)
    assignment = Assignment.objects.create(
        candidate=candidate,
        expert=expert,
        source=Assignment.Source.OVERRIDE,
        override_reason=reason,
        assigned_by=by,
    )
    changes = {"reviewers": [_names(before) or None, _names([*before, expert])]}
    record("review.reviewer_added", obj=candidate, by=by, changes=changes, note=reason)
    experts_tell_assigned([assignment])
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by: User, reason: str) -> None:
    """Take a reviewer off; a draft review of theirs goes with the assignment."""
    review = _check_changeable(assignment, by)
    reason = _require_reason(reason)
    candidate = assignment.candidate
    before = _reviewers(candidate)
    review_due_close(assignment)
    assignment.delete()
    after = [u for u in before if u.pk != assignment.expert_id]
    if review is not None:
        reason = f"{reason}\n" + _("A draft review was discarded with the assignment.")
    changes = {"reviewers": [_names(before), _names(after) or None]}
    record("review.reviewer_removed", obj=candidate, by=by, changes=changes, note=reason)


@transaction.atomic
def assignment_replace(
    *, assignment: Assignment, expert: User, by: User, reason: str
) -> Assignment:
    """Put another expert in a reviewer's place; the new assignment records the override."""
    review = _check_changeable(assignment, by)
    reason = _require_reason(reason)
    candidate = assignment.candidate
    _check_eligible(candidate, expert)
    before = _reviewers(candidate)
    old = assignment.expert
    review_due_close(assignment)
    assignment.delete()
    new = Assignment.objects.create(
        candidate=candidate,
        expert=expert,
        source=Assignment.Source.OVERRIDE,
        override_reason=reason,
        assigned_by=by,
    )
    after = [expert if u.pk == old.pk else u for u in before]
    note = reason
    if review is not None:
        note += "\n" + _("A draft review was discarded with the assignment.")
    changes = {"reviewers": [_names(before), _names(after)]}
    record("review.reviewer_replaced", obj=candidate, by=by, changes=changes, note=note)
    experts_tell_assigned([new])
    return new


def override_choices(candidate: CandidateMeasure) -> list[tuple[Any, str]]:
    """The experts a coordinator may add to a candidate by hand, labelled with their load.

    Available experts without a conflict who do not review it yet; the load cap is shown, not
    enforced, since an override may exceed it.
    """
    spec = candidate_specs([candidate], 0)[0]
    choices = []
    for profile in experts_in_pool(candidate.cycle):
        expert = expert_spec(profile)
        if not solver.eligible(spec, expert):
            continue
        values = {
            "name": profile.user,
            "organisation": profile.organisation or "—",
            "load": getattr(profile, "load", 0),
            "cap": profile.max_load,
        }
        label = _("%(name)s · %(organisation)s · %(load)s of %(cap)s reviews this cycle") % values
        if spec.field in expert.fields:
            label += " · " + _("field matches")
        choices.append((profile.user, label))
    return choices
