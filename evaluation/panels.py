"""The sections this stage adds to the task page (`tasks.panels`): the close-out and the
task's evaluations, in order. Each area fills in its own function."""

from typing import Any

from accounts.actors import Actor
from tasks import panels as task_panels
from tasks.models import Task


def close_out_panel(user: Actor, task: Task) -> dict[str, Any] | None:
    from evaluation.views.closeout import task_panel

    return task_panel(user, task)


def evaluations_panel(user: Actor, task: Task) -> dict[str, Any] | None:
    from evaluation.views.scoring import task_panel

    return task_panel(user, task)


def register_all() -> None:
    task_panels.register(close_out_panel)
    task_panels.register(evaluations_panel)
