"""A new batch from confirmed outcomes — the loop from proposal to national promotion (484号
§三(四): "总结凝练为可复制推广的改革成果，推动其在更大范围内实施推广"): the national level starts a
draft with the next number, adds confirmed outcomes as prefilled measures, edits or removes
them, publishes with the notice's number, title and date (confirmation page), and publishing
freezes the batch and tells the provinces and the localities behind the outcomes. The notice
is drafted for submission (代拟稿) as .docx; the platform does not issue it."""

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document

from accounts.models import Role
from audit.models import AuditEntry
from claims.models import Claimant
from evaluation.models import Outcome, Recommendation
from kernel.errors import Forbidden
from notifications.models import Notification
from promotion.documents import ADDRESSEES, ISSUER
from promotion.models import PromotedMeasure, PromotionBatch
from promotion.reference import load_promotion
from promotion.selectors.batches import confirmed_outcomes
from promotion.services import batches as services
from promotion.services.records import PromotionError
from proposals.models import ReformField
from regions.models import RegionGroup
from tasks.models import Task
from tests.conftest import client_for, make_user
from tests.test_tasks_fixtures import task_world

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


def confirmed(national, title: str, scope: str = Recommendation.NATIONWIDE, **extra) -> Outcome:
    values = {
        "field": ReformField.objects.get(name=FIELD),
        "summary": f"{title}的概述",
        "institutional_change": f"{title}的制度创新",
        "origin": "四川省（四川省科学技术厅）",
        "recommended_scope": scope,
        "state": Outcome.State.CONFIRMED,
        "confirmed_at": timezone.now(),
        "created_by": national,
    }
    values.update(extra)
    return Outcome.objects.create(title=title, **values)


def notice(**overrides) -> services.NoticeData:
    values: dict[str, Any] = {
        "doc_number": "国办发〔2027〕5号",
        "title": "国务院办公厅关于推广第四批支持创新相关改革举措的通知",
        "issued_on": datetime.date(2027, 3, 1),
    }
    values.update(overrides)
    return services.NoticeData(**values)


# The services --------------------------------------------------------------------------------


def test_the_national_level_alone_drafts_a_batch(reference, users):
    for name in ("sichuan", "city", "region", "implementer", "public"):
        with pytest.raises(Forbidden):
            services.batch_start(by=users[name])
    assert not PromotionBatch.objects.filter(state=PromotionBatch.State.DRAFT).exists()
    batch = services.batch_start(by=users["national"])
    outcome = confirmed(users["national"], "技术经理人制度")
    with pytest.raises(Forbidden):
        services.batch_add_outcomes(by=users["sichuan"], batch=batch, outcomes=[outcome])
    with pytest.raises(Forbidden):
        services.batch_publish(by=users["sichuan"], batch=batch, data=notice())


def test_a_draft_takes_the_next_number_and_one_is_drafted_at_a_time(reference, users):
    """The three real batches are 1–3, so the first drafted on the platform is the 4th; a
    second draft waits for the first (the platform's rule: numbers without gaps)."""
    batch = services.batch_start(by=users["national"])
    assert (batch.number, batch.state, batch.doc_number) == (4, "draft", "")
    assert AuditEntry.objects.filter(action="batch.started", object_id=str(batch.pk)).exists()
    with pytest.raises(PromotionError, match="already being drafted"):
        services.batch_start(by=users["national"])
    services.batch_discard(by=users["national"], batch=batch)
    assert services.batch_start(by=users["national"]).number == 4


def test_confirmed_outcomes_become_measures_prefilled_from_them(reference, users):
    national = users["national"]
    batch = services.batch_start(by=national)
    shanghai_region = RegionGroup.objects.get(
        kind=RegionGroup.Kind.EXPERIMENT_REGION, divisions__code="310000"
    )
    w = task_world(users)
    # The task's claimant is the Shanghai experiment region's own division: it is its origin.
    Claimant.objects.filter(pk=w.sichuan.pk).update(division=shanghai_region.divisions.get())
    first = confirmed(national, "技术经理人制度")
    first.tasks.add(w.task)
    second = confirmed(national, "专利导航决策", Recommendation.EXPERIMENT_REGIONS)
    draft = confirmed(national, "尚在凝练", state=Outcome.State.DRAFT, confirmed_at=None)

    with pytest.raises(PromotionError, match="confirmed for promotion"):
        services.batch_add_outcomes(by=national, batch=batch, outcomes=[draft])
    with pytest.raises(PromotionError, match="at least one"):
        services.batch_add_outcomes(by=national, batch=batch, outcomes=[])
    made = services.batch_add_outcomes(by=national, batch=batch, outcomes=[second, first])
    by_outcome = {m.outcome_id: m for m in made}
    measure = by_outcome[first.pk]
    assert measure.title == "技术经理人制度"
    assert measure.field == FIELD
    assert measure.text == "技术经理人制度的概述\n\n技术经理人制度的制度创新"
    assert measure.origin == first.origin
    assert measure.scope == PromotedMeasure.Scope.NATIONWIDE
    assert list(measure.origin_regions.all()) == [shanghai_region]
    other = by_outcome[second.pk]
    assert other.scope == PromotedMeasure.Scope.REGIONS
    assert list(other.origin_regions.all()) == []  # no task says where it came from
    assert sorted(m.position for m in made) == [1, 2]
    batch.refresh_from_db()
    assert batch.measure_count == 2
    with pytest.raises(PromotionError, match="Already in this batch"):
        services.batch_add_outcomes(by=national, batch=batch, outcomes=[first])
    flagged = {o.pk: getattr(o, "promoted") for o in confirmed_outcomes({})}  # noqa: B009
    assert flagged == {first.pk: True, second.pk: True}
    assert [o.pk for o in confirmed_outcomes({"promoted": "no"})] == []


