"""Who may do what in implementation (实施): tasks, plans, reports, help, supervision."""

from typing import Any

from django.db.models import Q

from accounts.actors import Actor
from accounts.roles import implementer_organisation, is_national
from accounts.visibility import IMPLEMENTER, NATIONAL, PROVINCE, REGION_GROUP, Grant, Visibility
from claims.rules import CLAIMANTS, speaks_for_a_claimant
from tasks.models import HelpRequest, Inspection, ProgressReport, Task, ToleranceFiling

# Implementation -----------------------------------------------------------------------------
# The locality that claimed a measure runs its task: names implementers and the responsible
# person, approves or returns the plan, answers help requests addressed to it, inspects, and
# decides fault-tolerance filings. Implementers (users of an implementing organisation) see
# only the tasks their organisation implements: they file the plan, the reports and the
# filings. The national coordinator sees every task, answers what is escalated to it and
# inspects, but does not approve plans or decide filings: those are the locality's.

TASKS = Visibility(
    Task,
    *CLAIMANTS.via(Task, "claimant").grants,
    Grant(IMPLEMENTER, "implementers__organisation_id"),
)
RUN_BY = TASKS.only(PROVINCE, REGION_GROUP)  # who speaks for the locality that claimed it
IMPLEMENTED_BY = TASKS.only(IMPLEMENTER)
# A report is the implementer's draft until submitted; then whoever sees the task reads it.
REPORTS = TASKS.via(
    ProgressReport,
    "task",
    when=Q(state=ProgressReport.State.SUBMITTED),
    exempt=(IMPLEMENTER,),
)
HELP_REQUESTS = TASKS.via(HelpRequest, "task")
INSPECTIONS = TASKS.via(Inspection, "task")
FILINGS = TASKS.via(ToleranceFiling, "task")
COORDINATORS = (NATIONAL, PROVINCE, REGION_GROUP)


def is_task_implementer(user: Actor, task: Task) -> bool:
    return IMPLEMENTED_BY.allows(user, task)


def runs_task(user: Actor, task: Task) -> bool:
    """The user speaks for the locality that claimed the task."""
    return RUN_BY.allows(user, task)


def can_list_tasks(user: Actor) -> bool:
    return (
        is_national(user)
        or speaks_for_a_claimant(user)
        or implementer_organisation(user) is not None
    )


def can_view_task(user: Actor, task: Task) -> bool:
    return TASKS.allows(user, task)


def can_manage_task(user: Actor, task: Any) -> bool:
    """Implementers, responsible person, landmark flag and weight."""
    return runs_task(user, task)


def can_edit_plan(user: Actor, task: Any) -> bool:
    editable = (task.PlanState.DRAFT, task.PlanState.RETURNED)
    return task.plan_state in editable and (
        runs_task(user, task) or is_task_implementer(user, task)
    )


def can_decide_plan(user: Actor, task: Any) -> bool:
    return runs_task(user, task) and task.plan_state == task.PlanState.SUBMITTED


def can_report(user: Actor, task: Any) -> bool:
    return task.plan_state == task.PlanState.APPROVED and is_task_implementer(user, task)


def can_view_report(user: Actor, report: ProgressReport) -> bool:
    """Drafts are the implementer's until submitted."""
    return REPORTS.allows(user, report)


def can_request_help(user: Actor, task: Any) -> bool:
    return is_task_implementer(user, task)


def can_answer_help(user: Actor, request: Any) -> bool:
    if request.state != request.State.OPEN:
        return False
    if request.level == request.Level.NATIONAL:
        return is_national(user)
    return runs_task(user, request.task)


def can_escalate_help(user: Actor, request: Any) -> bool:
    """A locality passes up what it cannot act on itself."""
    return (
        request.state == request.State.OPEN
        and request.level == request.Level.LOCALITY
        and runs_task(user, request.task)
    )


def can_view_dispatch(user: Actor) -> bool:
    return is_national(user) or speaks_for_a_claimant(user)


def can_bulk_update_tasks(user: Actor) -> bool:
    """Coordinators; each row is still checked against the user's own tasks."""
    return is_national(user) or speaks_for_a_claimant(user)


def can_inspect(user: Actor, task: Any) -> bool:
    return is_national(user) or runs_task(user, task)


def can_follow_up(user: Actor, inspection: Any) -> bool:
    if inspection.state != inspection.State.OPEN:
        return False
    return can_inspect(user, inspection.task) or is_task_implementer(user, inspection.task)


def can_close_inspection(user: Actor, inspection: Any) -> bool:
    return inspection.state == inspection.State.OPEN and can_inspect(user, inspection.task)


def can_file_tolerance(user: Actor, task: Any) -> bool:
    return is_task_implementer(user, task)


def can_decide_tolerance(user: Actor, filing: Any) -> bool:
    return filing.state == filing.State.PENDING and runs_task(user, filing.task)


def can_list_tolerance_filings(user: Actor) -> bool:
    """The localities decide filings; the national coordinator reads them all."""
    return is_national(user) or speaks_for_a_claimant(user)


def can_view_task_lists(user: Actor) -> bool:
    """The three lists per claimant and the progress overview: coordinators (a locality its
    own claimants); implementers have the task index instead."""
    return is_national(user) or speaks_for_a_claimant(user)


# State-free rights --------------------------------------------------------------------------
# The part a user plays in an action, whatever state the object is in now. A service checks
# these under its lock and then the state, with a message the user can act on: a double click
# or a colleague who acted first is a change of state, not a missing right.


def takes_part_in_plan(user: Actor, task: Any) -> bool:
    """`can_edit_plan` without the state: the locality running the task, or an implementer."""
    return runs_task(user, task) or is_task_implementer(user, task)


def answers_help_at_level(user: Actor, request: Any) -> bool:
    """`can_answer_help` without the state: whoever answers at the level the request is at."""
    if request.level == request.Level.NATIONAL:
        return is_national(user)
    return runs_task(user, request.task)
