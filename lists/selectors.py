"""Reads of the annual lists shared by pages, exports and the proposal page: always scoped.

Anyone, logged in or not, reads published versions; everything else (drafts, versions out for
opinions, consultations) is the national coordinator's alone, and 404 for everybody else.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.actors import Actor
from audit.models import AuditEntry
from lists import diff, rules
from lists.models import AnnualList, Consultation, DocumentNumber, ListItem, ListVersion
from merging.known import KnownMeasure
from merging.models import CandidateMeasure
from proposals.models import Cycle, Proposal, ReformField
from review.selectors import RankRow, candidate_ranking

PUBLISHED = ListVersion.State.PUBLISHED


def versions_visible_to(user: Actor) -> QuerySet[ListVersion]:
    return rules.VERSIONS.queryset(user).select_related("annual_list__cycle")


def version_get_for_user(user: Actor, pk: int) -> ListVersion:
    """The version, or 404 when the user may not know it exists (anything not published)."""
    try:
        return versions_visible_to(user).get(pk=pk)
    except ListVersion.DoesNotExist:
        raise Http404 from None


def published_version_get(pk: int) -> ListVersion:
    """The public page shows published versions only, whoever asks."""
    return version_get_for_user(AnonymousUser(), pk)


def annual_list_get_for_user(user: Actor, pk: int) -> AnnualList:
    qs = rules.ANNUAL_LISTS.queryset(user).select_related("cycle")
    try:
        return qs.get(pk=pk)
    except AnnualList.DoesNotExist:
        raise Http404 from None


def item_get_for_user(user: Actor, pk: int) -> ListItem:
    found = rules.ITEMS.queryset(user).select_related("version__annual_list__cycle", "field")
    result = found.filter(pk=pk).first()
    if result is None:
        raise Http404
    return result


def consultation_get_for_user(user: Actor, pk: int) -> Consultation:
    """Consultations are never public, not even those of a published version."""
    found = rules.CONSULTATIONS.queryset(user).select_related("version__annual_list__cycle")
    result = found.filter(pk=pk).first()
    if result is None:
        raise Http404
    return result


def taken_serials(code: str, year: int) -> set[int]:
    """The serial numbers the agency `code` has used in `year`, by lists and notices alike."""
    found = DocumentNumber.objects.filter(code=code, year=year)
    return set(found.values_list("serial", flat=True))


def latest_version(annual_list: AnnualList) -> ListVersion | None:
    return annual_list.versions.order_by("-number").first()


def latest_published(annual_list: AnnualList) -> ListVersion | None:
    return annual_list.versions.filter(state=PUBLISHED).order_by("-number").first()


def published_lists() -> QuerySet[AnnualList]:
    """The lists with at least one published version, each with its published versions
    (newest first) in `.published`."""
    published = ListVersion.objects.filter(state=PUBLISHED).order_by("-number")
    return (
        AnnualList.objects.filter(versions__state=PUBLISHED)
        .distinct()
        .select_related("cycle")
        .prefetch_related(Prefetch("versions", queryset=published, to_attr="published"))
        .order_by("-cycle__year")
    )


def lists_overview() -> QuerySet[Cycle]:
    """Every cycle with its list and versions (newest first), for the coordinator."""
    versions = ListVersion.objects.order_by("-number")
    return (
        Cycle.objects.select_related("annual_list")
        .prefetch_related(Prefetch("annual_list__versions", queryset=versions))
        .annotate(candidate_count=Count("candidates"))
        .order_by("-year")
    )


def versions_of(user: Actor, annual_list: AnnualList) -> list[ListVersion]:
    """The versions of a list the user may see, oldest first."""
    return list(versions_visible_to(user).filter(annual_list=annual_list).order_by("number"))


# Ranking ------------------------------------------------------------------------------------


def ranked_candidates(cycle: Cycle, *, exclude: ListVersion | None = None) -> list[RankRow]:
    """The cycle's candidates as the expert review ranks them (best overall mean first,
    unreviewed last), less those already on `exclude`."""
    taken: set[int] = set()
    if exclude is not None:
        taken = set(exclude.items.values_list("candidate_id", flat=True))
    return [row for row in candidate_ranking(cycle) if row.candidate.pk not in taken]


# Items, grouped and numbered ----------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    field: ReformField
    items: list[ListItem]


def grouped_order(items: Iterable[ListItem]) -> list[ListItem]:
    """Measures grouped by reform field, groups in the order of their first measure, measures
    in their own order within a group. The services number items in exactly this order, so a
    measure's position is the number it has on the published list."""
    ordered = sorted(items, key=lambda i: (i.position, i.pk or 0))
    first: dict[int, int] = {}
    for index, item in enumerate(ordered):
        first.setdefault(item.field_id, index)
    return sorted(ordered, key=lambda i: first[i.field_id])


