"""Every permission of the app, decided here and nowhere else.

Each right is a function of the user (and the object it concerns). Services call these before
they write; selectors use the `*_scope` helpers to filter what a user may see at all.
"""

from typing import TYPE_CHECKING, Any

from accounts.models import Role

if TYPE_CHECKING:
    from proposals.models import Proposal, Suggestion


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_national(user: Any) -> bool:
    return _active(user) and user.role == Role.NATIONAL


def province_of(user: Any) -> Any:
    """The province-level locality a locality coordinator speaks for, if any."""
    if not _active(user) or user.role != Role.LOCALITY or user.division_id is None:
        return None
    return user.division if user.division.is_province else None


def is_province_coordinator(user: Any) -> bool:
    return province_of(user) is not None


def innovation_body_locality(user: Any) -> Any:
    """The province an innovation body sends its suggestions to."""
    if not _active(user) or user.role != Role.INNOVATION_BODY or user.organisation_id is None:
        return None
    division = user.organisation.division
    return division.province or division


# Cycles -------------------------------------------------------------------------------------


def can_manage_cycles(user: Any) -> bool:
    return is_national(user)


def can_grant_extension(user: Any) -> bool:
    return is_national(user)


# Suggestions --------------------------------------------------------------------------------


def can_submit_suggestion(user: Any) -> bool:
    return innovation_body_locality(user) is not None


def can_view_suggestion(user: Any, suggestion: "Suggestion") -> bool:
    if is_province_coordinator(user):
        return bool(suggestion.locality_id == user.division_id)
    if innovation_body_locality(user) is not None:
        return bool(suggestion.organisation_id == user.organisation_id)
    return False


def can_handle_suggestion(user: Any, suggestion: "Suggestion") -> bool:
    return is_province_coordinator(user) and suggestion.locality_id == user.division_id


# Proposals ----------------------------------------------------------------------------------


def can_create_proposal(user: Any) -> bool:
    return is_province_coordinator(user)


def _own_locality(user: Any, proposal: "Proposal") -> bool:
    return is_province_coordinator(user) and proposal.locality_id == user.division_id


def can_view_proposal(user: Any, proposal: "Proposal") -> bool:
    # Drafts are private to their locality; the centre sees what was submitted to it.
    if _own_locality(user, proposal):
        return True
    return is_national(user) and proposal.state != proposal.State.DRAFT


def can_edit_proposal(user: Any, proposal: "Proposal") -> bool:
    editable = (proposal.State.DRAFT, proposal.State.RETURNED)
    return _own_locality(user, proposal) and proposal.state in editable


def can_delete_proposal(user: Any, proposal: "Proposal") -> bool:
    return _own_locality(user, proposal) and proposal.state == proposal.State.DRAFT


def can_submit_proposal(user: Any, proposal: "Proposal") -> bool:
    return can_edit_proposal(user, proposal)


def can_return_proposal(user: Any, proposal: "Proposal") -> bool:
    return is_national(user) and proposal.state == proposal.State.SUBMITTED


def can_import_proposals(user: Any) -> bool:
    return is_province_coordinator(user)


def can_list_proposals(user: Any) -> bool:
    return is_national(user) or is_province_coordinator(user)


# Merging ------------------------------------------------------------------------------------
# Merging similar proposals (合并同类项) is the national coordinator's alone: running the
# suggestions, accepting, splitting, joining and ignoring groups, merging a hand-picked set,
# promoting single proposals, undoing a merge, and the candidate list and its export. A
# province only reads the candidates its own proposals went into.


def can_merge(user: Any) -> bool:
    return is_national(user)


def can_list_candidates(user: Any) -> bool:
    return is_national(user)


def can_view_candidate(user: Any, candidate: Any) -> bool:
    if is_national(user):
        return True
    locality = province_of(user)
    return locality is not None and candidate.sources.filter(locality=locality).exists()


# Expert review ------------------------------------------------------------------------------
# Expert review (专家论证, 不见面评审): the national coordinator keeps the expert pool, assigns
# reviewers (and overrides the solver, with a reason), and reads the results. An expert sees
# and writes only the reviews assigned to them, and a submitted review is locked. Localities
# see no review scores at all, not even the aggregate of their own candidates: they follow
# what their proposal became through merging and the published list.


def is_expert(user: Any) -> bool:
    return _active(user) and user.role == Role.EXPERT


def can_manage_expert_pool(user: Any) -> bool:
    return is_national(user)


def can_assign_reviewers(user: Any) -> bool:
    return is_national(user)


def can_view_review_results(user: Any) -> bool:
    return is_national(user)


def can_list_own_reviews(user: Any) -> bool:
    return is_expert(user)


def can_view_assignment(user: Any, assignment: Any) -> bool:
    """The coordinator, and the expert it is assigned to; nobody else learns it exists."""
    return is_national(user) or (is_expert(user) and assignment.expert_id == user.pk)


