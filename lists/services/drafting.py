"""Drafting a version of the annual list: creating the list, choosing, ordering and editing
its measures. Nothing here touches a published version: that is refused here and, for the
measures, by the database as well (migration 0003)."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from lists import authorities, rules
from lists.errors import ListError
from lists.models import AnnualList, ListItem, ListVersion
from lists.selectors import grouped_order
from merging.models import CandidateMeasure
from proposals.models import Cycle

VERSION_FIELDS = ["issuing_authority", "preamble", "change_note"]
ITEM_FIELDS = ["position", "title", "content", "field", "ministries"]
ITEM_TEXT_FIELDS = ["title", "content", "field", "ministries"]


def lock_open_version(version: ListVersion, by: User, published: str = "") -> ListVersion:
    """The version, locked for the change, or an error if the user may not change lists or
    the version is published (`published`: what to say then, if not the general message) or
    was discarded meanwhile. Every write to a version and its measures starts here."""
    if not rules.can_manage_lists(by):
        raise Forbidden
    locked = (
        ListVersion.objects.select_for_update(of=("self",))
        .select_related("annual_list__cycle")
        .filter(pk=version.pk)
        .first()
    )
    if locked is None:
        raise ListError(_("This draft version was already discarded."))
    if locked.state == ListVersion.State.PUBLISHED:
        raise ListError(
            published
            or _("A published version never changes. Start a revision to change the list.")
        )
    return locked


def _item_of(version: ListVersion, item: ListItem) -> ListItem:
    """The measure, read again under the version's lock: a second click on "remove", or a
    colleague who removed it first, is told so."""
    found = ListItem.objects.select_related("field").filter(pk=item.pk, version=version).first()
    if found is None:
        raise ListError(_("This measure was already removed from the version."))
    return found


def created_changes(obj: Any, fields: list[str]) -> dict[str, list[Any]]:
    """The trail of a creation: the values given, without the empty ones."""
    changes = diff({}, snapshot(obj, fields))
    return {name: pair for name, pair in changes.items() if pair[1] not in ("", None)}


def issuers_of(version: ListVersion, issuing_authority: str | None = None) -> list[str]:
    """Who issues the version: the authorities it names (or `issuing_authority`, about to be
    set) and, whatever it names, the two ministries 484号 §三（二）（三） makes its authors."""
    named = authorities.names(
        version.issuing_authority if issuing_authority is None else issuing_authority
    )
    return named + [
        name
        for name in authorities.names(authorities.ANNUAL_LIST_ISSUERS)
        if authorities.issuer_among(name, named) is None
    ]


def co_issuer_message(department: str, issuers: list[str]) -> str:
    return _(
        "%(department)s issues this list together with the others (%(issuers)s): it is not one "
        "of the departments concerned (有关部门) whose opinion is asked on it."
    ) % {"department": department, "issuers": authorities.SEPARATOR.join(issuers)}


def check_not_an_issuer(department: str, issuers: list[str]) -> None:
    """发改高技〔2021〕484号 §三（二）: the list's authors "征求有关部门意见"; an author is not
    one of the departments it asks."""
    if authorities.issuer_among(department, issuers) is not None:
        raise ListError(co_issuer_message(department, issuers))


def check_consulted_are_not_issuers(version: ListVersion, issuing_authority: str) -> None:
    """Before the issuing authorities change: a department already consulted on the version
    does not become one of its issuers."""
    issuers = issuers_of(version, issuing_authority)
    for consultation in version.consultations.all():
        check_not_an_issuer(consultation.ministry, issuers)


def _required(value: str, message: str) -> str:
    if not value.strip():
        raise ListError(message)
    return value.strip()


@transaction.atomic
def list_create(
    *, cycle: Cycle, by: User, title: str, issuing_authority: str = "", preamble: str = ""
) -> ListVersion:
    """Start the cycle's annual list: its first version, an empty draft. Without an issuing
    authority it is the two ministries that publish the list (发改高技〔2021〕484号 §三（三）:
    "国家发展改革委、科技部及时公布《年度全面改革创新举措清单》")."""
    if not rules.can_manage_lists(by):
        raise Forbidden
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if AnnualList.objects.filter(cycle=cycle).exists():
        raise ListError(_("The %(year)s cycle already has its list.") % {"year": cycle.year})
    title = _required(title, _("Give the list a title."))
    annual_list = AnnualList.objects.create(cycle=cycle, title=title, created_by=by)
    version = ListVersion.objects.create(
        annual_list=annual_list,
        number=1,
        issuing_authority=authorities.joined(issuing_authority) or authorities.ANNUAL_LIST_ISSUERS,
        preamble=preamble.strip(),
    )
    record("list.created", obj=annual_list, by=by, changes={"title": [None, title]})
    return version


@transaction.atomic
def version_update(*, version: ListVersion, by: User, data: Mapping[str, Any]) -> ListVersion:
    """The details of an open version; the list's title only until a version is published."""
    version = lock_open_version(version, by)
    annual_list = version.annual_list
    title = data.get("title")
    if title is not None and title.strip() != annual_list.title:
        if annual_list.versions.filter(state=ListVersion.State.PUBLISHED).exists():
            raise ListError(_("The title of a list is fixed once a version is published."))
        before = annual_list.title
        annual_list.title = _required(title, _("Give the list a title."))
        annual_list.save(update_fields=["title"])
        record(
            "list.renamed", obj=annual_list, by=by, changes={"title": [before, annual_list.title]}
        )
    before_fields = snapshot(version, VERSION_FIELDS)
    for name in VERSION_FIELDS:
        if name in data:
            setattr(version, name, (data[name] or "").strip())
    if "issuing_authority" in data:
        version.issuing_authority = (
            authorities.joined(version.issuing_authority) or authorities.ANNUAL_LIST_ISSUERS
        )
        if version.issuing_authority != before_fields["issuing_authority"]:
            check_consulted_are_not_issuers(version, version.issuing_authority)
    if version.number > 1:
        _required(version.change_note, _("Say what this revision changes."))
    version.save(update_fields=VERSION_FIELDS)
    changes = diff(before_fields, snapshot(version, VERSION_FIELDS))
    if changes:
        record("list.updated", obj=version, by=by, changes=changes)
    return version


