"""What a locality has submitted in a cycle: one number, read the same way everywhere.

发改高技〔2021〕484号 §三(一): "每个地方每年提出3—5项改革举措建议" (each locality proposes
3 to 5 reform measures a year; the cycle holds the range, 3–5 by default). A proposal the
locality submitted stays submitted for that count whatever the centre did with it since:
returned for revision, or merged into a candidate measure. So the locality's banner (home
page, its cycle page), the national coordinator's per-locality table (page and export) and
the submit rule must give the same number, and a merged proposal is part of it.

The pages also read that number in a fixed number of queries, however many localities and
proposals the cycle has.
"""

import datetime
import io
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from merging import services as merging
from merging.models import CandidateMeasure
from proposals.errors import ProposalError
from proposals.models import DeadlineExtension, Proposal
from proposals.selectors import locality_counts
from proposals.services.proposals import proposal_return, proposals_submit
from regions.models import Division
from tests.conftest import client_for, division, make_proposal, proposal_data
from tests.test_merging_flows import candidate_data

SICHUAN = "510000"


def drafts(cycle, by, n, prefix="草稿"):
    return [make_proposal(cycle, by, title=f"{prefix}{i}") for i in range(n)]


@pytest.fixture
def merged(users, cycle) -> SimpleNamespace:
    """Sichuan submitted four proposals: the centre merged two into one candidate measure
    (through the merging service, as the coordinator does) and returned one; one is still
    waiting. Sichuan has submitted four, and one more draft in hand."""
    sichuan, national = users["sichuan"], users["national"]
    batch = drafts(cycle, sichuan, 4, "已报")
    proposals_submit(proposals=batch, by=sichuan)
    merging.proposals_merge(cycle=cycle, proposals=batch[:2], by=national, data=candidate_data())
    proposal_return(proposal=batch[2], by=national, reason="请补充量化指标")
    assert sorted(
        Proposal.objects.filter(pk__in=[p.pk for p in batch]).values_list("state", flat=True)
    ) == ["merged", "merged", "returned", "submitted"]
    return SimpleNamespace(cycle=cycle, sichuan=sichuan, national=national, submitted=4)


def banner_count(client) -> int:
    """The number the locality's banner shows, as rendered (Chinese, the default)."""
    found = re.search(r"目前已提交(\d+)份", client.get("/").content.decode())
    assert found, "the home page shows no range banner"
    return int(found.group(1))


def cycle_page_count(client, cycle) -> int:
    response = client.get(f"/cycles/{cycle.pk}/")
    assert response.status_code == 200
    (row,) = [r for r in response.context["rows"] if r["locality"].code == SICHUAN]
    return row["total"]


def export_count(client, cycle) -> int:
    response = client.get(f"/cycles/{cycle.pk}/export/")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    (row,) = [r for r in sheet.iter_rows(values_only=True) if r[0] == division(SICHUAN).name]
    assert isinstance(row[1], int)
    return row[1]


def everywhere(m) -> dict[str, int]:
    locality, national = client_for(m.sichuan), client_for(m.national)
    return {
        "selector": locality_counts(m.cycle, division(SICHUAN).pk)["counted"],
        "home banner": banner_count(locality),
        "locality's cycle page": locality.get(f"/cycles/{m.cycle.pk}/").context["counts"][
            "counted"
        ],
        "national cycle page": cycle_page_count(national, m.cycle),
        "national export": export_count(national, m.cycle),
    }


def test_merged_proposals_count_as_submitted_on_every_page(merged):
    """The banner, the national table and its export all say four: two merged, one
    returned, one waiting (484号 §三(一): the 3–5 are what the locality proposed)."""
    counts = everywhere(merged)
    assert counts == dict.fromkeys(counts, merged.submitted)
    html = client_for(merged.sichuan).get("/").content.decode()
    assert "目前已提交4份" in html
    national = client_for(merged.national).get(f"/cycles/{merged.cycle.pk}/")
    (row,) = [r for r in national.context["rows"] if r["locality"].code == SICHUAN]
    assert (row["total"], row["returned"], row["in_range"]) == (4, 1, True)


