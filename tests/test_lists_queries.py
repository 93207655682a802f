"""Pages and files of the lists cost the same number of queries however many measures, versions
and consultations there are."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lists.models import ListVersion
from lists.services import publishing
from proposals.models import ReformField
from tests.conftest import client_for
from tests.test_lists_fixtures import consult, draft_list, make_candidate, make_cycle, publish

PAGES = {
    "public page": ("anonymous", "/lists/versions/{v1}/"),
    "published index": ("anonymous", "/lists/"),
    "compare": ("anonymous", "/lists/{list}/compare/?old=1&new=2"),
    "xlsx": ("anonymous", "/lists/versions/{v1}/xlsx/"),
    "docx": ("anonymous", "/lists/versions/{v1}/docx/"),
    "workspace of a draft": ("national", "/lists/manage/versions/{v3}/"),
    "workspace of a published version": ("national", "/lists/manage/versions/{v1}/"),
    "manage index": ("national", "/lists/manage/"),
    "publish confirmation": ("national", "/lists/manage/versions/{v3}/publish/"),
}


def build(users, year: int, size: int) -> dict[str, int]:
    """A list with `size` measures over several fields: v1 and v2 published, v3 out for
    opinions with `size` consultations; `size` cycles with lists on the index pages."""
    national = users["national"]
    fields = list(ReformField.objects.all())
    cycle = make_cycle(year, national)
    candidates = [
        make_candidate(cycle, national, f"举措{i}", field=fields[i % len(fields)])
        for i in range(size)
    ]
    v1 = publish(draft_list(cycle, national, candidates), national, f"号〔{year}〕1号")
    v2 = publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="改")
    publish(v2, national, f"号〔{year}〕2号")
    v3 = publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="再改")
    consult(v3, national)
    for i in range(size):
        publishing.consultation_record(
            version=ListVersion.objects.get(pk=v3.pk),
            by=national,
            ministry=f"部委{i}",
            asked_at=datetime.date(year, 5, 1),
        )
    for offset in range(1, size):
        other = make_cycle(year - 100 * offset, national)
        publish(
            draft_list(other, national, [make_candidate(other, national, "另一举措")]),
            national,
            f"号{offset}〔{year}〕1号",
        )
    return {"v1": v1.pk, "v3": v3.pk, "list": v1.annual_list_id}


def count(users, who: str, url: str) -> int:
    client = Client() if who == "anonymous" else client_for(users[who])
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_list(users, page):
    who, url = PAGES[page]
    small = count(users, who, url.format(**build(users, 2090, 2)))
    # The index pages now show 2 + 12 lists.
    large = count(users, who, url.format(**build(users, 2091, 12)))
    assert small == large
