"""The rules of claiming, at the services."""

import datetime
import io

import pytest
from django.utils import translation
from docx import Document
from openpyxl import Workbook, load_workbook

from audit.models import AuditEntry
from claims import documents, excel, selectors, services
from claims.errors import ClaimError
from claims.models import Claim, Claimant, Programme, TaskNotice
from kernel.errors import Forbidden
from regions.models import Division
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_lists_fixtures import build_world


@pytest.fixture(autouse=True)
def english_messages():
    """The rule messages are matched in English; the app's default language is Chinese."""
    with translation.override("en"):
        yield


def claim_n(programme, user, n):
    c = claimant(programme, user)
    for item in programme.items.order_by("position")[:n]:
        services.item_claim(item=item, claimant=c, by=user)
    return c


def test_from_a_published_list_the_measures_become_the_items(users, cycle):
    world = build_world(users, cycle)
    programme = services.programme_create(
        by=users["national"], kind="annual_list", title="揭榜", list_version=world.published
    )
    items = list(programme.items.order_by("position"))
    assert [i.title for i in items] == [i.title for i in world.published.items.order_by("position")]
    assert items[0].list_item_id is not None and items[0].category == "促进技术要素市场体系建设"
    with pytest.raises(ClaimError):
        services.programme_create(
            by=users["national"], kind="annual_list", title="x", list_version=world.draft
        )


def test_claimant_is_a_division_or_a_group_never_both(users):
    from django.db import IntegrityError, transaction

    programme = make_programme(users, open_=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claimant.objects.create(programme=programme)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claimant.objects.create(
            programme=programme, division=Division.objects.get(code="110000"), region_group_id=2
        )
    with pytest.raises(ClaimError):
        services.claimants_set(
            programme=programme,
            by=users["national"],
            divisions=[Division.objects.get(code="510100")],
            region_groups=[],
        )


def test_opening_needs_items_claimants_and_a_window(users):
    national = users["national"]
    programme = services.programme_create(by=national, kind="zone_pilot", title="试点")
    day = datetime.date(2099, 1, 1)
    with pytest.raises(ClaimError, match="item"):
        services.programme_open(programme=programme, by=national, opens_at=day, closes_at=day)
    services.item_add(programme=programme, by=national, category="类", title="项")
    with pytest.raises(ClaimError, match="claimant"):
        services.programme_open(programme=programme, by=national, opens_at=day, closes_at=day)
    with pytest.raises(Forbidden):
        services.item_add(programme=programme, by=users["sichuan"], category="类", title="项")


def test_claim_withdraw_and_the_count_as_they_go(users):
    programme = make_programme(users)
    sichuan = users["sichuan"]
    c = claim_n(programme, sichuan, 2)
    response = client_for(sichuan).get(f"/claims/{programme.pk}/")
    assert response.status_code == 200  # the "2 of minimum 3" wording: test_page_shows_n_of_minimum
    assert selectors.claimed_item_ids(c) == set(
        programme.items.order_by("position").values_list("pk", flat=True)[:2]
    )
    with pytest.raises(ClaimError):
        services.item_claim(item=programme.items.order_by("position")[0], claimant=c, by=sichuan)
    services.item_withdraw(item=programme.items.order_by("position")[0], claimant=c, by=sichuan)
    assert Claim.objects.filter(claimant=c).count() == 1
    with pytest.raises(ClaimError):
        services.item_withdraw(item=programme.items.order_by("position")[0], claimant=c, by=sichuan)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"programme.claimed", "programme.withdrawn"} <= actions
    # A claimant never claims for another.
    with pytest.raises(Forbidden):
        services.item_claim(
            item=programme.items.order_by("position")[0], claimant=c, by=users["guangdong"]
        )


