"""Writes of claiming: creating a programme and its items and claimants, opening and closing
the window, claiming and withdrawing, issuing the task notices. Every write checks its right,
runs in a transaction and is recorded on the programme's trail."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from claims import rules, signals
from claims.errors import ClaimError
from claims.models import (
    ANNUAL_LIST_PROVINCES,
    DEFAULT_IMPLEMENTATION_MONTHS,
    MAX_IMPLEMENTATION_MONTHS,
    Claim,
    Claimant,
    Programme,
    ProgrammeItem,
    TaskNotice,
)
from claims.reminders import closing_reminder_close, window_closed_close, window_opened_tell
from claims.selectors import below_minimum, notice_claimants
from kernel.errors import Forbidden
from lists import authorities
from lists.errors import ListError
from lists.models import DocumentNumber, ListVersion
from lists.selectors import taken_serials
from lists.services import numbers
from regions.models import Division, RegionGroup

State = Programme.State
Shortlisting = Claim.Shortlisting


def _lock(programme: Programme) -> Programme:
    return Programme.objects.select_for_update().get(pk=programme.pk)


def _check_window(opens_at: datetime.date | None, closes_at: datetime.date | None) -> None:
    if opens_at and closes_at and closes_at < opens_at:
        raise ClaimError(_("The window cannot close before it opens."))


def _check_implementation(months: int | None) -> None:
    if months is None or not 1 <= months <= MAX_IMPLEMENTATION_MONTHS:
        raise ClaimError(
            _("The implementation period is between 1 and %(max)s months.")
            % {"max": MAX_IMPLEMENTATION_MONTHS}
        )


def _items_drawn(programme: Programme, version: ListVersion) -> list[ProgrammeItem]:
    """The programme's items drawn from a published list version, one per measure, in the
    list's order (unsaved)."""
    return [
        ProgrammeItem(
            programme=programme,
            position=item.position,
            category=item.field.name,
            title=item.title,
            description=item.content,
            list_item=item,
        )
        for item in version.items.select_related("field").order_by("position")
    ]


@transaction.atomic
def programme_create(
    *,
    by: User,
    kind: str,
    title: str,
    description: str = "",
    list_version: ListVersion | None = None,
    min_claims: int = 3,
    max_claimants: int | None = None,
    opens_at: datetime.date | None = None,
    closes_at: datetime.date | None = None,
    issuing_authority: str = "",
    implementation_months: int | None = None,
) -> Programme:
    """A draft programme; from a published list version its measures become the items,
    grouped by reform field. Without issuing authorities it has those of its kind
    (`Programme.default_issuers`), or, drawn from a published list, those who published it
    (carried forward, not typed again).

    An annual list starts with the 13 provinces 发改高技〔2021〕484号 is addressed to as its
    eligible claimants (`ANNUAL_LIST_PROVINCES`; the coordinator may change them while the
    window is not closed); a zone pilot with none, the coordinator names the zones. The
    implementation period is the platform's default (24 months) unless given."""
    if not rules.can_manage_programmes(by):
        raise Forbidden
    if not title.strip():
        raise ClaimError(_("Give the programme a title."))
    if list_version is not None and list_version.state != ListVersion.State.PUBLISHED:
        raise ClaimError(_("Only a published list can be claimed from."))
    _check_window(opens_at, closes_at)
    if implementation_months is None:
        implementation_months = DEFAULT_IMPLEMENTATION_MONTHS
    _check_implementation(implementation_months)
    programme = Programme.objects.create(
        kind=kind,
        title=title.strip(),
        issuing_authority=authorities.joined(issuing_authority)
        or (list_version.issuing_authority if list_version is not None else "")
        or Programme.default_issuers(kind),
        description=description.strip(),
        list_version=list_version,
        min_claims=min_claims,
        max_claimants=max_claimants,
        opens_at=opens_at,
        closes_at=closes_at,
        implementation_months=implementation_months,
        created_by=by,
    )
    provinces: list[Division] = []
    if kind == Programme.Kind.ANNUAL_LIST:
        provinces = list(Division.objects.filter(code__in=ANNUAL_LIST_PROVINCES).order_by("code"))
        Claimant.objects.bulk_create(Claimant(programme=programme, division=d) for d in provinces)
    if list_version is not None:
        ProgrammeItem.objects.bulk_create(_items_drawn(programme, list_version))
    record(
        "programme.created",
        obj=programme,
        by=by,
        changes={
            "title": [None, programme.title],
            "kind": [None, programme.kind],
            "issuing_authority": [None, programme.issuing_authority],
            "list_version": [None, str(list_version) if list_version else None],
            "min_claims": [None, min_claims],
            "max_claimants": [None, max_claimants],
            "implementation_months": [None, implementation_months],
            "claimants": [None, "、".join(str(d) for d in provinces) or None],
        },
    )
    return programme


