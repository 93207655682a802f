"""A user's messages: only their own, unread first, filtered, paged, marked read one by one or
all at once, exported, and counted in the header. Their e-mails wait in an outbox that the
worker sends, with the site's absolute link; a mail server that fails makes no user action
fail, and its messages are tried again, then given up and listed for the national
coordinator."""

import datetime
import io

import pytest
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.models import User
from jobs.models import Job
from jobs.services import job_run, periodic_enqueue
from kernel.errors import Forbidden
from notifications.models import Notification
from notifications.services import (
    MAX_ATTEMPTS,
    RETRY_AFTER,
    STOP_AFTER_FAILURES,
    mail_send_due,
    notification_mark_read,
    notify,
)
from tasks.models import HelpRequest
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
REFUSING = "tests.test_notifications.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down (a double of Django's backend, not of our code)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def english(user) -> Client:
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def inbox(users):
    implementer = users["implementer"]
    old = notify(users=[implementer], subject="旧消息", body="已读过", url="/tasks/")[0]
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    notify(users=[implementer], subject="报告即将到期", body="第一季度", url="/tasks/1/")
    notify(users=[implementer], subject="外部链接", body="不应跟随", url="http://elsewhere.test/")
    notify(users=[users["sichuan"]], subject="四川的消息", body="别人的")
    return implementer


def test_the_list_shows_own_messages_unread_first(users, inbox):
    html = english(inbox).get("/notifications/").content.decode()
    assert "四川的消息" not in html
    assert html.index("外部链接") < html.index("报告即将到期") < html.index("旧消息")
    assert '<a href="/tasks/1/">报告即将到期</a>' in html
    # A message never leads off the site.
    assert "elsewhere.test" not in html
    assert "Messages (2)" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "unread"}, {"报告即将到期", "外部链接"}),
        ({"state": "read"}, {"旧消息"}),
        ({"q": "第一季度"}, {"报告即将到期"}),
        ({"q": "别人"}, set()),
    ],
)
def test_filters(users, inbox, params, expected):
    html = english(inbox).get("/notifications/", params).content.decode()
    subjects = {"旧消息", "报告即将到期", "外部链接", "四川的消息"}
    assert {s for s in subjects if s in html} == expected
    if not expected:
        assert "No message matches these filters." in html


