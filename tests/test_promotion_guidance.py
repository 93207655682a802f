"""Guidance and training (解决地方"推什么""怎么推"): 政策宣讲, 办班培训, 操作指南（指引） and
专题辅导 recorded against a batch (and possibly a measure) at the level that gave it; read by every
official, changed only by its own level.

Source 000: "通过政策宣讲团、办班培训、出台操作指南（指引）、重点对象专题辅导等方式，解决地方
'推什么'和'怎么推'的认识问题" (000文), at each of the four levels (国家、省、市、区（县）).
"""

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from audit.models import AuditEntry
from kernel.errors import Forbidden
from promotion.models import GuidanceActivity, PromotionBatch
from promotion.reference import load_promotion
from promotion.services.guidance import GuidanceData, guidance_record
from promotion.services.records import PromotionError
from regions.models import Division, Park
from tests.conftest import client_for, make_user

PDF = b"%PDF-1.4\n% a test guide\n%%EOF\n"


@pytest.fixture
def batches(db) -> dict[int, PromotionBatch]:
    load_promotion()
    return {b.number: b for b in PromotionBatch.objects.all()}


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def data(batch: PromotionBatch, **overrides: Any) -> GuidanceData:
    values: dict[str, Any] = {
        "kind": GuidanceActivity.Kind.BRIEFING,
        "title": "第三批改革举措政策宣讲",
        "batch": batch,
        "held_on": datetime.date(2020, 3, 1),
        "audience": "省直部门",
        "attendance": 120,
    }
    values.update(overrides)
    return GuidanceData(**values)


def form(batch: PromotionBatch, **overrides) -> dict:
    values = {
        "kind": "guide",
        "title": "操作指南",
        "batch": batch.pk,
        "held_on": "2020-04-01",
        "audience": "市县发展改革部门",
        "attendance": "45",
        "note": "",
    }
    values.update(overrides)
    return values


# Who records at which level -----------------------------------------------------------------


def test_the_national_level_records_national_activities_with_a_guide(batches, users, media_root):
    client = client_for(users["national"])
    measure = batches[3].measures.get(position=1)
    upload = SimpleUploadedFile("操作指南.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("promotion:guidance_new"),
        form(batches[3], measure=measure.pk, document=upload),
    )
    assert response.status_code == 302
    activity = GuidanceActivity.objects.get()
    assert (activity.level, activity.division, activity.measure) == (None, None, measure)
    assert activity.kind == GuidanceActivity.Kind.GUIDE and activity.attendance == 45
    assert activity.document_name == "操作指南.pdf"
    assert AuditEntry.objects.filter(action="guidance.recorded").count() == 1
    # Downloaded through the view, by any official.
    download = client_for(users["city"]).get(
        reverse("promotion:guidance_document", args=[activity.pk])
    )
    assert download.status_code == 200
    assert isinstance(download, FileResponse)
    assert b"".join(download.streaming_content) == PDF


def test_a_province_records_for_itself_or_a_division_in_it(batches, users):
    sichuan = users["sichuan"]
    own = guidance_record(by=sichuan, data=data(batches[3], division=division("510000")))
    assert own.division is not None
    assert (own.level, own.division.code) == (1, "510000")
    chengdu = guidance_record(by=sichuan, data=data(batches[3], division=division("510100")))
    assert chengdu.level == 2
    with pytest.raises(PromotionError):
        guidance_record(by=sichuan, data=data(batches[3], division=division("440100")))
    with pytest.raises(PromotionError):
        guidance_record(by=sichuan, data=data(batches[3]))  # national: not a province's
    # Through the page, the refused division is not even offered.
    response = client_for(sichuan).post(
        reverse("promotion:guidance_new"), form(batches[3], division=division("440100").pk)
    )
    assert response.status_code == 200
    assert "操作指南" in response.content.decode()  # what was typed is kept
    assert GuidanceActivity.objects.count() == 2


def test_a_city_records_for_its_own_division_only(batches, users):
    city = users["city"]  # 成都市 (510100)
    activity = guidance_record(by=city, data=data(batches[1]))
    assert activity.division is not None
    assert (activity.level, activity.division.code) == (2, "510100")
    with pytest.raises(PromotionError):
        guidance_record(by=city, data=data(batches[1], division=division("510000")))
    county = make_user("wuhou", Role.CITY, division=division("510107"))
    response = client_for(county).post(reverse("promotion:guidance_new"), form(batches[1]))
    assert response.status_code == 302
    assert GuidanceActivity.objects.get(division__code="510107").level == 3


