"""The audit trail (操作记录) is only ever added to: nobody changes or deletes an entry, through
the app, the ORM or plain SQL, on SQLite and PostgreSQL (audit 0003's triggers; issue #14). An
entry keeps the name of who acted, and an account that has acted is deactivated, not deleted."""

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.admin import deactivate_instead_message
from accounts.models import Role, User
from audit.models import AuditEntry
from audit.services import record
from proposals.models import ReformField
from tests.conftest import client_for, make_proposal, make_user


def _entry(by: User) -> AuditEntry:
    return record(
        "reformfield.checked",
        obj=ReformField.objects.get(name="打好关键核心技术攻坚战"),
        by=by,
        changes={"name": ["旧", "新"]},
        note="核对",
    )


def _as_stored(entry: AuditEntry) -> tuple:
    return tuple(
        AuditEntry.objects.filter(pk=entry.pk).values_list(
            "action", "actor_id", "actor_name", "at", "object_repr", "changes", "note"
        )
    )


RAW_WRITES = {
    "update action": "UPDATE audit_auditentry SET action = 'forged' WHERE id = %s",
    "update note": "UPDATE audit_auditentry SET note = '' WHERE id = %s",
    "update actor name": "UPDATE audit_auditentry SET actor_name = '某人' WHERE id = %s",
    "clear actor": "UPDATE audit_auditentry SET actor_id = NULL WHERE id = %s",
    "back-date": "UPDATE audit_auditentry SET at = '2000-01-01 00:00:00' WHERE id = %s",
    "delete one": "DELETE FROM audit_auditentry WHERE id = %s",
    "delete all": "DELETE FROM audit_auditentry WHERE id >= %s",
}


@pytest.mark.parametrize("statement", RAW_WRITES)
def test_plain_sql_cannot_change_or_delete_an_entry(users, statement):
    entry = _entry(users["national"])
    before = _as_stored(entry)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RAW_WRITES[statement], [entry.pk])
    assert _as_stored(entry) == before != ()


def _save_changed(entry: AuditEntry) -> None:
    entry.note = "改过"
    entry.save()


def _bulk_update(entry: AuditEntry) -> None:
    entry.actor_name = "别人"
    AuditEntry.objects.bulk_update([entry], ["actor_name"])


ORM_WRITES = {
    "save": _save_changed,
    "update": lambda e: AuditEntry.objects.filter(pk=e.pk).update(action="forged"),
    "bulk_update": _bulk_update,
    "delete": lambda e: e.delete(),
    "queryset delete": lambda e: AuditEntry.objects.all().delete(),
}


@pytest.mark.parametrize("write", ORM_WRITES)
def test_the_orm_cannot_change_or_delete_an_entry(users, write):
    entry = _entry(users["national"])
    before = _as_stored(entry)
    with pytest.raises(IntegrityError), transaction.atomic():
        ORM_WRITES[write](entry)
    assert _as_stored(entry) == before != ()


def test_entries_are_still_added(users):
    """The triggers refuse changes, not new entries: the services keep recording."""
    first = _entry(users["national"])
    second = _entry(users["sichuan"])
    assert AuditEntry.objects.filter(pk__in=[first.pk, second.pk]).count() == 2


def test_an_entry_keeps_the_actor_name_as_it_was_when_they_acted(users):
    actor = make_user("zhang", Role.LOCALITY, division=users["sichuan"].division)
    actor.first_name, actor.last_name = "张", "三"
    actor.save()
    entry = _entry(actor)
    assert entry.actor_name == "张 三" == str(actor)
    actor.first_name, actor.last_name, actor.is_active = "李", "四", False
    actor.save()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor_name == "张 三" and entry.actor == actor
    # Nobody acted (a job): no name, shown as "—".
    assert record("reformfield.checked", obj=actor, by=None).actor_name == ""


