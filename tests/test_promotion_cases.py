"""The case library of replicable reform cases (可复制推广的改革案例): the national level writes a
case (from a confirmed outcome when it starts from one), changes it while a draft and publishes
it after a confirmation page; a published case is public — anybody, signed in or not, lists
and reads it — and a draft is the national level's alone (404 for anybody else). The issue:
"A case library of 可复制推广的改革案例, public where the national level publishes them"."""

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from audit.models import AuditEntry
from evaluation.models import Outcome, Recommendation
from kernel.errors import Forbidden
from promotion.models import PromotedMeasure, PromotionBatch, ReformCase
from promotion.reference import load_promotion
from promotion.services import cases as services
from promotion.services.records import PromotionError
from proposals.models import ReformField
from regions.models import Division
from tests.conftest import client_for, make_user

FIELD = "促进技术要素市场体系建设"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def reference(db):
    load_promotion()


def english(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def anonymous() -> Client:
    return english(Client())


def division(code: str) -> Division:
    return Division.objects.get(code=code)


def case_data(**overrides) -> services.CaseData:
    values: dict[str, Any] = {
        "title": "成都：技术经理人全程参与成果转化",
        "division": division("510100"),
        "field": FIELD,
        "summary": "技术经理人全程参与",
        "body": "成都市培育技术经理人队伍……",
    }
    values.update(overrides)
    return services.CaseData(**values)


def published(national, **overrides) -> ReformCase:
    case = services.case_create(by=national, data=case_data(**overrides))
    return services.case_publish(by=national, case=case)


def form(**overrides) -> dict:
    values = {
        "title": "成都：技术经理人全程参与成果转化",
        "division": str(division("510100").pk),
        "field": FIELD,
        "summary": "技术经理人全程参与",
        "body": "成都市培育技术经理人队伍……",
        "measure": "",
        "outcome": "",
        "source": "",
    }
    values.update(overrides)
    return values


# Writing and publishing ----------------------------------------------------------------------


def test_the_national_level_writes_and_publishes_a_case(reference, users):
    client = english(client_for(users["national"]))
    assert client.get(reverse("promotion:case_new")).status_code == 200
    # A rejected form keeps what was typed.
    response = client.post(reverse("promotion:case_new"), form(body=""))
    assert response.status_code == 200
    assert "成都：技术经理人全程参与成果转化" in response.content.decode()
    measure = PromotedMeasure.objects.get(batch__number=1, position=2)
    response = client.post(reverse("promotion:case_new"), form(measure=str(measure.pk)))
    case = ReformCase.objects.get()
    assert response["Location"] == reverse("promotion:case", args=[case.pk])
    assert (case.state, case.measure, case.created_by) == ("draft", measure, users["national"])
    assert AuditEntry.objects.filter(action="case.created", object_id=str(case.pk)).exists()
    edit = reverse("promotion:case_edit", args=[case.pk])
    assert client.post(edit, form(title="成都案例（修订）")).status_code == 302
    publish = reverse("promotion:case_publish", args=[case.pk])
    page = client.get(publish)
    assert page.status_code == 200 and "Anyone, signed in or not" in page.content.decode()
    assert client.post(publish)["Location"] == reverse("promotion:case", args=[case.pk])
    case.refresh_from_db()
    assert (case.title, case.state) == ("成都案例（修订）", "published")
    assert case.published_at is not None
    # Published: fixed.
    assert client.get(edit)["Location"] == reverse("promotion:case", args=[case.pk])
    with pytest.raises(PromotionError, match="can no longer be changed"):
        services.case_update(by=users["national"], case=case, data=case_data())
    with pytest.raises(PromotionError, match="can no longer be changed"):
        services.case_publish(by=users["national"], case=case)


def test_a_case_starts_from_a_confirmed_outcome(reference, users):
    national = users["national"]
    outcome = Outcome.objects.create(
        title="技术经理人制度",
        field=ReformField.objects.get(name=FIELD),
        summary="技术经理人全程参与成果转化",
        institutional_change="出台技术经理人管理办法",
        evidence="评估得分88",
        origin="四川省",
        recommended_scope=Recommendation.NATIONWIDE,
        state=Outcome.State.CONFIRMED,
        confirmed_at=timezone.now(),
        created_by=national,
    )
    client = english(client_for(national))
    response = client.get(reverse("promotion:case_new"), {"outcome": outcome.pk})
    initial = response.context["form"].initial
    assert initial["title"] == "技术经理人制度"
    assert initial["field"] == FIELD
    assert initial["summary"] == "技术经理人全程参与成果转化"
    assert initial["body"] == "出台技术经理人管理办法\n\n评估得分88"
    assert initial["outcome"] == outcome.pk
    # A draft outcome is not a case's basis.
    Outcome.objects.filter(pk=outcome.pk).update(state=Outcome.State.DRAFT)
    with pytest.raises(PromotionError, match="confirmed for promotion"):
        services.case_create(by=national, data=case_data(outcome=Outcome.objects.get()))


def test_a_case_illustrates_a_measure_of_a_published_batch_only(reference, users):
    national = users["national"]
    draft = PromotionBatch.objects.create(
        number=4, state=PromotionBatch.State.DRAFT, measure_count=1, created_by=national
    )
    measure = PromotedMeasure.objects.create(batch=draft, position=1, title="草拟", field="f")
    with pytest.raises(PromotionError, match="published batch"):
        services.case_create(by=national, data=case_data(measure=measure))
    with pytest.raises(PromotionError, match="title"):
        services.case_create(by=national, data=case_data(title="  "))


def test_only_the_national_level_writes_cases(reference, users):
    """A province, a prefecture, a park and the public may read published cases, not write."""
    park = make_user("park", Role.PARK, park=division_park())
    case = services.case_create(by=users["national"], data=case_data())
    for user in (users["sichuan"], users["city"], users["implementer"], users["public"], park):
        with pytest.raises(Forbidden):
            services.case_create(by=user, data=case_data())
        with pytest.raises(Forbidden):
            services.case_publish(by=user, case=case)
        client = client_for(user)
        assert client.get(reverse("promotion:case_new")).status_code == 403
        assert client.post(reverse("promotion:case_new"), form()).status_code == 403
    assert ReformCase.objects.count() == 1
    assert Client().get(reverse("promotion:case_new")).status_code == 302  # to sign in


def division_park():
    from regions.models import Park

    return Park.objects.order_by("pk").first()


# Reading -------------------------------------------------------------------------------------


def test_anybody_reads_published_cases_and_nobody_but_the_national_level_a_draft(reference, users):
    national = users["national"]
    public = published(national)
    draft = services.case_create(by=national, data=case_data(title="尚未发布的案例"))
    response = anonymous().get(reverse("promotion:cases"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [public.pk]
    assert "尚未发布的案例" not in response.content.decode()
    assert anonymous().get(reverse("promotion:case", args=[public.pk])).status_code == 200
    for client in (anonymous(), client_for(users["sichuan"]), client_for(users["city"])):
        assert client.get(reverse("promotion:case", args=[draft.pk])).status_code == 404
        assert client.get(reverse("promotion:case_edit", args=[draft.pk])).status_code in (
            302,  # anonymous: to sign in first
            404,
        )
        assert client.post(reverse("promotion:case_publish", args=[draft.pk])).status_code in (
            302,
            404,
        )
    assert ReformCase.objects.get(pk=draft.pk).state == "draft"
    # A signed-in non-national user reaching a published case's edit page: seen, refused.
    sichuan = client_for(users["sichuan"])
    assert sichuan.get(reverse("promotion:case_edit", args=[public.pk])).status_code == 403
    national_list = client_for(national).get(reverse("promotion:cases"))
    assert {c.pk for c in national_list.context["page"].object_list} == {public.pk, draft.pk}


def test_cases_are_searched_filtered_and_exported(reference, users):
    national = users["national"]
    measure = PromotedMeasure.objects.get(batch__number=1, position=2)
    chengdu = published(national, measure=measure)
    shenzhen = published(
        national,
        title="深圳：专利快速审查",
        division=division("440300"),
        field="科技金融创新",
        body="深圳市……",
    )
    url = reverse("promotion:cases")
    by = {
        "field": ("科技金融创新", [shenzhen]),
        "province": (str(division("510000").pk), [chengdu]),
        "measure": (str(measure.pk), [chengdu]),
        "q": ("专利快速", [shenzhen]),
    }
    for name, (value, expected) in by.items():
        listed = anonymous().get(url, {name: value}).context["page"].object_list
        assert [c.pk for c in listed] == [c.pk for c in expected], name
    response = anonymous().get(reverse("promotion:cases_xlsx"), {"province": division("440000").pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:3] == ("No.", "Title", "Where")
    assert [r[1] for r in rows[1:]] == ["深圳：专利快速审查"]
    assert rows[1][2] == "广东省 · 深圳市"
    # A draft is not exported to anybody but the national level.
    services.case_create(by=national, data=case_data(title="草稿案例"))
    response = anonymous().get(reverse("promotion:cases_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    assert "草稿案例" not in [r[1] for r in sheet.iter_rows(values_only=True)]


def test_the_case_list_is_paginated_and_costs_the_same_whatever_the_data(
    reference, users, settings, django_assert_max_num_queries
):
    national = users["national"]
    measure = PromotedMeasure.objects.get(batch__number=1, position=2)
    for i in range(3):
        published(national, title=f"案例{i}", measure=measure)
    with django_assert_max_num_queries(10):
        assert anonymous().get(reverse("promotion:cases")).status_code == 200
    for i in range(settings.PAGE_SIZE + 5):
        published(national, title=f"更多案例{i}", division=division("440300"), measure=measure)
    with django_assert_max_num_queries(10):
        response = anonymous().get(reverse("promotion:cases"))
    assert len(response.context["page"].object_list) == settings.PAGE_SIZE
    assert response.context["page"].paginator.num_pages == 2
    client = client_for(make_user("nat2", Role.NATIONAL))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("promotion:cases")).status_code == 200