def _lock_draft(programme: Programme, by: User) -> Programme:
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if programme.state != State.DRAFT:
        raise ClaimError(_("Items can be changed only while the programme is a draft."))
    return programme


def _add_items(programme: Programme, rows: Iterable[tuple[str, str, str]]) -> list[ProgrammeItem]:
    last = programme.items.aggregate(last=Max("position"))["last"] or 0
    items = []
    for offset, (category, title, description) in enumerate(rows, start=1):
        if not category.strip() or not title.strip():
            raise ClaimError(_("Every item needs a category and a title."))
        items.append(
            ProgrammeItem(
                programme=programme,
                position=last + offset,
                category=category.strip(),
                title=title.strip(),
                description=description.strip(),
            )
        )
    return ProgrammeItem.objects.bulk_create(items)


@transaction.atomic
def item_add(
    *, programme: Programme, by: User, category: str, title: str, description: str = ""
) -> ProgrammeItem:
    programme = _lock_draft(programme, by)
    (item,) = _add_items(programme, [(category, title, description)])
    record(
        "programme.item_added",
        obj=programme,
        by=by,
        changes={"category": [None, item.category], "title": [None, item.title]},
    )
    return item


@transaction.atomic
def items_import(
    *, programme: Programme, by: User, rows: list[tuple[str, str, str]]
) -> list[ProgrammeItem]:
    """Add the rows of a sheet as items, all or none."""
    programme = _lock_draft(programme, by)
    if not rows:
        raise ClaimError(_("The sheet has no items."))
    items = _add_items(programme, rows)
    record(
        "programme.items_imported",
        obj=programme,
        by=by,
        note=_("%(count)s items imported") % {"count": len(items)},
    )
    return items


@transaction.atomic
def claimants_set(
    *,
    programme: Programme,
    by: User,
    divisions: Iterable[Division],
    region_groups: Iterable[RegionGroup],
) -> list[Claimant]:
    """Make exactly these provinces and region groups eligible. A claimant that has claimed
    something cannot be dropped."""
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if programme.state == State.CLOSED:
        raise ClaimError(_("The claim window is closed."))
    divisions, region_groups = list(divisions), list(region_groups)
    if any(not d.is_province for d in divisions):
        raise ClaimError(_("Only province-level divisions can claim."))
    current = list(programme.claimants.select_related("division", "region_group"))
    keep = {("d", d.pk) for d in divisions} | {("g", g.pk) for g in region_groups}

    def key(c: Claimant) -> tuple[str, int]:
        return ("d", c.division_id) if c.division_id else ("g", c.region_group_id or 0)

    dropped = [c for c in current if key(c) not in keep]
    busy = [str(c) for c in dropped if c.claims.exists()]
    if busy:
        raise ClaimError(
            _("%(names)s already claimed items and cannot be dropped.") % {"names": "、".join(busy)}
        )
    Claimant.objects.filter(pk__in=[c.pk for c in dropped]).delete()
    have = {key(c) for c in current}
    Claimant.objects.bulk_create(
        [Claimant(programme=programme, division=d) for d in divisions if ("d", d.pk) not in have]
        + [
            Claimant(programme=programme, region_group=g)
            for g in region_groups
            if ("g", g.pk) not in have
        ]
    )
    before = sorted(str(c) for c in current)
    after = sorted([str(d) for d in divisions] + [str(g) for g in region_groups])
    if before != after:
        record(
            "programme.claimants_set",
            obj=programme,
            by=by,
            changes={"claimants": ["、".join(before), "、".join(after)]},
        )
    return list(programme.claimants.all())


