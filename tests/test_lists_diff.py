"""The difference between two versions: measures added, removed, changed (old and new text),
reordered; on its own and on the comparison page."""

import pytest
from django.test import Client

from lists import diff
from lists.services import drafting, publishing
from tests.conftest import client_for
from tests.test_lists_fixtures import build_world, make_candidate, publish


@pytest.fixture
def world(users, cycle):
    return build_world(users, cycle)


def entry(key: int, number: int, title: str = "", content: str = "内容") -> diff.Entry:
    return diff.Entry(key, number, title or f"举措{key}", content, "领域", "")


def test_identical_versions_have_no_difference():
    same = [entry(1, 1), entry(2, 2)]
    assert diff.compare(same, same).is_empty


def test_added_removed_and_changed():
    old = [entry(1, 1), entry(2, 2, content="原来的内容"), entry(3, 3)]
    new = [entry(1, 1), entry(2, 2, content="修改后的内容"), entry(4, 3)]
    result = diff.compare(old, new)
    assert [e.key for e in result.added] == [4]
    assert [e.key for e in result.removed] == [3]
    [changed] = result.changed
    [content] = changed.changes
    assert (content.name, content.old, content.new) == ("content", "原来的内容", "修改后的内容")
    assert [(s.kind, s.text) for s in content.segments] == [
        ("delete", "原来"),
        ("insert", "修改后"),
        ("equal", "的内容"),
    ]
    assert result.moved == []


def test_numbers_shifted_by_an_insertion_are_not_moves():
    old = [entry(1, 1), entry(2, 2), entry(3, 3)]
    new = [entry(9, 1), entry(1, 2), entry(2, 3), entry(3, 4)]
    result = diff.compare(old, new)
    assert [e.key for e in result.added] == [9]
    assert result.moved == []


def test_a_measure_moved_up_is_the_one_reported():
    old = [entry(k, k) for k in range(1, 6)]
    new = [entry(5, 1), entry(1, 2), entry(2, 3), entry(3, 4), entry(4, 5)]
    moved = diff.compare(old, new).moved
    assert [(m.entry.key, m.old_number, m.new_number) for m in moved] == [(5, 5, 1)]


def test_a_swap_reports_the_measure_moved_up():
    old = [entry(1, 1), entry(2, 2)]
    new = [entry(2, 1), entry(1, 2)]
    moved = diff.compare(old, new).moved
    assert [(m.entry.key, m.old_number, m.new_number) for m in moved] == [(2, 2, 1)]


def test_a_measure_moved_down():
    old = [entry(k, k) for k in range(1, 5)]
    new = [entry(2, 1), entry(3, 2), entry(4, 3), entry(1, 4)]
    moved = diff.compare(old, new).moved
    assert [(m.entry.key, m.old_number, m.new_number) for m in moved] == [(1, 1, 4)]


def test_document_details_are_compared():
    result = diff.compare([], [], [("Preamble", "旧前言", "新前言"), ("Number", "同", "同")])
    assert [(d.name, d.old, d.new) for d in result.details] == [("Preamble", "旧前言", "新前言")]


def _revision(world, users):
    """Version 2 of the 2099 list: one measure added, one removed, one reworded, two swapped."""
    national = users["national"]
    v1 = world.published
    v2 = publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="调整清单")
    items = {i.title: i for i in v2.items.all()}
    drafting.item_remove(item=items["知识产权质押融资"], by=national)
    drafting.item_update(
        item=items["科技成果赋权改革"], by=national, data={"content": "科技成果赋权改革的新内容。"}
    )
    drafting.items_reorder(version=v2, by=national, numbers={items["科技成果赋权改革"].pk: 1})
    added = make_candidate(world.cycle, national, "新增的举措")
    drafting.items_add(version=v2, by=national, candidates=[added])
    return v1, v2


def test_compare_page_shows_every_kind_of_change(world, users):
    v1, v2 = _revision(world, users)
    response = client_for(users["national"]).get(f"/lists/{v1.annual_list_id}/compare/?old=1&new=2")
    assert response.status_code == 200
    result = response.context["diff"]
    assert [e.title for e in result.added] == ["新增的举措"]
    assert [e.title for e in result.removed] == ["知识产权质押融资"]
    [changed] = result.changed
    assert changed.new.title == "科技成果赋权改革"
    assert changed.changes[0].old == "科技成果赋权改革的改革内容。"
    assert changed.changes[0].new == "科技成果赋权改革的新内容。"
    assert [(m.entry.title, m.old_number, m.new_number) for m in result.moved] == [
        ("科技成果赋权改革", 2, 1)
    ]
    html = response.content.decode()
    assert "<ins>新增的举措</ins>" in html.replace("3. ", "")
    assert "知识产权质押融资" in html and "调整清单" in html


def test_the_public_compares_published_versions_only(world, users):
    v1, v2 = _revision(world, users)
    url = f"/lists/{v1.annual_list_id}/compare/"
    response = Client().get(f"{url}?old=1&new=2")
    assert response.status_code == 200
    assert "diff" not in response.context  # version 2 is no choice: it is not published
    assert "新增的举措" not in response.content.decode()
    publish(v2, users["national"], "发改高技〔2099〕31号")
    response = Client().get(f"{url}?old=1&new=2")
    assert [e.title for e in response.context["diff"].added] == ["新增的举措"]
    # Without a choice, the latest two versions are compared.
    assert Client().get(url).context["new"].number == 2
