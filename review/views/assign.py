"""The coordinator's side: cycles under review, the assignment solver's preview and saving,
a candidate's reviews, and overrides."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from audit.selectors import entries_for
from kernel.access import require
from kernel.downloads import download
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters
from review import aggregation, excel, rules
from review.errors import ReviewError
from review.forms import (
    CandidateFilterForm,
    OverrideForm,
    ReasonForm,
    ReviewersForm,
    SavePreviewForm,
)
from review.labels import criterion_label, disagreement_reasons, disagreement_rule
from review.models import Assignment
from review.selectors import (
    assignment_get_for_user,
    candidate_assignments,
    candidate_get_for_review,
    candidate_overview,
    candidate_sources,
    candidate_summary,
    cycle_get_for_review,
    review_cycles,
    review_of,
)
from review.services import assignments as services


@login_required
@require(rules.can_assign_reviewers)
def review_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "review/index.html", {"cycles": review_cycles()})


@login_required
@require(rules.can_assign_reviewers)
def cycle_overview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_review(request.user, pk)
    filters = CandidateFilterForm(request.GET or None)
    page = paginate(request, candidate_overview(cycle, filters.params()))
    context = {
        "cycle": cycle,
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "entries": entries_for(cycle).filter(action__startswith="review.")[:20],
    }
    return render(request, "review/cycle_overview.html", context)


@login_required
@require(rules.can_assign_reviewers)
def cycle_assignments_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = cycle_get_for_review(request.user, pk)
    form = CandidateFilterForm(request.GET or None)
    candidates = candidate_overview(cycle, form.params())
    name = f"review-{cycle.year}-assignments.xlsx"
    return download(excel.assignments_bytes(candidates, form_filters(form)), name)


@login_required
@require(rules.can_assign_reviewers)
def assignment_solve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the form, and the cycle's latest previews. POST: queue a preview (a background job)
    and follow it on the job page."""
    cycle = cycle_get_for_review(request.user, pk)
    form = ReviewersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.assignment_preview_enqueue(
                cycle=cycle, by=request.user, reviewers=form.cleaned_data["reviewers"]
            )
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("jobs:job_detail", job.pk)
    context = {"cycle": cycle, "form": form, "previews": services.recent_previews(cycle)}
    return render(request, "review/assign.html", context)


@login_required
@require(rules.can_assign_reviewers)
def assignment_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A stored preview, a page of candidates at a time (those left short first)."""
    job = services.preview_get(by=request.user, pk=pk)
    preview = job.params.get("preview")
    if preview is None and not job.is_finished and job.created_by_id == request.user.pk:
        return redirect("jobs:job_detail", job.pk)
    cycle = cycle_get_for_review(request.user, job.params["cycle"])
    context: dict[str, object] = {"cycle": cycle, "job": job}
    if preview is not None:
        page = paginate(request, preview["order"])
        context["page"] = page
        context["plan"] = services.preview_plan(job, list(page.object_list))
        context["save_form"] = SavePreviewForm()
    return render(request, "review/assign_preview.html", context)


@login_required
@require(rules.can_assign_reviewers)
def assignment_preview_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Queue the saving of the stored preview; refused at once when it no longer holds."""
    job = services.preview_get(by=request.user, pk=pk)
    if request.method != "POST":
        return redirect("review:assignment_preview", job.pk)
    form = SavePreviewForm(request.POST)
    form.is_valid()  # one optional checkbox: always valid
    try:
        saving = services.assignment_save_enqueue(
            preview_job=job,
            by=request.user,
            accept_partial=bool(form.cleaned_data.get("accept_partial")),
        )
    except ReviewError as exc:
        messages.error(request, exc.message)
        return redirect("review:assignment_preview", job.pk)
    return redirect("jobs:job_detail", saving.pk)


@login_required
def candidate_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = candidate_get_for_review(request.user, pk)
    assignments = list(candidate_assignments(candidate))
    rows = [
        {
            "assignment": a,
            "review": review_of(a),
            "can_change": rules.can_change_assignment(request.user, review_of(a)),
        }
        for a in assignments
    ]
    summary = candidate_summary(candidate)
    context = {
        "candidate": candidate,
        "sources": candidate_sources(candidate),
        "rows": rows,
        "summary": summary,
        "stat_rows": _stat_rows(summary),
        "entries": entries_for(candidate),
        "reasons": disagreement_reasons(summary),
        "rule": disagreement_rule(),
    }
    return render(request, "review/candidate_detail.html", context)


def _stat_rows(summary: aggregation.Summary) -> list[tuple[str, aggregation.Stats]]:
    names = [*aggregation.CRITERIA, aggregation.OVERALL]
    return [(criterion_label(name), summary.criteria[name]) for name in names]


@login_required
def reviewer_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = candidate_get_for_review(request.user, pk)
    if not rules.can_assign_reviewers(request.user):
        raise PermissionDenied
    form = OverrideForm(request.POST or None, choices=services.override_choices(candidate))
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_add(
                candidate=candidate,
                expert=form.cleaned_data["expert"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Reviewer added."))
            return redirect("review:candidate_detail", candidate.pk)
    context = {"candidate": candidate, "form": form, "mode": "add"}
    return render(request, "review/override_form.html", context)


def _changeable(request: HttpRequest, pk: int) -> Assignment:
    assignment = assignment_get_for_user(request.user, pk)
    if not rules.can_assign_reviewers(request.user):
        raise PermissionDenied  # the expert sees their assignment but may not change it
    return assignment


@login_required
def reviewer_replace(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _changeable(request, pk)
    candidate = assignment.candidate
    form = OverrideForm(request.POST or None, choices=services.override_choices(candidate))
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_replace(
                assignment=assignment,
                expert=form.cleaned_data["expert"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Reviewer replaced."))
            return redirect("review:candidate_detail", candidate.pk)
    context = {"candidate": candidate, "assignment": assignment, "form": form, "mode": "replace"}
    return render(request, "review/override_form.html", context)


@login_required
def reviewer_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Asks for a reason and a confirmation first: a draft review goes with the assignment."""
    assignment = _changeable(request, pk)
    candidate = assignment.candidate
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_remove(
                assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Reviewer removed."))
            return redirect("review:candidate_detail", candidate.pk)
    context = {
        "candidate": candidate,
        "assignment": assignment,
        "review": review_of(assignment),
        "form": form,
    }
    return render(request, "review/reviewer_remove.html", context)