def test_measures_are_edited_and_removed_while_the_batch_is_a_draft(reference, users):
    national = users["national"]
    batch = services.batch_start(by=national)
    outcomes = [confirmed(national, f"成果{i}") for i in range(1, 4)]
    services.batch_add_outcomes(by=national, batch=batch, outcomes=outcomes)
    measure = batch.measures.get(position=2)
    data = services.MeasureData(
        title="改写后的标题", field="科技金融创新", text="正文", scope="8_regions", origin="上海"
    )
    services.measure_update(by=national, measure=measure, data=data)
    measure.refresh_from_db()
    assert (measure.title, measure.field, measure.scope, measure.origin) == (
        "改写后的标题",
        "科技金融创新",
        "8_regions",
        "上海",
    )
    with pytest.raises(PromotionError, match="where the measure applies"):
        services.measure_update(
            by=national, measure=measure, data=services.MeasureData("t", "f", "x", "unverified", "")
        )
    with pytest.raises(PromotionError, match="title"):
        services.measure_update(
            by=national, measure=measure, data=services.MeasureData(" ", "f", "x", "nationwide", "")
        )
    first = batch.measures.get(position=1)
    services.measure_remove(by=national, measure=first)
    assert list(batch.measures.order_by("position").values_list("position", "title")) == [
        (1, "改写后的标题"),
        (2, "成果3"),
    ]
    batch.refresh_from_db()
    assert batch.measure_count == 2


def test_publishing_needs_a_unique_number_and_freezes_the_batch(reference, users):
    national = users["national"]
    batch = services.batch_start(by=national)
    with pytest.raises(PromotionError, match="at least one measure"):
        services.batch_publish(by=national, batch=batch, data=notice())
    outcome = confirmed(national, "技术经理人制度")
    services.batch_add_outcomes(by=national, batch=batch, outcomes=[outcome])
    with pytest.raises(PromotionError, match="already used"):
        services.batch_publish(
            by=national, batch=batch, data=notice(doc_number="国办发〔2017〕80号")
        )
    with pytest.raises(PromotionError, match="date of issue"):
        services.batch_publish(by=national, batch=batch, data=notice(issued_on=None))
    published = services.batch_publish(by=national, batch=batch, data=notice())
    assert published.state == PromotionBatch.State.PUBLISHED
    assert published.doc_number == "国办发〔2027〕5号"
    assert published.published_at is not None and published.published_on is not None
    measure = batch.measures.get()
    frozen = "published and can no longer be changed"
    with pytest.raises(PromotionError, match=frozen):
        services.batch_add_outcomes(
            by=national, batch=batch, outcomes=[confirmed(national, "又一项")]
        )
    with pytest.raises(PromotionError, match=frozen):
        services.measure_update(
            by=national,
            measure=measure,
            data=services.MeasureData("新", "领域", "正文", "nationwide", ""),
        )
    with pytest.raises(PromotionError, match=frozen):
        services.measure_remove(by=national, measure=measure)
    with pytest.raises(PromotionError, match=frozen):
        services.batch_publish(by=national, batch=batch, data=notice(doc_number="另一号"))
    with pytest.raises(PromotionError, match=frozen):
        services.batch_discard(by=national, batch=batch)
    assert batch.measures.get().title == "技术经理人制度"


