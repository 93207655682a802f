"""An expert's online review (不见面评审): saved as a draft any number of times, submitted once,
then locked. The database refuses a submitted review that is incomplete."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from review import rules
from review.errors import ReviewError
from review.models import Assignment, Review
from review.services.reminders import review_due_close

CRITERIA = Review.CRITERIA
REVIEW_FIELDS = [*CRITERIA, "comments", "recommendation"]


def _check_own(assignment: Assignment, by: User) -> Review | None:
    """The review, locked for the transaction; only the assigned expert gets this far. The
    assignment is locked first, as the coordinator's changes lock it: one removed meanwhile
    is said so."""
    if not rules.is_assigned_expert(by, assignment):
        raise Forbidden
    if not Assignment.objects.select_for_update().filter(pk=assignment.pk).exists():
        raise ReviewError(
            _("This review is no longer assigned to you: the coordinator removed the assignment.")
        )
    review = Review.objects.select_for_update().filter(assignment=assignment).first()
    if review is not None and review.state == Review.State.SUBMITTED:
        raise ReviewError(_("This review was submitted and is locked; it cannot change."))
    return review


def _fill(review: Review, data: dict[str, Any]) -> None:
    for name in CRITERIA:
        if name in data:
            score = data[name]
            if score is not None and (not isinstance(score, int) or not 1 <= score <= 5):
                raise ReviewError(_("Scores run from 1 to 5."))
            setattr(review, name, score)
    if "comments" in data:
        review.comments = data["comments"] or ""
    if "recommendation" in data:
        recommendation = data["recommendation"] or ""
        if recommendation and recommendation not in Review.Recommendation.values:
            raise ReviewError(_("Choose one of the recommendations offered."))
        review.recommendation = recommendation


def _label(name: str) -> str:
    return str(getattr(Review._meta.get_field(name), "verbose_name", name))


def missing_parts(review: Review) -> list[str]:
    """The labels of what a submission still lacks."""
    missing = [_label(name) for name in CRITERIA if getattr(review, name) is None]
    if not review.recommendation:
        missing.append(_label("recommendation"))
    return missing


@transaction.atomic
def review_save(*, assignment: Assignment, by: User, data: dict[str, Any]) -> Review:
    """Save the expert's work as a draft."""
    review = _check_own(assignment, by)
    created = review is None
    if review is None:
        review = Review(assignment=assignment)
    before = {} if created else snapshot(review, REVIEW_FIELDS)
    _fill(review, data)
    review.save()
    changes = diff(before, snapshot(review, REVIEW_FIELDS))
    if created or changes:
        action = "review.created" if created else "review.updated"
        record(action, obj=review, by=by, changes=changes)
    return review


@transaction.atomic
def review_submit(
    *, assignment: Assignment, by: User, data: dict[str, Any] | None = None
) -> Review:
    """Submit the review (saving `data` first, if given). A review is submitted once."""
    if data is not None:
        review_save(assignment=assignment, by=by, data=data)
    review = _check_own(assignment, by)
    if review is None:
        raise ReviewError(_("Score the measure before submitting the review."))
    missing = missing_parts(review)
    if missing:
        raise ReviewError(
            _("Complete the review before submitting it; missing: %(parts)s.")
            % {"parts": "、".join(missing)}
        )
    review.state, review.submitted_at = Review.State.SUBMITTED, timezone.now()
    review.save(update_fields=["state", "submitted_at", "updated_at"])
    record(
        "review.submitted",
        obj=review,
        by=by,
        changes={"state": [Review.State.DRAFT, Review.State.SUBMITTED]},
    )
    review_due_close(assignment)
    return review
