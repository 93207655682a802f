"""The promotion batches as everyone reads them (推广批次): the three real batches load from
data/ with what the sources give (国办发〔2017〕80号, 〔2018〕126号, 〔2020〕3号: 13 + 23 + 20
measures), what they do not give is shown as not stated — never invented — and the list, the
batch page with its filters and export, and a measure's page are public; a draft batch is the
national level's alone (404 for anybody else)."""

import csv
import io
from collections import defaultdict

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from promotion.models import PromotedMeasure, PromotionBatch
from promotion.reference import load_promotion
from promotion.views.batches import related_links
from tests.conftest import client_for, make_user

DOC_NUMBERS = {1: "国办发〔2017〕80号", 2: "国办发〔2018〕126号", 3: "国办发〔2020〕3号"}
COUNTS = {1: 13, 2: 23, 3: 20}


@pytest.fixture
def batches(db):
    load_promotion()
    return {b.number: b for b in PromotionBatch.objects.all()}


def english(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def anonymous() -> Client:
    return english(Client())


def data_rows(name: str) -> list[dict[str, str]]:
    with open(settings.BASE_DIR / "data" / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def draft_batch(national) -> PromotionBatch:
    batch = PromotionBatch.objects.create(
        number=4, state=PromotionBatch.State.DRAFT, measure_count=1, created_by=national
    )
    PromotedMeasure.objects.create(
        batch=batch, position=1, title="草拟中的举措", field="科技金融创新", text="正文"
    )
    return batch


# The reference data --------------------------------------------------------------------------


def test_the_three_real_batches_load_with_their_counts_and_known_fields(batches):
    """The issue: "The three real batches load with their measure counts (13/23/20) and their
    known fields"; a title is present exactly where data/batches.csv has one."""
    assert sorted(batches) == [1, 2, 3]
    for number, batch in batches.items():
        assert batch.doc_number == DOC_NUMBERS[number]
        assert batch.measure_count == COUNTS[number]
        assert batch.measures.count() == COUNTS[number]
        assert batch.state == PromotionBatch.State.PUBLISHED
        assert batch.created_by is None
    # Batch 2's title is not in any source; 1 and 3 are.
    assert batches[1].title == "国务院办公厅关于推广支持创新相关改革举措的通知"
    assert batches[2].title == ""
    assert batches[3].title == "国务院办公厅关于推广第三批支持创新相关改革举措的通知"
    assert batches[3].issued_on is not None and batches[3].issued_on.isoformat() == "2020-01-23"
    assert batches[1].issued_on is None  # the date of signature was not found
    titles = {
        (int(row["batch"]), int(row["index"])): row["title"] for row in data_rows("batches.csv")
    }
    for measure in PromotedMeasure.objects.select_related("batch"):
        assert measure.title == titles[(measure.batch.number, measure.position)]
    empty: dict[int, int] = defaultdict(int)
    for (number, _index), title in titles.items():
        empty[number] += title == ""
    assert PromotedMeasure.objects.filter(batch__number=2, title="").count() == empty[2] > 0
    assert PromotedMeasure.objects.filter(batch__number=3, title="").count() == empty[3] > 0


# The public pages ----------------------------------------------------------------------------


def test_anybody_reads_the_list_of_published_batches_but_not_a_draft(batches, users):
    draft = draft_batch(users["national"])
    response = anonymous().get(reverse("promotion:batches"))
    assert response.status_code == 200
    page = response.content.decode()
    for number in DOC_NUMBERS.values():
        assert number in page
    assert "batch 4" not in page
    assert [b.number for b in response.context["page"].object_list] == [1, 2, 3]
    row = response.context["page"].object_list[1]
    assert (row.slot_count, row.titles_known) == (23, 23 - row.measures.filter(title="").count())
    # A province's coordinator does not see the draft either; the national level does.
    sichuan = english(client_for(users["sichuan"]))
    listed = sichuan.get(reverse("promotion:batches")).context["page"].object_list
    assert draft.pk not in [b.pk for b in listed]
    national = english(client_for(users["national"]))
    response = national.get(reverse("promotion:batches"))
    assert draft.pk in [b.pk for b in response.context["page"].object_list]
    assert response.context["draft"] == draft
    for client in (anonymous(), sichuan):
        assert client.get(reverse("promotion:batch", args=[draft.pk])).status_code == 404
        measure = draft.measures.get()
        assert client.get(reverse("promotion:measure", args=[measure.pk])).status_code == 404
        assert client.get(reverse("promotion:batch_xlsx", args=[draft.pk])).status_code == 404
    assert national.get(reverse("promotion:batch", args=[draft.pk])).status_code == 200


def test_what_the_sources_do_not_give_is_said_not_invented(batches):
    """Batch 2: no title for the notice, none for slots 17–23 — shown as not stated."""
    response = anonymous().get(reverse("promotion:batch", args=[batches[2].pk]), {"known": "no"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not stated in the sources" in page  # the notice's title and dates
    missing = list(batches[2].measures.filter(title="").order_by("position"))
    assert missing
    for measure in missing:
        assert f"Title not seen in the sources (measure {measure.position})" in page
    assert [m.pk for m in response.context["page"].object_list] == [m.pk for m in missing]
    with translation.override("en"):
        known = anonymous().get(reverse("promotion:batch", args=[batches[2].pk]), {"known": "yes"})
    assert all(m.title for m in known.context["page"].object_list)


def test_the_measures_are_filtered_by_field_scope_and_searched(batches):
    batch = batches[1]
    url = reverse("promotion:batch", args=[batch.pk])
    field = batch.measures.exclude(field="").order_by("position").first().field
    response = anonymous().get(url, {"field": field})
    listed = response.context["page"].object_list
    assert listed and all(m.field == field for m in listed)
    assert len(listed) == batch.measures.filter(field=field).count()
    response = anonymous().get(url, {"scope": PromotedMeasure.Scope.NATIONWIDE})
    assert {m.scope for m in response.context["page"].object_list} == {"nationwide"}
    response = anonymous().get(url, {"q": "一站式投融资"})
    assert [m.position for m in response.context["page"].object_list] == [2]


def test_a_measure_page_gives_its_origin_and_source(batches):
    measure = batches[1].measures.get(position=2)
    response = anonymous().get(reverse("promotion:measure", args=[measure.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert measure.title in page
    assert "盈创动力" in page  # the origin, as the operator claims it
    assert "zs.feibaos.com" in page  # its source
    unknown = batches[3].measures.filter(title="").first()
    response = anonymous().get(reverse("promotion:measure", args=[unknown.pk]))
    assert (
        f"Title not seen in the sources (measure {unknown.position})" in response.content.decode()
    )
    assert "Not stated in the sources" in response.content.decode()
    assert anonymous().get(reverse("promotion:measure", args=[999999])).status_code == 404


def test_a_batch_exports_its_measures_to_excel(batches):
    batch = batches[2]
    response = anonymous().get(reverse("promotion:batch_xlsx", args=[batch.pk]))
    assert response.status_code == 200
    assert "batch-2-measures-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "No."
    assert len(rows) == 1 + 23
    assert [r[0] for r in rows[1:]] == list(range(1, 24))
    blank = [r for r in rows[1:] if r[2] == "Title not seen in the sources"]
    assert len(blank) == batch.measures.filter(title="").count()
    # The filters apply to the export too.
    response = anonymous().get(reverse("promotion:batch_xlsx", args=[batch.pk]), {"known": "yes"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    assert sheet.max_row == 1 + batch.measures.exclude(title="").count()


def test_links_to_guidance_and_seminars_for_those_who_may_open_them(batches, users):
    """The batch links to its guidance and seminars for those who may open them."""
    assert related_links(AnonymousUser(), batches[1]) == []
    assert len(related_links(users["sichuan"], batches[1])) == 2
    for _label, url in related_links(users["sichuan"], batches[1]):
        assert url.startswith("/promotion/") and url.endswith(f"batch={batches[1].pk}")
    response = client_for(users["sichuan"]).get(reverse("promotion:batch", args=[batches[1].pk]))
    for _label, url in response.context["links"]:
        assert client_for(users["sichuan"]).get(url).status_code == 200
    assert related_links(users["national"], draft_batch(users["national"])) == []


# Bounded queries -----------------------------------------------------------------------------


def test_the_list_and_the_batch_page_cost_the_same_whatever_the_data(
    batches, users, django_assert_max_num_queries
):
    national = make_user("nat2", Role.NATIONAL)
    client = client_for(national)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("promotion:batches")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("promotion:batch", args=[batches[2].pk])).status_code == 200
    # More batches and measures: the same bound.
    for number in range(5, 25):
        batch = PromotionBatch.objects.create(
            number=number, doc_number=f"国办发〔2030〕{number}号", measure_count=30
        )
        PromotedMeasure.objects.bulk_create(
            PromotedMeasure(batch=batch, position=i, title=f"举措{i}", field="领域")
            for i in range(1, 31)
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("promotion:batches")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("promotion:batch", args=[batch.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        assert anonymous().get(reverse("promotion:batch", args=[batch.pk])).status_code == 200