def test_publishing_tells_the_provinces_and_the_localities_behind_the_outcomes(reference, users):
    national = users["national"]
    w = task_world(users)
    # The task is the Beijing-Tianjin-Hebei experiment region's (a group, not a province).
    region = RegionGroup.objects.get(pk=users["region"].region_group_id)
    claimant, _made = Claimant.objects.get_or_create(programme=w.programme, region_group=region)
    Task.objects.filter(pk=w.task.pk).update(claimant=claimant)
    outcome = confirmed(national, "技术经理人制度")
    outcome.tasks.add(w.task)
    batch = services.batch_start(by=national)
    services.batch_add_outcomes(by=national, batch=batch, outcomes=[outcome])
    Notification.objects.all().delete()
    services.batch_publish(by=national, batch=batch, data=notice())
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert {"sichuan", "guangdong", "region"} <= told  # the provinces, and the region behind
    assert not told & {"national", "city", "implementer", "public", "expert"}
    url = Notification.objects.filter(user=users["region"]).get().url
    assert url == reverse("promotion:batch", args=[batch.pk])


# The pages -----------------------------------------------------------------------------------


def test_the_national_level_drafts_and_publishes_through_the_pages(reference, users):
    national = english(client_for(users["national"]))
    outcome = confirmed(users["national"], "技术经理人制度")
    response = national.post(reverse("promotion:batch_start"))
    batch = PromotionBatch.objects.get(state=PromotionBatch.State.DRAFT)
    assert response["Location"] == reverse("promotion:batch_pick", args=[batch.pk])
    # Starting again leads to the draft under way.
    again = national.post(reverse("promotion:batch_start"))
    assert again["Location"] == reverse("promotion:batch", args=[batch.pk])
    page = national.get(reverse("promotion:batch_pick", args=[batch.pk]))
    assert page.status_code == 200 and outcome.title in page.content.decode()
    response = national.post(
        reverse("promotion:batch_pick", args=[batch.pk]), {"outcomes": [outcome.pk]}
    )
    assert response["Location"] == reverse("promotion:batch", args=[batch.pk])
    measure = batch.measures.get()
    # A rejected form keeps what was typed.
    edit = reverse("promotion:measure_edit", args=[measure.pk])
    response = national.post(
        edit, {"title": "新标题", "field": "", "scope": "nationwide", "text": "正文"}
    )
    assert response.status_code == 200 and "新标题" in response.content.decode()
    response = national.post(
        edit, {"title": "新标题", "field": "科技金融创新", "scope": "8_regions", "text": "正文"}
    )
    assert response.status_code == 302
    assert PromotedMeasure.objects.get(pk=measure.pk).title == "新标题"
    publish = reverse("promotion:batch_publish", args=[batch.pk])
    page = national.get(publish)
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    taken = {"doc_number": "国办发〔2018〕126号", "title": "通知", "issued_on": "2027-03-01"}
    response = national.post(publish, taken)
    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert "国办发〔2018〕126号" in response.content.decode()
    response = national.post(publish, {**taken, "doc_number": "国办发〔2027〕5号"})
    assert response["Location"] == reverse("promotion:batch", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.state == PromotionBatch.State.PUBLISHED
    # Frozen: the drafting pages lead back to the batch or the measure.
    assert national.get(publish)["Location"] == reverse("promotion:batch", args=[batch.pk])
    assert national.get(edit)["Location"] == reverse("promotion:measure", args=[measure.pk])
    response = national.post(edit, {"title": "x", "field": "y", "scope": "nationwide", "text": "z"})
    assert "can no longer be changed" in response.content.decode()
    # Public now.
    anonymous = english(Client())
    assert anonymous.get(reverse("promotion:batch", args=[batch.pk])).status_code == 200


def test_others_are_refused_the_drafting_pages(reference, users):
    national = users["national"]
    batch = services.batch_start(by=national)
    outcome = confirmed(national, "技术经理人制度")
    services.batch_add_outcomes(by=national, batch=batch, outcomes=[outcome])
    measure = batch.measures.get()
    drafting = [
        reverse("promotion:batch_pick", args=[batch.pk]),
        reverse("promotion:batch_publish", args=[batch.pk]),
        reverse("promotion:batch_discard", args=[batch.pk]),
        reverse("promotion:measure_edit", args=[measure.pk]),
        reverse("promotion:measure_remove", args=[measure.pk]),
    ]
    sichuan = client_for(users["sichuan"])
    for url in drafting:  # a draft does not exist for them
        assert sichuan.get(url).status_code == 404
        assert sichuan.post(url).status_code == 404
    assert sichuan.post(reverse("promotion:batch_start")).status_code == 403
    assert Client().post(reverse("promotion:batch_start")).status_code == 302  # to sign in
    assert sichuan.get(reverse("promotion:batch_notice", args=[batch.pk])).status_code == 403
    services.batch_publish(by=national, batch=batch, data=notice())
    for url in drafting:  # published: they see it, and may not act
        assert sichuan.get(url).status_code == 403
    assert PromotionBatch.objects.get(pk=batch.pk).measures.count() == 1


def test_removing_a_measure_and_discarding_a_draft_ask_first(reference, users):
    client = client_for(users["national"])
    national = users["national"]
    batch = services.batch_start(by=national)
    services.batch_add_outcomes(
        by=national, batch=batch, outcomes=[confirmed(national, "甲"), confirmed(national, "乙")]
    )
    measure = batch.measures.get(position=1)
    url = reverse("promotion:measure_remove", args=[measure.pk])
    assert client.get(url).status_code == 200
    assert batch.measures.count() == 2
    assert client.post(url).status_code == 302
    assert list(batch.measures.values_list("title", "position")) == [("乙", 1)]
    url = reverse("promotion:batch_discard", args=[batch.pk])
    assert client.get(url).status_code == 200
    assert client.post(url)["Location"] == reverse("promotion:batches")
    assert not PromotionBatch.objects.filter(pk=batch.pk).exists()


def test_the_notice_is_drafted_for_submission_as_docx(reference, users):
    """The platform drafts the notice (代拟稿) for the national level to submit; it names the
    addressees of the General Office's notices and groups the measures by field, each with
    where it applies; the signature and date are as the batch holds them."""
    national = users["national"]
    batch = services.batch_start(by=national)
    services.batch_add_outcomes(
        by=national,
        batch=batch,
        outcomes=[
            confirmed(national, "技术经理人制度"),
            confirmed(national, "专利导航决策", Recommendation.EXPERIMENT_REGIONS),
        ],
    )
    second = batch.measures.get(position=2)
    services.measure_update(
        by=national,
        measure=second,
        data=services.MeasureData("专利导航决策", "科技金融创新", "专利导航正文", "8_regions", ""),
    )
    client = english(client_for(national))
    url = reverse("promotion:batch_notice", args=[batch.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "batch-4-notice-draft.docx" in response["Content-Disposition"]
    lines = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    text = "\n".join(lines)
    assert lines[0] == "Draft for submission"
    assert "reform measures supporting innovation" in text  # the working title of a draft
    assert f"{ADDRESSEES}：" in lines
    assert f"一、{FIELD} (1 measures)" in lines
    assert "二、科技金融创新 (1 measures)" in lines
    assert "（一）技术经理人制度（to be promoted nationwide）" in lines
    assert "（一）专利导航决策（to be promoted in the 8 reform experiment regions）" in lines
    assert "专利导航正文" in lines
    assert lines[-1] == ISSUER  # no date yet
    services.batch_publish(by=national, batch=batch, data=notice())
    lines = [p.text for p in Document(io.BytesIO(client.get(url).content)).paragraphs]
    assert "国办发〔2027〕5号" in lines
    assert "国务院办公厅关于推广第四批支持创新相关改革举措的通知" in lines
    assert lines[-2:] == [ISSUER, "2027年3月1日"]
    assert lines[0] == "Draft for submission"  # still a draft: the platform does not issue it


def test_the_notice_of_a_real_batch_says_what_is_not_known(reference, users):
    client = english(client_for(users["national"]))
    batch = PromotionBatch.objects.get(number=2)
    response = client.get(reverse("promotion:batch_notice", args=[batch.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Title not stated (measure 23)" in text
    assert "国办发〔2018〕126号" in text


def test_the_outcome_picker_costs_the_same_whatever_the_data(
    reference, users, django_assert_max_num_queries
):
    national = users["national"]
    client = client_for(make_user("nat3", Role.NATIONAL))
    batch = services.batch_start(by=national)
    url = reverse("promotion:batch_pick", args=[batch.pk])
    outcomes = [confirmed(national, f"成果{i}") for i in range(3)]
    services.batch_add_outcomes(by=national, batch=batch, outcomes=outcomes[:1])
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    more = [confirmed(national, f"更多成果{i}") for i in range(30)]
    services.batch_add_outcomes(by=national, batch=batch, outcomes=more[:10])
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_a_measure_links_its_outcome_for_those_who_may_see_it(reference, users):
    """The measure's page names the outcome and the tasks behind it; the links go only to
    those who may open them (evaluation.rules.OUTCOMES, tasks.rules.TASKS)."""
    national = users["national"]
    w = task_world(users)
    outcome = confirmed(national, "技术经理人制度")
    outcome.tasks.add(w.task)
    batch = services.batch_start(by=national)
    services.batch_add_outcomes(by=national, batch=batch, outcomes=[outcome])
    services.batch_publish(by=national, batch=batch, data=notice())
    measure = batch.measures.get()
    url = reverse("promotion:measure", args=[measure.pk])
    outcome_url = reverse("evaluation:outcome", args=[outcome.pk])
    task_url = reverse("tasks:task", args=[w.task.pk])
    for user, sees in ((national, True), (users["sichuan"], True), (users["guangdong"], False)):
        page = client_for(user).get(url).content.decode()
        assert "技术经理人制度" in page
        assert (outcome_url in page, task_url in page) == (sees, sees), user.username
    page = Client().get(url).content.decode()
    assert "技术经理人制度" in page and outcome_url not in page and task_url not in page