@transaction.atomic
def programme_open(
    *, programme: Programme, by: User, opens_at: datetime.date, closes_at: datetime.date
) -> Programme:
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if programme.state == State.OPEN:
        raise ClaimError(_("The claim window is already open."))
    if programme.state == State.CLOSED:
        raise ClaimError(_("The claim window is already closed."))
    if opens_at is None or closes_at is None:
        raise ClaimError(_("Give the dates the window opens and closes."))
    _check_window(opens_at, closes_at)
    if not programme.items.exists():
        raise ClaimError(_("Add at least one item first."))
    if not programme.claimants.exists():
        raise ClaimError(_("Name the eligible claimants first."))
    before = [programme.opens_at, programme.closes_at]
    programme.opens_at, programme.closes_at = opens_at, closes_at
    programme.state = State.OPEN
    programme.save(update_fields=["opens_at", "closes_at", "state"])
    record(
        "programme.opened",
        obj=programme,
        by=by,
        changes={
            "state": [State.DRAFT, State.OPEN],
            "opens_at": [str(before[0]) if before[0] else None, str(opens_at)],
            "closes_at": [str(before[1]) if before[1] else None, str(closes_at)],
        },
    )
    window_opened_tell(programme)
    return programme


def shortfall_message(programme: Programme, short: list[Claimant]) -> str:
    names = "、".join(f"{c}（{c.claim_count}）" for c in short)
    return _("%(count)s claimants have fewer than the minimum of %(min)s items: %(names)s.") % {
        "count": len(short),
        "min": programme.min_claims,
        "names": names,
    }


@transaction.atomic
def programme_close(*, programme: Programme, by: User, reason: str = "") -> Programme:
    """Close the window. Claimants below the minimum block the closing unless the coordinator
    gives a reason, which is kept on the programme and in the trail with their names."""
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if programme.state == State.CLOSED:
        raise ClaimError(_("The claim window is already closed."))
    if programme.state != State.OPEN:
        raise ClaimError(_("The claim window is not open."))
    short = below_minimum(programme)
    note = ""
    if short:
        message = shortfall_message(programme, short)
        if not reason.strip():
            raise ClaimError(message + " " + _("Give a reason to close the window all the same."))
        note = f"{message} {reason.strip()}"
        programme.close_note = reason.strip()
    programme.state = State.CLOSED
    programme.save(update_fields=["state", "close_note"])
    record(
        "programme.closed",
        obj=programme,
        by=by,
        changes={"state": [State.OPEN, State.CLOSED]},
        note=note,
    )
    window_closed_close(programme)
    return programme


