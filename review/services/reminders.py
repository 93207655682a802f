"""Telling experts of their part in the 专家论证 (发改高技〔2021〕484号 §三（二）): a message
when they are assigned, and a reminder before their review is due.

484号 sets no time for the 专家论证. The time an expert has is the platform's own rule
(平台规则): REVIEW_DAYS from the assignment, with a reminder in the last REMIND_DAYS_BEFORE
days. The reminder is sent once (its `about` key is its record) by the periodic reminders
job, and closed when the review is submitted or the assignment removed.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from notifications.models import Notification
from notifications.services import notifications_close, notify
from review.models import Assignment, Review

# 平台规则: an expert has two weeks for a review, and is reminded three days before the end.
REVIEW_DAYS = 14
REMIND_DAYS_BEFORE = 3


def review_due_on(assignment: Assignment) -> datetime.date:
    """The day the review is due (平台规则: REVIEW_DAYS after the assignment)."""
    return timezone.localdate(assignment.assigned_at) + datetime.timedelta(days=REVIEW_DAYS)


def review_due_about(assignment: Assignment) -> str:
    return f"review:{assignment.pk}:due"


def experts_tell_assigned(assignments: Iterable[Assignment]) -> None:
    """One message to each expert for what was just assigned to them, linking to their
    reviews. Called in the assigning transaction, after the write."""
    by_expert: dict[int, list[Assignment]] = defaultdict(list)
    experts: dict[int, User] = {}
    for assignment in assignments:
        by_expert[assignment.expert_id].append(assignment)
        experts[assignment.expert_id] = assignment.expert
    for expert_id, mine in by_expert.items():
        titles = "\n".join(f"- {a.candidate.title}" for a in mine)
        due = max(review_due_on(a) for a in mine)
        notify(
            users=[experts[expert_id]],
            subject=_("Expert review assigned to you: %(count)s measures") % {"count": len(mine)},
            body=titles
            + "\n\n"
            + _("Please submit your reviews by %(due)s (platform rule: %(days)s days).")
            % {"due": due, "days": REVIEW_DAYS},
            url=reverse("review:my_reviews"),
            email=True,
        )


def review_due_close(assignment: Assignment) -> int:
    """The reminder's cause is gone: the review was submitted or the assignment removed."""
    return notifications_close(about=review_due_about(assignment))


def reviews_to_remind(today: datetime.date) -> list[Assignment]:
    """Assignments due within REMIND_DAYS_BEFORE days, not yet submitted nor reminded."""
    tz = timezone.get_current_timezone()
    # assigned_at such that today <= due_on <= today + REMIND_DAYS_BEFORE
    earliest = today - datetime.timedelta(days=REVIEW_DAYS)
    latest = earliest + datetime.timedelta(days=REMIND_DAYS_BEFORE + 1)
    start = datetime.datetime.combine(earliest, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(latest, datetime.time.min, tzinfo=tz)
    open_ = (
        Assignment.objects.filter(assigned_at__gte=start, assigned_at__lt=end)
        .exclude(review__state=Review.State.SUBMITTED)
        .select_related("expert", "candidate")
        .order_by("assigned_at", "id")
    )
    found = list(open_)
    keys = [review_due_about(a) for a in found]
    reminded = set(
        Notification.objects.filter(about__in=keys).values_list("about", flat=True).distinct()
    )
    return [a for a in found if review_due_about(a) not in reminded]


def review_reminders_send(today: datetime.date | None = None) -> int:
    """Remind each expert of a review that falls due soon; the number sent."""
    today = today or timezone.localdate()
    count = 0
    with translation.override(settings.LANGUAGE_CODE):
        for assignment in reviews_to_remind(today):
            values = {"title": assignment.candidate.title, "due": review_due_on(assignment)}
            with transaction.atomic():
                notify(
                    users=[assignment.expert],
                    subject=_("Expert review due on %(due)s: %(title)s") % values,
                    body=_(
                        "Your review of “%(title)s” is due on %(due)s (platform rule: "
                        "%(days)s days after the assignment)."
                    )
                    % {**values, "days": REVIEW_DAYS},
                    url=reverse("review:review_edit", args=[assignment.pk]),
                    email=True,
                    about=review_due_about(assignment),
                    reminder=True,
                )
                record("review.reminded", obj=assignment, by=None, note=assignment.candidate.title)
            count += 1
    return count
