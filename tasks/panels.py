"""Sections of the task page that later stages add (the close-out, the evaluations). Those
stages sit above `tasks` and `tasks` never imports them, so each registers a panel here from
its `AppConfig.ready`: a function of the viewer and the task that returns the panel's template
and context, or None when the viewer has nothing to see in it."""

from collections.abc import Callable
from typing import Any

from accounts.actors import Actor
from tasks.models import Task

Panel = Callable[[Actor, Task], dict[str, Any] | None]

_PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def panels_for(user: Actor, task: Task) -> list[dict[str, Any]]:
    """Each registered panel's context (with its `template`), in registration order."""
    found = []
    for panel in _PANELS:
        context = panel(user, task)
        if context is not None:
            found.append(context)
    return found