@transaction.atomic
def applications_shortlist(
    *,
    programme: Programme,
    by: User,
    decisions: Mapping[int, str],
    decided_on: datetime.date,
) -> list[Claim]:
    """Decide the applications of a zone pilot (入围): `decisions` maps a claim's pk to
    shortlisted, not shortlisted, or applied (no decision yet). After the window closes and
    until the notices are handed down, the national level (工业和信息化部、科学技术部, source
    003) decides per application, dated `decided_on`; a decision may be changed until then.
    Every change is recorded in the programme's history. Only the shortlisted applications
    become tasks (`selectors.claims_to_implement`)."""
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if not programme.is_pilot:
        raise ClaimError(_("Only the applications of a zone pilot are shortlisted."))
    if programme.state != State.CLOSED:
        raise ClaimError(_("Applications are shortlisted once the window is closed."))
    if programme.notices.exists():
        raise ClaimError(_("The task notices of this programme were already issued."))
    if decided_on is None:
        raise ClaimError(_("Give the date of the decision."))
    allowed = {Shortlisting.APPLIED, Shortlisting.SHORTLISTED, Shortlisting.NOT_SHORTLISTED}
    if any(value not in allowed for value in decisions.values()):
        raise ClaimError(_("A decision is shortlisted, not shortlisted or not yet decided."))
    claims = (
        Claim.objects.select_for_update(of=("self",))
        .filter(item__programme=programme, pk__in=list(decisions))
        .exclude(shortlisting=Shortlisting.NONE)
        .select_related("item", "claimant__division", "claimant__region_group")
        .order_by("claimant_id", "item__position")
    )
    changed, lines = [], []
    for claim in claims:
        value = decisions[claim.pk]
        if value == claim.shortlisting:
            continue
        before = claim.get_shortlisting_display()
        claim.shortlisting = value
        claim.decided_on = None if value == Shortlisting.APPLIED else decided_on
        claim.save(update_fields=["shortlisting", "decided_on"])
        changed.append(claim)
        lines.append(
            f"{claim.claimant} · {claim.item.position}．{claim.item.title}: "
            f"{before} → {claim.get_shortlisting_display()}"
        )
    if changed:
        record(
            "programme.shortlisted",
            obj=programme,
            by=by,
            changes={"decided_on": [None, decided_on.isoformat()]},
            note="；".join(lines),
        )
    return changed


def _check_can_claim(claimant: Claimant, by: User) -> Programme:
    """`can_claim`: the right without the state (Forbidden), then the window (a message)."""
    if not rules.speaks_for_claimant(by, claimant):
        raise Forbidden
    programme = claimant.programme
    today = timezone.localdate()
    if programme.state == State.CLOSED:
        raise ClaimError(_("The claim window is already closed."))
    if programme.state != State.OPEN:
        raise ClaimError(_("The claim window is not open."))
    if programme.opens_at and today < programme.opens_at:
        raise ClaimError(_("Claims open on %(date)s.") % {"date": programme.opens_at.isoformat()})
    if programme.closes_at and today > programme.closes_at:
        raise ClaimError(
            _("Claims closed on %(date)s.") % {"date": programme.closes_at.isoformat()}
        )
    return programme


@transaction.atomic
def item_claim(*, item: ProgrammeItem, claimant: Claimant, by: User) -> Claim:
    """Claim an item. The item row is locked first, so two claimants racing for its last
    place are served one after the other and the second finds it taken."""
    locked = ProgrammeItem.objects.select_for_update().get(pk=item.pk)
    claimant = Claimant.objects.select_related("programme", "division", "region_group").get(
        pk=claimant.pk
    )
    if locked.programme_id != claimant.programme_id:
        raise Forbidden
    programme = _check_can_claim(claimant, by)
    claims = locked.claims.all()
    if claims.filter(claimant=claimant).exists():
        raise ClaimError(_("You have already claimed this item."))
    if programme.max_claimants is not None and claims.count() >= programme.max_claimants:
        raise ClaimError(
            _("“%(item)s” already has its %(max)s claimants.")
            % {"item": locked.title, "max": programme.max_claimants}
        )
    # In a zone pilot the claim is an application (申报), shortlisted after the window closes.
    standing = Shortlisting.APPLIED if programme.is_pilot else Shortlisting.NONE
    claim = Claim.objects.create(
        item=locked, claimant=claimant, claimed_by=by, shortlisting=standing
    )
    record(
        "programme.claimed",
        obj=programme,
        by=by,
        changes={"claim": [None, f"{claimant} · {locked.position}．{locked.title}"]},
    )
    return claim


