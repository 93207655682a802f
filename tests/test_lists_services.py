"""The rules of the annual list: drafting, consultation, publication, revision, and that a
published version never changes (refused by the services and by the database)."""

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEntry
from audit.selectors import entries_for
from lists.errors import ListError
from lists.models import AnnualList, Consultation, ListItem, ListVersion
from lists.selectors import ranked_candidates
from lists.services import drafting, publishing
from review.models import Assignment, Review
from tests.conftest import client_for, make_user
from tests.test_lists_fixtures import (
    build_world,
    consult,
    draft_list,
    field,
    make_candidate,
    make_cycle,
    publish,
)


@pytest.fixture
def world(users, cycle):
    return build_world(users, cycle)


D = datetime.date


def positions(version: ListVersion) -> list[tuple[int, str]]:
    return list(version.items.order_by("position").values_list("position", "title"))


def actions(obj) -> list[str]:
    return list(entries_for(obj).order_by("id").values_list("action", flat=True))


# Drafting -----------------------------------------------------------------------------------


def test_list_starts_as_an_empty_draft_once_per_cycle(users, cycle):
    national = users["national"]
    version = drafting.list_create(cycle=cycle, by=national, title=" 2099年度清单 ")
    assert (version.number, version.state, version.annual_list.title) == (
        1,
        "draft",
        "2099年度清单",
    )
    assert actions(version.annual_list) == ["list.created"]
    with pytest.raises(ListError):
        drafting.list_create(cycle=cycle, by=national, title="又一份")
    with pytest.raises(ListError):
        drafting.list_create(cycle=make_cycle(2098, national), by=national, title="  ")
    assert AnnualList.objects.count() == 1


def test_items_copy_the_candidate_and_are_grouped_by_field(users, cycle):
    national = users["national"]
    a = make_candidate(cycle, national, "甲", ministries="科技部")
    b = make_candidate(cycle, national, "乙", field=field("其他（个性化改革举措）"))
    c = make_candidate(cycle, national, "丙")
    version = draft_list(cycle, national, [a, b, c])
    # 丙 joins 甲 in its field's group; the groups keep the order of their first measure.
    assert positions(version) == [(1, "甲"), (2, "丙"), (3, "乙")]
    first = version.items.get(candidate=a)
    assert (first.content, first.field, first.ministries) == (a.content, a.field, "科技部")
    assert actions(first) == ["list.item_added"]


def test_a_candidate_is_on_a_version_once_and_only_from_its_cycle(users, cycle):
    national = users["national"]
    a = make_candidate(cycle, national, "甲")
    version = draft_list(cycle, national, [a])
    with pytest.raises(ListError):
        drafting.items_add(version=version, by=national, candidates=[a])
    other = make_candidate(make_cycle(2098, national), national, "别的周期")
    with pytest.raises(ListError):
        drafting.items_add(version=version, by=national, candidates=[other])
    with pytest.raises(ListError):
        drafting.items_add(version=version, by=national, candidates=[])
    assert version.items.count() == 1


def test_editing_an_item_leaves_the_candidate_alone(users, cycle):
    national = users["national"]
    fin = field("其他（个性化改革举措）")
    a = make_candidate(cycle, national, "甲")
    make_candidate(cycle, national, "乙")
    version = draft_list(
        cycle,
        national,
        [a, *cycle.candidates.exclude(pk=a.pk), make_candidate(cycle, national, "丙", field=fin)],
    )
    assert positions(version) == [(1, "甲"), (2, "乙"), (3, "丙")]
    item = version.items.get(candidate=a)
    drafting.item_update(
        item=item, by=national, data={"title": "甲（修改）", "content": "新内容", "field": fin}
    )
    item.refresh_from_db()
    a.refresh_from_db()
    assert (item.title, item.content, a.title) == ("甲（修改）", "新内容", "甲")
    # Its field changed: it joins 丙's group, which now comes first (甲 was first).
    assert positions(version) == [(1, "甲（修改）"), (2, "丙"), (3, "乙")]
    entry = AuditEntry.objects.get(action="list.item_updated")
    assert entry.changes["title"] == ["甲", "甲（修改）"]
    with pytest.raises(ListError):
        drafting.item_update(item=item, by=national, data={"title": " "})