def test_the_submit_rule_counts_the_same_merged_proposals(merged):
    """With four submitted (two of them merged), two more would make six, over the 5 of
    484号 §三(一), and are refused with the rule's message; one more makes five and is
    accepted, and every page then says five."""
    two_more = drafts(merged.cycle, merged.sichuan, 2, "再报")
    with translation.override("en"), pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=two_more, by=merged.sichuan)
    assert caught.value.message == (
        "Each locality submits 3 to 5 proposals a year. This submission would make 6, more than 5."
    )
    assert {Proposal.objects.get(pk=p.pk).state for p in two_more} == {"draft"}

    proposals_submit(proposals=two_more[:1], by=merged.sichuan)
    assert Proposal.objects.get(pk=two_more[0].pk).state == "submitted"
    assert set(everywhere(merged).values()) == {5}

    with pytest.raises(ProposalError) as caught:  # the sixth, in Chinese
        proposals_submit(proposals=two_more[1:], by=merged.sichuan)
    assert "本次提交后将达到6份，超过5份" in caught.value.message


def test_the_submit_rule_says_the_same_number_in_its_refusal(merged):
    """The number the refusal gives is the banner's number plus the new ones."""
    shown = banner_count(client_for(merged.sichuan))
    extra = drafts(merged.cycle, merged.sichuan, 3, "超额")
    with translation.override("en"), pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=extra, by=merged.sichuan)
    assert f"would make {shown + 3}," in caught.value.message


# Queries do not grow with the localities and proposals --------------------------------------


def _fill(cycle, national, provinces, per_province):
    """`per_province` proposals for each province, in every state a locality's count sees,
    and an extension for each province."""
    candidate = CandidateMeasure.objects.create(
        cycle=cycle, created_by=national, **candidate_data()
    )
    now, rows = timezone.now(), []
    states = ["draft", "submitted", "returned", "merged"]
    for province in provinces:
        for i in range(per_province):
            state = states[i % len(states)]
            rows.append(
                Proposal(
                    cycle=cycle,
                    locality=province,
                    created_by=national,
                    state=state,
                    submitted_at=None if state == "draft" else now,
                    return_reason="补充" if state == "returned" else "",
                    merged_into=candidate if state == "merged" else None,
                    **proposal_data(title=f"{province.code}-{i}"),
                )
            )
        DeadlineExtension.objects.create(
            cycle=cycle,
            locality=province,
            until=cycle.deadline + datetime.timedelta(days=30),
            reason="汛期延误",
            granted_by=national,
        )
    Proposal.objects.bulk_create(rows)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_national_cycle_page_reads_in_the_same_queries_for_few_or_many(
    users, cycle, django_assert_max_num_queries
):
    national = client_for(users["national"])
    url = f"/cycles/{cycle.pk}/"
    provinces = list(Division.objects.filter(level=Division.Level.PROVINCE).order_by("code"))
    _fill(cycle, users["national"], provinces[:1], 3)
    national.get(url)  # warm the content-type cache
    few = _queries(national, url)
    _fill(cycle, users["national"], provinces[1:], 12)
    many = _queries(national, url)
    assert few == many, (few, many)
    with django_assert_max_num_queries(12):
        national.get(url)
    rows = national.get(url).context["rows"]
    assert len(rows) == len(provinces)
    # 12 per province: 3 of each state; drafts are not submitted.
    assert {r["total"] for r in rows if r["locality"] != provinces[0]} == {9}


def test_the_locality_home_page_reads_in_the_same_queries_for_few_or_many(
    users, cycle, django_assert_max_num_queries
):
    sichuan = client_for(users["sichuan"])
    provinces = list(Division.objects.filter(level=Division.Level.PROVINCE))
    mine = division(SICHUAN)
    _fill(cycle, users["national"], [mine], 2)
    sichuan.get("/")
    few = _queries(sichuan, "/")
    Proposal.objects.filter(locality=mine).delete()
    DeadlineExtension.objects.all().delete()
    _fill(cycle, users["national"], provinces, 40)
    many = _queries(sichuan, "/")
    assert few == many, (few, many)
    # The home page is the locality's to-do list: one or two reads per stage (proposals,
    # suggestions, claims, tasks, reports, help, evaluation, promotion, messages).
    with django_assert_max_num_queries(28):
        sichuan.get("/")
    assert banner_count(sichuan) == 30
