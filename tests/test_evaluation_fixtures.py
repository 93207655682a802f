"""Shared makings of the evaluation tests (no tests here).

`close_task(world, users)`: bring a task of `tests.test_tasks_fixtures.task_world` to an
accepted close-out through the real services — the implementer files the report, the locality
confirms it, the national level accepts it — so the task is closed (`Task.closure`) and can be
evaluated. By default it closes `world.sichuan_tasks[0]` (the `implementer` user's, with an
approved plan); `task=` closes another (an implementer and an approved plan are set up first
when it has none); the first argument may also be the task itself. `result="not_completed"`
closes it as not completed. Calling it again on a closed task returns its close-out; a
close-out already under way is carried on from where it stands. A Guangdong task gets an
implementer user of its lead organisation (`implementer-<task id>`) to file with.
"""

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from accounts.models import Role, User
from evaluation.models import CloseOut
from evaluation.services import closeout as services
from tasks.models import Implementer, Task
from tasks.rules import IMPLEMENTED_BY
from tasks.selectors import claimant_coordinators
from tasks.services import plans
from tests.test_tasks_fixtures import approved_plan

SUMMARY = "完成技术经理人培育，形成全程参与的科技成果转化服务模式。"


def implementer_of(task: Task, users: dict[str, User]) -> User:
    """An implementer user of the task, naming one (and approving a plan) when it has none."""
    found = IMPLEMENTED_BY.audience(task).order_by("pk").first()
    if found is None:
        locality = claimant_coordinators(task.claimant).order_by("pk").first()
        assert locality is not None
        organisation = users["implementer"].organisation
        assert organisation is not None
        if task.claimant.division_id != organisation.division.province_id:
            lead = Implementer.objects.filter(task=task, lead=True).first()
            if lead is not None:
                organisation = lead.organisation
            else:
                from tasks.selectors import organisations_for

                organisation = organisations_for(task.claimant).first()
                assert organisation is not None
        if not Implementer.objects.filter(task=task, organisation=organisation).exists():
            if not task.responsible_person:
                plans.task_update(task=task, by=locality, responsible_person="李四")
            plans.implementer_add(task=task, by=locality, organisation=organisation, lead=True)
        found = IMPLEMENTED_BY.audience(task).order_by("pk").first()
        if found is None:
            found = User.objects.create(
                username=f"implementer-{task.pk}",
                role=Role.IMPLEMENTER,
                organisation=organisation,
            )
    task = Task.objects.get(pk=task.pk)
    if task.plan_state != Task.PlanState.APPROVED:
        locality = claimant_coordinators(task.claimant).order_by("pk").first()
        approved_plan(task, locality, found)
    return found


def close_task(
    world: Any,
    users: dict[str, User],
    task: Task | None = None,
    *,
    result: str = "completed",
) -> CloseOut:
    """The task's close-out, accepted: the task is closed as `result` today."""
    if isinstance(world, Task):
        task = world
    elif task is None:
        assert isinstance(world, SimpleNamespace)
        task = world.sichuan_tasks[0]
    assert task is not None
    task = Task.objects.get(pk=task.pk)
    implementer = implementer_of(task, users)
    task = Task.objects.get(pk=task.pk)
    locality = claimant_coordinators(task.claimant).order_by("pk").first()
    assert locality is not None
    completed = result == CloseOut.Result.COMPLETED
    today = timezone.localdate()
    targets = [
        services.TargetRow(target.pk, target.target_value if completed else Decimal(50))
        for target in task.targets.all()
    ]
    existing = CloseOut.objects.filter(task=task).first()
    if existing is not None and existing.state == CloseOut.State.ACCEPTED:
        return existing  # already closed: calling twice is harmless
    close_out = existing
    if existing is None or existing.state in (CloseOut.State.DRAFT, CloseOut.State.RETURNED):
        close_out = services.closeout_save(
            task=task,
            by=implementer,
            summary=SUMMARY,
            result=result,
            cases="成都技术经理人服务站案例",
            proposed_outcomes="技术经理人全程参与成果转化",
            not_completed_reason="" if completed else "试点条件发生变化，未能按期完成",
            targets=targets,
            milestones=[
                services.MilestoneRow(m.pk, "done", min(m.due_on, today))
                if completed
                else services.MilestoneRow(m.pk, m.status, m.done_on)
                for m in task.milestones.all()
            ],
        )
        close_out = services.closeout_submit(close_out=close_out, by=implementer)
    assert close_out is not None
    if close_out.state == CloseOut.State.SUBMITTED:
        close_out = services.closeout_confirm(close_out=close_out, by=locality)
    close_out = services.closeout_accept(close_out=close_out, by=users["national"])
    return CloseOut.objects.select_related("task").get(pk=close_out.pk)
