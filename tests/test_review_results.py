"""Aggregation checked by hand, the disagreement flag, the ranking and its export, bounded query
counts on the review lists, and localities that never see review scores."""

import io

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from merging.models import CandidateMeasure
from proposals.models import ReformField
from review.models import Assignment, Review
from review.selectors import candidate_ranking, candidate_summary
from review.services.reviews import review_save, review_submit
from tests.conftest import client_for
from tests.jobfiles import exported
from tests.test_review_setup import assign, build_world, make_expert

CRITERIA = ["value", "operability", "assessability", "replicability"]


def scores(*values, recommendation="include", comments="评审意见"):
    return {**dict(zip(CRITERIA, values, strict=True)), "recommendation": recommendation,
            "comments": comments}  # fmt: skip


@pytest.fixture
def reviewed(users, cycle):
    """ip: two of three reviews in, close; joint: two in, include vs exclude; tech: none."""
    w = build_world(users, cycle)
    expert, other, scu = users["expert"], w.other_expert, w.scu_expert
    ip = [assign(w.ip, u, w.national) for u in (expert, other, scu)]
    review_submit(assignment=ip[0], by=expert, data=scores(5, 4, 4, 5))
    review_submit(assignment=ip[1], by=other, data=scores(4, 4, 3, 5))
    review_save(assignment=ip[2], by=scu, data={"value": 1})  # a draft never counts
    joint = [assign(w.joint, u, w.national) for u in (expert, other)]
    review_submit(assignment=joint[0], by=expert, data=scores(3, 3, 3, 3, recommendation="exclude"))
    review_submit(assignment=joint[1], by=other, data=scores(4, 4, 4, 4, comments="联合意见"))
    return w


def test_figures_per_criterion_by_hand(reviewed):
    s = candidate_summary(reviewed.ip)
    assert s.reviews == 2
    value = s.criteria["value"]  # 5, 4
    assert (value.mean, value.median, value.spread, value.stdev) == (4.5, 4.5, 1, 0.5)
    operability = s.criteria["operability"]  # 4, 4
    assert (operability.mean, operability.spread, operability.stdev) == (4, 0, 0)
    assessability = s.criteria["assessability"]  # 4, 3
    assert (assessability.mean, assessability.median) == (3.5, 3.5)
    # Overall per review: (5+4+4+5)/4 = 4.5 and (4+4+3+5)/4 = 4.0.
    overall = s.criteria["overall"]
    assert (overall.mean, overall.median, overall.spread, overall.stdev) == (4.25, 4.25, 0.5, 0.25)
    assert s.recommendations == {"include": 2}
    assert not s.disagreement


def test_ranking_rows(reviewed):
    w = reviewed
    rows = candidate_ranking(w.cycle)
    assert [(r.rank, r.candidate) for r in rows] == [(1, w.ip), (2, w.joint), (None, w.tech)]
    ip, joint, tech = rows
    assert (ip.reviews_submitted, ip.reviews_expected) == (2, 3)
    assert ip.means == {"value": 4.5, "operability": 4, "assessability": 3.5, "replicability": 5}
    assert ip.overall_mean == 4.25
    assert not ip.disagreement
    assert (joint.overall_mean, joint.disagreement) == (3.5, True)
    assert joint.summary.disagreements == [("recommendation", "")]
    assert (tech.reviews_submitted, tech.reviews_expected, tech.overall_mean) == (0, 0, None)
    assert tech.means == dict.fromkeys(CRITERIA)


def test_a_spread_of_two_on_one_criterion_flags(reviewed):
    w = reviewed
    third = Assignment.objects.get(candidate=w.ip, expert=w.scu_expert)
    review_submit(assignment=third, by=w.scu_expert, data=scores(3, 4, 4, 5))
    row = next(r for r in candidate_ranking(w.cycle) if r.candidate == w.ip)
    assert row.summary.criteria["value"].spread == 2  # 5, 4, 3
    assert row.disagreement
    assert row.summary.disagreements == [("spread", "value")]


def test_ties_break_on_value_then_age(users, cycle):
    w = build_world(users, cycle)
    for candidate, values in (
        (w.tech, (3, 5, 5, 5)),
        (w.ip, (5, 4, 4, 5)),
        (w.joint, (5, 5, 4, 4)),
    ):
        a = assign(candidate, users["expert"], w.national)
        review_submit(assignment=a, by=users["expert"], data=scores(*values))
    # All three average 4.5; ip and joint have value 5 and ip is older.
    assert [r.candidate for r in candidate_ranking(w.cycle)] == [w.ip, w.joint, w.tech]