@transaction.atomic
def item_withdraw(*, item: ProgrammeItem, claimant: Claimant, by: User) -> None:
    locked = ProgrammeItem.objects.select_for_update().get(pk=item.pk)
    claimant = Claimant.objects.select_related("programme", "division", "region_group").get(
        pk=claimant.pk
    )
    programme = _check_can_claim(claimant, by)
    deleted, _rows = Claim.objects.filter(item=locked, claimant=claimant).delete()
    if not deleted:
        raise ClaimError(
            _("You have no claim on this item: it was already withdrawn, or never made.")
        )
    record(
        "programme.withdrawn",
        obj=programme,
        by=by,
        changes={"claim": [f"{claimant} · {locked.position}．{locked.title}", None]},
    )


def _claimant_name(claimant: Claimant) -> str:
    return f"{claimant.programme.title} · {claimant}"


def _parse_number(text: str) -> numbers.Number:
    try:
        return numbers.parse(text)
    except ListError as exc:
        raise ClaimError(exc.message) from None


def _take_number(notice: TaskNotice) -> None:
    """Register the notice's number among all documents' (`lists.DocumentNumber`)."""
    try:
        numbers.take(
            notice.doc_number,
            use=DocumentNumber.Use.NOTICE,
            object_id=notice.pk,
            holder=_claimant_name(notice.claimant),
        )
    except ListError as exc:
        raise ClaimError(exc.message) from None


def _numbers_for(
    claimants: list[Claimant],
    entered: Mapping[int, str],
    doc_code: str,
    issued_on: datetime.date,
) -> list[str]:
    """The number of each claimant's notice: as entered (the number the issuing office
    assigned), else CODE〔YEAR〕n号 with the first serials of the year that no list or notice
    has taken yet."""
    given = {c.pk: _parse_number(entered[c.pk]) for c in claimants if entered.get(c.pk)}
    seen: dict[numbers.Number, Claimant] = {}
    for claimant in claimants:
        number = given.get(claimant.pk)
        if number is None:
            continue
        if number in seen:
            raise ClaimError(
                _("%(number)s is entered for both %(first)s and %(second)s.")
                % {"number": number, "first": seen[number], "second": claimant}
            )
        seen[number] = claimant
    code = doc_code.strip()
    if len(given) < len(claimants):
        if not code:
            raise ClaimError(_("Give the document code, or the number of every notice."))
        _parse_number(f"{code}〔{issued_on.year}〕1号")  # the code alone must be well formed
    used = taken_serials(code, issued_on.year) | {
        n.serial for n in given.values() if (n.code, n.year) == (code, issued_on.year)
    }
    serial, out = 0, []
    for claimant in claimants:
        if claimant.pk in given:
            out.append(str(given[claimant.pk]))
            continue
        serial += 1
        while serial in used:
            serial += 1
        out.append(str(numbers.Number(code, issued_on.year, serial)))
    return out


