"""A published list version (已发布的清单版本) is never deleted, nor a measure or a consultation of
it, and never changed, refused by the database to plain SQL on SQLite and PostgreSQL (lists
0003 and 0005; issue #14). The triggers of 0003 survive every later migration."""

import pytest
from django.db import IntegrityError, connection, transaction

from lists.models import Consultation, ListItem, ListVersion
from lists.services import publishing
from tests.test_lists_fixtures import build_world


@pytest.fixture
def world(users, cycle):
    return build_world(users, cycle)


def _published_rows(version: ListVersion) -> tuple:
    return (
        tuple(ListVersion.objects.filter(pk=version.pk).values_list("state", "doc_number")),
        tuple(ListItem.objects.filter(version=version).order_by("pk").values_list("pk", "title")),
        tuple(Consultation.objects.filter(version=version).values_list("pk", "ministry")),
    )


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_plain_sql_cannot_delete_a_published_version_or_what_belongs_to_it(world):
    version = world.published
    consultation = version.consultations.get()
    attempts = {
        "version": ("DELETE FROM lists_listversion WHERE id = %s", [version.pk]),
        "item": ("DELETE FROM lists_listitem WHERE id = %s", [world.published_item.pk]),
        "all items": ("DELETE FROM lists_listitem WHERE version_id = %s", [version.pk]),
        "consultation": ("DELETE FROM lists_consultation WHERE id = %s", [consultation.pk]),
    }
    before = _published_rows(version)
    assert all(before)  # a version, its measures and its consultation
    for name, (sql, params) in attempts.items():
        with pytest.raises(IntegrityError), transaction.atomic():
            _raw(sql, params)
        assert _published_rows(version) == before, name


def test_plain_sql_cannot_change_a_published_version_after_every_migration(world):
    """lists 0003's triggers, lifted and made again around lists 0004's table rebuilds."""
    version, item = world.published, world.published_item
    attempts = {
        "version": ("UPDATE lists_listversion SET preamble = 'x' WHERE id = %s", [version.pk]),
        "unpublish": ("UPDATE lists_listversion SET state = 'draft' WHERE id = %s", [version.pk]),
        "item": ("UPDATE lists_listitem SET title = 'x' WHERE id = %s", [item.pk]),
        "consultation": (
            "UPDATE lists_consultation SET answer = 'x' WHERE version_id = %s",
            [version.pk],
        ),
        "insert item": (
            "INSERT INTO lists_listitem (version_id, position, candidate_id, title, content,"
            " field_id) VALUES (%s, 99, %s, 'x', 'x', %s)",
            [version.pk, item.candidate_id, item.field_id],
        ),
    }
    before = _published_rows(version)
    for name, (sql, params) in attempts.items():
        with pytest.raises(IntegrityError), transaction.atomic():
            _raw(sql, params)
        assert _published_rows(version) == before, name


def test_the_orm_cannot_delete_a_published_version(world):
    version = world.published
    before = _published_rows(version)
    for attempt in (
        lambda: ListVersion.objects.get(pk=version.pk).delete(),
        lambda: world.published_item.delete(),
        lambda: Consultation.objects.filter(version=version).delete(),
        lambda: version.annual_list.delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    assert _published_rows(version) == before


def test_versions_not_published_are_deleted_as_before(world, users):
    """A draft's measure can be removed and a draft thrown away; consultations of a version
    out for opinions can be deleted."""
    _raw("DELETE FROM lists_listitem WHERE id = %s", [world.draft_item.pk])
    assert not ListItem.objects.filter(pk=world.draft_item.pk).exists()
    _raw("DELETE FROM lists_consultation WHERE id = %s", [world.consultation.pk])
    assert not Consultation.objects.filter(pk=world.consultation.pk).exists()
    assert publishing.version_discard(version=world.draft, by=users["national"]) is None
    assert not ListVersion.objects.filter(pk=world.draft.pk).exists()


TRIGGERS = {
    "sqlite": {
        "lists_listitem_insert_published",
        "lists_listitem_update_published",
        "lists_listitem_delete_published",
        "lists_consultation_insert_published",
        "lists_consultation_update_published",
        "lists_consultation_delete_published",
        "lists_listversion_update_published",
        "lists_listversion_delete_published",
        "audit_auditentry_update_refused",
        "audit_auditentry_delete_refused",
    },
    "postgresql": {
        "lists_listitem_published",
        "lists_listitem_delete_published",
        "lists_consultation_published",
        "lists_consultation_delete_published",
        "lists_listversion_published",
        "lists_listversion_delete_published",
        "audit_auditentry_refused",
    },
}
LIST_TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
}


def test_every_trigger_is_in_place_after_every_migration(db):
    """A later migration that rebuilds a table on SQLite drops its triggers silently: this
    names each one the database must hold."""
    with connection.cursor() as cursor:
        cursor.execute(LIST_TRIGGERS[connection.vendor])
        found = {name for (name,) in cursor.fetchall()}
    assert TRIGGERS[connection.vendor] <= found