def test_the_history_shows_the_name_kept_on_the_entry(users, cycle):
    """A proposal's history names who acted as they were named then, after the account was
    renamed and deactivated."""
    sichuan = users["sichuan"]
    sichuan.first_name = "四川省科技厅王五"
    sichuan.save()
    proposal = make_proposal(cycle, sichuan, state="submitted")
    sichuan.first_name, sichuan.is_active = "已改名", False
    sichuan.save()
    page = client_for(users["national"]).get(f"/proposals/{proposal.pk}/")
    assert page.status_code == 200
    history = page.content.decode().split('class="history"', 1)[1]
    assert "四川省科技厅王五" in history and "已改名" not in history


def test_a_user_who_has_acted_cannot_be_deleted(users):
    actor = make_user("acted", Role.PUBLIC)
    _entry(actor)
    with pytest.raises(ProtectedError), transaction.atomic():
        actor.delete()
    assert User.objects.filter(pk=actor.pk).exists()
    # Deactivating is the way: the entry still points at them.
    actor.is_active = False
    actor.save()
    assert AuditEntry.objects.get(actor=actor).actor_name == "acted"


def test_a_user_who_never_acted_may_be_deleted(users):
    idle = make_user("idle", Role.PUBLIC)
    idle.delete()
    assert not User.objects.filter(username="idle").exists()


# The admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(users):
    national = users["national"]
    national.is_staff = national.is_superuser = True
    national.save()
    return client_for(national)


def deactivate_instead(names: str) -> str:
    """The refusal as the admin shows it, in the project's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return escape(deactivate_instead_message(names))


def test_admin_refuses_to_delete_a_user_who_has_acted_and_points_to_deactivation(
    users, admin_client
):
    actor = make_user("acted", Role.PUBLIC)
    _entry(actor)
    for request in (admin_client.get, admin_client.post):
        response = request(f"/admin/accounts/user/{actor.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert response["Location"] == f"/admin/accounts/user/{actor.pk}/change/"
    page = admin_client.get(f"/admin/accounts/user/{actor.pk}/change/").content.decode()
    assert deactivate_instead("“acted”") in page
    assert User.objects.filter(pk=actor.pk, is_active=True).exists()


def test_admin_deletes_a_user_who_never_acted(users, admin_client):
    idle = make_user("idle", Role.PUBLIC)
    response = admin_client.post(f"/admin/accounts/user/{idle.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=idle.pk).exists()
    # The deletion itself is on record, by the administrator.
    assert AuditEntry.objects.get(action="user.deleted").actor_name == "national"


def test_admin_bulk_delete_is_refused_when_a_selected_user_has_acted(users, admin_client):
    actor, idle = make_user("acted", Role.PUBLIC), make_user("idle", Role.PUBLIC)
    _entry(actor)
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [actor.pk, idle.pk], "post": "yes"},
        follow=True,
    )
    page = response.content.decode()
    assert deactivate_instead("“acted”") in page
    assert User.objects.filter(pk__in=[actor.pk, idle.pk]).count() == 2


def test_admin_bulk_delete_of_users_who_never_acted_still_works(users, admin_client):
    idle = make_user("idle", Role.PUBLIC)
    confirm = admin_client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [idle.pk]}
    )
    assert confirm.status_code == 200 and "idle" in confirm.content.decode()
    admin_client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [idle.pk], "post": "yes"},
    )
    assert not User.objects.filter(pk=idle.pk).exists()


def test_admin_trail_lists_the_name_kept_on_the_entry(users, admin_client):
    actor = make_user("acted", Role.PUBLIC)
    actor.first_name = "赵六"
    actor.save()
    _entry(actor)
    actor.first_name, actor.is_active = "改名后", False
    actor.save()
    page = admin_client.get("/admin/audit/auditentry/").content.decode()
    assert "赵六" in page and "改名后" not in page


def test_an_entry_is_dated_when_written(users):
    before = timezone.now()
    entry = _entry(users["national"])
    assert before <= entry.at <= timezone.now()
