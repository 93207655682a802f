"""Reads of programmes, claims and notices shared by pages and files: always scoped.

The national coordinator sees everything. A claimant sees the programmes it is eligible for
once they are open, its own claims and its own notice; for anybody else a programme does not
exist (404).
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor
from audit.models import AuditEntry
from audit.selectors import entries_for
from claims import rules
from claims.models import Claim, Claimant, Programme, ProgrammeItem, TaskNotice
from lists.models import ListVersion

State = Programme.State


def programmes_visible_to(user: Actor) -> QuerySet[Programme]:
    return rules.PROGRAMMES.queryset(user).select_related("list_version__annual_list")


def programme_get_for_user(user: Actor, pk: int) -> Programme:
    """The programme, or 404 when the user may not know it exists."""
    try:
        return programmes_visible_to(user).get(pk=pk)
    except Programme.DoesNotExist:
        raise Http404 from None


def own_claimant(user: Actor, programme: Programme) -> Claimant | None:
    """The claimant of `programme` the user speaks for, if any."""
    found = programme.claimants.select_related("division", "region_group", "programme")
    return rules.SPOKEN_FOR.queryset(user, found).first()


def item_get_for_user(user: Actor, pk: int) -> tuple[ProgrammeItem, Claimant]:
    """An item and the claimant the user would claim it for; 404 when the user is not a
    claimant of its programme (or may not know the programme)."""
    item = ProgrammeItem.objects.select_related("programme").filter(pk=pk).first()
    if item is None:
        raise Http404
    programme = programme_get_for_user(user, item.programme_id)
    claimant = own_claimant(user, programme)
    if claimant is None:
        raise Http404
    return item, claimant


def notice_get_for_user(user: Actor, pk: int) -> TaskNotice:
    notice = (
        rules.NOTICES.queryset(user)
        .select_related("programme", "claimant__division", "claimant__region_group")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def programme_items(programme: Programme) -> list[ProgrammeItem]:
    """The items in order, each with `claim_count`."""
    # The model declares `claim_count` for the type checker; the annotation fills it.
    counted = programme.items.annotate(claim_count=Count("claims"))  # type: ignore[no-redef]
    return list(counted.order_by("position"))


# Region groups first, then provinces by code, on every database (SQLite sorts NULL first,
# PostgreSQL last): the order notices are numbered in.
CLAIMANT_ORDER = (F("region_group_id").asc(nulls_last=True), "division__code")


def claimants_of(programme: Programme) -> list[Claimant]:
    """The claimants, each with `claim_count`, zones and regions first then provinces."""
    return list(
        programme.claimants.select_related("division", "region_group")
        .annotate(claim_count=Count("claims"))  # type: ignore[no-redef]
        .order_by(*CLAIMANT_ORDER)
    )


def claimed_item_ids(claimant: Claimant) -> set[int]:
    return set(claimant.claims.values_list("item_id", flat=True))


def claimant_items(claimant: Claimant) -> list[ProgrammeItem]:
    """The items the claimant implements: all it claimed, in a pilot those shortlisted."""
    implemented = claims_to_implement(claimant.programme).filter(claimant=claimant)
    return list(
        ProgrammeItem.objects.filter(claims__in=implemented).order_by("position").distinct()
    )


Shortlisting = Claim.Shortlisting
# The claims that do not become tasks: a pilot's applications awaiting a decision or refused.
NOT_IMPLEMENTED = Q(shortlisting__in=[Shortlisting.APPLIED, Shortlisting.NOT_SHORTLISTED])


def claims_to_implement(programme: Programme) -> QuerySet[Claim]:
    """The claims that become tasks when the notices are handed down: every claim of an annual
    list; of a zone pilot only the shortlisted (入围) applications (and results entered as
    announced, without an application)."""
    found = Claim.objects.filter(item__programme=programme)
    if programme.is_pilot:
        found = found.exclude(NOT_IMPLEMENTED)
    return found


def applications(programme: Programme) -> list[Claim]:
    """The applications (申报) of a zone pilot, in the order of the claimants then items."""
    return list(
        Claim.objects.filter(item__programme=programme)
        .exclude(shortlisting=Shortlisting.NONE)
        .select_related("item", "claimant__division", "claimant__region_group")
        .order_by(
            F("claimant__region_group_id").asc(nulls_last=True),
            "claimant__division__code",
            "item__position",
        )
    )


def is_shortlisted(programme: Programme) -> bool:
    """A zone pilot whose shortlisting has begun: some application has a decision."""
    decided = [Shortlisting.SHORTLISTED, Shortlisting.NOT_SHORTLISTED]
    return (
        programme.is_pilot
        and Claim.objects.filter(item__programme=programme, shortlisting__in=decided).exists()
    )


def shortlisting_of(claimant: Claimant) -> dict[int, str]:
    """{item pk: how the claimant's application for it stands (a `Shortlisting` value)} in a
    zone pilot; results entered as announced have none and are left out."""
    found = claimant.claims.values_list("item_id", "shortlisting")
    return {item_id: value for item_id, value in found if value}


def awaiting_shortlisting(programme: Programme) -> int:
    """How many applications of a pilot still wait for a decision."""
    return Claim.objects.filter(
        item__programme=programme, shortlisting=Shortlisting.APPLIED
    ).count()


def participants(programme: Programme) -> list[Claimant]:
    """Who takes part in the programme, each with `claim_count` (the claims implemented, or
    to be): the eligible claimants of an annual list (by default the 13 provinces
    发改高技〔2021〕484号 is addressed to, `ANNUAL_LIST_PROVINCES`, and whoever the coordinator
    adds); of a zone pilot the eligible zones until the shortlisting begins, then the
    shortlisted zones (入围单位)."""
    if not is_shortlisted(programme):
        return claimants_of(programme)
    return _implementing(programme, programme.claimants.select_related("division", "region_group"))


def _implementing(programme: Programme, claimants: QuerySet[Claimant]) -> list[Claimant]:
    """Those of `claimants` with a claim to implement, each with `claim_count` of them."""
    implemented = claims_to_implement(programme).values("pk")
    counted = claimants.annotate(
        claim_count=Count("claims", filter=Q(claims__in=implemented))  # type: ignore[no-redef]
    ).order_by(*CLAIMANT_ORDER)
    return [c for c in counted if c.claim_count]


def notice_claimants(programme: Programme) -> list[Claimant]:
    """The claimants a task notice goes to: those with a claim to implement, each with
    `claim_count` (the claims implemented)."""
    found = programme.claimants.select_related("division", "region_group", "programme")
    return _implementing(programme, found)


@dataclass
class Category:
    name: str
    items: list[ProgrammeItem] = field(default_factory=list)


def by_category(items: list[ProgrammeItem]) -> list[Category]:
    """Items grouped by category, categories in the order of their first item."""
    groups: dict[str, Category] = {}
    for item in items:
        groups.setdefault(item.category, Category(item.category)).items.append(item)
    return list(groups.values())


def below_minimum(programme: Programme) -> list[Claimant]:
    """The claimants with fewer claims than the programme's minimum.

    For an annual list the minimum is 发改高技〔2021〕484号 §三（三）'s "原则上每个地方年度揭榜
    改革任务不少于3项", which is addressed to the provinces: only the participants that are
    provinces are counted, an experiment region the coordinator added is not held to it. For
    a zone pilot the minimum, if the coordinator sets one, counts every claimant."""
    found = claimants_of(programme)
    if programme.kind == Programme.Kind.ANNUAL_LIST:
        found = [c for c in found if c.division_id is not None]
    return [c for c in found if c.claim_count < programme.min_claims]


@dataclass
class Results:
    """The aggregated result: rows of items × claimants, and the count buckets."""

    claimants: list[Claimant]
    rows: list[tuple[ProgrammeItem, list[bool]]]
    buckets: list[tuple[int, bool, int]]  # (items, "or more", claimants)


def results(programme: Programme) -> Results:
    claimants = claimants_of(programme)
    items = programme_items(programme)
    taken = set(Claim.objects.filter(item__programme=programme).values_list("item", "claimant"))
    rows = [(item, [(item.pk, c.pk) in taken for c in claimants]) for item in items]
    return Results(claimants, rows, buckets(programme, [c.claim_count for c in claimants]))


def buckets(programme: Programme, counts: list[int]) -> list[tuple[int, bool, int]]:
    """Claimants per number of items claimed: one bucket per count below the minimum (or 3
    when there is no minimum), then one for "that many or more"; empty buckets are left out.
    """
    top = programme.min_claims or 3
    counter = Counter(min(n, top) for n in counts)
    ordered = sorted(counter.items(), reverse=True)
    return [(n, n == top, claimants) for n, claimants in ordered]


def programme_history(programme: Programme, limit: int = 100) -> list[AuditEntry]:
    return list(entries_for(programme).order_by("-at", "-id")[:limit])


def programme_index(user: Actor) -> list[Programme]:
    """The programmes a user sees, each with `item_count`, `claimant_count` and `window`."""
    visible = programmes_visible_to(user).values("pk")
    found: list[Programme] = list(
        Programme.objects.filter(pk__in=visible)
        .select_related("list_version__annual_list")
        .annotate(
            item_count=Count("items", distinct=True),
            claimant_count=Count("claimants", distinct=True),
            closed_at=Subquery(_closings().values("at")[:1]),
        )
        .order_by("-created_at", "-id")
    )
    for programme in found:
        closed_at = getattr(programme, "closed_at", None)
        setattr(programme, "window", _window(programme, closed_at))  # noqa: B010
    return found


# The claim window as it happened --------------------------------------------------------------
# The programme keeps the planned dates; the day the coordinator closed the window is the date
# of its `programme.closed` entry in the trail. A window closed before its planned end reads
# "closed early on …" (提前截止), never the planned end alone.


@dataclass(frozen=True)
class Window:
    opens_at: datetime.date | None
    closes_at: datetime.date | None  # as planned (and moved)
    closed_on: datetime.date | None  # the day it was closed, once closed

    @property
    def is_set(self) -> bool:
        return self.opens_at is not None or self.closes_at is not None

    @property
    def closed_early(self) -> bool:
        return (
            self.closed_on is not None
            and self.closes_at is not None
            and self.closed_on < self.closes_at
        )


def _closings() -> QuerySet[AuditEntry]:
    """The `programme.closed` entries of the programme in `OuterRef("pk")`, latest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Programme),
        object_id=Cast(OuterRef("pk"), CharField()),
        action="programme.closed",
    ).order_by("-at", "-id")