def test_page_shows_n_of_minimum(users, settings):
    programme = make_programme(users)
    claim_n(programme, users["sichuan"], 2)
    client = client_for(users["sichuan"])
    client.cookies["django_language"] = "en"
    html = client.get(f"/claims/{programme.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 of minimum 3 claimed" in html


def test_window_dates_are_enforced(users):
    programme = make_programme(users)
    Programme.objects.filter(pk=programme.pk).update(
        opens_at=datetime.date(2000, 1, 1), closes_at=datetime.date(2000, 2, 1)
    )
    c = claimant(programme, users["sichuan"])
    with pytest.raises(ClaimError, match="2000-02-01"):
        services.item_claim(
            item=programme.items.order_by("position")[0], claimant=c, by=users["sichuan"]
        )


def test_max_claimants_per_item(users):
    programme = make_programme(users, max_claimants=1)
    item = programme.items.order_by("position")[0]
    services.item_claim(
        item=item, claimant=claimant(programme, users["sichuan"]), by=users["sichuan"]
    )
    with pytest.raises(ClaimError, match="1"):
        services.item_claim(
            item=item, claimant=claimant(programme, users["guangdong"]), by=users["guangdong"]
        )


def test_closing_names_the_claimants_below_the_minimum(users):
    programme = make_programme(users)
    claim_n(programme, users["sichuan"], 3)
    claim_n(programme, users["guangdong"], 1)
    with pytest.raises(ClaimError) as caught:
        services.programme_close(programme=programme, by=users["national"])
    message = caught.value.message
    assert "广东省（1）" in message and "四川省" not in message
    assert Programme.objects.get(pk=programme.pk).state == "open"
    services.programme_close(programme=programme, by=users["national"], reason="经协商同意")
    programme.refresh_from_db()
    assert programme.state == "closed" and programme.close_note == "经协商同意"
    entry = AuditEntry.objects.get(action="programme.closed")
    assert "广东省" in entry.note and "经协商同意" in entry.note


def test_buckets_and_results_xlsx(users):
    programme = make_programme(users, items=5)
    claim_n(programme, users["sichuan"], 4)
    claim_n(programme, users["guangdong"], 2)
    table = selectors.results(programme)
    # region group 1 claimed nothing
    assert table.buckets == [(3, True, 1), (2, False, 1), (0, False, 1)]
    sheet = load_workbook(io.BytesIO(excel.results_xlsx(programme))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3:] == tuple(c.short_name for c in table.claimants) + ("Claimants",)
    assert len(rows) == 1 + 5 + 1
    assert rows[-1][3:-1] == tuple(c.claim_count for c in table.claimants)


def test_items_import_reads_the_sheet_and_names_bad_rows():
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["类别", "事项", "说明"])
    sheet.append(["成果转化类", "概念验证", "说明"])
    sheet.append([None, None, None])
    sheet.append(["企业创新类", "开放场景", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert excel.read_items(buffer.getvalue()) == [
        ("成果转化类", "概念验证", "说明"),
        ("企业创新类", "开放场景", ""),
    ]
    sheet.append(["企业创新类", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ValueError, match="5"):
        excel.read_items(buffer.getvalue())
    with pytest.raises(ValueError):
        excel.read_items(b"not a workbook")


@pytest.mark.parametrize(
    ("category", "title", "named"),
    [("类" * 101, "事项", "category"), ("类别", "事" * 201, "title")],
)
def test_items_import_refuses_texts_longer_than_their_columns(category, title, named):
    """SQLite would keep a longer text that PostgreSQL refuses (a server error): the sheet's
    row is refused first, by number, with the column's limit."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["类别", "事项"])
    sheet.append(["成果转化类", "概念验证"])
    sheet.append([category, title])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with (
        translation.override("en"),
        pytest.raises(ValueError, match=f"Row 3: the {named} is longer"),
    ):
        excel.read_items(buffer.getvalue())
    exact = [("类" * 100, "事" * 200)]
    workbook = Workbook()
    workbook.worksheets[0].append(["类别", "事项"])
    workbook.worksheets[0].append(list(exact[0]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert excel.read_items(buffer.getvalue()) == [(*exact[0], "")]


def test_notices_numbered_one_per_claimant_with_claims(users):
    programme = make_programme(users)
    claim_n(programme, users["sichuan"], 3)
    claim_n(programme, users["guangdong"], 3)
    national = users["national"]
    with pytest.raises(ClaimError, match="Close the claim window first"):
        services.notices_issue(
            programme=programme,
            by=national,
            doc_code="发改高技",
            issued_on=datetime.date(2099, 7, 1),
        )
    programme = services.programme_close(programme=programme, by=national, reason="区域未揭榜")
    notices = services.notices_issue(
        programme=programme,
        by=national,
        doc_code="发改高技",
        issued_on=datetime.date(2099, 7, 1),
    )
    assert [n.doc_number for n in notices] == ["发改高技〔2099〕1号", "发改高技〔2099〕2号"]
    assert {str(n.claimant) for n in notices} == {"四川省", "广东省"}
    with pytest.raises(ClaimError):
        services.notices_issue(
            programme=programme,
            by=national,
            doc_code="发改高技",
            issued_on=datetime.date(2099, 7, 1),
        )
    notice = TaskNotice.objects.get(claimant__division__code="510000")
    text = "\n".join(p.text for p in Document(io.BytesIO(documents.notice_docx(notice))).paragraphs)
    assert "国家发展改革委\n科技部" in text and notice.doc_number in text
    assert "四川省发展改革委、科技厅：" in text
    assert "事项0" in text and "事项2" in text and "事项3" not in text
    assert "明确实施主体" in text and "可量化、可考核的目标" in text
    assert "2099年7月1日" in text