def test_reorder_by_typed_numbers_keeps_fields_together(users, cycle):
    national = users["national"]
    fin = field("其他（个性化改革举措）")
    cands = [
        make_candidate(cycle, national, "甲"),
        make_candidate(cycle, national, "乙"),
        make_candidate(cycle, national, "丙", field=fin),
    ]
    version = draft_list(cycle, national, cands)
    items = {i.title: i for i in version.items.all()}
    moved = drafting.items_reorder(
        version=version, by=national, numbers={items["丙"].pk: 1, items["甲"].pk: 3}
    )
    assert positions(version) == [(1, "丙"), (2, "乙"), (3, "甲")]
    assert moved == 2  # 乙 kept its number
    # A measure put among another field's measures is pulled back to its own group.
    drafting.items_reorder(version=version, by=national, numbers={items["丙"].pk: 2})
    assert positions(version) == [(1, "乙"), (2, "甲"), (3, "丙")]


def test_remove_renumbers_and_is_recorded(users, cycle):
    national = users["national"]
    cands = [make_candidate(cycle, national, t) for t in ("甲", "乙", "丙")]
    version = draft_list(cycle, national, cands)
    drafting.item_remove(item=version.items.get(title="乙"), by=national)
    assert positions(version) == [(1, "甲"), (2, "丙")]
    entry = AuditEntry.objects.get(action="list.item_removed")
    assert entry.object_id == str(version.pk) and entry.note == "2. 乙"


def test_ranking_follows_the_submitted_reviews(users, cycle):
    national = users["national"]
    low, high, none = (make_candidate(cycle, national, t) for t in ("低分", "高分", "未评"))
    for name, candidate, score in (("e1", low, 2), ("e2", high, 5), ("e3", high, 4)):
        expert = make_user(name, "expert")
        assignment = Assignment.objects.create(
            candidate=candidate, expert=expert, source="solver", assigned_by=national
        )
        Review.objects.create(
            assignment=assignment,
            state="submitted",
            submitted_at=datetime.datetime(2099, 5, 1, tzinfo=datetime.UTC),
            recommendation="include",
            **dict.fromkeys(Review.CRITERIA, score),
        )
    ranking = ranked_candidates(cycle)
    assert [r.candidate.title for r in ranking] == ["高分", "低分", "未评"]
    assert ranking[0].overall_mean == pytest.approx(4.5)
    assert ranking[2].overall_mean is None
    # Ticked in any order, candidates are added in ranking order, and leave the ranking.
    version = drafting.list_create(cycle=cycle, by=national, title="清单")
    response = client_for(national).post(
        f"/lists/manage/versions/{version.pk}/add/", {"candidates": [none.pk, low.pk, high.pk]}
    )
    assert response.status_code == 302
    assert positions(version) == [(1, "高分"), (2, "低分"), (3, "未评")]
    assert ranked_candidates(cycle, exclude=version) == []


# Consultation -------------------------------------------------------------------------------


def test_consultations_record_who_was_asked_what_they_answered_and_what_changed(users, cycle):
    national = users["national"]
    version = draft_list(cycle, national, [make_candidate(cycle, national, "甲")])
    with pytest.raises(ListError):  # not out for opinions yet
        publishing.consultation_record(
            version=version, by=national, ministry="科技部", asked_at=D(2099, 5, 1)
        )
    publishing.version_send_for_opinions(version=version, by=national)
    with pytest.raises(ListError):
        publishing.version_send_for_opinions(version=version, by=national)
    asked = publishing.consultation_record(
        version=version, by=national, ministry="财政部", asked_at=D(2099, 5, 1)
    )
    publishing.consultation_update(
        consultation=asked,
        by=national,
        data={
            "answer": "建议明确试点范围",
            "answered_at": D(2099, 5, 9),
            "change_made": "第1项已改",
        },
    )
    asked.refresh_from_db()
    assert (asked.ministry, asked.asked_at, asked.answer) == (
        "财政部",
        D(2099, 5, 1),
        "建议明确试点范围",
    )
    assert (asked.answered_at, asked.change_made, asked.recorded_by) == (
        D(2099, 5, 9),
        "第1项已改",
        national,
    )
    assert actions(asked) == ["list.consultation_recorded", "list.consultation_updated"]
    updated = AuditEntry.objects.get(action="list.consultation_updated")
    assert updated.changes["answer"] == ["", "建议明确试点范围"]


