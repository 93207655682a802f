"""What waits on a user in the 专家论证 (发改高技〔2021〕484号 §三（二）): an expert's reviews
pending, and for the national level the candidates still to assign and the reviews out."""

import datetime

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.visibility import EXPERT
from kernel.todo import TodoItem, is_overdue
from merging.models import CandidateMeasure
from review import rules
from review.models import Assignment, Review
from review.services.reminders import REVIEW_DAYS


def expert_items(user: Actor, today: datetime.date) -> list[TodoItem]:
    """The expert's reviews not yet submitted, one item per cycle, due REVIEW_DAYS after the
    earliest assignment still open (平台规则, `review.services.reminders`). One query."""
    if not rules.can_list_own_reviews(user):
        return []
    pending = (
        rules.ASSIGNMENTS.only(EXPERT)
        .queryset(user)
        .exclude(review__state=Review.State.SUBMITTED)
        .order_by()
        .values("candidate__cycle_id", "candidate__cycle__title")
        .annotate(n=Count("pk"), first=Min("assigned_at"))
        .order_by("first")
    )
    items = []
    for row in pending:
        due = timezone.localdate(row["first"]) + datetime.timedelta(days=REVIEW_DAYS)
        items.append(
            TodoItem(
                f"reviews-{row['candidate__cycle_id']}",
                _("Expert reviews to submit: %(cycle)s")
                % {"cycle": row["candidate__cycle__title"]},
                reverse("review:my_reviews") + f"?cycle={row['candidate__cycle_id']}",
                row["n"],
                due_on=due,
                overdue=is_overdue(due, today),
            )
        )
    return items


def national_items(user: Actor) -> list[TodoItem]:
    """Of the cycles whose list is not yet drawn up (the review still under way): candidate
    measures with no expert assigned, and reviews assigned but not submitted. Two queries."""
    if not rules.can_assign_reviewers(user):
        return []
    items = []
    unassigned = CandidateMeasure.objects.filter(
        cycle__annual_list__isnull=True, assignments__isnull=True
    ).count()
    if unassigned:
        items.append(
            TodoItem(
                "candidates-unassigned",
                _("Candidate measures awaiting expert review assignment"),
                reverse("review:index"),
                unassigned,
            )
        )
    out = (
        Assignment.objects.filter(candidate__cycle__annual_list__isnull=True)
        .exclude(review__state=Review.State.SUBMITTED)
        .count()
    )
    if out:
        items.append(
            TodoItem(
                "reviews-out", _("Expert reviews not yet submitted"), reverse("review:index"), out
            )
        )
    return items