def test_mark_one_read(users, inbox):
    note = Notification.objects.get(subject="报告即将到期")
    client = english(inbox)
    assert client.get(f"/notifications/{note.pk}/read/").status_code == 405
    response = client.post(f"/notifications/{note.pk}/read/", {"next": "/notifications/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?q=x"
    note.refresh_from_db()
    assert note.read_at is not None
    assert "Messages (1)" in client.get("/").content.decode()


def test_another_users_message_is_not_found(users, inbox):
    theirs = Notification.objects.get(subject="四川的消息")
    response = english(inbox).post(f"/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    with pytest.raises(Forbidden):
        notification_mark_read(notification=theirs, by=inbox)


def test_mark_all_read_touches_only_own(users, inbox):
    client = english(inbox)
    response = client.post("/notifications/read/", {"next": "http://elsewhere.test/"})
    assert response["Location"] == "/notifications/"  # never redirected off the site
    assert not Notification.objects.filter(user=inbox, read_at__isnull=True).exists()
    assert Notification.objects.get(subject="四川的消息").read_at is None
    html = client.get("/notifications/").content.decode()
    assert "2 messages marked as read." in html
    assert "Messages (0)" in html
    assert "Mark all as read" not in html


def test_export_holds_the_filtered_own_messages(users, inbox):
    response = english(inbox).get("/notifications/xlsx/", {"state": "unread"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("Subject", "Message", "Received", "Read")
    assert [row[0] for row in rows[1:]] == ["外部链接", "报告即将到期"]
    assert all(row[3] is None for row in rows[1:])


def test_pages_and_empty_state(users, settings):
    settings.PAGE_SIZE = 2
    public = users["public"]
    html = english(public).get("/notifications/").content.decode()
    assert "No messages yet." in html
    for n in range(3):
        notify(users=[public], subject=f"消息{n}")
    assert "Page 1 of 2" in english(public).get("/notifications/").content.decode()
    second = english(public).get("/notifications/", {"page": 2}).content.decode()
    assert "消息0" in second and "消息2" not in second


def test_anonymous_is_sent_to_log_in(db):
    assert Client().get("/notifications/").status_code == 302
    assert Client().post("/notifications/read/").status_code == 302


def test_query_count_does_not_grow(users, django_assert_max_num_queries):
    user = users["implementer"]
    client = english(user)

    def measure() -> int:
        client.get("/notifications/")
        with django_assert_max_num_queries(12) as captured:
            assert client.get("/notifications/").status_code == 200
        return len(captured)

    for n in range(3):
        notify(users=[user], subject=f"少{n}", url="/tasks/")
    small = measure()
    for n in range(40):
        notify(users=[user], subject=f"多{n}", url="/tasks/")
    assert small == measure()


def test_the_header_counts_unread_messages_at_a_fixed_cost(users, django_assert_max_num_queries):
    public = users["public"]
    client = english(public)
    client.get("/")

    def home() -> tuple[str, int]:
        with django_assert_max_num_queries(15) as captured:
            html = client.get("/").content.decode()
        return html, len(captured)

    html, before = home()
    assert '<a href="/notifications/" id="messages-link">Messages (0)</a>' in html
    for n in range(5):
        notify(users=[public], subject=f"消息{n}")
    html, after = home()
    assert "Messages (5)" in html
    assert before == after
    assert "Messages (" not in Client().get("/lists/published/").content.decode()


# E-mail: the outbox ---------------------------------------------------------------------------


@pytest.fixture
def addressed(users):
    """Two users with an address who chose each message by e-mail (the outbox's behaviour
    per message; the daily digest, the default, is tested in test_notifications_digest)."""
    for name in ("implementer", "sichuan"):
        users[name].email = f"{name}@jiebang.test"
        users[name].email_choice = User.EmailChoice.EACH
        users[name].save()
    return users


def later(attempts: int = 1) -> datetime.datetime:
    """A moment when a message that failed `attempts` times is due again."""
    return timezone.now() + sum(RETRY_AFTER[:attempts], datetime.timedelta(minutes=1))


def test_an_email_waits_in_the_outbox_and_goes_with_the_sites_address(
    addressed, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://jiebang.example.gov.cn/"
    implementer, public = addressed["implementer"], addressed["public"]
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(
            users=[implementer, public],
            subject="报告即将到期",
            body="第一季度",
            url="/tasks/1/",
            email=True,
        )[0]
        notify(users=[implementer], subject="站内而已", url="/tasks/2/")
    assert mailoutbox == []  # nothing talks to the mail server before the worker does
    assert note.mail_state == Notification.MailState.PENDING
    # An e-mail only where one was asked for and the user has an address.
    assert set(Notification.objects.filter(email_wanted=True).values_list("subject", "user")) == {
        ("报告即将到期", implementer.pk)
    }
    run = mail_send_due()
    assert (run.sent, run.retrying, run.given_up, run.left) == (1, 0, 0, 0)
    [mail] = mailoutbox
    assert (mail.to, mail.subject) == (["implementer@jiebang.test"], "报告即将到期")
    assert mail.body == "第一季度\n\nhttps://jiebang.example.gov.cn/tasks/1/"
    note.refresh_from_db()
    assert note.mail_state == Notification.MailState.SENT and note.emailed_at is not None
    assert mail_send_due().sent == 0  # sent once only


def test_only_a_path_of_the_site_becomes_a_link(addressed, mailoutbox):
    notify(
        users=[addressed["implementer"]],
        subject="外部",
        body="不跟随",
        url="http://elsewhere.test/",
        email=True,
    )
    mail_send_due()
    assert mailoutbox[0].body == "不跟随"


def test_a_help_request_succeeds_while_the_mail_server_is_down_and_is_mailed_later(
    addressed, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = REFUSING
    w = task_world(addressed)
    Notification.objects.all().delete()
    client = client_for(addressed["implementer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/tasks/{w.task.pk}/help/new/", {"text": "需要协调用地指标", "level": "locality"}
        )
    assert response.status_code == 302
    request = HelpRequest.objects.get()
    note = Notification.objects.get(user=addressed["sichuan"])
    assert note.url == f"/tasks/help/{request.pk}/"
    assert note.mail_state == Notification.MailState.PENDING
    # The worker tries, fails, records why and when to try again; the run itself goes on.
    run = mail_send_due()
    assert (run.sent, run.retrying) == (0, 1)
    note.refresh_from_db()
    assert note.email_attempts == 1
    assert note.email_error.startswith("ConnectionRefusedError")
    retry_at = note.email_due_at
    assert retry_at is not None
    assert retry_at > timezone.now() + RETRY_AFTER[0] - datetime.timedelta(minutes=1)
    assert mail_send_due().retrying == 0  # not due again yet
    settings.EMAIL_BACKEND = LOCMEM
    assert mail_send_due(later()).sent == 1
    assert [m.to for m in mailoutbox] == [["sichuan@jiebang.test"]]
    assert mailoutbox[0].body.endswith(f"/tasks/help/{request.pk}/")


def test_a_mail_is_given_up_after_the_last_attempt_and_listed_in_the_admin(
    addressed, settings, mailoutbox
):
    settings.EMAIL_BACKEND = REFUSING
    note = notify(users=[addressed["implementer"]], subject="总是失败", email=True)[0]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        run = mail_send_due(later(attempt))
        assert (run.retrying, run.given_up) == ((1, 0) if attempt < MAX_ATTEMPTS else (0, 1))
    note.refresh_from_db()
    assert note.mail_state == Notification.MailState.FAILED
    assert (note.email_attempts, note.email_due_at) == (MAX_ATTEMPTS, None)
    assert mail_send_due(later(MAX_ATTEMPTS)).done == 0  # no more attempts
    national = addressed["national"]
    national.is_staff = national.is_superuser = True
    national.save()
    admin = client_for(national)
    with translation.override("en"):
        failed = admin.get("/admin/notifications/notification/", {"mail": "failed"})
        sent = admin.get("/admin/notifications/notification/", {"mail": "sent"})
    assert "总是失败" in failed.content.decode()
    assert "ConnectionRefusedError" in failed.content.decode()
    assert "总是失败" not in sent.content.decode()
    assert admin.get(f"/admin/notifications/notification/{note.pk}/change/").status_code == 200
    assert (
        client_for(addressed["sichuan"]).get("/admin/notifications/notification/").status_code
        == 302
    )


def test_a_run_stops_after_failures_in_a_row_and_leaves_the_rest_due(addressed, settings):
    settings.EMAIL_BACKEND = REFUSING
    for n in range(STOP_AFTER_FAILURES + 2):
        notify(users=[addressed["implementer"]], subject=f"第{n}封", email=True)
    run = mail_send_due()
    assert (run.retrying, run.left) == (STOP_AFTER_FAILURES, 2)
    untried = Notification.objects.filter(email_attempts=0)
    assert untried.count() == 2 and all(n.email_due_at for n in untried)


def test_a_recipient_who_lost_the_address_or_account_is_not_mailed(addressed, mailoutbox):
    implementer, sichuan = addressed["implementer"], addressed["sichuan"]
    notify(users=[implementer, sichuan], subject="无法送达", email=True)
    implementer.email = ""
    implementer.save()
    sichuan.is_active = False
    sichuan.save()
    run = mail_send_due()
    assert (run.refused, run.sent, mailoutbox) == (2, 0, [])
    errors = set(Notification.objects.values_list("email_error", flat=True))
    assert len(errors) == 2 and all(errors)
    assert not Notification.objects.filter(email_due_at__isnull=False).exists()


def mail_jobs_queued() -> list[Job]:
    with translation.override("en"):
        return [job for job in periodic_enqueue() if job.kind == "notifications.mail"]


def test_the_mail_job_is_queued_only_while_mail_is_due_and_shows_failures(
    addressed, settings, mailoutbox
):
    assert mail_jobs_queued() == []
    notify(users=[addressed["implementer"]], subject="待发", email=True)
    [job] = mail_jobs_queued()
    assert job.created_by is None
    settings.EMAIL_BACKEND = REFUSING
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message.startswith("0 e-mails sent. 1 could not be sent now and will be tried")
    assert "Last error: ConnectionRefusedError" in job.message
    # The system's job is the national coordinator's to look at.
    page = client_for(addressed["national"]).get(f"/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sending e-mails" in page.content.decode()
    settings.EMAIL_BACKEND = LOCMEM
    notify(users=[addressed["sichuan"]], subject="再发", email=True)
    assert mail_jobs_queued() == []  # once a minute at most
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    [again] = mail_jobs_queued()
    job_run(job_id=again.pk)
    again.refresh_from_db()
    assert (again.state, again.message) == (Job.State.DONE, "1 e-mail sent.")
    assert [m.to for m in mailoutbox] == [["sichuan@jiebang.test"]]


def test_a_stalled_mail_server_is_given_up_on_after_email_timeout(settings):
    settings.EMAIL_TIMEOUT = 7
    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout == 7