@pytest.mark.parametrize(
    "bad",
    [
        {"ministry": " "},
        {"answer": "同意"},  # no date
        {"answered_at": D(2099, 5, 9)},  # no answer
        {"answer": "同意", "answered_at": D(2099, 4, 1)},  # before it was asked
        {"change_made": "改了"},  # a change without an answer
    ],
)
def test_a_consultation_must_make_sense(users, cycle, bad):
    national = users["national"]
    version = consult(
        draft_list(cycle, national, [make_candidate(cycle, national, "甲")]), national
    )
    data = {"ministry": "财政部", "asked_at": D(2099, 5, 1), **bad}
    with pytest.raises(ListError):
        publishing.consultation_record(version=version, by=national, **data)
    assert version.consultations.count() == 1  # the one `consult` recorded


def test_sending_an_empty_draft_is_refused(users, cycle):
    version = drafting.list_create(cycle=cycle, by=users["national"], title="空清单")
    with pytest.raises(ListError):
        publishing.version_send_for_opinions(version=version, by=users["national"])


# Publishing ---------------------------------------------------------------------------------


def test_publish_needs_consultation_number_authority_and_date(users, cycle):
    national = users["national"]
    version = draft_list(cycle, national, [make_candidate(cycle, national, "甲")])
    good = {"issuing_authority": "国家发展改革委", "doc_number": "发改高技〔2099〕1号"}
    with pytest.raises(ListError):  # still a draft: the ministries were not asked
        publishing.version_publish(version=version, by=national, issued_on=D(2099, 6, 1), **good)
    consult(version, national)
    missing: dict[str, Any]
    for missing in ({"issuing_authority": " "}, {"doc_number": ""}, {"issued_on": None}):
        data: dict[str, Any] = {**good, "issued_on": D(2099, 6, 1), **missing}
        with pytest.raises(ListError):
            publishing.version_publish(version=version, by=national, **data)
    assert ListVersion.objects.get(pk=version.pk).state == "consulting"
    publishing.version_publish(version=version, by=national, issued_on=D(2099, 6, 1), **good)
    version.refresh_from_db()
    assert (version.state, version.doc_number, version.published_by) == (
        "published",
        "发改高技〔2099〕1号",
        national,
    )
    assert version.published_at is not None
    assert actions(version)[-1] == "list.published"


def test_a_document_number_is_used_once(users, cycle):
    national = users["national"]
    publish(
        draft_list(cycle, national, [make_candidate(cycle, national, "甲")]),
        national,
        "X〔2099〕1号",
    )
    other = make_cycle(2098, national)
    version = consult(
        draft_list(other, national, [make_candidate(other, national, "乙")]), national
    )
    with pytest.raises(ListError):
        publish(version, national, "X〔2099〕1号")


# A published version never changes ----------------------------------------------------------

PUBLISHED_WRITES = {
    "details": lambda w, u: drafting.version_update(
        version=w.published, by=u, data={"preamble": "x"}
    ),
    "add": lambda w, u: drafting.items_add(
        version=w.published, by=u, candidates=[make_candidate(w.cycle, u, "新增")]
    ),
    "edit_item": lambda w, u: drafting.item_update(
        item=w.published_item, by=u, data={"title": "改"}
    ),
    "remove_item": lambda w, u: drafting.item_remove(item=w.published_item, by=u),
    "reorder": lambda w, u: drafting.items_reorder(
        version=w.published, by=u, numbers={w.published_item.pk: 3}
    ),
    "send": lambda w, u: publishing.version_send_for_opinions(version=w.published, by=u),
    "consultation": lambda w, u: publishing.consultation_record(
        version=w.published, by=u, ministry="财政部", asked_at=D(2099, 7, 1)
    ),
    "consultation_edit": lambda w, u: publishing.consultation_update(
        consultation=w.published.consultations.get(), by=u, data={"answer": "晚到的答复"}
    ),
    "publish_again": lambda w, u: publish(w.published, u, "又一个号"),
    "discard": lambda w, u: publishing.version_discard(version=w.published, by=u),
}


