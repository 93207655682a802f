"""The daily digest (issue #12, 减负): by default a user's reminders and messages reach their
mailbox as one e-mail a day, listing each subject with its absolute link, instead of one
e-mail each. A user may choose each message by e-mail, or none, on their messages page.

The hour (08:00 Asia/Shanghai, or the worker's first run after it) is the platform's own
rule (平台规则), as is the digest being the default.
"""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from audit.models import AuditEntry
from notifications import selectors
from notifications.models import Notification
from notifications.services import mail_send_due, notifications_close, notify
from tests.conftest import client_for

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SITE = "https://jiebang.example.gov.cn"


@pytest.fixture
def people(users, settings):
    settings.SITE_URL = SITE + "/"
    settings.LANGUAGE_CODE = "en"
    for name in ("implementer", "sichuan", "guangdong"):
        users[name].email = f"{name}@jiebang.test"
        users[name].save()
    return users


def next_digest() -> datetime.datetime:
    """A moment after the next digest time: everything made before now is gathered."""
    return timezone.now() + datetime.timedelta(days=1)


def reminders(user: User, count: int) -> list[Notification]:
    return [
        notify(
            users=[user],
            subject=f"进展报告即将到期 {n}",
            url=f"/tasks/{n}/",
            email=True,
            reminder=True,
            about=f"task:{n}:report-due",
        )[0]
        for n in range(1, count + 1)
    ]


def test_the_digest_is_the_default_choice(db):
    assert User().email_choice == User.EmailChoice.DIGEST


def test_many_reminders_come_as_one_email_listing_each_with_its_link(people, mailoutbox):
    implementer = people["implementer"]
    reminders(implementer, 5)
    notify(users=[implementer], subject="求助已答复", url="/tasks/help/1/", email=True)
    run = mail_send_due(next_digest())
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["implementer@jiebang.test"]
    assert mail.subject == "Daily digest of your messages: 6"
    for n in range(1, 6):
        assert f"- 进展报告即将到期 {n}\n  {SITE}/tasks/{n}/" in mail.body
    assert f"- 求助已答复\n  {SITE}/tasks/help/1/" in mail.body
    assert f"{SITE}{reverse('notifications:index')}" in mail.body  # where to choose otherwise
    assert (run.sent, run.digests, run.left) == (6, 1, 0)
    # Every gathered row is sent, and nothing goes twice.
    assert not Notification.objects.filter(email_due_at__isnull=False).exists()
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 6
    assert mail_send_due(next_digest()).sent == 0
    assert len(mailoutbox) == 1


def test_each_person_gets_their_own_digest(people, mailoutbox):
    reminders(people["implementer"], 3)
    reminders(people["sichuan"], 2)
    assert mail_send_due(next_digest()).digests == 2
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == [
        ("implementer@jiebang.test", "Daily digest of your messages: 3"),
        ("sichuan@jiebang.test", "Daily digest of your messages: 2"),
    ]


def test_the_digest_waits_for_its_time(people, mailoutbox):
    reminders(people["implementer"], 2)
    # Made just now: the last digest time is before them, so they wait for the next one.
    assert mail_send_due(timezone.now()).sent == 0
    assert mailoutbox == []
    # Nor is the mail job queued every minute for them meanwhile.
    assert not selectors.mail_due_exists()
    assert mail_send_due(next_digest()).sent == 2


def test_the_digest_time_is_eight_in_the_morning_in_shanghai():
    """平台规则: 08:00 Asia/Shanghai, or the first run after it."""
    before = datetime.datetime(2026, 3, 2, 7, 59, tzinfo=SHANGHAI)
    at = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)
    assert selectors.digest_time(before) == datetime.datetime(2026, 3, 1, 8, 0, tzinfo=SHANGHAI)
    assert selectors.digest_time(at) == at
    assert selectors.digest_time(at + datetime.timedelta(hours=5)) == at


def test_a_closed_message_is_left_out_of_the_digest(people, mailoutbox):
    """A stale alert (逾期未报送 once the report is filed) is closed and never mailed."""
    implementer = people["implementer"]
    reminders(implementer, 3)
    notifications_close(about="task:2:report-due")
    assert mail_send_due(next_digest()).sent == 2
    body = mailoutbox[0].body
    assert "进展报告即将到期 1" in body and "进展报告即将到期 3" in body
    assert "进展报告即将到期 2" not in body
    assert mailoutbox[0].subject == "Daily digest of your messages: 2"