@transaction.atomic
def notices_issue(
    *,
    programme: Programme,
    by: User,
    issued_on: datetime.date,
    doc_code: str = "",
    doc_numbers: Mapping[int, str] | None = None,
    issuing_authority: str | None = None,
) -> list[TaskNotice]:
    """Hand down (下达) the task notices: one for every claimant with at least one claim to
    implement (in a zone pilot: shortlisted, once every application is decided), numbered
    1, 2, … in the order of the claimants (发改高技〔2021〕484号 §三（三）:
    "国家发展改革委、科技部汇总揭榜结果，并采取适当形式下达揭榜任务通知书").

    The notices are issued by the programme's issuing authorities. Their document numbers are
    those the issuing office assigned, `doc_numbers` ({claimant pk: number}), and for the
    claimants without one CODE〔YEAR〕1号, 2号, … from `doc_code`, the 发文机关代字 (e.g.
    发改高技), skipping the numbers a list or another notice already has; every number is
    taken in `lists.DocumentNumber`, so none is used twice. `issuing_authority` is accepted
    from callers written before programmes recorded theirs, and not used."""
    del issuing_authority  # the programme's are the notices' (`Programme.issuing_authority`)
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if programme.notices.exists():
        raise ClaimError(_("The task notices of this programme were already issued."))
    if programme.state != State.CLOSED:
        raise ClaimError(_("Close the claim window first."))
    if issued_on is None:
        raise ClaimError(_("Give the date of issue (成文日期)."))
    if programme.is_pilot:
        waiting = Claim.objects.filter(item__programme=programme, shortlisting=Shortlisting.APPLIED)
        if waiting.exists():
            raise ClaimError(
                _("%(count)s applications still wait for the shortlisting decision.")
                % {"count": waiting.count()}
            )
    claimants = notice_claimants(programme)
    if not claimants:
        if programme.is_pilot and programme.items.filter(claims__isnull=False).exists():
            raise ClaimError(_("No application was shortlisted: there is no notice to issue."))
        raise ClaimError(_("Nobody claimed anything: there is no notice to issue."))
    assigned = _numbers_for(claimants, doc_numbers or {}, doc_code, issued_on)
    issuers = programme.issuing_authority or Programme.default_issuers(programme.kind)
    notices = []
    for number, (claimant, doc_number) in enumerate(zip(claimants, assigned, strict=True), start=1):
        notice = TaskNotice.objects.create(
            claimant=claimant,
            programme=programme,
            number=number,
            doc_number=doc_number,
            issuing_authority=issuers,
            issued_on=issued_on,
            issued_by=by,
        )
        _take_number(notice)
        notices.append(notice)
    # Implementation starts with the notices: tasks opens one task per claim to implement
    # (`selectors.claims_to_implement`) on this signal.
    signals.notices_issued.send(sender=Programme, programme=programme, by=by)
    record(
        "programme.notices_issued",
        obj=programme,
        by=by,
        note=_("%(count)s notices: %(first)s – %(last)s")
        % {"count": len(notices), "first": notices[0].doc_number, "last": notices[-1].doc_number},
    )
    return notices


# Corrections ----------------------------------------------------------------------------------
# A draft programme is the coordinator's to reshape; once open, claimants rely on its terms, so
# only the closing date may move (never into the past); an issued notice is corrected only with
# a reason, and the trail keeps what it said before.

PROGRAMME_FIELDS = [
    "title",
    "issuing_authority",
    "description",
    "min_claims",
    "max_claimants",
    "opens_at",
    "closes_at",
    "report_every_months",
    "report_due_days",
    "implementation_months",
]
REPORT_PERIODS = (1, 3, 6, 12)
MAX_REPORT_DUE_DAYS = 90


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    by: User,
    title: str,
    description: str = "",
    min_claims: int = 3,
    max_claimants: int | None = None,
    opens_at: datetime.date | None = None,
    closes_at: datetime.date | None = None,
    report_every_months: int = 3,
    report_due_days: int = 10,
    issuing_authority: str | None = None,
    implementation_months: int | None = None,
) -> Programme:
    """Change the terms of a draft programme. Issuing authorities left empty are those of
    the programme's kind; None keeps them (and the implementation period) as they are."""
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if programme.state != State.DRAFT:
        raise ClaimError(
            _("Only a draft can be changed; while claims are open, only the closing date moves.")
        )
    if not rules.can_edit_programme(by, programme):
        raise Forbidden
    if not title.strip():
        raise ClaimError(_("Give the programme a title."))
    if min_claims is None or min_claims < 0:
        raise ClaimError(_("The minimum of claims cannot be negative."))
    if max_claimants is not None and max_claimants < 1:
        raise ClaimError(_("The maximum of claimants per item is at least 1, or empty."))
    if report_every_months not in REPORT_PERIODS:
        raise ClaimError(_("Reports are due every month, quarter, half year or year."))
    if report_due_days is None or not 0 <= report_due_days <= MAX_REPORT_DUE_DAYS:
        raise ClaimError(
            _("Reports are due between 0 and %(max)s days after the period ends.")
            % {"max": MAX_REPORT_DUE_DAYS}
        )
    _check_window(opens_at, closes_at)
    if implementation_months is None:
        implementation_months = programme.implementation_months
    _check_implementation(implementation_months)
    if issuing_authority is None:
        issuers = programme.issuing_authority
    else:
        version = programme.list_version
        issuers = (
            authorities.joined(issuing_authority)
            or (version.issuing_authority if version is not None else "")
            or Programme.default_issuers(programme.kind)
        )
    new = {
        "title": title.strip(),
        "issuing_authority": issuers,
        "description": description.strip(),
        "min_claims": min_claims,
        "max_claimants": max_claimants,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "report_every_months": report_every_months,
        "report_due_days": report_due_days,
        "implementation_months": implementation_months,
    }
    changes = {}
    for name, value in new.items():
        before = getattr(programme, name)
        if before != value:
            changes[name] = [_shown(before), _shown(value)]
            setattr(programme, name, value)
    if changes:
        programme.save(update_fields=list(changes))
        record("programme.updated", obj=programme, by=by, changes=changes)
    return programme


