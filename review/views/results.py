"""Aggregated results: the ranked table of a cycle's candidates, on screen and in Excel."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.actors import AuthenticatedHttpRequest
from kernel.access import require
from kernel.pages import querystring_without_page
from kernel.spreadsheets import form_filters
from review import rules
from review.export_jobs import ranking_export_start
from review.forms import RankingFilterForm
from review.labels import disagreement_reasons, disagreement_rule
from review.selectors import cycle_get_for_review, ranking_rows


@login_required
@require(rules.can_view_review_results)
def ranking(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_review(request.user, pk)
    filters = RankingFilterForm(request.GET or None)
    rows = ranking_rows(cycle, filters.params())
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "cycle": cycle,
        "filters": filters,
        "page": page,
        "items": [(row, disagreement_reasons(row.summary)) for row in page.object_list],
        "rule": disagreement_rule(),
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "review/ranking.html", context)


@login_required
@require(rules.can_view_review_results)
def ranking_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_review(request.user, pk)
    form = RankingFilterForm(request.GET or None)
    # A background job (review.export_jobs): its page offers the file when it is built.
    job = ranking_export_start(
        by=request.user, cycle=cycle, params=form.params(), shown=form_filters(form)
    )
    return redirect("jobs:job_detail", job.pk)
