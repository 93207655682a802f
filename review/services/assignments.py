"""Reviewer assignment (专家论证): the solver fed from the database, its preview (a background
job) and the saving of that preview, and the coordinator's overrides (add, remove, replace a
reviewer, always with a reason)."""

import dataclasses
import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import record
from jobs.models import Job
from jobs.services import job_enqueue
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


# The preview -----------------------------------------------------------------------------------
# A preview is solved once, in a background job (review.jobs), and kept as plain data in that
# job's params: the pairs to assign, the shortfalls with their counts, and digests of what the
# plan rests on. Saving applies those pairs as they are, without solving again, once the
# digests show that nothing it rests on has changed.

PREVIEW_KIND = "review.assignment_preview"
SAVE_KIND = "review.assignment_save"
# How far the progress bar gets by the end of each phase (of 100).
PROGRESS_LOADED, PROGRESS_SOLVED, PROGRESS_DONE = 10, 90, 100

Progress = Callable[[int], None]


def _digest(rows: Iterable[Iterable[Any]]) -> str:
    text = "\n".join(",".join(str(v) for v in row) for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _assignments_state(cycle: Cycle) -> str:
    """Who reviews what in the cycle now: a preview is stale once this changes."""
    return _digest(
        Assignment.objects.filter(candidate__cycle=cycle)
        .order_by("candidate_id", "expert_id")
        .values_list("candidate_id", "expert_id")
    )


def _pool_state(cycle: Cycle) -> str:
    """The candidates, and what of the experts decides who may review: availability, load
    caps, divisions and organisations (conflicts of interest)."""
    candidates = CandidateMeasure.objects.filter(cycle=cycle).order_by("pk").values_list("pk")
    experts = (
        ExpertProfile.objects.filter(user__is_active=True, user__role=Role.EXPERT)
        .order_by("user_id")
        .values_list("user_id", "available", "max_load", "division_id", "organisation_id")
    )
    return _digest([*candidates, ("-",), *experts])


def _check_reviewers(by: User, reviewers: int) -> None:
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    if not 1 <= reviewers <= MAX_REVIEWERS:
        raise ReviewError(
            _("Reviewers per candidate must be between 1 and %(max)s.") % {"max": MAX_REVIEWERS}
        )


def assignment_preview_build(
    *, cycle: Cycle, by: User, reviewers: int, progress: Progress | None = None
) -> dict[str, Any]:
    """Solve the whole cycle and say what would be assigned, as plain data; nothing is saved.

    `progress` is told how far it got (of 100): loading, solving (one step per round of
    widening), writing the result.
    """
    _check_reviewers(by, reviewers)
    tell = progress or (lambda _n: None)
    started = time.perf_counter()
    tell(0)
    # Taken before reading anything: a change while the solver works makes the preview stale.
    assignments_state, pool_state = _assignments_state(cycle), _pool_state(cycle)
    candidates = list(
        CandidateMeasure.objects.filter(cycle=cycle).only("pk", "field_id", "title", "content")
    )
    profiles = experts_in_pool(cycle)
    specs = candidate_specs(candidates, reviewers)
    experts = [expert_spec(p) for p in profiles]
    loaded = time.perf_counter()
    tell(PROGRESS_LOADED)
    span = PROGRESS_SOLVED - PROGRESS_LOADED

    def on_round(n: int) -> None:
        tell(
            PROGRESS_LOADED
            + span * min(n, solver.MAX_WIDENING_ROUNDS) // (solver.MAX_WIDENING_ROUNDS + 1)
        )

    solution = solver.solve(specs, experts, on_round=on_round)
    solved = time.perf_counter()
    tell(PROGRESS_SOLVED)
    already = {s.id: len(s.assigned) for s in specs}
    short = {s.candidate for s in solution.shortfalls}
    order = [c.pk for c in candidates if c.pk in short] + [
        c.pk for c in candidates if c.pk not in short
    ]
    preview: dict[str, Any] = {
        "cycle": cycle.pk,
        "reviewers": reviewers,
        "pairs": [list(pair) for pair in solution.pairs],
        "shortfalls": [
            {**dataclasses.asdict(s), "already": already[s.candidate]} for s in solution.shortfalls
        ],
        "order": order,
        "demand": solution.demand,
        "capacity": solution.capacity,
        "pool_size": len(profiles),
        "rounds": solution.rounds,
        "fingerprint": solver.fingerprint(reviewers, solution.pairs),
        "assignments_state": assignments_state,
        "pool_state": pool_state,
        "saved_by": None,
    }
    preview["seconds"] = {
        "loading": round(loaded - started, 2),
        "solving": round(solved - loaded, 2),
        "writing": round(time.perf_counter() - solved, 2),
    }
    tell(PROGRESS_DONE)
    return preview


def shortfall_message(
    shortfall: solver.Shortfall, reviewers: int, already: int, *, capacity: int, demand: int
) -> str:
    """Why a candidate gets fewer reviewers than asked, in plain words."""
    values = {
        "have": already + shortfall.got,
        "n": reviewers,
        "eligible": already + shortfall.eligible,
        "conflicted": shortfall.conflicted,
        "unavailable": shortfall.unavailable,
        "full": shortfall.full,
        "capacity": capacity,
        "demand": demand,
    }
    if shortfall.too_few_eligible:
        return (
            _(
                "Too few eligible experts: only %(eligible)s left after conflicts of interest "
                "(%(conflicted)s excluded for a conflict of interest, %(unavailable)s "
                "unavailable, %(full)s already at their load cap); gets %(have)s of %(n)s "
                "reviewers."
            )
            % values
        )
    if capacity < demand:
        return (
            _(
                "The pool is too small: the experts' load caps leave room for %(capacity)s "
                "more reviews this cycle, fewer than the %(demand)s needed; gets %(have)s of "
                "%(n)s reviewers. Raise load caps or add experts to the pool."
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
    """A preview with its rows for display (all of them, or one page's)."""

    cycle: Cycle
    preview: dict[str, Any]
    rows: list[PlanRow]

    @property
    def reviewers(self) -> int:
        return int(self.preview["reviewers"])

    @property
    def pool_size(self) -> int:
        return int(self.preview["pool_size"])

    @property
    def fingerprint(self) -> str:
        return str(self.preview["fingerprint"])

    @property
    def new_count(self) -> int:
        return len(self.preview["pairs"])

    @property
    def short_count(self) -> int:
        return len(self.preview["shortfalls"])

    @property
    def shortfalls(self) -> list[PlanRow]:
        return [row for row in self.rows if row.shortfall]

    @property
    def pool_too_small(self) -> bool:
        return int(self.preview["capacity"]) < int(self.preview["demand"])


def plan_rows(preview: dict[str, Any], candidate_ids: Sequence[int]) -> list[PlanRow]:
    """The rows of a preview for these candidates (a page of them), in that order."""
    ids = list(candidate_ids)
    candidates = CandidateMeasure.objects.filter(pk__in=ids).select_related("field").in_bulk()
    existing: dict[int, list[Any]] = defaultdict(list)
    for a in Assignment.objects.filter(candidate__in=ids).select_related("expert").order_by("id"):
        existing[a.candidate_id].append(a.expert)
    wanted = set(ids)
    proposed: dict[int, list[int]] = defaultdict(list)
    for cid, uid in preview["pairs"]:
        if cid in wanted:
            proposed[cid].append(uid)
    profiles = {
        p.user_id: p
        for p in ExpertProfile.objects.filter(
            user_id__in={u for us in proposed.values() for u in us}
        )
        .select_related("user", "organisation")
        .prefetch_related("fields")
    }
    shortfalls = {s["candidate"]: s for s in preview["shortfalls"] if s["candidate"] in wanted}
    rows = []
    for cid in ids:
        candidate = candidates.get(cid)
        if candidate is None:  # deleted since the preview; the save refuses it anyway
            continue
        row = PlanRow(candidate=candidate, existing=existing[cid])
        spec = solver.CandidateSpec(
            id=cid,
            needed=0,
            field=candidate.field_id,
            text=f"{candidate.title}\n{candidate.content}",
        )
        for uid in proposed[cid]:
            profile = profiles.get(uid)
            if profile is None:
                continue
            expert = expert_spec(profile)
            match = spec.field is not None and spec.field in expert.fields
            row.proposed.append(Proposed(profile, match, solver.matched_tags(spec, expert)))
        if cid in shortfalls:
            data = dict(shortfalls[cid])
            already = data.pop("already")
            row.shortfall = shortfall_message(
                solver.Shortfall(**data),
                int(preview["reviewers"]),
                already,
                capacity=int(preview["capacity"]),
                demand=int(preview["demand"]),
            )
        rows.append(row)
    return rows


def assignment_plan(*, cycle: Cycle, by: User, reviewers: int = DEFAULT_REVIEWERS) -> Plan:
    """Solve the whole cycle at once, with every row; nothing is saved (small cycles, tests)."""
    preview = assignment_preview_build(cycle=cycle, by=by, reviewers=reviewers)
    return Plan(cycle=cycle, preview=preview, rows=plan_rows(preview, preview["order"]))


def assignment_preview_enqueue(*, cycle: Cycle, by: User, reviewers: int) -> Job:
    """Queue the preview of the cycle's assignment (the job review.assignment_preview)."""
    _check_reviewers(by, reviewers)
    return job_enqueue(kind=PREVIEW_KIND, by=by, params={"cycle": cycle.pk, "reviewers": reviewers})


def preview_get(*, by: User, pk: int) -> Job:
    """A preview job of any coordinator's: the plan is the cycle's, not its author's."""
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    job = Job.objects.filter(pk=pk, kind=PREVIEW_KIND).select_related("created_by").first()
    if job is None:
        raise Http404
    return job


def preview_plan(job: Job, candidate_ids: Sequence[int]) -> Plan | None:
    """The stored preview with rows for these candidates; None until the job has finished."""
    preview = job.params.get("preview")
    if preview is None:
        return None
    cycle = Cycle.objects.get(pk=preview["cycle"])
    return Plan(cycle=cycle, preview=preview, rows=plan_rows(preview, candidate_ids))


def recent_previews(cycle: Cycle, limit: int = 5) -> list[Job]:
    """The cycle's latest previews, newest first (any coordinator's)."""
    jobs = Job.objects.filter(kind=PREVIEW_KIND, params__cycle=cycle.pk)
    return list(jobs.select_related("created_by").order_by("-pk")[:limit])


def _check_preview(preview: dict[str, Any], cycle: Cycle, accept_partial: bool) -> None:
    """Refuse a preview that was saved already, that no longer holds, or that is partial and
    not confirmed as such."""
    if preview.get("saved_by"):
        raise ReviewError(_("This preview has already been saved."))
    if preview["assignments_state"] != _assignments_state(cycle):
        raise ReviewError(
            _(
                "The cycle's assignments changed since this preview (a reviewer was added, "
                "removed or replaced, or another preview was saved), so nothing was saved. "
                "Run the preview again."
            )
        )
    if preview["pool_state"] != _pool_state(cycle):
        raise ReviewError(
            _(
                "The candidates or the experts (availability, load caps, divisions, "
                "organisations) changed since this preview, so nothing was saved. Run the "
                "preview again."
            )
        )
    if not preview["pairs"]:
        raise ReviewError(_("There is nothing to assign."))
    if preview["shortfalls"] and not accept_partial:
        raise ReviewError(
            _(
                "Some candidates would get fewer than %(n)s reviewers, so nothing was saved. "
                "Confirm that you want the partial assignment, or change the pool first."
            )
            % {"n": preview["reviewers"]}
        )


def assignment_save_enqueue(*, preview_job: Job, by: User, accept_partial: bool) -> Job:
    """Queue the saving of a finished preview, after the checks the save makes again."""
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    preview = preview_job.params.get("preview")
    if preview_job.kind != PREVIEW_KIND or preview is None:
        raise ReviewError(_("This preview has not finished yet."))
    cycle = Cycle.objects.get(pk=preview["cycle"])
    _check_preview(preview, cycle, accept_partial)
    return job_enqueue(
        kind=SAVE_KIND,
        by=by,
        params={"preview_job": preview_job.pk, "accept_partial": accept_partial},
    )


def _names(users: Iterable[User]) -> str:
    return "、".join(str(u) for u in users)


def _reviewers(candidate: CandidateMeasure) -> list[Any]:
    return [a.expert for a in candidate.assignments.select_related("expert").order_by("id")]


@transaction.atomic
def assignments_save(
    *,
    preview_job: Job,
    by: User,
    accept_partial: bool = False,
    saved_by: Job | None = None,
    progress: Progress | None = None,
) -> list[Assignment]:
    """Apply a stored preview as it is, without solving again. Refused when it was saved
    already, when anything it rests on changed since, or when it is partial and the
    coordinator has not confirmed that a partial assignment is wanted."""
    if not rules.can_assign_reviewers(by):
        raise Forbidden
    tell = progress or (lambda _n: None)
    # One save of a preview, and one change of a cycle's plan, at a time.
    locked = Job.objects.select_for_update().filter(pk=preview_job.pk, kind=PREVIEW_KIND).first()
    preview = locked.params.get("preview") if locked is not None else None
    if locked is None or preview is None:
        raise ReviewError(_("This preview has not finished yet."))
    cycle = Cycle.objects.select_for_update().get(pk=preview["cycle"])
    _check_preview(preview, cycle, accept_partial)
    reviewers = int(preview["reviewers"])
    by_candidate: dict[int, list[int]] = defaultdict(list)
    for cid, uid in preview["pairs"]:
        by_candidate[cid].append(uid)
    candidates = CandidateMeasure.objects.filter(pk__in=list(by_candidate)).in_bulk()
    users = User.objects.in_bulk({uid for uids in by_candidate.values() for uid in uids})
    existing: dict[int, list[Any]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(candidate__in=list(by_candidate))
        .select_related("expert")
        .order_by("id")
    ):
        existing[a.candidate_id].append(a.expert)
    new = [
        Assignment(
            candidate=candidates[cid],
            expert=users[uid],
            source=Assignment.Source.SOLVER,
            assigned_by=by,
        )
        for cid, uids in by_candidate.items()
        for uid in uids
    ]
    created = Assignment.objects.bulk_create(new, batch_size=1000)
    tell(PROGRESS_SOLVED // 3)
    note = _("assignment solver, %(n)s reviewers per candidate") % {"n": reviewers}
    for done, (cid, uids) in enumerate(by_candidate.items(), start=1):
        before = existing[cid]
        after = [*before, *(users[uid] for uid in uids)]
        changes = {"reviewers": [_names(before) or None, _names(after)]}
        record("review.assigned", obj=candidates[cid], by=by, changes=changes, note=note)
        if done % 500 == 0:
            tell(PROGRESS_SOLVED // 3 + (PROGRESS_SOLVED * 2 // 3) * done // len(by_candidate))
    rows = plan_rows(preview, [s["candidate"] for s in preview["shortfalls"]])
    summary = [note, *(f"{r.candidate.title}: {r.shortfall}" for r in rows)]
    record(
        "review.assignment_solved",
        obj=cycle,
        by=by,
        changes={"assignments": [None, len(created)]},
        note="\n".join(summary),
    )
    experts_tell_assigned(created)
    locked.params = {
        **locked.params,
        "preview": {**preview, "saved_by": saved_by.pk if saved_by else True},
    }
    locked.save(update_fields=["params"])
    tell(PROGRESS_DONE)
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
