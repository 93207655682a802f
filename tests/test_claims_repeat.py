"""A repeated action of claiming (揭榜) says what already happened.

Opening and closing the claim window, issuing the task notices (通知书), claiming and
withdrawing, and changing a programme that moved on: a second click, or a colleague of the
same role who acted first, lands on a page with the message and writes nothing; a user without
the right is still refused (403 when they see the programme, 404 when they may not know it).
"""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from claims import services
from claims.models import Claim, Programme, ProgrammeItem, TaskNotice
from regions.models import Division
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_repeat_fixtures import colleague, english, entries, refused, says

ISSUE = {"doc_code": "发改高技", "issued_on": "2099-07-01"}


@pytest.fixture
def w(users) -> SimpleNamespace:
    return SimpleNamespace(
        users=users,
        national=users["national"],
        national2=colleague(users["national"], "national2"),
        sichuan=users["sichuan"],
        sichuan2=colleague(users["sichuan"], "sichuan2"),
    )


def state(programme: Programme) -> str:
    return Programme.objects.get(pk=programme.pk).state


def window() -> dict[str, str]:
    today = timezone.localdate()
    return {
        "opens_at": (today - datetime.timedelta(days=1)).isoformat(),
        "closes_at": (today + datetime.timedelta(days=10)).isoformat(),
    }


def close(programme: Programme, by) -> Programme:
    return services.programme_close(programme=programme, by=by, reason="到期关闭")


def test_opening_the_claim_window_twice(w):
    programme = make_programme(w.users, open_=False)
    url = f"/claims/{programme.pk}/open/"
    says(english(w.national).post(url, window(), follow=True), "Claims are open.")
    for who in (w.national, w.national2):
        says(english(who).post(url, window()), "The claim window is already open.")
    assert state(programme) == "open"
    assert entries("programme.opened", programme) == 1
    # A claimant sees the open programme but does not open it.
    refused(client_for(w.sichuan), url, window(), 403)
    refused(client_for(w.users["implementer"]), url, window(), 404)


def test_closing_the_claim_window_twice(w):
    programme = make_programme(w.users)
    url = f"/claims/{programme.pk}/close/"
    first = english(w.national).post(url, {"reason": "到期"}, follow=True)
    says(first, "The claim window is closed.")
    for who in (w.national, w.national2):
        says(english(who).post(url, {"reason": "再关"}), "The claim window is already closed.")
    assert state(programme) == "closed"
    assert Programme.objects.get(pk=programme.pk).close_note == "到期"
    assert entries("programme.closed", programme) == 1
    refused(client_for(w.sichuan), url, {"reason": "x"}, 403)
    refused(client_for(w.users["implementer"]), url, {"reason": "x"}, 404)
    # Opening it again is said so too.
    again = english(w.national).post(f"/claims/{programme.pk}/open/", window())
    says(again, "The claim window is already closed.")


def test_issuing_the_task_notices_twice(w):
    programme = make_programme(w.users)
    item = first_item(programme)
    services.item_claim(item=item, claimant=claimant(programme, w.sichuan), by=w.sichuan)
    close(programme, w.national)
    url = f"/claims/{programme.pk}/notices/issue/"
    says(english(w.national).post(url, ISSUE, follow=True), "Task notices issued.")
    message = "The task notices of this programme were already issued."
    for who in (w.national, w.national2):
        says(english(who).post(url, {**ISSUE, "doc_code": "发改另"}), message)
    assert TaskNotice.objects.filter(programme=programme).count() == 1
    assert entries("programme.notices_issued", programme) == 1
    refused(client_for(w.sichuan), url, ISSUE, 403)


def test_issuing_before_the_window_is_closed(w):
    programme = make_programme(w.users)
    url = f"/claims/{programme.pk}/notices/issue/"
    says(english(w.national).post(url, ISSUE), "Close the claim window first.")
    assert not TaskNotice.objects.exists()


def test_claiming_twice(w):
    programme = make_programme(w.users)
    item = first_item(programme)
    url = f"/claims/items/{item.pk}/claim/"
    says(english(w.sichuan).post(url, follow=True), f"Claimed: {item.title}")
    for who in (w.sichuan, w.sichuan2):
        again = english(who).post(url, follow=True)
        says(again, "You have already claimed this item.")
        assert again.redirect_chain[-1][0] == f"/claims/{programme.pk}/"
    assert Claim.objects.filter(item=item).count() == 1
    assert entries("programme.claimed", programme) == 1
    # The centre and an implementer speak for no claimant of the programme.
    refused(client_for(w.national), url, status=404)
    refused(client_for(w.users["implementer"]), url, status=404)


