"""What every implementation page does first: find the task within the user's scope."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tasks import selectors
from tasks.models import Task

Right = Callable[[Any, Task], bool]


def task_for(request: HttpRequest, pk: int, check: Right, *, posted: Right | None = None) -> Task:
    """404 outside the user's scope, 403 when the user sees the task but may not act.

    `posted` is the state-free right a POST is checked with instead of `check`: the service
    checks the state under its lock and says what changed. Otherwise a double click, or a
    colleague who acted first, would get a bare refusal for a right the user still has."""
    task = selectors.task_get_for_user(request.user, pk)
    right = posted if posted is not None and request.method == "POST" else check
    if not right(request.user, task):
        raise PermissionDenied
    return task