def renumber(version: ListVersion) -> dict[int, tuple[int, int]]:
    """Number the measures 1..n in grouped order; {item pk: (old, new)} for those that moved."""
    items = grouped_order(version.items.all())
    moved: dict[int, tuple[int, int]] = {}
    for number, item in enumerate(items, start=1):
        if item.position != number:
            moved[item.pk] = (item.position, number)
            item.position = number
    ListItem.objects.bulk_update([i for i in items if i.pk in moved], ["position"])
    return moved


@transaction.atomic
def items_add(
    *, version: ListVersion, by: User, candidates: Sequence[CandidateMeasure]
) -> list[ListItem]:
    """Put candidates on the list, after the measures already there, in the order given."""
    version = lock_open_version(version, by)
    if not candidates:
        raise ListError(_("Choose at least one candidate measure."))
    present = set(version.items.values_list("candidate_id", flat=True))
    last = max(version.items.values_list("position", flat=True), default=0)
    added = []
    for offset, candidate in enumerate(candidates, start=1):
        if candidate.cycle_id != version.annual_list.cycle_id:
            raise ListError(_("A measure on the list must be a candidate of the list's cycle."))
        if candidate.pk in present:
            raise ListError(
                _("“%(title)s” is already on this version.") % {"title": candidate.title}
            )
        present.add(candidate.pk)
        added.append(
            ListItem.objects.create(
                version=version,
                position=last + offset,
                candidate=candidate,
                title=candidate.title,
                content=candidate.content,
                field_id=candidate.field_id,
                ministries=candidate.ministries,
            )
        )
    renumber(version)
    for item in added:
        item.refresh_from_db(fields=["position"])
        record("list.item_added", obj=item, by=by, changes=created_changes(item, ITEM_FIELDS))
    return added


@transaction.atomic
def item_update(*, item: ListItem, by: User, data: Mapping[str, Any]) -> ListItem:
    """Edit a measure's wording before publication; the candidate itself is left as it is."""
    version = lock_open_version(item.version, by)
    item = _item_of(version, item)
    before = snapshot(item, ITEM_TEXT_FIELDS)
    for name in ITEM_TEXT_FIELDS:
        if name in data:
            value = data[name]
            setattr(item, name, value.strip() if isinstance(value, str) else value)
    _required(item.title, _("A measure needs a title."))
    _required(item.content, _("A measure needs its reform content."))
    item.save()
    changes = diff(before, snapshot(item, ITEM_TEXT_FIELDS))
    if changes:
        record("list.item_updated", obj=item, by=by, changes=changes)
    if "field" in changes:
        renumber(item.version)
        item.refresh_from_db(fields=["position"])
    return item


@transaction.atomic
def item_remove(*, item: ListItem, by: User) -> None:
    version = lock_open_version(item.version, by)
    item = _item_of(version, item)
    record(
        "list.item_removed",
        obj=version,
        by=by,
        note=f"{item.position}. {item.title}",
    )
    item.delete()
    renumber(version)


@transaction.atomic
def items_reorder(*, version: ListVersion, by: User, numbers: Mapping[int, int]) -> int:
    """Reorder by the numbers typed ({item pk: number}); measures stay grouped by field, the
    groups in the order of their first measure. Returns how many measures moved."""
    version = lock_open_version(version, by)
    items = list(version.items.all())
    if set(numbers) - {item.pk for item in items}:
        raise ListError(_("The order names a measure that is not on this version."))
    previous = {item.pk: item.position for item in items}
    for item in items:
        item.position = numbers.get(item.pk, item.position)

    def place(item: ListItem) -> tuple[int, int, int]:
        # A measure given the number another one has goes before it when moved up and after
        # it when moved down, as "put it at number n" means; otherwise the old order holds.
        old = previous[item.pk]
        direction = 0 if item.position < old else 2 if item.position > old else 1
        return (item.position, direction, old)

    ordered = sorted(items, key=place)
    for number, item in enumerate(ordered, start=1):
        item.position = number
    ListItem.objects.bulk_update(items, ["position"])
    renumber(version)
    moved = 0
    for item in version.items.all():
        if item.position != previous[item.pk]:
            moved += 1
            record(
                "list.item_moved",
                obj=item,
                by=by,
                changes={"position": [previous[item.pk], item.position]},
            )
    return moved