def test_claiming_after_a_colleague_closed_the_window(w):
    programme = make_programme(w.users)
    item = first_item(programme)
    close(programme, w.national)
    response = english(w.sichuan).post(f"/claims/items/{item.pk}/claim/", follow=True)
    says(response, "The claim window is already closed.")
    assert not Claim.objects.exists()
    # The confirmation page of a withdrawal keeps its check: nothing to withdraw now.
    assert client_for(w.sichuan).get(f"/claims/items/{item.pk}/withdraw/").status_code == 403


def test_withdrawing_twice(w):
    programme = make_programme(w.users)
    item = first_item(programme)
    services.item_claim(item=item, claimant=claimant(programme, w.sichuan), by=w.sichuan)
    url = f"/claims/items/{item.pk}/withdraw/"
    says(english(w.sichuan).post(url, follow=True), f"Claim withdrawn: {item.title}")
    message = "You have no claim on this item: it was already withdrawn, or never made."
    for who in (w.sichuan, w.sichuan2):
        says(english(who).post(url, follow=True), message)
    assert not Claim.objects.exists()
    assert entries("programme.withdrawn", programme) == 1
    refused(client_for(w.national), url, status=404)


def test_changing_a_programme_a_colleague_opened_meanwhile(w):
    programme = make_programme(w.users, open_=False)
    item = first_item(programme)
    services.programme_open(programme=programme, by=w.national2, **_dates())
    client = english(w.national)
    draft_only = "Items can be changed only while the programme is a draft."
    added = client.post(f"/claims/{programme.pk}/items/add/", {"category": "类", "title": "新"})
    says(added, draft_only)
    removed = client.post(f"/claims/items/{item.pk}/remove/", follow=True)
    says(removed, draft_only)
    edited = client.post(
        f"/claims/{programme.pk}/edit/",
        {
            "title": "改名",
            "min_claims": 3,
            "report_every_months": 3,
            "report_due_days": 10,
        },
    )
    says(edited, "Only a draft can be changed; while claims are open, only the closing date")
    imported = client.post(f"/claims/{programme.pk}/items/import/", {"file": sheet()})
    says(imported, draft_only)
    assert ProgrammeItem.objects.filter(programme=programme).count() == 4
    assert Programme.objects.get(pk=programme.pk).title == "测试揭榜"
    for action in ("programme.item_added", "programme.item_removed", "programme.updated"):
        assert entries(action, programme) == 0, action
    # The fixture's own import, and no second one.
    assert entries("programme.items_imported", programme) == 1
    refused(client_for(w.sichuan), f"/claims/items/{item.pk}/remove/", status=403)


def test_changing_a_programme_a_colleague_closed_meanwhile(w):
    programme = make_programme(w.users)
    close(programme, w.national2)
    client = english(w.national)
    sichuan = Division.objects.get(code="510000")
    claimants = client.post(f"/claims/{programme.pk}/claimants/", {"divisions": [sichuan.pk]})
    says(claimants, "The claim window is closed.")
    closing = client.post(f"/claims/{programme.pk}/closing/", {"closes_at": "2099-12-31"})
    says(closing, "The closing date can be moved only while claims are open.")
    assert entries("programme.claimants_set", programme) == 1  # the fixture's own
    assert entries("programme.closing_moved", programme) == 0
    refused(client_for(w.sichuan), f"/claims/{programme.pk}/closing/", {"closes_at": "x"}, 403)


def first_item(programme: Programme) -> ProgrammeItem:
    return programme.items.order_by("position")[0]


def sheet() -> SimpleUploadedFile:
    book = Workbook()
    rows = book.active
    assert isinstance(rows, Worksheet)
    rows.append(["类别", "事项"])
    rows.append(["企业创新类", "导入的事项"])
    content = io.BytesIO()
    book.save(content)
    return SimpleUploadedFile("items.xlsx", content.getvalue())


def _dates() -> dict[str, datetime.date]:
    return {key: datetime.date.fromisoformat(value) for key, value in window().items()}