def test_the_date_cannot_be_in_the_future_and_the_measure_is_the_batchs(batches, users):
    national = users["national"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(PromotionError):
        guidance_record(by=national, data=data(batches[3], held_on=tomorrow))
    with pytest.raises(PromotionError):
        guidance_record(
            by=national, data=data(batches[3], measure=batches[1].measures.get(position=1))
        )
    with translation.override("en"):
        response = client_for(national).post(
            reverse("promotion:guidance_new"),
            form(batches[3], held_on=tomorrow.isoformat()),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert not GuidanceActivity.objects.exists()


def test_a_file_of_the_wrong_type_is_refused(batches, users, media_root):
    upload = SimpleUploadedFile("guide.pdf", b"not a pdf at all")
    response = client_for(users["national"]).post(
        reverse("promotion:guidance_new"), form(batches[3], document=upload)
    )
    assert response.status_code == 200
    assert not GuidanceActivity.objects.exists()
    assert not list(Path(media_root).rglob("*.pdf"))


# Each level edits its own -------------------------------------------------------------------


def test_each_level_edits_only_its_own_records(batches, users, media_root):
    national = guidance_record(by=users["national"], data=data(batches[3]))
    province = guidance_record(
        by=users["sichuan"], data=data(batches[3], division=division("510000"))
    )
    city = guidance_record(by=users["city"], data=data(batches[3]))
    edit = "promotion:guidance_edit"
    assert client_for(users["national"]).get(reverse(edit, args=[province.pk])).status_code == 403
    assert client_for(users["sichuan"]).get(reverse(edit, args=[national.pk])).status_code == 403
    assert client_for(users["guangdong"]).get(reverse(edit, args=[province.pk])).status_code == 403
    assert client_for(users["city"]).get(reverse(edit, args=[province.pk])).status_code == 403
    # A province's territory includes its cities' records.
    assert client_for(users["sichuan"]).get(reverse(edit, args=[city.pk])).status_code == 200
    response = client_for(users["city"]).post(
        reverse(edit, args=[city.pk]), form(batches[3], title="成都市专题辅导", kind="coaching")
    )
    assert response.status_code == 302
    city.refresh_from_db()
    assert city.division is not None
    assert (city.title, city.kind, city.division.code) == ("成都市专题辅导", "coaching", "510100")
    assert AuditEntry.objects.filter(action="guidance.changed").count() == 1
    # Others read it but see no edit link.
    page = client_for(users["guangdong"]).get(reverse("promotion:guidance_page", args=[city.pk]))
    assert page.status_code == 200 and page.context["can_edit"] is False


def test_removing_asks_first_and_deletes_the_file(
    batches, users, media_root, django_capture_on_commit_callbacks
):
    client = client_for(users["national"])
    upload = SimpleUploadedFile("guide.pdf", PDF)
    client.post(reverse("promotion:guidance_new"), form(batches[3], document=upload))
    activity = GuidanceActivity.objects.get()
    path = Path(activity.document.path)
    assert path.exists()
    url = reverse("promotion:guidance_remove", args=[activity.pk])
    assert client.get(url).status_code == 200
    assert GuidanceActivity.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert not GuidanceActivity.objects.exists()
    assert not path.exists()
    assert AuditEntry.objects.filter(action="guidance.removed").count() == 1


def test_a_new_document_replaces_the_old_one(
    batches, users, media_root, django_capture_on_commit_callbacks
):
    national = users["national"]
    client = client_for(national)
    client.post(
        reverse("promotion:guidance_new"),
        form(batches[3], document=SimpleUploadedFile("a.pdf", PDF)),
    )
    activity = GuidanceActivity.objects.get()
    old = Path(activity.document.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("promotion:guidance_edit", args=[activity.pk]),
            form(batches[3], document=SimpleUploadedFile("b.pdf", PDF)),
        )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.document_name == "b.pdf"
    assert not old.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("promotion:guidance_edit", args=[activity.pk]),
            form(batches[3], remove_document="on"),
        )
    activity.refresh_from_db()
    assert not activity.document and activity.document_name == ""


# Who sees them ------------------------------------------------------------------------------


def test_an_implementer_and_the_public_cannot_see_guidance(batches, users, media_root):
    client = client_for(users["national"])
    client.post(
        reverse("promotion:guidance_new"),
        form(batches[3], document=SimpleUploadedFile("g.pdf", PDF)),
    )
    activity = GuidanceActivity.objects.get()
    for name in ("implementer", "expert", "innovator", "evaluator", "public"):
        other = client_for(users[name])
        assert other.get(reverse("promotion:guidance")).status_code == 403, name
        assert other.get(reverse("promotion:guidance_xlsx")).status_code == 403, name
        assert other.get(reverse("promotion:guidance_page", args=[activity.pk])).status_code == 403
        url = reverse("promotion:guidance_document", args=[activity.pk])
        assert other.get(url).status_code == 403
        assert other.get(reverse("promotion:guidance_new")).status_code == 403
    with pytest.raises(Forbidden):
        guidance_record(by=users["implementer"], data=data(batches[3]))
    anonymous = Client().get(reverse("promotion:guidance"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert (
        Client().get(reverse("promotion:guidance_document", args=[activity.pk])).status_code == 302
    )


def test_a_park_reads_but_does_not_record(batches, users):
    park = make_user("park", Role.PARK, park=Park.objects.order_by("code").first())
    guidance_record(by=users["national"], data=data(batches[3]))
    client = client_for(park)
    response = client.get(reverse("promotion:guidance"))
    assert response.status_code == 200 and len(response.context["page"].object_list) == 1
    assert client.get(reverse("promotion:guidance_new")).status_code == 403
    with pytest.raises(Forbidden):
        guidance_record(by=park, data=data(batches[3]))


# The list -----------------------------------------------------------------------------------


def _world(batches, users) -> dict[str, GuidanceActivity]:
    return {
        "national": guidance_record(
            by=users["national"], data=data(batches[3], title="全国政策宣讲")
        ),
        "sichuan": guidance_record(
            by=users["sichuan"],
            data=data(
                batches[3],
                title="四川办班培训",
                kind="training",
                division=division("510000"),
                measure=batches[3].measures.get(position=2),
            ),
        ),
        "chengdu": guidance_record(
            by=users["city"], data=data(batches[1], title="成都专题辅导", kind="coaching")
        ),
        "guangdong": guidance_record(
            by=users["guangdong"],
            data=data(batches[1], title="广东操作指南", kind="guide", division=division("440100")),
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["national", "sichuan", "chengdu", "guangdong"]),
        ({"level": "national"}, ["national"]),
        ({"level": "1"}, ["sichuan"]),
        ({"level": "2"}, ["chengdu", "guangdong"]),
        ({"province": "510000"}, ["sichuan", "chengdu"]),
        ({"kind": "guide"}, ["guangdong"]),
        ({"batch": 1}, ["chengdu", "guangdong"]),
        ({"q": "成都"}, ["chengdu"]),
        ({"measure": (3, 2)}, ["sichuan"]),
    ],
)
def test_the_list_filters(batches, users, params, expected):
    world = _world(batches, users)
    query = dict(params)
    if "province" in query:
        query["province"] = division(query["province"]).pk
    if "batch" in query:
        query["batch"] = batches[query["batch"]].pk
    if "measure" in query:
        number, position = query["measure"]
        query["measure"] = batches[number].measures.get(position=position).pk
    response = client_for(users["guangdong"]).get(reverse("promotion:guidance"), query)
    assert response.status_code == 200
    found = {a.pk for a in response.context["page"].object_list}
    assert found == {world[name].pk for name in expected}


def test_the_list_exports_to_excel(batches, users):
    _world(batches, users)
    response = client_for(users["sichuan"]).get(
        reverse("promotion:guidance_xlsx"), {"province": division("510000").pk}
    )
    assert response.status_code == 200
    assert "guidance-" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert {row[2] for row in rows[1:]} == {"四川办班培训", "成都专题辅导"}
    assert {row[6] for row in rows[1:]} == {"四川省", "成都市"}


def test_the_list_queries_are_bounded(batches, users, django_assert_max_num_queries):
    _world(batches, users)
    client = client_for(users["sichuan"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("promotion:guidance")).status_code == 200
    for i in range(25):
        guidance_record(
            by=users["city"],
            data=data(batches[3], title=f"辅导{i}", measure=batches[3].measures.get(position=3)),
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("promotion:guidance")).status_code == 200


def test_the_same_activity_is_not_recorded_twice(batches, users):
    guidance_record(by=users["national"], data=data(batches[3]))
    with pytest.raises(PromotionError):
        guidance_record(by=users["national"], data=data(batches[3]))
    # The same title at another level is another activity.
    guidance_record(by=users["sichuan"], data=data(batches[3], division=division("510000")))
    assert GuidanceActivity.objects.count() == 2
