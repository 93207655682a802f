"""Correcting a programme: its terms while a draft, the closing date while open, removing a
draft's item, and correcting an issued task notice — each the national coordinator's alone,
each in the programme's history."""

import datetime
import io
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from docx import Document

from audit.models import AuditEntry
from claims import documents, services
from claims.errors import ClaimError
from claims.models import Programme, ProgrammeItem, TaskNotice
from kernel.errors import Forbidden
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
OUTSIDERS = ["sichuan", "guangdong", "implementer", "region", "expert"]


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def entries(programme, action):
    return AuditEntry.objects.filter(object_id=str(programme.pk), action=action)


def terms(**overrides):
    data = {
        "title": "2026年度揭榜",
        "description": "新的说明",
        "min_claims": 2,
        "max_claimants": 5,
        "opens_at": None,
        "closes_at": None,
        "report_every_months": 6,
        "report_due_days": 15,
    }
    data.update(overrides)
    return data


@pytest.fixture
def draft(users):
    return make_programme(users, open_=False)


@pytest.fixture
def open_programme(users):
    return make_programme(users)


# Editing a draft ----------------------------------------------------------------------------


def test_a_draft_is_edited_and_the_trail_keeps_before_and_after(users, draft):
    services.programme_update(programme=draft, by=users["national"], **terms())
    draft.refresh_from_db()
    assert (draft.title, draft.min_claims, draft.max_claimants) == ("2026年度揭榜", 2, 5)
    assert (draft.report_every_months, draft.report_due_days) == (6, 15)
    entry = entries(draft, "programme.updated").get()
    assert entry.changes["title"] == ["测试揭榜", "2026年度揭榜"]
    assert entry.changes["report_every_months"] == [3, 6]
    assert "opens_at" not in entry.changes  # unchanged fields are not in the trail
    # Saving the same terms again records nothing.
    services.programme_update(programme=draft, by=users["national"], **terms())
    assert entries(draft, "programme.updated").count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": " "}, "title"),
        ({"min_claims": -1}, "negative"),
        ({"max_claimants": 0}, "at least 1"),
        ({"report_every_months": 2}, "month, quarter"),
        ({"report_due_days": 91}, "between 0 and 90"),
        ({"opens_at": TODAY, "closes_at": TODAY - DAY}, "close before it opens"),
    ],
)
def test_rules_of_editing(users, draft, overrides, message):
    with pytest.raises(ClaimError, match=message):
        services.programme_update(programme=draft, by=users["national"], **terms(**overrides))
    draft.refresh_from_db()
    assert draft.title == "测试揭榜"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_national_coordinator_edits(users, draft, who):
    with pytest.raises(Forbidden):
        services.programme_update(programme=draft, by=users[who], **terms())
    assert not entries(draft, "programme.updated").exists()


def test_an_open_programme_is_not_edited(users, open_programme):
    with pytest.raises(ClaimError, match="only the closing date"):
        services.programme_update(programme=open_programme, by=users["national"], **terms())


def test_edit_page(users, draft, open_programme):
    client = client_for(users["national"])
    url = f"/claims/{draft.pk}/edit/"
    assert 'value="测试揭榜"' in client.get(url).content.decode()  # prefilled
    data = {**terms(), "max_claimants": "", "opens_at": "2099-05-01", "closes_at": "2099-04-01"}
    data["title"] = "改过的标题"
    refused = client.post(url, data, **EN)
    assert refused.status_code == 200
    assert 'value="改过的标题"' in refused.content.decode()  # what was typed is kept
    draft.refresh_from_db()
    assert draft.title == "测试揭榜"
    data["closes_at"] = "2099-06-01"
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改过的标题" and draft.max_claimants is None
    assert draft.closes_at == datetime.date(2099, 6, 1)
    page = client.get(f"/claims/{draft.pk}/", **EN).content.decode()
    assert "programme changed" in page and "every half year" in page
    # Wrong state: the page is refused.
    assert client.get(f"/claims/{open_programme.pk}/edit/").status_code == 403


