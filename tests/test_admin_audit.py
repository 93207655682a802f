"""Admin edits land in the same audit trail, and the trail itself cannot be edited."""

from audit.models import AuditEntry
from proposals.models import ReformField
from tests.conftest import client_for


def test_admin_change_is_audited_with_before_and_after(users):
    national = users["national"]
    national.is_staff = national.is_superuser = True
    national.save()
    field = ReformField.objects.get(name="打好关键核心技术攻坚战")
    response = client_for(national).post(
        f"/admin/proposals/reformfield/{field.pk}/change/",
        {
            "name": field.name,
            "name_en": "Key technologies",
            "description": field.description,
            "order": field.order,
            "source": field.source,
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="reformfield.updated")
    assert entry.actor == national
    assert entry.changes == {
        "name_en": ["Winning the battle for key and core technologies", "Key technologies"]
    }


def test_admin_user_creation_never_records_the_password(users):
    national = users["national"]
    national.is_staff = national.is_superuser = True
    national.save()
    response = client_for(national).post(
        "/admin/accounts/user/add/",
        {
            "username": "newcomer",
            "password1": "Xk3-long-secret",
            "password2": "Xk3-long-secret",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.created")
    assert "Xk3-long-secret" not in str(entry.changes)


def test_audit_entries_cannot_be_changed_or_deleted_in_admin(users):
    national = users["national"]
    national.is_staff = national.is_superuser = True
    national.save()
    field = ReformField.objects.get(name="打好关键核心技术攻坚战")
    from audit.services import record

    entry = record("reformfield.checked", obj=field, by=national)
    client = client_for(national)
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    response = client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "reformfield.checked"