def test_each_message_by_email_still_sends_one_each(people, mailoutbox):
    implementer = people["implementer"]
    implementer.email_choice = User.EmailChoice.EACH
    implementer.save()
    notes = reminders(implementer, 3)
    # Sent on the worker's next run, without waiting for the digest time.
    assert mail_send_due(timezone.now()).sent == 3
    assert [m.subject for m in mailoutbox] == [n.subject for n in notes]
    assert mailoutbox[0].body == f"{SITE}/tasks/1/"


def test_no_email_for_a_user_who_chose_none(people, mailoutbox):
    implementer = people["implementer"]
    implementer.email_choice = User.EmailChoice.NONE
    implementer.save()
    reminders(implementer, 2)
    assert not Notification.objects.filter(email_wanted=True).exists()
    assert mail_send_due(next_digest()).sent == 0
    assert mailoutbox == []
    # The messages themselves are there, on the messages page.
    assert Notification.objects.filter(user=implementer).count() == 2


def test_a_failed_digest_is_tried_again_and_loses_nothing(people, mailoutbox, settings):
    reminders(people["implementer"], 3)
    settings.EMAIL_BACKEND = "tests.test_notifications.RefusingBackend"
    run = mail_send_due(next_digest())
    assert (run.sent, run.retrying) == (0, 3)
    assert Notification.objects.filter(email_due_at__isnull=False).count() == 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail_send_due(next_digest() + datetime.timedelta(hours=1)).digests == 1
    assert mailoutbox[0].subject == "Daily digest of your messages: 3"


# The choice, on the messages page --------------------------------------------------------------


def english(user):
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_messages_page_offers_the_choice_with_the_current_one_checked(people):
    page = english(people["implementer"]).get(reverse("notifications:index"))
    html = page.content.decode()
    assert page.status_code == 200
    radios = dict(
        re.findall(r'<input type="radio" name="email_choice" value="(\w+)"([^>]*)>', html)
    )
    assert set(radios) == {"digest", "each", "none"}
    assert "checked" in radios["digest"] and "checked" not in radios["each"]
    assert "each message by e-mail" in html and "no e-mail" in html
    assert "platform" in html  # the digest is labelled the platform's own rule


def test_choosing_none_drops_waiting_mail_and_is_recorded(people, mailoutbox):
    implementer = people["implementer"]
    reminders(implementer, 2)
    reminders(people["sichuan"], 1)
    response = english(implementer).post(
        reverse("notifications:email_choice"), {"email_choice": "none"}
    )
    assert response.status_code == 302
    implementer.refresh_from_db()
    assert implementer.email_choice == User.EmailChoice.NONE
    # Another user's choice and mail are untouched.
    people["sichuan"].refresh_from_db()
    assert people["sichuan"].email_choice == User.EmailChoice.DIGEST
    mail_send_due(next_digest())
    assert [m.to for m in mailoutbox] == [["sichuan@jiebang.test"]]
    entry = AuditEntry.objects.get(action="user.email_choice_changed")
    assert entry.actor_id == implementer.pk
    assert entry.changes == {"email_choice": ["digest", "none"]}


def test_an_unknown_choice_changes_nothing(people):
    implementer = people["implementer"]
    english(implementer).post(reverse("notifications:email_choice"), {"email_choice": "fax"})
    implementer.refresh_from_db()
    assert implementer.email_choice == User.EmailChoice.DIGEST
    assert not AuditEntry.objects.filter(action="user.email_choice_changed").exists()


def test_the_choice_is_the_users_own(people):
    from kernel.errors import Forbidden
    from notifications.services import email_choice_set

    with pytest.raises(Forbidden):
        email_choice_set(user=people["sichuan"], choice="none", by=people["implementer"])


def test_the_unread_filter_is_offered_in_chinese(people, compiled_messages):
    """Issue #12: the filter offered "unread" untranslated."""
    client = client_for(people["implementer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    with translation.override("zh-hans"):
        html = client.get(reverse("notifications:index")).content.decode()
    assert '<option value="unread">未读</option>' in html
    assert '<option value="read">已读</option>' in html
    assert ">unread<" not in html
