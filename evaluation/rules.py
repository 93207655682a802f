"""Who may do what in evaluation and incentives (评估激励).

- Close-out (验收): an implementer of the task files the close-out report; the locality that
  runs the task confirms it and sends it up, or returns it; the national level accepts it or
  returns it. Drafts are the implementer's; once filed, whoever sees the task reads it.
- Evaluation: the national level commissions (484号 §三(四): "国家发展改革委、科技部及时委托第三方
  机构评估"); the evaluator — a user of the commissioned third-party institute — sees exactly the
  tasks of its commissions, read-only, and records visits, evidence and scores while the
  commission is in progress. The locality, the province over a zone and the implementers read
  a task's evaluation once the report is delivered.
- Outcomes and incentives are the national level's to distil and decide (§三(四)). A confirmed
  outcome is read by whoever sees one of its tasks; a decision by its beneficiary (the locality
  or the unit). The ranking and its formula are the national level's.
"""

from django.db.models import Q
from django.utils import timezone

from accounts.actors import Actor
from accounts.roles import evaluator_organisation, is_national
from accounts.visibility import EVALUATOR, IMPLEMENTER, NATIONAL, Grant, Visibility
from claims.rules import SPOKEN_FOR
from evaluation.models import (
    CloseOut,
    Commission,
    IncentiveDecision,
    Outcome,
    TaskEvaluation,
)
from regions.models import Organisation
from tasks.models import Task
from tasks.rules import IMPLEMENTED_BY, TASKS, runs_task

# Who may be commissioned (第三方机构): a dedicated evaluation body, or a research institute or
# university that evaluates (the third-party evaluations of the experiment regions in sources
# 000 and 002 were by such bodies, e.g. 国家科技评估中心). Which kinds qualify is the platform's
# rule; that none may evaluate a task it implements is the independence 484号 §三(四)'s
# "第三方" implies, and is enforced both ways (evaluation.services.commissions).
EVALUATING_KINDS = (
    Organisation.Kind.EVALUATOR,
    Organisation.Kind.INSTITUTE,
    Organisation.Kind.UNIVERSITY,
)

CLOSE_OUTS = TASKS.via(CloseOut, "task", when=~Q(state=CloseOut.State.DRAFT), exempt=(IMPLEMENTER,))
# The evaluator's reach: its commissions, and the tasks in their scope.
COMMISSIONS = Visibility(Commission, Grant(NATIONAL), Grant(EVALUATOR, "evaluator_id"))
EVALUATED_BY = Visibility(Task, Grant(EVALUATOR, "evaluations__commission__evaluator_id"))
# A task's evaluation: the national level and the evaluator at once; whoever sees the task
# once the commission's report is delivered.
TASK_EVALUATIONS = Visibility(
    TaskEvaluation,
    *TASKS.via(
        TaskEvaluation,
        "task",
        when=Q(commission__state=Commission.State.REPORTED),
        exempt=(NATIONAL,),
    ).grants,
    Grant(EVALUATOR, "commission__evaluator_id"),
)
OUTCOMES = TASKS.via(Outcome, "tasks", when=Q(state=Outcome.State.CONFIRMED), exempt=(NATIONAL,))
INCENTIVES = Visibility(
    IncentiveDecision,
    Grant(NATIONAL),
    *SPOKEN_FOR.via(IncentiveDecision, "claimant").grants,
    Grant(IMPLEMENTER, "organisation_id"),
)


# Close-out -----------------------------------------------------------------------------------


def can_view_close_out(user: Actor, close_out: CloseOut) -> bool:
    return CLOSE_OUTS.allows(user, close_out)


def files_close_out(user: Actor, task: Task) -> bool:
    """The state-free right to write the task's close-out report: an implementer of the task;
    or the locality running it, in the implementer's stead, when the task reached its expected
    end without ever getting going (no approved plan, or no implementing body) — so that it
    too can be closed, as not completed. The locality's part is the platform's rule."""
    if IMPLEMENTED_BY.allows(user, task):
        return True
    if not runs_task(user, task):
        return False
    never_started = task.plan_state != Task.PlanState.APPROVED or not task.implementers.exists()
    end = task.expected_end
    return never_started and end is not None and end < timezone.localdate()


