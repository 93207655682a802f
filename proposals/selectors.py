"""Reads shared by views, exports and the API: always scoped to what the user may see."""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import roles
from proposals import rules
from proposals.models import Attachment, Cycle, DeadlineExtension, Proposal, Suggestion
from zhtext import query_terms

SORTS = {
    "updated": "-updated_at",
    "-updated": "updated_at",
    "title": "title",
    "locality": "locality__code",
    "state": "state",
    "submitted": "-submitted_at",
}


def proposals_visible_to(user: Any) -> QuerySet[Proposal]:
    qs = Proposal.objects.select_related("cycle", "locality", "field")
    if roles.is_national(user):
        return qs.exclude(state=Proposal.State.DRAFT)
    locality = roles.province_of(user)
    if locality is not None:
        return qs.filter(locality=locality)
    return qs.none()


def proposal_get_for_user(user: Any, pk: int) -> Proposal:
    """The proposal, or 404 when the user may not know it exists."""
    try:
        return proposals_visible_to(user).get(pk=pk)
    except Proposal.DoesNotExist:
        raise Http404 from None


def proposal_search(qs: QuerySet[Proposal], query: str) -> QuerySet[Proposal]:
    """Segmented full-text search: every term of the query must be a term of the proposal."""
    terms = query_terms(query)
    if not terms:
        return qs
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=f" {term} ")
    return qs.filter(condition | Q(title__icontains=query.strip()))


def proposal_list(user: Any, params: dict[str, str]) -> QuerySet[Proposal]:
    qs = proposals_visible_to(user)
    if params.get("cycle"):
        qs = qs.filter(cycle_id=int(params["cycle"]))
    if params.get("locality"):
        qs = qs.filter(locality_id=int(params["locality"]))
    if params.get("field"):
        qs = qs.filter(field_id=int(params["field"]))
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    if params.get("national") in ("yes", "no"):
        qs = qs.filter(needs_national_authority=params["national"] == "yes")
    if params.get("q"):
        qs = proposal_search(qs, params["q"])
    return qs.order_by(SORTS.get(params.get("sort", ""), "-updated_at"), "-id")


def suggestions_visible_to(user: Any) -> QuerySet[Suggestion]:
    qs = Suggestion.objects.select_related("cycle", "organisation", "locality")
    locality = roles.province_of(user)
    if locality is not None:
        return qs.filter(locality=locality)
    if roles.innovation_body_locality(user) is not None:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def suggestion_list(user: Any, params: dict[str, str]) -> QuerySet[Suggestion]:
    qs = suggestions_visible_to(user)
    query = params.get("q", "").strip()
    if query:
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(content__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    if params.get("state") in Suggestion.State.values:
        qs = qs.filter(state=params["state"])
    return qs


def suggestion_get_for_user(user: Any, pk: int) -> Suggestion:
    try:
        return suggestions_visible_to(user).get(pk=pk)
    except Suggestion.DoesNotExist:
        raise Http404 from None


def attachment_get_for_user(user: Any, pk: int) -> Attachment:
    attachment = Attachment.objects.select_related("proposal").filter(pk=pk).first()
    if attachment is None or not rules.can_view_proposal(user, attachment.proposal):
        raise Http404
    return attachment


def current_cycle() -> Cycle | None:
    return Cycle.objects.filter(is_open=True).order_by("-year").first()


def locality_counts(cycle: Cycle, locality_id: int) -> dict[str, int]:
    """How many proposals of a locality are in each state, for the range reminder."""
    counts = {state: 0 for state in Proposal.State.values}
    rows = Proposal.objects.filter(cycle=cycle, locality_id=locality_id).values_list(
        "state", flat=True
    )
    for state in rows:
        counts[state] += 1
    counts["counted"] = counts["submitted"] + counts["returned"]
    return counts


def submission_window(cycle: Cycle, locality_id: int) -> dict[str, Any]:
    """The last day this locality may submit (deadline or extension) and whether that is past."""
    extension = DeadlineExtension.objects.filter(cycle=cycle, locality_id=locality_id).first()
    last_day: datetime.date = max(cycle.deadline, extension.until) if extension else cycle.deadline
    return {
        "last_day": last_day,
        "extension": extension,
        "is_open": cycle.is_open and timezone.localdate() <= last_day,
    }
