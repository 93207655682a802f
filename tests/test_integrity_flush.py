"""The triggers that refuse to delete audit entries and published lists (audit 0003, lists
0005) leave the test runner's flush working (tests/conftest.py lifts them on SQLite for the
flush only), come back after it, and audit 0002 fills the actor's name of the entries recorded
before it, before audit 0003 makes them unchangeable."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from audit.services import record
from lists.models import ListVersion
from merging.models import CandidateMeasure
from proposals.models import ReformField
from tests.conftest import make_user, open_cycle
from tests.test_lists_fixtures import draft_list, publish

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(reference_data_back):
    """Each test here ends with a flush that empties every table."""


def _refused(sql: str, params: list) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError:
        return True
    return False


def _fill_protected_tables() -> None:
    """What the flush must empty: audit entries and a published list. Built without the
    reference data, which the flush of the other test took away."""
    assert not AuditEntry.objects.exists() and not ListVersion.objects.exists()
    national = make_user("national", Role.NATIONAL)
    cycle = open_cycle(national)
    field = ReformField.objects.create(name="清空测试领域")
    candidate = CandidateMeasure.objects.create(
        cycle=cycle, title="清空测试举措", content="内容", field=field, created_by=national
    )
    published = publish(
        draft_list(cycle, national, [candidate], issuing_authority="国家发展改革委"), national
    )
    entry = AuditEntry.objects.earliest("id")
    assert _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert _refused("DELETE FROM lists_listversion WHERE id = %s", [published.pk])


# Two alike: whichever runs second starts after the first one's flush.
def test_flush_empties_protected_tables_first(transactional_db):
    _fill_protected_tables()


def test_flush_empties_protected_tables_second(transactional_db):
    _fill_protected_tables()


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def test_entries_recorded_before_keep_their_actor_name(transactional_db):
    """audit 0002 fills `actor_name` of the entries already recorded from the accounts; then
    audit 0003 refuses to change them."""
    actor = make_user("wang", Role.PUBLIC)
    actor.first_name = "王五"
    actor.save()
    old = record("user.checked", obj=actor, by=actor)
    _migrate(("audit", "0001_initial"))
    now = timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_auditentry (action, actor_id, at, content_type_id,"
                " object_id, object_repr, changes, note) VALUES"
                " ('user.checked', %s, %s, %s, %s, 'wang', '{}', ''), "
                " ('job.ran', NULL, %s, %s, %s, 'wang', '{}', '')",
                (actor.pk, now, old.content_type_id, actor.pk)
                + (now, old.content_type_id, actor.pk),
            )
    finally:
        _migrate(("audit", "0003_entries_never_change"))
    names = dict(AuditEntry.objects.values_list("action", "actor_name").exclude(pk=old.pk))
    assert names == {"user.checked": "王五", "job.ran": ""}
    assert _refused("UPDATE audit_auditentry SET actor_name = 'x' WHERE id = %s", [old.pk])
    assert _refused("DELETE FROM audit_auditentry WHERE id = %s", [old.pk])
