"""The expert's side: "My reviews", and the online review of one candidate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from kernel.access import require
from kernel.downloads import download
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters
from review import excel, rules, selectors
from review.errors import ReviewError
from review.forms import MyReviewFilterForm, ReviewForm
from review.models import Assignment, Review
from review.selectors import (
    assignment_get_for_user,
    candidate_sources,
    my_assignments,
    review_of,
)
from review.services import reviews as services


@login_required
@require(rules.can_list_own_reviews)
def my_reviews(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = MyReviewFilterForm(request.GET or None)
    page = paginate(request, my_assignments(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "review/my_reviews.html", context)


@login_required
@require(rules.can_list_own_reviews)
def my_reviews_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MyReviewFilterForm(request.GET or None)
    assignments = my_assignments(request.user, form.params())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    content = excel.my_reviews_bytes(assignments, form_filters(form))
    return download(content, f"my-reviews-{stamp}.xlsx")


def _initial(review: Review | None) -> dict[str, object]:
    if review is None:
        return {}
    names = [*Review.CRITERIA, "comments", "recommendation"]
    return {name: getattr(review, name) for name in names}


def _page(
    request: HttpRequest, assignment: Assignment, form: ReviewForm | None, status: int = 200
) -> HttpResponse:
    review = review_of(assignment)
    context = {
        "assignment": assignment,
        "candidate": assignment.candidate,
        "sources": candidate_sources(assignment.candidate),
        "review": review,
        "form": form,
        "is_own": assignment.expert_id == request.user.pk,
    }
    return render(request, "review/review_form.html", context, status=status)


@login_required
def review_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The candidate and the review form. The coordinator may read it; only the expert writes."""
    assignment = assignment_get_for_user(request.user, pk)
    review = review_of(assignment)
    can_write = rules.can_write_review(request.user, assignment, review)
    if request.method != "POST":
        form = ReviewForm(initial=_initial(review)) if can_write else None
        return _page(request, assignment, form)
    # A POST is checked without the state: the service says if the review was submitted.
    if not rules.is_assigned_expert(request.user, assignment):
        raise PermissionDenied
    submitting = request.POST.get("action") == "submit"
    form = ReviewForm(request.POST, submitting=submitting)
    if form.is_valid():
        try:
            services.review_save(assignment=assignment, by=request.user, data=form.cleaned_data)
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            if submitting:
                return redirect("review:review_submit", assignment.pk)
            messages.success(request, _("Draft saved. You can come back to it until you submit."))
            return redirect("review:review_edit", assignment.pk)
    return _page(request, assignment, form)


@login_required
def review_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm before submitting: a submitted review is locked."""
    assignment = assignment_get_for_user(request.user, pk)
    review = review_of(assignment)
    if request.method == "POST":
        # Checked without the state: a second click is told the review is already submitted.
        allowed = rules.is_assigned_expert(request.user, assignment)
    else:
        allowed = rules.can_write_review(request.user, assignment, review)
    if not allowed:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            services.review_submit(assignment=assignment, by=request.user)
        except ReviewError as exc:
            submitted = selectors.review_submitted(assignment)
            if submitted:
                # Nothing is left to do here: the review's page shows it, locked.
                messages.error(request, exc.message)
                return redirect("review:review_edit", assignment.pk)
            error = exc.message
        else:
            messages.success(request, _("Review submitted. Thank you."))
            return redirect("review:my_reviews")
    context = {
        "assignment": assignment,
        "candidate": assignment.candidate,
        "review": review,
        "missing": services.missing_parts(review) if review else [_("everything")],
        "error": error,
    }
    return render(request, "review/review_submit.html", context)