def _window(programme: Programme, closed_at: datetime.datetime | None) -> Window:
    closed_on = None
    if programme.state == State.CLOSED and closed_at is not None:
        closed_on = timezone.localdate(closed_at)
    return Window(programme.opens_at, programme.closes_at, closed_on)


def window_of(programme: Programme) -> Window:
    """The programme's window, with the day it was closed (one query when closed)."""
    closed_at = None
    if programme.state == State.CLOSED:
        entry = entries_for(programme).filter(action="programme.closed").order_by("-at").first()
        closed_at = entry.at if entry else None
    return _window(programme, closed_at)


# A newer version of the list ------------------------------------------------------------------
# A programme drawn from a published list keeps the version it was drawn from; when the list
# is revised (a new version published), the programme page says so and links to the
# comparison. Moving to the new version replaces the items, so it is allowed only while no
# claim was made and the window is not closed (`services.programme_move_to_version`).


@dataclass(frozen=True)
class NewerVersion:
    current: ListVersion
    newer: ListVersion
    claims: int  # claims already made on the current version's items
    closed: bool

    @property
    def movable(self) -> bool:
        return not self.claims and not self.closed


def newer_list_version(programme: Programme) -> NewerVersion | None:
    """The latest published version of the programme's list, if newer than its own."""
    current = programme.list_version
    if current is None:
        return None
    newer = (
        ListVersion.objects.filter(
            annual_list_id=current.annual_list_id,
            state=ListVersion.State.PUBLISHED,
            number__gt=current.number,
        )
        .select_related("annual_list")
        .order_by("-number")
        .first()
    )
    if newer is None:
        return None
    claims = Claim.objects.filter(item__programme=programme).count()
    return NewerVersion(current, newer, claims, programme.state == State.CLOSED)


def notices_of(programme: Programme) -> list[TaskNotice]:
    return list(
        programme.notices.select_related("claimant__division", "claimant__region_group").order_by(
            "number"
        )
    )


def notice_of(claimant: Claimant) -> TaskNotice | None:
    """The task notice addressed to the claimant, once issued."""
    return TaskNotice.objects.filter(claimant=claimant).first()


def programme_item_get_for_user(user: Actor, pk: int) -> ProgrammeItem:
    """An item of a programme the user may know (404 otherwise)."""
    programmes = rules.PROGRAMMES.queryset(user)
    found = ProgrammeItem.objects.select_related("programme").filter(programme__in=programmes)
    item = found.filter(pk=pk).first()
    if item is None:
        raise Http404
    return item