def test_ranking_page_states_the_rule_and_flags(reviewed):
    w = reviewed
    with translation.override("en"):
        response = client_for(w.national).get(
            f"/review/cycles/{w.cycle.pk}/ranking/", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 or more points apart" in page
    assert "one reviewer recommends including it, another leaving it out" in page
    assert "4.25" in page and "4.50" in page
    flagged = client_for(w.national).get(
        f"/review/cycles/{w.cycle.pk}/ranking/", {"flagged": "yes"}
    )
    assert [r.candidate for r, _reasons in flagged.context["items"]] == [w.joint]
    assert flagged.context["items"][0][0].rank == 2  # its place in the whole cycle


def test_ranking_export_reads_back(reviewed):
    w = reviewed
    response = exported(
        client_for(w.national),
        f"/review/cycles/{w.cycle.pk}/ranking/export/",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    )
    header = rows[0]
    assert header[:6] == (
        "Rank",
        "No.",
        "Candidate measure",
        "Reform field",
        "Reviews submitted",
        "Reviewers assigned",
    )
    by_title = {row[2]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    ip = by_title[w.ip.title]
    assert (ip["Rank"], ip["Reviews submitted"], ip["Reviewers assigned"]) == (1, 2, 3)
    assert ip["value (含金量) mean"] == 4.5
    assert ip["value (含金量) standard deviation"] == 0.5
    assert ip["Overall mean"] == 4.25
    assert ip["Overall spread"] == 0.5
    assert ip["include in the list"] == 2
    assert ip["Reviewers disagree"] is None
    joint = by_title[w.joint.title]
    assert joint["Reviewers disagree"] == "yes"
    assert joint["do not include"] == 1
    tech = by_title[w.tech.title]
    assert tech["Rank"] is None and tech["Overall mean"] is None
    assert len(rows) == 4


def test_candidate_page_shows_the_reviews_to_the_coordinator(reviewed):
    w = reviewed
    page = client_for(w.national).get(f"/review/candidates/{w.joint.pk}/").content.decode()
    assert "联合意见" in page
    assert str(w.other_expert) in page
    assert "3.50" in page


@pytest.mark.parametrize("role", ["sichuan", "guangdong", "city", "innovator", "public"])
def test_localities_and_others_see_no_review_at_all(reviewed, role):
    w = reviewed
    client = client_for(w.users[role])
    assert client.get(f"/review/candidates/{w.joint.pk}/").status_code == 404
    assert client.get(f"/review/cycles/{w.cycle.pk}/ranking/").status_code == 403
    assert client.get(f"/review/cycles/{w.cycle.pk}/ranking/export/").status_code == 403
    for a in Assignment.objects.all():
        assert client.get(f"/review/assignments/{a.pk}/").status_code == 404


def test_a_locality_reads_its_merged_proposal_without_scores(reviewed):
    w = reviewed
    source = w.joint.sources.get(locality__code="510000")
    page = client_for(w.users["sichuan"]).get(f"/proposals/{source.pk}/").content.decode()
    assert source.title in page
    assert "联合意见" not in page
    assert "评审意见" not in page
    assert "论证意见" not in page


# Query counts do not grow with the rows ----------------------------------------------------


def grow(w, n: int) -> None:
    """n more candidates, each with two submitted reviews and one draft, written directly."""
    field = ReformField.objects.first()
    start = CandidateMeasure.objects.count()
    candidates = CandidateMeasure.objects.bulk_create(
        CandidateMeasure(
            cycle=w.cycle, title=f"批量候选{start + i}", content="内容", field=field,
            created_by=w.national,
        )
        for i in range(n)
    )  # fmt: skip
    experts = [w.users["expert"], w.other_expert, w.scu_expert]
    assignments = Assignment.objects.bulk_create(
        Assignment(candidate=c, expert=e, source="solver", assigned_by=w.national)
        for c in candidates
        for e in experts
    )
    Review.objects.bulk_create(
        Review(
            assignment=a,
            value=3,
            operability=4,
            assessability=4,
            replicability=5,
            recommendation="include",
            **(
                {"state": "submitted", "submitted_at": timezone.now()}
                if a.expert_id != w.scu_expert.pk
                else {}
            ),
        )
        for a in assignments
    )
    for i in range(n):
        make_expert(
            f"pool{start + i}",
            division_code="310000",
            fields=("包容审慎监管新产业新业态",),
            tags="质押",
        )


def measure(django_assert_max_num_queries, client, url: str) -> int:
    client.get(url)  # warm caches (content types, session) so both runs start equal
    with django_assert_max_num_queries(30) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("viewer", "page"),
    [
        ("national", "ranking"),
        ("national", "overview"),
        ("national", "experts"),
        ("national", "index"),
        ("national", "candidate"),
        ("expert", "mine"),
        ("expert", "assignment"),
    ],
)
def test_review_pages_query_counts_are_bounded(
    reviewed, django_assert_max_num_queries, viewer, page
):
    w = reviewed
    mine = Assignment.objects.filter(expert=w.users["expert"]).earliest("id")
    url = {
        "ranking": f"/review/cycles/{w.cycle.pk}/ranking/",
        "overview": f"/review/cycles/{w.cycle.pk}/",
        "experts": "/review/experts/",
        "index": "/review/",
        "candidate": f"/review/candidates/{w.joint.pk}/",
        "mine": "/review/mine/",
        "assignment": f"/review/assignments/{mine.pk}/",
    }[page]
    client = client_for(w.users[viewer])
    grow(w, 5)
    small = measure(django_assert_max_num_queries, client, url)
    grow(w, 30)
    large = measure(django_assert_max_num_queries, client, url)
    assert small == large
