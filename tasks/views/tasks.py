"""The task index, the task page and the locality's set-up of a task (responsible person,
implementers); the page gathers what each part of implementation adds."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from kernel.access import require
from kernel.actions import form_action
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters
from tasks import jobs as export_jobs
from tasks import rules, selectors
from tasks.errors import TaskError
from tasks.forms.lists import TaskFilterForm
from tasks.forms.plans import ImplementerEditForm, ImplementerForm, TaskSetupForm
from tasks.models import Task
from tasks.panels import panels_for
from tasks.services import plans as services
from tasks.views import plans, reports, supervision
from tasks.views.common import task_for


@login_required
@require(rules.can_list_tasks)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = TaskFilterForm(request.GET or None, user=request.user)
    tasks = selectors.task_list(request.user, filters.params())
    context = {
        "filters": filters,
        "page": paginate(request, tasks),
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_lists": rules.can_view_task_lists(request.user),
        "can_tolerance": rules.can_list_tolerance_filings(request.user),
        "can_bulk_update": rules.can_bulk_update_tasks(request.user),
    }
    return render(request, "tasks/index.html", context)


@login_required
@require(rules.can_list_tasks)
def index_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the export (a background job) and show its page, which offers the file."""
    filters = TaskFilterForm(request.GET or None, user=request.user)
    job = export_jobs.index_export_start(
        by=request.user, params=filters.params(), shown=form_filters(filters)
    )
    return redirect("jobs:job_detail", job.pk)


@login_required
def task_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    task = selectors.task_get_for_user(user, pk)
    context: dict[str, Any] = {
        "task": task,
        "implementers": selectors.task_implementers(task),
        "entries": selectors.task_history(task),
        "can_manage": rules.can_manage_task(user, task),
        "oversees": rules.oversees_task(user, task),
    }
    for part in (plans, reports, supervision):
        context.update(part.task_context(user, task))
    context["panels"] = panels_for(user, task)
    return render(request, "tasks/task.html", context)


@login_required
def task_setup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.can_manage_task)
    form = TaskSetupForm(request.POST or None, instance=selectors.task_fresh(task))
    if form_action(
        request,
        form,
        lambda: services.task_update(
            task=task,
            by=request.user,
            **{name: form.cleaned_data[name] for name in TaskSetupForm.Meta.fields},
        ),
        _("Task saved."),
    ):
        return redirect("tasks:task", task.pk)
    return render(
        request, "tasks/plans/form.html", {"form": form, "task": task, "heading": _("Set up")}
    )


def _add_implementer(request: HttpRequest, task: Task, data: dict[str, Any]) -> None:
    common = {
        "task": task,
        "by": request.user,
        "lead": data["lead"],
        "responsibility": data["responsibility"],
    }
    if data.get("organisation"):
        services.implementer_add(organisation=data["organisation"], **common)
    else:
        services.implementer_add_new(
            name=data["new_name"],
            kind=data["new_kind"],
            division=data.get("new_division"),
            **common,
        )


@login_required
def implementer_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    task = task_for(request, pk, rules.can_manage_task)
    form = ImplementerForm(
        request.POST or None,
        organisations=selectors.organisations_for(task.claimant).exclude(
            pk__in=task.implementers.values("organisation")
        ),
        divisions=selectors.divisions_for_new_organisation(task.claimant),
    )
    if form_action(
        request,
        form,
        lambda: _add_implementer(request, task, form.cleaned_data),
        _("Implementer named."),
    ):
        return redirect("tasks:task", task.pk)
    context = {"form": form, "task": task, "heading": _("Name an implementer")}
    return render(request, "tasks/plans/form.html", context)


@login_required
def implementer_edit(
    request: AuthenticatedHttpRequest, pk: int, implementer_pk: int
) -> HttpResponse:
    task = task_for(request, pk, rules.can_manage_task)
    implementer = selectors.implementer_get(task, implementer_pk)
    initial = {"lead": implementer.lead, "responsibility": implementer.responsibility}
    form = ImplementerEditForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.implementer_update(
            implementer=implementer, by=request.user, **form.cleaned_data
        ),
        _("Implementer saved."),
    ):
        return redirect("tasks:task", task.pk)
    heading = _("Implementer: %(name)s") % {"name": implementer.organisation.name}
    return render(
        request, "tasks/plans/form.html", {"form": form, "task": task, "heading": heading}
    )


@login_required
def implementer_remove(
    request: AuthenticatedHttpRequest, pk: int, implementer_pk: int
) -> HttpResponse:
    """A confirmation page; the responsibility list loses the row."""
    task = task_for(request, pk, rules.can_manage_task)
    implementer = selectors.implementer_get(task, implementer_pk)
    if request.method == "POST":
        try:
            services.implementer_remove(implementer=implementer, by=request.user)
        except TaskError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Implementer removed: %(name)s") % {"name": implementer.organisation}
            )
        return redirect("tasks:task", task.pk)
    return render(
        request, "tasks/plans/implementer_remove.html", {"task": task, "implementer": implementer}
    )


urlpatterns = [
    path("", index, name="index"),
    path("xlsx/", index_xlsx, name="index_xlsx"),
    path("<int:pk>/", task_page, name="task"),
    path("<int:pk>/setup/", task_setup, name="setup"),
    path("<int:pk>/implementers/add/", implementer_add, name="implementer_add"),
    path("<int:pk>/implementers/<int:implementer_pk>/", implementer_edit, name="implementer_edit"),
    path(
        "<int:pk>/implementers/<int:implementer_pk>/remove/",
        implementer_remove,
        name="implementer_remove",
    ),
]
