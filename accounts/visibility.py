"""Who may see what: one definition per kind of object, from which the querysets of the
selectors, the permission predicates of the rules and the recipients of a notice all derive.

A kind's visibility is a list of grants. Each grant names an audience — a kind of user and the
value that scopes them: the province a coordinator speaks for, the organisation an implementer
belongs to — and the path from the object to that value ("claimant__division_id"); optionally
a condition on the object (the national level sees a proposal once it is submitted). A user
sees an object when a grant of an audience they belong to matches it, and the users told about
an object are those that a grant of the audiences asked for matches.

    TASKS = Visibility(
        Task,
        Grant(NATIONAL),
        Grant(PROVINCE, "claimant__division_id"),
        Grant(IMPLEMENTER, "implementers__organisation_id"),
    )
    TASKS.queryset(user)                 # the tasks the user sees
    TASKS.allows(user, task)             # may the user see this one
    TASKS.audience(task, IMPLEMENTER)    # the active users of the implementing organisations
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet

from accounts import roles
from accounts.actors import Actor
from accounts.models import Role, User
from regions.models import Division

M = TypeVar("M", bound=models.Model)

# The scope value of an audience that is not scoped: its users see every object of the grant.
ALL = object()


@dataclass(frozen=True)
class Audience:
    """A kind of user: who belongs (as a filter on users), and the value that scopes each."""

    name: str
    users: Q
    # The user's field holding the scope value; None for an audience that is not scoped.
    key: str | None
    value_of: Callable[[Any], object]  # the user's scope value, None when not of the audience

    def members(self) -> QuerySet[User]:
        """Every active user of the audience, whatever their scope."""
        return User.objects.filter(self.users, is_active=True)


NATIONAL = Audience(
    "national", Q(role=Role.NATIONAL), None, lambda u: ALL if roles.is_national(u) else None
)
PROVINCE = Audience(
    "province",
    Q(role=Role.LOCALITY, division__level=Division.Level.PROVINCE),
    "division_id",
    roles.province_id,
)
REGION_GROUP = Audience(
    "region group",
    Q(role=Role.LOCALITY, region_group__isnull=False),
    "region_group_id",
    roles.region_group_id,
)
IMPLEMENTER = Audience(
    "implementer", Q(role=Role.IMPLEMENTER), "organisation_id", roles.implementer_organisation
)
INNOVATION_BODY = Audience(
    "innovation body",
    Q(role=Role.INNOVATION_BODY),
    "organisation_id",
    roles.innovation_body_organisation,
)
EVALUATOR = Audience(
    "evaluator", Q(role=Role.EVALUATOR), "organisation_id", roles.evaluator_organisation
)
# A prefecture's or county's coordinator (市、区县): scoped by the division they speak for.
CITY = Audience("city", Q(role=Role.CITY), "division_id", roles.city_division_id)
PARK = Audience("park", Q(role=Role.PARK), "park_id", roles.park_id)
EXPERT = Audience(
    "expert", Q(role=Role.EXPERT), "pk", lambda u: u.pk if roles.is_expert(u) else None
)
# Each signed-in user, as the owner of what is theirs (their messages, their jobs).
OWNER = Audience("owner", Q(), "pk", lambda u: u.pk if roles.active(u) else None)
# Anybody, signed in or not: what is published.
EVERYONE = Audience("everyone", Q(), None, lambda u: ALL)


@dataclass(frozen=True)
class Grant:
    """The audience sees the objects whose `path` leads to the user's scope value (every object
    when the path is None) and that meet `when`."""

    audience: Audience
    path: str | None = None
    when: Q = field(default_factory=Q)


class Visibility(Generic[M]):
    def __init__(self, model: type[M], *grants: Grant) -> None:
        self.model = model
        self.grants = grants

    def via(
        self,
        model: type[Any],
        path: str,
        *,
        when: Q | None = None,
        exempt: tuple[Audience, ...] = (),
    ) -> "Visibility[Any]":
        """The same grants for objects that hang from this kind by `path` ("task"): whoever
        sees the task sees its help requests. `when` is a further condition on the object for
        every audience but the `exempt` ones."""
        grants = []
        for grant in self.grants:
            extra = when if when is not None and grant.audience not in exempt else Q()
            grants.append(
                Grant(
                    grant.audience,
                    f"{path}__{grant.path}" if grant.path else None,
                    _prefixed(grant.when, path) & extra,
                )
            )
        return Visibility(model, *grants)

    def only(self, *audiences: Audience) -> "Visibility[M]":
        """This visibility narrowed to some audiences (e.g. who speaks for a claimant)."""
        return Visibility(self.model, *(g for g in self.grants if g.audience in audiences))

    # The three uses ---------------------------------------------------------------------------

    def filter_for(self, user: Actor) -> Q | None:
        """The objects the user sees, as a filter; None when they see none."""
        found: Q | None = None
        for grant, value in self._grants_of(user):
            condition = self._condition(grant, value)
            if not condition:
                return Q()  # this grant alone shows every object (an empty Q would vanish in |)
            found = condition if found is None else found | condition
        return found

    def queryset(self, user: Actor, qs: QuerySet[M] | None = None) -> QuerySet[M]:
        qs = self.model._default_manager.all() if qs is None else qs
        condition = self.filter_for(user)
        return qs.none() if condition is None else qs.filter(condition)

    def allows(self, user: Actor, obj: M) -> bool:
        """Does the user see `obj`? Read from the object where its fields say (no query), and
        asked of the database where the grant crosses a to-many relation."""
        for grant, value in self._grants_of(user):
            matched = _holds(obj, grant.when) and (
                grant.path is None or value in _values(obj, grant.path)
            )
            if matched:
                return True
        return False

    def audience(self, obj: M, *audiences: Audience) -> QuerySet[User]:
        """The active users of `audiences` (all the grants' when none is named) who see `obj`."""
        found = Q(pk__in=[])
        for grant in self.grants:
            if audiences and grant.audience not in audiences:
                continue
            if not _holds(obj, grant.when):
                continue
            users = grant.audience.users
            if grant.path is not None:
                assert grant.audience.key is not None
                values = [v for v in _values(obj, grant.path) if v is not None]
                users &= Q(**{f"{grant.audience.key}__in": values})
            if not users:
                return User.objects.filter(is_active=True)  # every user: nothing to narrow by
            found |= users
        return User.objects.filter(found, is_active=True)

    def audience_of_each(self, objs: Iterable[M], *audiences: Audience) -> dict[Any, list[User]]:
        """`audience` for many objects at once (a reminder run over every task), in two
        queries per grant: object key → its users, in a stable order."""
        keys = [obj.pk for obj in objs]
        found: dict[Any, dict[int, User]] = {key: {} for key in keys}
        for grant in self.grants:
            if audiences and grant.audience not in audiences:
                continue
            rows = self.model._default_manager.filter(grant.when, pk__in=keys)
            if grant.path is None:
                pairs = [(key, ALL) for key in rows.values_list("pk", flat=True)]
            else:
                pairs = list(rows.values_list("pk", grant.path))
            users = grant.audience.members()
            if grant.path is not None:
                assert grant.audience.key is not None
                values = {value for _key, value in pairs if value is not None}
                users = users.filter(**{f"{grant.audience.key}__in": values})
            by_value: dict[object, list[User]] = defaultdict(list)
            for user in users.order_by("pk"):
                value = ALL if grant.path is None else getattr(user, grant.audience.key or "pk")
                by_value[value].append(user)
            for key, value in pairs:
                for user in by_value.get(value, []):
                    found[key].setdefault(user.pk, user)
        return {key: list(users.values()) for key, users in found.items()}

    # ------------------------------------------------------------------------------------------

    def _grants_of(self, user: Actor) -> list[tuple[Grant, object]]:
        pairs = []
        for grant in self.grants:
            value = grant.audience.value_of(user)
            if value is not None:
                pairs.append((grant, value))
        return pairs

    def _condition(self, grant: Grant, value: object) -> Q:
        condition = grant.when
        if grant.path is not None:
            condition &= Q(**{grant.path: value})
        if _crosses_many(self.model, condition):
            # A join through a to-many relation would repeat rows: ask for the keys instead.
            return Q(pk__in=self.model._default_manager.filter(condition).values("pk"))
        return condition


def _children(condition: Q) -> list[Any]:
    """A Q's parts: nested Qs and (lookup, value) pairs (typed loosely by Django)."""
    return list(condition.children)


def _prefixed(condition: Q, path: str) -> Q:
    """`condition` on a related object, seen from the object that `path` leads from."""
    out = Q()
    out.connector, out.negated = condition.connector, condition.negated
    for child in _children(condition):
        if isinstance(child, Q):
            out.children.append(_prefixed(child, path))
        else:
            lookup, value = child
            out.children.append((f"{path}__{lookup}", value))
    return out


def _lookups(condition: Q) -> list[str]:
    found: list[str] = []
    for child in _children(condition):
        found.extend(_lookups(child) if isinstance(child, Q) else [child[0]])
    return found


def _crosses_many(model: type[models.Model], condition: Q) -> bool:
    for lookup in _lookups(condition):
        current: Any = model
        for part in lookup.split("__"):
            try:
                relation = current._meta.get_field(part)
            except (FieldDoesNotExist, AttributeError):
                break  # a lookup such as __in or __isnull: the path ends here
            if relation.many_to_many or relation.one_to_many:
                return True
            current = relation.related_model
            if current is None:
                break
    return False


class _NeedsQuery(Exception):
    """The object's own fields cannot answer: the path crosses a to-many relation."""


def _attribute(obj: Any, path: list[str]) -> Any:
    for part in path:
        try:
            relation = obj._meta.get_field(part)
        except FieldDoesNotExist:
            raise _NeedsQuery from None
        if relation.many_to_many or relation.one_to_many:
            raise _NeedsQuery
        obj = getattr(obj, part)
        if obj is None:
            return None
    return obj


def _values(obj: models.Model, path: str) -> list[object]:
    """The values `path` leads to from `obj`: one along foreign keys, any number across a
    to-many relation (then read from the database)."""
    try:
        return [_attribute(obj, path.split("__"))]
    except _NeedsQuery:
        rows = type(obj)._default_manager.filter(pk=obj.pk).values_list(path, flat=True)
        return list(rows)


LOOKUPS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": lambda actual, expected: actual == expected,
    "in": lambda actual, expected: actual in expected,
    "isnull": lambda actual, expected: (actual is None) == expected,
}


def _holds(obj: models.Model, condition: Q) -> bool:
    """Does `obj` meet `condition`? Read from its fields for plain lookups, else asked of the
    database."""
    if not condition.children:
        return True
    try:
        return _evaluate(obj, condition)
    except _NeedsQuery:
        return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()


def _evaluate(obj: Any, condition: Q) -> bool:
    results = []
    for child in _children(condition):
        if isinstance(child, Q):
            results.append(_evaluate(obj, child))
            continue
        lookup, expected = child
        parts = lookup.split("__")
        test = LOOKUPS.get(parts[-1])
        if test is None:
            test = LOOKUPS["exact"]
        else:
            parts = parts[:-1]
        if not parts:
            raise _NeedsQuery
        results.append(test(_attribute(obj, parts), expected))
    combined = all(results) if condition.connector == Q.AND else any(results)
    return not combined if condition.negated else combined


__all__ = [
    "ALL",
    "EVERYONE",
    "EXPERT",
    "IMPLEMENTER",
    "INNOVATION_BODY",
    "NATIONAL",
    "OWNER",
    "PROVINCE",
    "REGION_GROUP",
    "Actor",
    "Audience",
    "Grant",
    "Visibility",
]