@pytest.mark.parametrize(
    ("who", "draft_status", "open_status"),
    [("sichuan", 404, 403), ("guangdong", 404, 403), ("implementer", 404, 404)],
)
def test_edit_page_refused(users, draft, open_programme, who, draft_status, open_status):
    client = client_for(users[who])
    assert client.get(f"/claims/{draft.pk}/edit/").status_code == draft_status
    form = {k: "" if v is None else v for k, v in terms().items()}
    assert client.post(f"/claims/{draft.pk}/edit/", form).status_code == draft_status
    assert client.get(f"/claims/{open_programme.pk}/edit/").status_code == open_status
    draft.refresh_from_db()
    assert draft.title == "测试揭榜"


# Moving the closing date --------------------------------------------------------------------


def test_the_closing_date_moves_while_open(users, open_programme):
    before = open_programme.closes_at
    services.programme_move_closing(
        programme=open_programme, by=users["national"], closes_at=TODAY + 30 * DAY
    )
    open_programme.refresh_from_db()
    assert open_programme.closes_at == TODAY + 30 * DAY
    entry = entries(open_programme, "programme.closing_moved").get()
    assert entry.changes == {"closes_at": [before.isoformat(), (TODAY + 30 * DAY).isoformat()]}
    # Moving it to today is allowed: claims close tonight.
    services.programme_move_closing(programme=open_programme, by=users["national"], closes_at=TODAY)


def test_rules_of_moving_the_closing_date(users, open_programme, draft):
    national = users["national"]
    with pytest.raises(ClaimError, match="before today"):
        services.programme_move_closing(
            programme=open_programme, by=national, closes_at=TODAY - DAY
        )
    with pytest.raises(ClaimError, match="already the closing date"):
        services.programme_move_closing(
            programme=open_programme, by=national, closes_at=open_programme.closes_at
        )
    with pytest.raises(ClaimError, match="only while claims are open"):
        services.programme_move_closing(programme=draft, by=national, closes_at=TODAY)
    later = make_programme(users, open_=False, title="晚开")
    services.programme_open(
        programme=later, by=national, opens_at=TODAY + 5 * DAY, closes_at=TODAY + 9 * DAY
    )
    with pytest.raises(ClaimError, match="before it opens"):
        services.programme_move_closing(programme=later, by=national, closes_at=TODAY + 2 * DAY)
    services.programme_close(programme=open_programme, by=national, reason="提前结束")
    with pytest.raises(ClaimError, match="only while claims are open"):
        services.programme_move_closing(
            programme=open_programme, by=national, closes_at=TODAY + 40 * DAY
        )
    assert not entries(open_programme, "programme.closing_moved").exists()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_national_coordinator_moves_the_closing_date(users, open_programme, who):
    with pytest.raises(Forbidden):
        services.programme_move_closing(
            programme=open_programme, by=users[who], closes_at=TODAY + 30 * DAY
        )


def test_closing_date_page(users, open_programme, draft):
    url = f"/claims/{open_programme.pk}/closing/"
    client = client_for(users["national"])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"closes_at": (TODAY - DAY).isoformat()}, **EN)
    assert refused.status_code == 200
    assert "The window cannot close before today." in refused.content.decode()
    assert client.post(url, {"closes_at": (TODAY + 20 * DAY).isoformat()}).status_code == 302
    open_programme.refresh_from_db()
    assert open_programme.closes_at == TODAY + 20 * DAY
    assert client.get(f"/claims/{draft.pk}/closing/").status_code == 403
    for who, status in (("sichuan", 403), ("guangdong", 403), ("implementer", 404)):
        other = client_for(users[who])
        assert other.get(url).status_code == status
        assert other.post(url, {"closes_at": (TODAY + 50 * DAY).isoformat()}).status_code == status
    open_programme.refresh_from_db()
    assert open_programme.closes_at == TODAY + 20 * DAY


