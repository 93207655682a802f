"""What waits on a user in the call for proposals (征集选题), for the to-do home."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles
from accounts.actors import Actor
from kernel.todo import TodoItem, is_overdue
from proposals.models import Cycle, Proposal, Suggestion
from proposals.selectors import locality_counts, submission_window, suggestions_to_adopt


def _list_url(cycle: Cycle, state: str) -> str:
    return reverse("proposals:proposal_list") + f"?cycle={cycle.pk}&state={state}"


def locality_items(user: Actor, cycle: Cycle | None, today: datetime.date) -> list[TodoItem]:
    """A province's coordinator: proposals returned for revision, the cycle's quota (how many
    submitted of the 3–5 of 发改高技〔2021〕484号 §三（一）, as the cycle sets the range) due by
    the locality's own last day (an extension included), and suggestions received not yet
    acted on. Three queries."""
    locality = roles.province_of(user)
    if cycle is None or locality is None:
        return []
    counts = locality_counts(cycle, locality.pk)
    window = submission_window(cycle, locality.pk)
    items: list[TodoItem] = []
    if counts[Proposal.State.RETURNED]:
        items.append(
            TodoItem(
                "proposals-returned",
                _("Proposals returned for revision"),
                _list_url(cycle, Proposal.State.RETURNED),
                counts[Proposal.State.RETURNED],
                due_on=window["last_day"] if window["is_open"] else None,
                overdue=not window["is_open"],
            )
        )
    if window["addressed"] and window["is_open"]:
        submitted = counts["counted"]
        items.append(
            TodoItem(
                "proposals-quota",
                _("Proposals submitted this cycle"),
                reverse("proposals:proposal_list") + f"?cycle={cycle.pk}",
                submitted,
                due_on=window["last_day"],
                overdue=is_overdue(window["last_day"], today),
                note=_("%(n)s of %(min)s–%(max)s")
                % {"n": submitted, "min": cycle.min_per_locality, "max": cycle.max_per_locality},
            )
        )
    received = suggestions_to_adopt(user, cycle.pk).filter(state=Suggestion.State.SUBMITTED).count()
    if received:
        items.append(
            TodoItem(
                "suggestions-received",
                _("Suggestions received, not yet adopted or declined"),
                reverse("proposals:suggestion_list") + f"?state={Suggestion.State.SUBMITTED}",
                received,
            )
        )
    return items


def national_items(user: Actor, cycle: Cycle | None) -> list[TodoItem]:
    """The national level: proposals submitted in the open cycle (read and returned or
    merged). One query."""
    if cycle is None or not roles.is_national(user):
        return []
    submitted = Proposal.objects.filter(cycle=cycle, state=Proposal.State.SUBMITTED).count()
    if not submitted:
        return []
    return [
        TodoItem(
            "proposals-submitted",
            _("Proposals submitted in the open cycle"),
            _list_url(cycle, Proposal.State.SUBMITTED),
            submitted,
            due_on=None,
        )
    ]
