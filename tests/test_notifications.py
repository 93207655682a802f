"""A user's messages: only their own, unread first, filtered, paged, marked read one by one or
all at once, exported, and counted in the header."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from notifications.models import Notification
from notifications.services import notification_mark_read, notify
from tests.conftest import client_for


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
    with pytest.raises(PermissionError):
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
    rows = list(sheet.iter_rows(values_only=True))
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