@transaction.atomic
def programme_move_closing(
    *, programme: Programme, by: User, closes_at: datetime.date
) -> Programme:
    """Move the closing date of an open window: not into the past, not before it opened."""
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    if programme.state != State.OPEN:
        raise ClaimError(_("The closing date can be moved only while claims are open."))
    if not rules.can_move_closing_date(by, programme):
        raise Forbidden
    if closes_at is None:
        raise ClaimError(_("Give the new closing date."))
    if closes_at < timezone.localdate():
        raise ClaimError(_("The window cannot close before today."))
    if programme.opens_at and closes_at < programme.opens_at:
        raise ClaimError(_("The window cannot close before it opens."))
    before = programme.closes_at
    if closes_at == before:
        raise ClaimError(_("That is already the closing date."))
    closing_reminder_close(programme)
    programme.closes_at = closes_at
    programme.save(update_fields=["closes_at"])
    record(
        "programme.closing_moved",
        obj=programme,
        by=by,
        changes={"closes_at": [_shown(before), closes_at.isoformat()]},
    )
    return programme


@transaction.atomic
def item_remove(*, item: ProgrammeItem, by: User) -> None:
    """Remove an item from a draft. The other items keep their numbers: an item drawn from a
    published list keeps the number it has there, so a gap is the honest record."""
    programme = _lock_draft(item.programme, by)
    if not rules.can_edit_programme(by, programme):
        raise Forbidden
    locked = ProgrammeItem.objects.select_for_update().filter(pk=item.pk, programme=programme)
    found = locked.first()
    if found is None:
        raise ClaimError(_("The item was already removed."))
    if found.claims.exists():
        raise ClaimError(_("A claimed item cannot be removed."))
    found.delete()
    record(
        "programme.item_removed",
        obj=programme,
        by=by,
        changes={"item": [f"{found.position}．{found.title}", None]},
    )


