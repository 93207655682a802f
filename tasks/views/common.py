"""What every implementation page does first: find the task within the user's scope."""

from collections.abc import Callable

from django.http import HttpRequest

from accounts.actors import Actor
from kernel.access import object_for
from tasks import selectors
from tasks.models import Task

Right = Callable[[Actor, Task], bool]


def task_for(request: HttpRequest, pk: int, check: Right, *, posted: Right | None = None) -> Task:
    """The task, fetched and authorised in one step (`kernel.access.object_for`): 404 outside
    the user's scope, 403 when the user sees it but may not act; a POST is checked with the
    state-free right `posted` where one is given."""
    return object_for(request, selectors.task_get_for_user, pk, check, posted=posted)
