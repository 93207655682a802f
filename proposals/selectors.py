"""Reads shared by views, exports and the API: always scoped to what the user may see."""

import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import roles
from accounts.actors import Actor
from accounts.visibility import PROVINCE
from proposals import rules
from proposals.models import Attachment, Cycle, DeadlineExtension, Proposal, Suggestion
from regions.models import Division
from zhtext import query_terms

SORTS = {
    "updated": "-updated_at",
    "-updated": "updated_at",
    "title": "title",
    "locality": "locality__code",
    "state": "state",
    "submitted": "-submitted_at",
}


def proposals_visible_to(user: Actor) -> QuerySet[Proposal]:
    return rules.PROPOSALS.queryset(user).select_related("cycle", "locality", "field")


def proposal_get_for_user(user: Actor, pk: int) -> Proposal:
    """The proposal, or 404 when the user may not know it exists."""
    try:
        return proposals_visible_to(user).get(pk=pk)
    except Proposal.DoesNotExist:
        raise Http404 from None


def proposal_search(qs: QuerySet[Proposal], query: str) -> QuerySet[Proposal]:
    """Segmented full-text search: every term of the query must be a term of the proposal.

    The same SQL on both databases; on PostgreSQL the trigram GIN indexes of migration 0009
    serve both LIKE branches (a query under three characters still reads every title)."""
    terms = query_terms(query)
    if not terms:
        return qs
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=f" {term} ")
    return qs.filter(condition | Q(title__icontains=query.strip()))


def proposal_list(user: Actor, params: dict[str, str]) -> QuerySet[Proposal]:
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


def suggestions_visible_to(user: Actor) -> QuerySet[Suggestion]:
    return rules.SUGGESTIONS.queryset(user).select_related("cycle", "organisation", "locality")


def suggestion_list(user: Actor, params: dict[str, str]) -> QuerySet[Suggestion]:
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


def suggestion_get_for_user(user: Actor, pk: int) -> Suggestion:
    try:
        return suggestions_visible_to(user).get(pk=pk)
    except Suggestion.DoesNotExist:
        raise Http404 from None


def attachment_get_for_user(user: Actor, pk: int) -> Attachment:
    attachment = rules.ATTACHMENTS.queryset(user).select_related("proposal").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def current_cycle() -> Cycle | None:
    return Cycle.objects.filter(is_open=True).order_by("-year").first()


def next_cycle_year() -> int:
    """The year a new cycle is for: the one after the latest cycle (2027 for the first)."""
    latest = Cycle.objects.order_by("-year").values_list("year", flat=True).first()
    return (latest or 2026) + 1


def cycle_extensions(cycle: Cycle) -> QuerySet[DeadlineExtension]:
    return cycle.extensions.select_related("locality", "granted_by")


# What a locality has submitted in a cycle: the number 发改高技〔2021〕484号 §三(一) bounds
# ("每个地方每年提出3—5项改革举措建议"; the cycle holds the range). A proposal counts once its
# locality submitted it, whatever the centre did with it since: returned for revision, or
# merged into a candidate measure. Only a draft was never sent. The home banner, the cycle
# pages, the export and the submit rule all read this through `locality_counts` and
# `cycle_locality_table`.
SUBMITTED_STATES = (Proposal.State.SUBMITTED, Proposal.State.RETURNED, Proposal.State.MERGED)


def _state_counts(cycle: Cycle, locality_id: int | None = None) -> dict[int, dict[str, int]]:
    """Per locality, how many of its proposals of the cycle are in each state, and `counted`:
    how many it has submitted. One query, whatever the number of localities and proposals."""
    qs = Proposal.objects.filter(cycle=cycle)
    if locality_id is not None:
        qs = qs.filter(locality_id=locality_id)
    rows = qs.order_by().values_list("locality_id", "state").annotate(n=Count("pk"))
    by_locality: dict[int, dict[str, int]] = {}
    for row_locality, state, n in rows:
        counts = by_locality.setdefault(row_locality, _zero_counts())
        counts[state] = n
    for counts in by_locality.values():
        counts["counted"] = sum(counts[state] for state in SUBMITTED_STATES)
    return by_locality


def _zero_counts() -> dict[str, int]:
    return {**dict.fromkeys(Proposal.State.values, 0), "counted": 0}