def _frozen(version: ListVersion) -> tuple:
    version = ListVersion.objects.get(pk=version.pk)
    items = list(version.items.order_by("pk").values_list("pk", "position", "title", "content"))
    consultations = list(version.consultations.values_list("pk", "answer"))
    return (version.state, version.doc_number, version.preamble, items, consultations)


@pytest.mark.parametrize("write", PUBLISHED_WRITES)
def test_services_refuse_to_change_a_published_version(world, users, write):
    before = _frozen(world.published)
    with pytest.raises(ListError):
        PUBLISHED_WRITES[write](world, users["national"])
    assert _frozen(world.published) == before


def test_the_database_refuses_to_change_a_published_version(world):
    version, item = world.published, world.published_item
    candidate = make_candidate(world.cycle, world.published.published_by, "绕过服务")
    attempts = {
        "insert item": lambda: ListItem.objects.create(
            version=version,
            position=9,
            candidate=candidate,
            title="x",
            content="x",
            field=item.field,
        ),
        "update item": lambda: ListItem.objects.filter(pk=item.pk).update(title="x"),
        "move item away": lambda: ListItem.objects.filter(pk=item.pk).update(version=world.draft),
        "move item in": lambda: ListItem.objects.filter(pk=world.draft_item.pk).update(
            version=version
        ),
        "update version": lambda: ListVersion.objects.filter(pk=version.pk).update(preamble="x"),
        "unpublish": lambda: ListVersion.objects.filter(pk=version.pk).update(state="draft"),
        "insert consultation": lambda: Consultation.objects.create(
            version=version, ministry="x", asked_at=D(2099, 1, 1), recorded_by=version.published_by
        ),
    }
    before = _frozen(version)
    for name, attempt in attempts.items():
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
        assert _frozen(version) == before, name
    # Versions not published are not affected.
    ListItem.objects.filter(pk=world.draft_item.pk).update(title="草稿可改")
    ListVersion.objects.filter(pk=world.draft.pk).update(preamble="草稿可改")


def test_published_check_constraint_needs_number_and_dates(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        ListVersion.objects.filter(pk=world.draft.pk).update(state="published")


# Revisions ----------------------------------------------------------------------------------


def test_a_revision_is_a_new_version_copied_from_the_published_one(world, users):
    national = users["national"]
    v1 = world.published
    drafting_before = _frozen(v1)
    with pytest.raises(ListError):
        publishing.list_revise(annual_list=v1.annual_list, by=national, change_note=" ")
    v2 = publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="增补")
    assert (v2.number, v2.state, v2.change_note) == (2, "draft", "增补")
    assert (v2.preamble, v2.issuing_authority, v2.doc_number) == (
        v1.preamble,
        v1.issuing_authority,
        "",
    )
    copied = list(v2.items.order_by("position").values_list("position", "candidate", "title"))
    original = list(v1.items.order_by("position").values_list("position", "candidate", "title"))
    assert copied == original
    assert not set(v2.items.values_list("pk", flat=True)) & set(
        v1.items.values_list("pk", flat=True)
    )
    # Only one version is open at a time.
    with pytest.raises(ListError):
        publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="再改")
    # Changing the revision leaves version 1 as it was; publishing it keeps both public.
    drafting.item_update(item=v2.items.get(position=1), by=national, data={"title": "新表述"})
    publish(v2, national, "发改高技〔2099〕30号")
    assert _frozen(v1) == drafting_before
    assert ListVersion.objects.filter(annual_list=v1.annual_list, state="published").count() == 2
    assert actions(v2)[0] == "list.revised"


