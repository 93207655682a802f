"""The merging lists: filters, pagination, query counts that do not grow with the rows, the
candidate export read back, and the demo."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import User
from jobs.models import Job
from merging import services
from merging.models import CandidateMeasure, SuggestedGroup
from proposals.models import Cycle, Proposal
from tests.conftest import client_for, division
from tests.test_merging_flows import (
    COURT,
    STAFF,
    TAX,
    TECH,
    VISA,
    candidate_data,
    group_of,
    submitted,
)

TEXTS = [TECH, COURT, VISA, TAX, STAFF]


def add_rows(cycle, users, n: int, start: int = 0) -> None:
    """n candidates (every other one merged from two provinces), n open groups, n waiting."""
    national = users["national"]
    for i in range(start, start + n):
        title, content = TEXTS[i % len(TEXTS)]
        a = submitted(cycle, users["sichuan"], (f"{title}{i}", content))
        sources = [a]
        if i % 2:
            sources.append(submitted(cycle, users["guangdong"], (f"{title}乙{i}", content)))
        services.proposals_merge(
            cycle=cycle, proposals=sources, by=national, data=candidate_data(title=f"候选{i}")
        )
        pair = [
            submitted(cycle, users["sichuan"], (f"{title}丙{i}", content)),
            submitted(cycle, users["guangdong"], (f"{title}丁{i}", content)),
        ]
        group_of(cycle, pair)
        submitted(cycle, users["guangdong"], (f"{title}戊{i}", content))


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/merging/",
        "/merging/candidates/",
        "/merging/candidates/?kind=merged&q=候选",
        "/merging/cycles/{cycle}/",
        "/merging/cycles/{cycle}/?state=open&q=技术经理人",
        "/merging/cycles/{cycle}/remaining/",
    ],
)
def test_list_queries_do_not_grow_with_rows(users, cycle, settings, url):
    settings.PAGE_SIZE = 50
    url = url.format(cycle=cycle.pk)
    client = client_for(users["national"])
    add_rows(cycle, users, 3)
    client.get(url)  # warm the content-type cache
    few = count_queries(client, url)
    add_rows(cycle, users, 9, start=3)
    assert count_queries(client, url) == few
    assert few <= 12


def test_candidate_filters_and_pages(users, cycle, settings):
    settings.PAGE_SIZE = 2
    add_rows(cycle, users, 5)
    client = client_for(users["national"])
    response = client.get("/merging/candidates/?kind=merged")
    assert response.context["page"].paginator.count == 2  # candidates 1 and 3
    assert client.get("/merging/candidates/?kind=single").context["page"].paginator.count == 3
    page2 = client.get("/merging/candidates/?page=2&sort=title").context["page"]
    assert [c.title for c in page2.object_list] == ["候选2", "候选3"]
    found = client.get("/merging/candidates/?q=候选4").context["page"].object_list
    assert [c.title for c in found] == ["候选4"]
    guangdong = division("440000").pk
    by_locality = client.get(f"/merging/candidates/?locality={guangdong}").context["page"]
    assert by_locality.paginator.count == 2


def test_the_candidate_export_reads_back(users, cycle, inline_jobs):
    add_rows(cycle, users, 2)
    client = client_for(users["national"])
    response = inline_jobs(lambda: client.post("/merging/candidates/export/", {"query": ""}))
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.state == Job.State.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/")
    sheet = load_workbook(io.BytesIO(download.getvalue())).worksheets[0]
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"候选0", "候选1"}
    merged = rows["候选1"]
    assert merged[0] == CandidateMeasure.objects.get(title="候选1").pk
    assert merged[7] == 2
    assert merged[8] == "广东省、四川省"  # by division code
    assert rows["候选0"][7] == 1


def test_a_filtered_export_holds_only_the_filtered_rows(users, cycle, inline_jobs):
    add_rows(cycle, users, 3)
    client = client_for(users["national"])
    response = inline_jobs(
        lambda: client.post("/merging/candidates/export/", {"query": "kind=merged"})
    )
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    sheet = load_workbook(io.BytesIO(client.get(f"/jobs/{job.pk}/download/").getvalue()))
    titles = [row[2] for row in sheet.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert titles == ["候选1"]


def test_the_index_counts_each_cycle(users, cycle):
    add_rows(cycle, users, 2)
    row = next(c for c in client_for(users["national"]).get("/merging/").context["cycles"])
    assert (row.waiting, row.merged, row.open_groups, row.candidate_count) == (6, 3, 2, 2)


# The demo ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_merges_2026_and_leaves_2027(django_db_blocker):
    from demo.builder import build_demo
    from demo.merging_demo import build_merging_demo

    assert build_demo()
    closed = Cycle.objects.get(year=2026)
    assert not Proposal.objects.filter(cycle=closed, state="submitted").exists()
    merged = [c for c in CandidateMeasure.objects.filter(cycle=closed) if c.sources.count() > 1]
    assert len(merged) == 1
    localities = {p.locality.name for p in merged[0].sources.all()}
    assert localities == {"四川省", "广东省"}
    assert SuggestedGroup.objects.filter(cycle=closed, state="accepted").count() == 1
    assert not Proposal.objects.filter(cycle__year=2027, state="merged").exists()
    count = CandidateMeasure.objects.count()
    assert build_merging_demo() is False
    assert CandidateMeasure.objects.count() == count
    national = User.objects.get(username="national")
    assert client_for(national).get(f"/merging/cycles/{closed.pk}/").status_code == 200