# Removing an item ---------------------------------------------------------------------------


def test_removing_an_item_leaves_a_gap_in_the_numbers(users, draft):
    national = users["national"]
    second = draft.items.get(position=2)
    services.item_remove(item=second, by=national)
    assert list(draft.items.order_by("position").values_list("position", flat=True)) == [1, 3, 4]
    added = services.item_add(programme=draft, by=national, category="新类", title="新事项")
    assert added.position == 5
    entry = entries(draft, "programme.item_removed").get()
    assert entry.changes == {"item": ["2．事项1", None]}
    with pytest.raises(ClaimError, match="already removed"):
        services.item_remove(item=second, by=national)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_national_coordinator_removes_items(users, draft, who):
    with pytest.raises(Forbidden):
        services.item_remove(item=draft.items.first(), by=users[who])
    assert draft.items.count() == 4


def test_items_of_an_open_programme_stay(users, open_programme):
    with pytest.raises(ClaimError, match="draft"):
        services.item_remove(item=open_programme.items.first(), by=users["national"])
    assert open_programme.items.count() == 4


def test_remove_page_asks_first(users, draft, open_programme):
    item = draft.items.get(position=1)
    url = f"/claims/items/{item.pk}/remove/"
    client = client_for(users["national"])
    page = client.get(url, **EN)
    assert page.status_code == 200 and "事项0" in page.content.decode()
    assert ProgrammeItem.objects.filter(pk=item.pk).exists()  # the GET only asks
    assert f'href="{url}"' in client.get(f"/claims/{draft.pk}/").content.decode()
    for who in ("sichuan", "guangdong", "implementer"):
        assert client_for(users[who]).post(url).status_code == 404  # a draft is unseen
    assert client.post(url).status_code == 302
    assert not ProgrammeItem.objects.filter(pk=item.pk).exists()
    opened = open_programme.items.first()
    assert client.get(f"/claims/items/{opened.pk}/remove/").status_code == 403
    assert (
        client_for(users["sichuan"]).post(f"/claims/items/{opened.pk}/remove/").status_code == 403
    )
    assert ProgrammeItem.objects.filter(pk=opened.pk).exists()
    assert client.get("/claims/items/999999/remove/").status_code == 404


# Correcting a notice ------------------------------------------------------------------------


@pytest.fixture
def notice(users, open_programme) -> TaskNotice:
    national = users["national"]
    sichuan = claimant(open_programme, users["sichuan"])
    for item in open_programme.items.order_by("position")[:3]:
        services.item_claim(item=item, claimant=sichuan, by=users["sichuan"])
    services.programme_close(programme=open_programme, by=national, reason="仅四川揭榜")
    services.notices_issue(
        programme=Programme.objects.get(pk=open_programme.pk),
        by=national,
        doc_code="发改高技",
        issued_on=datetime.date(2026, 1, 5),
    )
    return TaskNotice.objects.get(claimant=sichuan)


def correct(notice, by, **overrides):
    data: dict[str, Any] = {
        "doc_number": "发改高技〔2026〕21号",
        "issued_on": datetime.date(2026, 1, 6),
        "reason": "发文字号登记有误",
    }
    data.update(overrides)
    return services.notice_correct(notice=notice, by=by, **data)


def docx_text(notice: TaskNotice) -> str:
    notice = TaskNotice.objects.select_related("programme", "claimant__division").get(pk=notice.pk)
    paragraphs = Document(io.BytesIO(documents.notice_docx(notice))).paragraphs
    return "\n".join(p.text for p in paragraphs)