def can_file_close_out(user: Actor, task: Task) -> bool:
    """An implementer of an open task whose plan was approved (there is something to close),
    or the locality for a task that never got going (`files_close_out`)."""
    if task.is_closed:
        return False
    if IMPLEMENTED_BY.allows(user, task):
        return task.plan_state == Task.PlanState.APPROVED
    return files_close_out(user, task)


def can_edit_close_out(user: Actor, close_out: CloseOut) -> bool:
    editable = (CloseOut.State.DRAFT, CloseOut.State.RETURNED)
    return close_out.state in editable and can_file_close_out(user, close_out.task)


def can_confirm_close_out(user: Actor, close_out: CloseOut) -> bool:
    """The locality confirms (and sends up) or returns what the implementer filed."""
    return close_out.state == CloseOut.State.SUBMITTED and runs_task(user, close_out.task)


def can_decide_close_out(user: Actor, close_out: CloseOut) -> bool:
    return close_out.state == CloseOut.State.CONFIRMED and is_national(user)


def can_list_close_outs(user: Actor) -> bool:
    return CLOSE_OUTS.filter_for(user) is not None


# Evaluation ----------------------------------------------------------------------------------


def can_commission(user: Actor) -> bool:
    return is_national(user)


def can_list_commissions(user: Actor) -> bool:
    return is_national(user) or evaluator_organisation(user) is not None


def can_view_commission(user: Actor, commission: Commission) -> bool:
    return COMMISSIONS.allows(user, commission)


def evaluates(user: Actor, commission: Commission) -> bool:
    """The user works for the commissioned institute."""
    return COMMISSIONS.only(EVALUATOR).allows(user, commission)


def can_work_on(user: Actor, commission: Commission) -> bool:
    """Visits, evidence, indicators' scores, findings: the evaluator, while in progress."""
    return commission.state == Commission.State.IN_PROGRESS and evaluates(user, commission)


def can_set_indicators(user: Actor, commission: Commission) -> bool:
    """The indicator system is the commissioning level's, agreed before scoring starts."""
    return (
        commission.state == Commission.State.IN_PROGRESS
        and is_national(user)
        and not commission.evaluations.filter(scores__isnull=False).exists()
    )


def can_view_task_evaluation(user: Actor, evaluation: TaskEvaluation) -> bool:
    return TASK_EVALUATIONS.allows(user, evaluation)


def can_view_evaluated_task(user: Actor, commission: Commission, task: Task) -> bool:
    """The evaluator's read-only view of a task in its commission's scope."""
    return can_view_commission(user, commission) and (
        is_national(user) or commission.evaluations.filter(task=task).exists()
    )


# Outcomes and incentives ---------------------------------------------------------------------


def can_manage_outcomes(user: Actor) -> bool:
    return is_national(user)


def can_view_outcome(user: Actor, outcome: Outcome) -> bool:
    return OUTCOMES.allows(user, outcome)


def can_list_outcomes(user: Actor) -> bool:
    return OUTCOMES.filter_for(user) is not None


def can_manage_incentives(user: Actor) -> bool:
    """Rankings, their formula, decisions and the priority-support register."""
    return is_national(user)


def can_view_incentive(user: Actor, decision: IncentiveDecision) -> bool:
    return INCENTIVES.allows(user, decision)


def can_list_incentives(user: Actor) -> bool:
    return INCENTIVES.filter_for(user) is not None


def can_open_stage(user: Actor) -> bool:
    """Anyone with a part in close-out, evaluation or incentives (the stage's menu entry)."""
    return (
        can_list_close_outs(user)
        or can_list_commissions(user)
        or can_list_outcomes(user)
        or can_list_incentives(user)
    )