def test_the_list_title_is_fixed_once_published(world, users):
    national = users["national"]
    v2 = publishing.list_revise(
        annual_list=world.published.annual_list, by=national, change_note="改"
    )
    with pytest.raises(ListError):
        drafting.version_update(version=v2, by=national, data={"title": "新标题"})
    drafting.version_update(version=world.draft, by=national, data={"title": "草稿新标题"})
    assert AnnualList.objects.get(pk=world.draft.annual_list_id).title == "草稿新标题"


def test_a_revision_must_say_what_it_changes(world, users):
    national = users["national"]
    v2 = publishing.list_revise(
        annual_list=world.published.annual_list, by=national, change_note="改"
    )
    with pytest.raises(ListError):
        drafting.version_update(version=v2, by=national, data={"change_note": ""})


def test_discard_a_draft_revision_or_the_whole_unpublished_list(world, users):
    national = users["national"]
    v2 = publishing.list_revise(
        annual_list=world.published.annual_list, by=national, change_note="改"
    )
    assert publishing.version_discard(version=v2, by=national) == world.published.annual_list
    assert not ListVersion.objects.filter(pk=v2.pk).exists()
    assert publishing.version_discard(version=world.draft, by=national) is None
    assert not AnnualList.objects.filter(cycle=world.cycle98).exists()
    with pytest.raises(ListError):  # out for opinions: part of the record
        publishing.version_discard(version=world.consulting, by=national)
    assert AuditEntry.objects.filter(action="list.version_discarded").count() == 2


# Pages: confirmation, and rejected forms keep what was typed --------------------------------


def test_publish_asks_for_confirmation_and_keeps_what_was_typed(world, users):
    client = client_for(users["national"])
    url = f"/lists/manage/versions/{world.consulting.pk}/publish/"
    page = client.get(url)
    assert page.status_code == 200
    assert "教育部" in page.content.decode()  # the departments asked are listed
    assert ListVersion.objects.get(pk=world.consulting.pk).state == "consulting"
    taken = world.published.doc_number
    response = client.post(
        url,
        {
            "issuing_authority": "国家发展改革委（测试）",
            "doc_number": taken,
            "issued_on": "2097-06-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert taken in html and "国家发展改革委（测试）" in html and "2097-06-01" in html
    assert ListVersion.objects.get(pk=world.consulting.pk).state == "consulting"


def test_removing_a_measure_asks_for_confirmation(world, users):
    client = client_for(users["national"])
    url = f"/lists/manage/items/{world.draft_item.pk}/remove/"
    assert client.get(url).status_code == 200
    assert ListItem.objects.filter(pk=world.draft_item.pk).exists()
    assert client.get(f"/lists/manage/versions/{world.draft.pk}/discard/").status_code == 200
    assert ListVersion.objects.filter(pk=world.draft.pk).exists()


def test_a_rejected_item_edit_keeps_what_was_typed(world, users):
    client = client_for(users["national"])
    response = client.post(
        f"/lists/manage/items/{world.draft_item.pk}/edit/",
        {
            "title": "打了一半的新标题",
            "field": world.draft_item.field_id,
            "content": " ",
            "ministries": "财政部",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "打了一半的新标题" in html and "财政部" in html
    assert ListItem.objects.get(pk=world.draft_item.pk).title == world.draft_item.title


def test_a_rejected_order_keeps_the_numbers_typed(world, users):
    client = client_for(users["national"])
    items = list(world.draft.items.order_by("position"))
    response = client.post(
        f"/lists/manage/versions/{world.draft.pk}/order/",
        {f"item_{items[0].pk}": "77", f"item_{items[1].pk}": "0"},
    )
    assert response.status_code == 400
    assert 'value="77"' in response.content.decode()
    assert positions(world.draft) == [(1, items[0].title), (2, items[1].title)]


def test_a_rejected_consultation_keeps_what_was_typed(world, users):
    client = client_for(users["national"])
    response = client.post(
        f"/lists/manage/versions/{world.consulting.pk}/consultations/new/",
        {"ministry": "工业和信息化部", "asked_at": "2097-05-10", "answer": "原则同意"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "工业和信息化部" in html and "原则同意" in html
    assert not Consultation.objects.filter(ministry="工业和信息化部").exists()
