"""Who may do what in implementation (实施): tasks, plans, reports, help, supervision."""

from typing import Any

from django.db.models import Q

from accounts.actors import Actor
from accounts.roles import implementer_organisation, is_national
from accounts.visibility import IMPLEMENTER, NATIONAL, PROVINCE, REGION_GROUP, Grant, Visibility
from claims.rules import CLAIMANTS, SPOKEN_FOR, speaks_for_a_claimant
from regions.models import RegionGroup
from tasks.models import HelpRequest, Inspection, ProgressReport, Task, ToleranceFiling

# Implementation -----------------------------------------------------------------------------
# The locality that claimed a measure runs its task: names implementers and the responsible
# person, approves or returns the plan, answers help requests addressed to it, inspects, and
# decides fault-tolerance filings. Implementers (users of an implementing organisation) see
# only the tasks their organisation implements: they file the plan, the reports and the
# filings. The national coordinator sees every task, answers what is escalated to it and
# inspects, but does not approve plans or decide filings: those are the locality's.
#
# Layered implementation (分层推进, 省地协同): a province oversees the national demonstration
# zones on its territory. It sees their tasks with everything under them (plans, reports,
# dispatch, help requests, inspections, filings) and may inspect them (督查), but does not run
# them: the zone's own coordinator names the implementers, approves the plans, answers the
# help addressed to the locality and decides the filings. Sources: 发改高技〔2021〕484号 §四
# ("建立省份、重点城市、试点单位分层推进机制"); the 2024 zone policy pilot (source 003): 江苏
# "建立省地协同推进机制……省地协同，按季调度", 广东 "督促指导各有关地市……不定期开展督查".
# Limiting it to demonstration zones is the platform's rule: the reference data ties each zone
# to its province (regions.reference.load_groups), while experiment regions may span several
# provinces and are not overseen this way.

# The locality that claimed the task: its province's coordinators, or its region group's.
RUN_BY = SPOKEN_FOR.via(Task, "claimant")
# The province a demonstration zone lies in, over the zone's tasks.
OVERSEEN_BY = Visibility(
    Task,
    Grant(
        PROVINCE,
        "claimant__region_group__divisions__province_id",
        when=Q(claimant__region_group__kind=RegionGroup.Kind.DEMONSTRATION_ZONE),
    ),
)
TASKS = Visibility(
    Task,
    *CLAIMANTS.via(Task, "claimant").grants,
    *OVERSEEN_BY.grants,
    Grant(IMPLEMENTER, "implementers__organisation_id"),
)
IMPLEMENTED_BY = TASKS.only(IMPLEMENTER)
_NATIONAL = TASKS.only(NATIONAL).grants
# Who inspects (督查): the national level, the locality running the task, the overseeing province.
INSPECTED_BY = Visibility(Task, *_NATIONAL, *RUN_BY.grants, *OVERSEEN_BY.grants)
# Who reads a submitted report and marks it read (已阅): the locality running the task and the
# province overseeing a demonstration zone's task, the coordinators a report is sent to.
REVIEWED_BY = Visibility(Task, *RUN_BY.grants, *OVERSEEN_BY.grants)
# Who corrects a task's figures from a sheet: the national level and the locality running it.
UPDATED_IN_BULK_BY = Visibility(Task, *_NATIONAL, *RUN_BY.grants)
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


def oversees_task(user: Actor, task: Task) -> bool:
    """The user coordinates the province the task's demonstration zone lies in (分层推进)."""
    return OVERSEEN_BY.allows(user, task)


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
    return (
        task.plan_state in editable
        and not task.is_closed
        and (runs_task(user, task) or is_task_implementer(user, task))
    )


def can_decide_plan(user: Actor, task: Any) -> bool:
    return runs_task(user, task) and task.plan_state == task.PlanState.SUBMITTED


def can_report(user: Actor, task: Any) -> bool:
    """Reports are filed while the task is implemented, not after its close-out (验收)."""
    approved = task.plan_state == task.PlanState.APPROVED
    return approved and not task.is_closed and is_task_implementer(user, task)


def can_view_report(user: Actor, report: ProgressReport) -> bool:
    """Drafts are the implementer's until submitted."""
    return REPORTS.allows(user, report)


def reviews_reports_of(user: Actor, task: Any) -> bool:
    """`can_review_report` without the state: the locality running or overseeing the task."""
    return REVIEWED_BY.allows(user, task)


def can_review_report(user: Actor, report: Any) -> bool:
    """Marking a submitted report as read (已阅), once (a platform rule, 平台规则)."""
    return (
        report.state == report.State.SUBMITTED
        and report.reviewed_at is None
        and reviews_reports_of(user, report.task)
    )


def can_request_help(user: Actor, task: Any) -> bool:
    """While the task is implemented: a closed task has nothing left to coordinate."""
    return not task.is_closed and is_task_implementer(user, task)


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
    """Coordinators; each row is still checked against the tasks the user may update
    (`UPDATED_IN_BULK_BY`: not those a province only oversees)."""
    return is_national(user) or speaks_for_a_claimant(user)


def can_bulk_update_task(user: Actor, task: Any) -> bool:
    return UPDATED_IN_BULK_BY.allows(user, task)


def can_inspect(user: Actor, task: Any) -> bool:
    """The national level, the locality running the task, and the province overseeing a
    demonstration zone's task (484号 §四; 003: 广东 "不定期开展督查")."""
    return INSPECTED_BY.allows(user, task)


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
    """The localities decide filings; the national coordinator reads them all, and a province
    those of the zones it oversees."""
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
