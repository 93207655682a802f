"""The task list and the task page; the page gathers what each part of implementation adds."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from accounts import permissions
from proposals.views.common import require
from tasks import selectors
from tasks.views import plans, reports, supervision


@login_required
@require(permissions.can_list_tasks)
def index(request: HttpRequest) -> HttpResponse:
    tasks = selectors.tasks_visible_to(request.user)
    return render(request, "tasks/index.html", {"tasks": tasks})


@login_required
def task_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    task = selectors.task_get_for_user(user, pk)
    context: dict[str, Any] = {"task": task}
    for part in (plans, reports, supervision):
        context.update(part.task_context(user, task))
    return render(request, "tasks/task.html", context)


urlpatterns = [
    path("", index, name="index"),
    path("<int:pk>/", task_page, name="task"),
]