@transaction.atomic
def notice_correct(
    *,
    notice: TaskNotice,
    by: User,
    doc_number: str,
    issued_on: datetime.date,
    reason: str,
) -> TaskNotice:
    """Correct the document number or date of a notice handed down, e.g. to the number the
    issuing office assigned. The reason is required and the trail of the programme keeps
    before and after; the .docx is drawn from the notice, so it shows the correction at once.
    The new number must read as a document number and be free among all lists' and notices'
    (`lists.DocumentNumber`); the old one is freed. The issuing authorities are the
    programme's, not corrected here."""
    if not rules.can_correct_notice(by, notice):
        raise Forbidden
    reason = reason.strip()
    if not reason:
        raise ClaimError(_("Give the reason for the correction."))
    doc_number = doc_number.strip()
    if not doc_number or issued_on is None:
        raise ClaimError(_("Give the document number and the date."))
    doc_number = str(_parse_number(doc_number))
    # The programme is locked first, as issuing does: the number must be free among all its
    # notices, and a correction of another notice could take it between check and save.
    programme = _lock(notice.programme)
    notice = (
        TaskNotice.objects.select_for_update(of=("self",))
        .select_related("claimant__programme", "claimant__division", "claimant__region_group")
        .get(pk=notice.pk)
    )
    notice.programme = programme
    taken = TaskNotice.objects.filter(programme=programme, doc_number=doc_number)
    if taken.exclude(pk=notice.pk).exists():
        raise ClaimError(
            _("Another notice of this programme has the number %(number)s.")
            % {"number": doc_number}
        )
    new = {"doc_number": doc_number, "issued_on": issued_on}
    changes = {}
    for name, value in new.items():
        before = getattr(notice, name)
        if before != value:
            changes[name] = [_shown(before), _shown(value)]
            setattr(notice, name, value)
    if not changes:
        raise ClaimError(_("Nothing was changed: there is nothing to correct."))
    if "doc_number" in changes:
        numbers.release(use=DocumentNumber.Use.NOTICE, object_id=notice.pk)
        _take_number(notice)
    notice.save(update_fields=list(changes))
    record(
        "programme.notice_corrected",
        obj=notice.programme,
        by=by,
        changes=changes,
        note=f"{notice.claimant}: {reason}",
    )
    return notice


@transaction.atomic
def programme_move_to_version(*, programme: Programme, by: User, version: ListVersion) -> Programme:
    """Draw the programme's items again from `version`, a newer published version of its list.

    Platform rule (平台规则): only while the window is not closed and no claim was made, so
    that no claim ever changes the measure it was made on; once claims exist the programme
    stays on its version and its page says why. Items entered by hand are kept, numbered
    after the list's. Issuing authorities carried from the old version follow the new one."""
    if not rules.can_manage_programmes(by):
        raise Forbidden
    programme = _lock(programme)
    current = programme.list_version
    if current is None:
        raise ClaimError(_("This programme was not drawn from a published list."))
    if programme.state == State.CLOSED:
        raise ClaimError(_("The claim window is closed: the programme stays on its version."))
    if (
        version.annual_list_id != current.annual_list_id
        or version.state != ListVersion.State.PUBLISHED
        or version.number <= current.number
    ):
        raise ClaimError(_("Only a newer published version of the same list can be used."))
    items = list(ProgrammeItem.objects.select_for_update().filter(programme=programme))
    if Claim.objects.filter(item__in=items).exists():
        raise ClaimError(
            _(
                "Claims were already made on the items of version %(old)s: the programme stays "
                "on it, so that no claim changes its measure."
            )
            % {"old": current.number}
        )
    drawn = [item.pk for item in items if item.list_item_id is not None]
    kept = sorted((item for item in items if item.list_item_id is None), key=lambda i: i.position)
    ProgrammeItem.objects.filter(pk__in=drawn).delete()
    new_items = _items_drawn(programme, version)
    # Hand-entered items move out of the way first (positions are unique in a programme),
    # then follow the list's last measure in their order.
    last = max((item.position for item in new_items), default=0)
    top = max([last, *(item.position for item in items)])
    for offset, item in enumerate(kept, start=1):
        ProgrammeItem.objects.filter(pk=item.pk).update(position=top + offset)
    ProgrammeItem.objects.bulk_create(new_items)
    for offset, item in enumerate(kept, start=1):
        ProgrammeItem.objects.filter(pk=item.pk).update(position=last + offset)
    changes: dict[str, list[Any]] = {
        "list_version": [str(current), str(version)],
        "items": [len(items), len(new_items) + len(kept)],
    }
    if programme.issuing_authority == current.issuing_authority != version.issuing_authority:
        changes["issuing_authority"] = [programme.issuing_authority, version.issuing_authority]
        programme.issuing_authority = version.issuing_authority
    programme.list_version = version
    programme.save(update_fields=["list_version", "issuing_authority"])
    record("programme.list_version_moved", obj=programme, by=by, changes=changes)
    return programme
