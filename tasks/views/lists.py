"""The three lists of each claimant (清单: task list, responsibility list, landmark reform
items list) and the progress overview of a programme, each as a page and an .xlsx file that
read the same rows and the same stored figures."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from kernel.access import require
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, xlsx_response
from tasks import jobs as export_jobs
from tasks import rules, selectors
from tasks.exports import lists as exports
from tasks.forms.lists import SearchForm

# name: (title, landmark items only, template, workbook builder)
LISTS: dict[str, tuple[Any, bool, str, Any]] = {
    "tasks": (lambda: _("Task list"), False, "tasks/lists/plan_list.html", exports.task_list_xlsx),
    "landmark": (
        lambda: _("Landmark reform items list"),
        True,
        "tasks/lists/plan_list.html",
        exports.landmark_list_xlsx,
    ),
    "responsibility": (
        lambda: _("Responsibility list"),
        False,
        "tasks/lists/responsibility.html",
        exports.responsibility_xlsx,
    ),
}


@login_required
@require(rules.can_view_task_lists)
def lists_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the lists are: the claimants the user may list, by programme."""
    claimants = selectors.claimants_visible_to(request.user)
    page = paginate(request, claimants)
    figures = selectors.claimant_progress(
        selectors.tasks_visible_to(request.user).filter(claimant__in=list(page.object_list))
    )
    rows = [(c, figures.get(c.pk)) for c in page.object_list]
    context = {"page": page, "rows": rows, "querystring": querystring_without_page(request)}
    return render(request, "tasks/lists/index.html", context)


def _claimant_list(request: HttpRequest, pk: int, kind: str, xlsx: bool) -> HttpResponse:
    if kind not in LISTS:
        raise Http404
    title, landmark, template, builder = LISTS[kind]
    claimant = selectors.claimant_get_for_user(request.user, pk)
    filters = SearchForm(request.GET or None)
    text = filters.params().get("q", "")
    tasks = selectors.claimant_tasks(claimant, text=text, landmark=landmark)
    if xlsx:
        content = builder(claimant, tasks, form_filters(filters))
        return xlsx_response(content, f"{kind}-{claimant.pk}.xlsx")
    page = paginate(request, tasks)
    claimant_figure = selectors.progress_of_claimant(claimant)
    context = {
        "claimant": claimant,
        "kind": kind,
        "title": title(),
        "filters": filters,
        "page": page,
        "lines": list(selectors.plan_lines(page.object_list)),
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "claimant_progress": claimant_figure,
        "lists": [(name, entry[0]()) for name, entry in LISTS.items()],
    }
    return render(request, template, context)


@login_required
@require(rules.can_view_task_lists)
def claimant_list(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    return _claimant_list(request, pk, kind, xlsx=False)


@login_required
@require(rules.can_view_task_lists)
def claimant_list_xlsx(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    return _claimant_list(request, pk, kind, xlsx=True)


@login_required
@require(rules.can_view_task_lists)
def progress_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get_for_lists(request.user, pk)
    filters = SearchForm(request.GET or None)
    overview = selectors.progress_overview(request.user, programme, filters.params().get("q", ""))
    context = {
        "overview": overview,
        "programme": programme,
        "filters": filters,
        "page": paginate(request, overview.tasks),
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "tasks/lists/progress.html", context)


@login_required
@require(rules.can_view_task_lists)
def progress_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get_for_lists(request.user, pk)
    filters = SearchForm(request.GET or None)
    job = export_jobs.progress_export_start(
        by=request.user,
        programme=programme,
        text=filters.params().get("q", ""),
        shown=form_filters(filters),
    )
    return redirect("jobs:job_detail", job.pk)


urlpatterns = [
    path("lists/", lists_index, name="lists"),
    path("lists/<int:pk>/<str:kind>/", claimant_list, name="claimant_list"),
    path("lists/<int:pk>/<str:kind>/xlsx/", claimant_list_xlsx, name="claimant_list_xlsx"),
    path("progress/<int:pk>/", progress_page, name="progress"),
    path("progress/<int:pk>/xlsx/", progress_xlsx, name="progress_xlsx"),
]
