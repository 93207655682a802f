"""The demo's annual list: published version 1 and a revision out for opinions, built once,
and nothing invented presented as real."""

import pytest
from django.test import Client

from demo.lists_demo import build_lists_demo
from lists.models import AnnualList, ListVersion
from lists.selectors import version_diff
from tests.test_lists_fixtures import make_candidate, make_cycle


@pytest.mark.django_db
def test_the_whole_demo_publishes_the_2026_list_and_drafts_a_revision():
    from demo.builder import build_demo

    assert build_demo()
    annual_list = AnnualList.objects.get(cycle__year=2026)
    v1, v2 = annual_list.versions.order_by("number")
    assert (v1.state, v2.state) == ("published", "consulting")
    assert v2.consultations.count() == 1 and v1.consultations.count() == 1
    # Everything a reader could take for an official fact says it is demo content.
    assert "演示" in v1.doc_number and "演示" in v1.issuing_authority
    assert "演示" in annual_list.title and "演示" in v1.preamble and "演示" in v2.change_note
    answer = v1.consultations.get()
    assert "演示" in answer.answer and "演示" in answer.change_made
    page = Client().get(f"/lists/versions/{v1.pk}/")
    assert page.status_code == 200
    assert Client().get(f"/lists/versions/{v2.pk}/").status_code == 404
    assert build_lists_demo() is False
    assert ListVersion.objects.filter(annual_list=annual_list).count() == 2


def test_the_revision_has_changes_to_show(users):
    national = users["national"]
    cycle = make_cycle(2026, national)
    for title in ("甲", "乙", "丙"):
        make_candidate(cycle, national, title)
    assert build_lists_demo() is True
    annual_list = AnnualList.objects.get(cycle=cycle)
    v1, v2 = annual_list.versions.order_by("number")
    assert v1.items.count() == 2 and v2.items.count() == 3
    response = Client().get(f"/lists/{annual_list.pk}/compare/?old=1&new=2")
    assert "diff" not in response.context  # the revision is not public
    result = version_diff(v1, v2)
    assert len(result.added) == 1 and len(result.changed) == 1
    assert build_lists_demo() is False


def test_nothing_happens_without_candidates(users):
    make_cycle(2026, users["national"])
    assert build_lists_demo() is False
    assert not AnnualList.objects.exists()


def test_nothing_happens_without_the_2026_cycle(users):
    assert build_lists_demo() is False
