from typing import Any

from accounts.actors import Actor
from tasks.models import Task


def task_panel(user: Actor, task: Task) -> dict[str, Any] | None:
    return None