def version_items(version: ListVersion) -> list[ListItem]:
    return list(version.items.select_related("field").order_by("position", "id"))


def groups(items: Sequence[ListItem]) -> list[Group]:
    out: list[Group] = []
    for item in grouped_order(items):
        if not out or out[-1].field.pk != item.field_id:
            out.append(Group(item.field, []))
        out[-1].items.append(item)
    return out


# Comparing versions -------------------------------------------------------------------------


def _entries(items: Iterable[ListItem]) -> list[diff.Entry]:
    return [
        diff.Entry(
            key=item.candidate_id,
            number=item.position,
            title=item.title,
            content=item.content,
            field=str(item.field),
            ministries=item.ministries,
        )
        for item in items
    ]


def version_diff(old: ListVersion, new: ListVersion) -> diff.ListDiff:
    details = [
        (_("Issuing authority"), old.issuing_authority, new.issuing_authority),
        (_("Document number"), old.doc_number, new.doc_number),
        (_("Preamble"), old.preamble, new.preamble),
    ]
    return diff.compare(_entries(version_items(old)), _entries(version_items(new)), details)


# What became of a proposal ------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    version: ListVersion
    item: ListItem | None  # None: the candidate is not on the published list


def placement_for_proposal(proposal: Proposal) -> Placement | None:
    """Where the candidate a proposal was merged into stands on the cycle's latest published
    list; None before the list is published or while the proposal is not merged."""
    if proposal.merged_into_id is None:
        return None
    version = (
        ListVersion.objects.filter(annual_list__cycle_id=proposal.cycle_id, state=PUBLISHED)
        .select_related("annual_list")
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    item = version.items.filter(candidate_id=proposal.merged_into_id).first()
    return Placement(version, item)


# History ------------------------------------------------------------------------------------


def version_history(version: ListVersion, limit: int = 100) -> list[AuditEntry]:
    """The trail of a version: its own entries, its measures', its consultations' and its
    list's."""
    types = ContentType.objects.get_for_models(AnnualList, ListVersion, ListItem, Consultation)
    item_ids = [str(pk) for pk in version.items.values_list("pk", flat=True)]
    consultation_ids = [str(pk) for pk in version.consultations.values_list("pk", flat=True)]
    condition = (
        Q(content_type=types[AnnualList], object_id=str(version.annual_list_id))
        | Q(content_type=types[ListVersion], object_id=str(version.pk))
        | Q(content_type=types[ListItem], object_id__in=item_ids)
        | Q(content_type=types[Consultation], object_id__in=consultation_ids)
    )
    entries = AuditEntry.objects.filter(condition).select_related("actor", "content_type")
    return list(entries[:limit])


# Measures the drafting warning compares a draft with (registered in lists.apps) --------------

# The published lists hold some dozens of measures a year: the newest this many are compared.
KNOWN_LIMIT = 200


def published_measures() -> list[KnownMeasure]:
    """Items of published lists, newest first, each candidate once (its latest wording)."""
    items = (
        ListItem.objects.filter(version__state=ListVersion.State.PUBLISHED)
        .select_related("version__annual_list")
        .order_by("-version__published_at", "-pk")[:KNOWN_LIMIT]
    )
    seen: set[int] = set()
    measures = []
    for item in items:
        if item.candidate_id not in seen:
            seen.add(item.candidate_id)
            where = item.version.annual_list.title
            measures.append(KnownMeasure(item.title, where, item.content))
    return measures


def candidates_of_cycle(cycle_id: int) -> QuerySet[CandidateMeasure]:
    """The candidate measures a version of the cycle's list may take."""
    return CandidateMeasure.objects.filter(cycle_id=cycle_id)


def item_exists(pk: int) -> bool:
    """Is the measure still on its version (a colleague may have removed it meanwhile)?"""
    return ListItem.objects.filter(pk=pk).exists()
