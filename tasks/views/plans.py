"""The plan of a task: filed by an implementer (or the locality), approved or returned with
a reason by the locality; and the plan section of the task page."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actors import Actor, AuthenticatedHttpRequest
from kernel.actions import form_action
from kernel.forms import ReasonForm
from proposals import rules as proposals_rules
from tasks import rules, selectors
from tasks.errors import TaskError
from tasks.forms.plans import MilestoneFormSet, PlanForm, TargetFormSet, kept_rows
from tasks.selectors import prefill as prefill_selectors
from tasks.services import plans as services
from tasks.views.common import task_for


@login_required
def plan_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Timetable, roadmap, milestones and targets on one page, filled from the current plan;
    with no plan yet, from the claimant's proposal and the list item (`selectors.prefill`)."""
    task = task_for(request, pk, rules.can_edit_plan, posted=rules.takes_part_in_plan)
    milestones, targets = selectors.plan_rows(task)
    data = request.POST if request.method == "POST" else None
    # A task with no plan yet starts from what its sources already say (一表多用); the
    # same suggestion on a post, so the rows posted line up with the rows shown.
    prefill = (
        prefill_selectors.plan_prefill(task) if prefill_selectors.plan_is_empty(task) else None
    )
    if prefill is not None:
        plan_initial = {"timetable": prefill.timetable, "roadmap": prefill.roadmap}
        milestone_initial = prefill.milestone_initial()
        target_initial = prefill.target_initial()
    else:
        plan_initial = {"timetable": task.timetable, "roadmap": task.roadmap}
        milestone_initial = [
            {"title": m.title, "due_on": m.due_on, "deliverable": m.deliverable, "weight": m.weight}
            for m in milestones
        ]
        target_initial = [
            {
                "indicator": t.indicator,
                "unit": t.unit,
                "baseline": t.baseline,
                "target_value": t.target_value,
                "due_on": t.due_on,
                "weight": t.weight,
            }
            for t in targets
        ]
    form = PlanForm(data, initial=plan_initial)
    milestone_set = MilestoneFormSet(data, prefix="milestones", initial=milestone_initial)
    target_set = TargetFormSet(data, prefix="targets", initial=target_initial)
    if data is not None:
        valid = [f.is_valid() for f in (form, milestone_set, target_set)]
        if all(valid):
            try:
                services.plan_save(
                    task=task,
                    by=request.user,
                    timetable=form.cleaned_data["timetable"],
                    roadmap=form.cleaned_data["roadmap"],
                    milestones=kept_rows(milestone_set),
                    targets=kept_rows(target_set),
                )
            except TaskError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Plan saved. Submit it when it is complete."))
                return redirect("tasks:task", task.pk)
        else:
            form.add_error(None, _("Some rows need correcting; see the messages beside them."))
    context = {
        "task": task,
        "form": form,
        "milestone_set": milestone_set,
        "target_set": target_set,
        "prefill": prefill,
        "proposal_url": _proposal_url(request.user, prefill),
    }
    return render(request, "tasks/plans/plan.html", context)


def _proposal_url(user: Actor, prefill: prefill_selectors.PlanPrefill | None) -> str:
    """The link to the proposal the plan was filled in from, for a user who may see it."""
    proposal = prefill.proposal if prefill is not None else None
    if proposal is None or not proposals_rules.can_view_proposal(user, proposal):
        return ""
    return reverse("proposals:proposal_detail", args=[proposal.pk])


@login_required
@require_POST
def plan_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.takes_part_in_plan)
    try:
        services.plan_submit(task=task, by=request.user)
    except TaskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Plan submitted to the locality for approval."))
    return redirect("tasks:task", task.pk)


@login_required
def plan_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page: once approved, the plan is what reports are measured against."""
    task = task_for(request, pk, rules.can_decide_plan, posted=rules.runs_task)
    if request.method == "POST":
        try:
            services.plan_approve(task=task, by=request.user)
        except TaskError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Plan approved."))
        return redirect("tasks:task", task.pk)
    return render(request, "tasks/plans/approve.html", {"task": task})


@login_required
def plan_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.can_decide_plan, posted=rules.runs_task)
    form = ReasonForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.plan_return(
            task=task, by=request.user, reason=form.cleaned_data["reason"]
        ),
        _("Plan returned to the implementers."),
    ):
        return redirect("tasks:task", task.pk)
    return render(request, "tasks/plans/return.html", {"task": task, "form": form})


urlpatterns = [
    path("<int:pk>/plan/", plan_edit, name="plan_edit"),
    path("<int:pk>/plan/submit/", plan_submit, name="plan_submit"),
    path("<int:pk>/plan/approve/", plan_approve, name="plan_approve"),
    path("<int:pk>/plan/return/", plan_return, name="plan_return"),
]


@dataclass
class PlanPart:
    line: selectors.PlanLine
    can_edit: bool
    can_decide: bool


def task_context(user: Actor, task: Any) -> dict[str, Any]:
    """What this part adds to the task page: `plan`."""
    return {
        "plan": PlanPart(
            line=next(selectors.plan_lines([task])),
            can_edit=rules.can_edit_plan(user, task),
            can_decide=rules.can_decide_plan(user, task),
        )
    }