def can_write_review(user: Any, assignment: Any, review: Any) -> bool:
    """The assigned expert, until the review (None: not started yet) is submitted."""
    own = is_expert(user) and assignment.expert_id == user.pk
    return own and (review is None or review.state == review.State.DRAFT)


def can_change_assignment(user: Any, review: Any) -> bool:
    """Remove or replace a reviewer: the coordinator, unless the review is already submitted."""
    return is_national(user) and (review is None or review.state == review.State.DRAFT)


# Annual lists -------------------------------------------------------------------------------
# The annual list (年度全面改革创新举措清单) is drafted, sent to the ministries concerned for
# opinions (征求意见) and published by the national coordinator alone. A published version is
# public: anyone, logged in or not, reads it, downloads it and compares it with the other
# published versions. Drafts, versions out for opinions and the consultations stay with the
# coordinator. A published version never changes; a revision is a new version, drafted from
# the latest published one, and only one version of a list is open at a time.


def can_manage_lists(user: Any) -> bool:
    return is_national(user)


def can_view_list_version(user: Any, version: Any) -> bool:
    return version.state == version.State.PUBLISHED or can_manage_lists(user)


def can_edit_list_version(user: Any, version: Any) -> bool:
    """Choose, order and edit the measures and the details of a version not yet published."""
    return can_manage_lists(user) and version.state != version.State.PUBLISHED


def can_send_list_for_opinions(user: Any, version: Any) -> bool:
    return can_manage_lists(user) and version.state == version.State.DRAFT


def can_record_consultation(user: Any, version: Any) -> bool:
    return can_manage_lists(user) and version.state == version.State.CONSULTING


def can_publish_list_version(user: Any, version: Any) -> bool:
    # A version is published only after the ministries concerned were asked.
    return can_manage_lists(user) and version.state == version.State.CONSULTING


def can_discard_list_version(user: Any, version: Any) -> bool:
    # Once out for opinions, a version and its consultations are part of the record.
    return can_manage_lists(user) and version.state == version.State.DRAFT


def can_revise_list(user: Any, latest: Any) -> bool:
    """Start a revision: `latest` is the list's newest version, which must be published."""
    return can_manage_lists(user) and latest.state == latest.State.PUBLISHED


# Programmes and claims ----------------------------------------------------------------------
# Claiming (悬榜揭榜), for the annual list and the zone policy pilots alike. The national
# coordinator creates a programme, sets its items and eligible claimants, opens and closes the
# claim window, reads the aggregated result and issues the task notices. A claimant is a
# province (spoken for by its province coordinator) or a region group (experiment region or
# demonstration zone, spoken for by a locality coordinator scoped to that group). A claimant
# sees an open or closed programme it is eligible for, claims and withdraws only its own
# claims while the window is open, and reads only its own notice. Nobody else learns that a
# programme exists.


def speaks_for_claimant(user: Any, claimant: Any) -> bool:
    if not _active(user) or user.role != Role.LOCALITY:
        return False
    if claimant.division_id is not None:
        return is_province_coordinator(user) and claimant.division_id == user.division_id
    return user.region_group_id is not None and claimant.region_group_id == user.region_group_id


def claimant_scope(user: Any) -> dict[str, int] | None:
    """The lookup of the claimants a user speaks for (`{"division_id": …}` or
    `{"region_group_id": …}`), or None when the user speaks for none."""
    if not _active(user) or user.role != Role.LOCALITY:
        return None
    if is_province_coordinator(user):
        return {"division_id": user.division_id}
    if user.region_group_id is not None:
        return {"region_group_id": user.region_group_id}
    return None


def can_manage_programmes(user: Any) -> bool:
    return is_national(user)


def can_list_programmes(user: Any) -> bool:
    return is_national(user) or claimant_scope(user) is not None


def can_edit_programme(user: Any, programme: Any) -> bool:
    """Items and claimants: while the programme is a draft (claimants also while open)."""
    return is_national(user) and programme.state == programme.State.DRAFT