def test_a_notice_is_corrected_with_a_reason_and_the_docx_follows(users, notice):
    assert "发改高技〔2026〕1号" in docx_text(notice)
    correct(notice, users["national"])
    notice.refresh_from_db()
    assert notice.doc_number == "发改高技〔2026〕21号"
    entry = entries(notice.programme, "programme.notice_corrected").get()
    assert entry.changes == {
        "doc_number": ["发改高技〔2026〕1号", "发改高技〔2026〕21号"],
        "issued_on": ["2026-01-05", "2026-01-06"],
    }
    assert "发文字号登记有误" in entry.note and "四川" in entry.note
    text = docx_text(notice)
    assert "发改高技〔2026〕21号" in text and "发改高技〔2026〕1号" not in text
    # The issuers are the programme's (an annual list: 国家发展改革委、科技部), not corrected.
    assert "国家发展改革委\n科技部\n2026年1月6日" in text


def test_rules_of_correcting(users, notice):
    national = users["national"]
    with pytest.raises(ClaimError, match="reason"):
        correct(notice, national, reason="  ")
    with pytest.raises(ClaimError, match="document number"):
        correct(notice, national, doc_number="")
    with pytest.raises(ClaimError, match="Nothing was changed"):
        correct(notice, national, doc_number=notice.doc_number, issued_on=notice.issued_on)
    other = TaskNotice.objects.create(
        claimant=claimant(notice.programme, users["guangdong"]),
        programme=notice.programme,
        number=2,
        doc_number="发改高技〔2026〕2号",
        issuing_authority="国家发展改革委",
        issued_on=notice.issued_on,
        issued_by=national,
    )
    with pytest.raises(ClaimError, match="Another notice"):
        correct(notice, national, doc_number=other.doc_number)
    notice.refresh_from_db()
    assert notice.doc_number == "发改高技〔2026〕1号"
    assert not entries(notice.programme, "programme.notice_corrected").exists()


def test_two_notices_of_a_programme_never_share_a_document_number(users, notice):
    """Two corrections at the same moment could both pass the service's check: the programme
    is locked first, and the database refuses the second number all the same."""
    national = users["national"]
    other = TaskNotice(
        claimant=claimant(notice.programme, users["guangdong"]),
        programme=notice.programme,
        number=2,
        doc_number=notice.doc_number,
        issuing_authority="国家发展改革委",
        issued_on=notice.issued_on,
        issued_by=national,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()
    if connection.vendor == "postgresql":  # SQLite has no row locks to see
        with CaptureQueriesContext(connection) as queries:
            correct(notice, national)
        locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
        assert '"claims_programme"' in locks[0] and '"claims_tasknotice"' in locks[1]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_national_coordinator_corrects(users, notice, who):
    with pytest.raises(Forbidden):
        correct(notice, users[who])
    notice.refresh_from_db()
    assert notice.doc_number == "发改高技〔2026〕1号"


def test_correction_page(users, notice):
    url = f"/claims/notices/{notice.pk}/correct/"
    client = client_for(users["national"])
    assert "发改高技〔2026〕1号" in client.get(url).content.decode()  # prefilled
    data = {
        "doc_number": "发改高技〔2026〕30号",
        "issued_on": "2026-01-05",
        "reason": "",
    }
    refused = client.post(url, data, **EN)
    assert refused.status_code == 200 and "发改高技〔2026〕30号" in refused.content.decode()
    notice.refresh_from_db()
    assert notice.doc_number == "发改高技〔2026〕1号"
    assert client.post(url, {**data, "reason": "编号有误"}).status_code == 302
    notice.refresh_from_db()
    assert notice.doc_number == "发改高技〔2026〕30号"
    page = client.get(f"/claims/{notice.programme_id}/", **EN).content.decode()
    assert "task notice corrected" in page and url in page
    # The claimant reads its notice but may not correct it; others do not see it at all.
    assert client_for(users["sichuan"]).get(url).status_code == 403
    assert client_for(users["sichuan"]).post(url, {**data, "reason": "x"}).status_code == 403
    assert client_for(users["guangdong"]).get(url).status_code == 404
    assert client_for(users["implementer"]).get(url).status_code == 404
    notice.refresh_from_db()
    assert notice.doc_number == "发改高技〔2026〕30号"