def locality_counts(cycle: Cycle, locality_id: int) -> dict[str, int]:
    """How many proposals of a locality are in each state, and `counted`: how many it has
    submitted in the cycle (SUBMITTED_STATES), the number its range reminder shows and the
    submit rule checks against the cycle's range."""
    return _state_counts(cycle, locality_id).get(locality_id, _zero_counts())


def is_participant(cycle: Cycle, locality_id: int) -> bool:
    """Is the call of this cycle addressed to the locality (one of its participants)?"""
    return cycle.participants.filter(pk=locality_id).exists()


def cycle_locality_table(cycle: Cycle) -> list[dict[str, Any]]:
    """Per province: how many proposals it has submitted (`total`, as in `locality_counts`),
    how many of those were returned, whether it is a participant of the cycle and, for a
    participant, whether the total is within the cycle's range (`in_range`; None for others,
    to which the range does not apply). The participants come first, in code order; another
    province is listed only if it submitted anything. Two queries, for the page and its
    export."""
    counted = _state_counts(cycle)
    provinces = Division.objects.filter(level=Division.Level.PROVINCE).annotate(
        participant=Exists(
            cycle.participants.through.objects.filter(cycle_id=cycle.pk, division_id=OuterRef("pk"))
        )
    )
    table = []
    for province in provinces:
        numbers = counted.get(province.pk) or _zero_counts()
        if not province.participant and not numbers["counted"]:
            continue
        table.append(
            {
                "locality": province,
                "participant": province.participant,
                "total": numbers["counted"],
                "returned": numbers[Proposal.State.RETURNED],
                "in_range": (
                    cycle.min_per_locality <= numbers["counted"] <= cycle.max_per_locality
                    if province.participant
                    else None
                ),
            }
        )
    table.sort(key=lambda row: not row["participant"])  # stable: code order within each
    return table


def submission_window(cycle: Cycle, locality_id: int) -> dict[str, Any]:
    """The last day this locality may submit (deadline or extension), whether that is past,
    and `addressed`: whether the locality is a participant of the cycle (only a participant
    submits proposals in it, `proposals.services.proposals._check_participant`)."""
    extension = DeadlineExtension.objects.filter(cycle=cycle, locality_id=locality_id).first()
    last_day: datetime.date = max(cycle.deadline, extension.until) if extension else cycle.deadline
    return {
        "last_day": last_day,
        "extension": extension,
        "is_open": cycle.is_open and timezone.localdate() <= last_day,
        "addressed": is_participant(cycle, locality_id),
    }


def suggestions_to_adopt(user: Actor, cycle_id: int) -> QuerySet[Suggestion]:
    """The suggestions a province may draw a proposal from: its own in the cycle, not
    declined."""
    own = rules.SUGGESTIONS.only(PROVINCE).queryset(user)
    return own.filter(cycle_id=cycle_id).exclude(state=Suggestion.State.DECLINED)


def proposal_exists(pk: int) -> bool:
    """Is the proposal still there (a draft may have been deleted meanwhile)?"""
    return Proposal.objects.filter(pk=pk).exists()


def contact_to_carry(user: Actor) -> dict[str, str]:
    """The coordinator's contact (联系人、联系电话) for a new proposal, entered once and reused
    (信息一次填报, source 001): the locality's latest proposal that names one, else the user's
    own name."""
    locality = roles.province_id(user)
    last = (
        Proposal.objects.filter(locality_id=locality)
        .exclude(contact_name="")
        .order_by("-created_at", "-id")
        .values("contact_name", "contact_phone")
        .first()
        if locality is not None
        else None
    )
    if last is not None:
        return {"contact_name": last["contact_name"], "contact_phone": last["contact_phone"]}
    name = user.get_full_name().strip() if roles.active(user) else ""
    return {"contact_name": name} if name else {}


def suggestion_draft(suggestions: QuerySet[Suggestion], ids: list[str]) -> dict[str, str]:
    """What a proposal drawn from suggestions (据此起草建议书) starts with: the title of the
    first, the contents of all, and their organisations as implementing bodies."""
    chosen = list(
        suggestions.filter(pk__in=[int(i) for i in ids if i.isdigit()])
        .select_related("organisation")
        .order_by("submitted_at", "id")
    )
    if not chosen:
        return {}
    return {
        "title": chosen[0].title,
        "content": "\n\n".join(s.content for s in chosen),
        "implementing_bodies": "、".join(dict.fromkeys(s.organisation.name for s in chosen)),
    }