def can_set_claimants(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state != programme.State.CLOSED


def can_open_programme(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.DRAFT


def can_close_programme(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.OPEN


def can_view_results(user: Any, programme: Any) -> bool:
    # Claimants see their own claims only, never the table of everybody's.
    return is_national(user)


def can_claim(user: Any, claimant: Any) -> bool:
    """Claim or withdraw for `claimant` (the dates of the window are the service's rule)."""
    programme = claimant.programme
    return speaks_for_claimant(user, claimant) and programme.state == programme.State.OPEN


def can_issue_notices(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.CLOSED


def can_view_notice(user: Any, notice: Any) -> bool:
    return is_national(user) or speaks_for_claimant(user, notice.claimant)


def can_correct_notice(user: Any, notice: Any) -> bool:
    return is_national(user)


# Implementation -----------------------------------------------------------------------------
# The locality that claimed a measure runs its task: names implementers and the responsible
# person, approves or returns the plan, answers help requests addressed to it, inspects, and
# decides fault-tolerance filings. Implementers (users of an implementing organisation) see
# only the tasks their organisation implements: they file the plan, the reports and the
# filings. The national coordinator sees every task, answers what is escalated to it and
# inspects, but does not approve plans or decide filings: those are the locality's.


def implementer_organisation(user: Any) -> int | None:
    if not _active(user) or user.role != Role.IMPLEMENTER:
        return None
    return user.organisation_id


def is_task_implementer(user: Any, task: Any) -> bool:
    organisation = implementer_organisation(user)
    if organisation is None:
        return False
    return bool(task.implementers.filter(organisation_id=organisation).exists())


def runs_task(user: Any, task: Any) -> bool:
    """The user speaks for the locality that claimed the task."""
    return speaks_for_claimant(user, task.claimant)


def can_list_tasks(user: Any) -> bool:
    return (
        is_national(user)
        or claimant_scope(user) is not None
        or implementer_organisation(user) is not None
    )


def can_view_task(user: Any, task: Any) -> bool:
    return is_national(user) or runs_task(user, task) or is_task_implementer(user, task)


def can_manage_task(user: Any, task: Any) -> bool:
    """Implementers, responsible person, landmark flag and weight."""
    return runs_task(user, task)


def can_edit_plan(user: Any, task: Any) -> bool:
    editable = (task.PlanState.DRAFT, task.PlanState.RETURNED)
    return task.plan_state in editable and (
        runs_task(user, task) or is_task_implementer(user, task)
    )


def can_decide_plan(user: Any, task: Any) -> bool:
    return runs_task(user, task) and task.plan_state == task.PlanState.SUBMITTED


def can_report(user: Any, task: Any) -> bool:
    return task.plan_state == task.PlanState.APPROVED and is_task_implementer(user, task)


def can_view_report(user: Any, report: Any) -> bool:
    """Drafts are the implementer's until submitted."""
    if is_task_implementer(user, report.task):
        return True
    submitted = report.state == report.State.SUBMITTED
    return submitted and (is_national(user) or runs_task(user, report.task))


def can_request_help(user: Any, task: Any) -> bool:
    return is_task_implementer(user, task)


def can_answer_help(user: Any, request: Any) -> bool:
    if request.state != request.State.OPEN:
        return False
    if request.level == request.Level.NATIONAL:
        return is_national(user)
    return runs_task(user, request.task)


def can_escalate_help(user: Any, request: Any) -> bool:
    """A locality passes up what it cannot act on itself."""
    return (
        request.state == request.State.OPEN
        and request.level == request.Level.LOCALITY
        and runs_task(user, request.task)
    )


def can_view_dispatch(user: Any) -> bool:
    return is_national(user) or claimant_scope(user) is not None


def can_bulk_update_tasks(user: Any) -> bool:
    """Coordinators; each row is still checked against the user's own tasks."""
    return is_national(user) or claimant_scope(user) is not None


def can_inspect(user: Any, task: Any) -> bool:
    return is_national(user) or runs_task(user, task)


def can_follow_up(user: Any, inspection: Any) -> bool:
    if inspection.state != inspection.State.OPEN:
        return False
    return can_inspect(user, inspection.task) or is_task_implementer(user, inspection.task)


def can_close_inspection(user: Any, inspection: Any) -> bool:
    return inspection.state == inspection.State.OPEN and can_inspect(user, inspection.task)


def can_file_tolerance(user: Any, task: Any) -> bool:
    return is_task_implementer(user, task)


def can_decide_tolerance(user: Any, filing: Any) -> bool:
    return filing.state == filing.State.PENDING and runs_task(user, filing.task)


def can_move_closing_date(user: Any, programme: Any) -> bool:
    """While claims are open, the closing date is the one thing the coordinator may move."""
    return is_national(user) and programme.state == programme.State.OPEN


def can_list_tolerance_filings(user: Any) -> bool:
    """The localities decide filings; the national coordinator reads them all."""
    return is_national(user) or claimant_scope(user) is not None


def can_view_task_lists(user: Any) -> bool:
    """The three lists per claimant and the progress overview: coordinators (a locality its
    own claimants); implementers have the task index instead."""
    return is_national(user) or claimant_scope(user) is not None


# State-free rights --------------------------------------------------------------------------
# The part a user plays in an action, whatever state the object is in now. A service checks
# these under its lock and then the state, with a message the user can act on: a double click
# or a colleague who acted first is a change of state, not a missing right.


def takes_part_in_plan(user: Any, task: Any) -> bool:
    """`can_edit_plan` without the state: the locality running the task, or an implementer."""
    return runs_task(user, task) or is_task_implementer(user, task)


def answers_help_at_level(user: Any, request: Any) -> bool:
    """`can_answer_help` without the state: whoever answers at the level the request is at."""
    if request.level == request.Level.NATIONAL:
        return is_national(user)
    return runs_task(user, request.task)
