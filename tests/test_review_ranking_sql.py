"""The review ranking computed in SQL (issue #13): the order, the places, the counts and the
disagreement flag equal a recomputation in Python with review.aggregation over the submitted
reviews; the page is paginated with its filters kept, and issues as many queries for 40
candidates as for 8.

`grow` writes candidates with bulk_create: some never reviewed, some with drafts only, some with
one review, many with several (scores 1–5, recommendations of every kind), ties on the
overall mean broken by the mean for value, then by age.
"""

import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from merging.models import CandidateMeasure
from proposals.models import ReformField
from review import aggregation
from review.models import Assignment, Review
from review.selectors import candidate_ranking, ranking_rows
from tests.conftest import client_for

EN: Any = {"HTTP_ACCEPT_LANGUAGE": "en"}


def grow(cycle, users, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    national = users["national"]
    start = CandidateMeasure.objects.filter(cycle=cycle).count()
    experts = list(User.objects.filter(username__startswith="rank-expert-"))
    if not experts:
        experts = User.objects.bulk_create(
            User(username=f"rank-expert-{i}", role=Role.EXPERT) for i in range(6)
        )
    fields = list(ReformField.objects.order_by("pk")[:3])
    candidates = CandidateMeasure.objects.bulk_create(
        CandidateMeasure(
            cycle=cycle,
            title=f"措施{start + i}" + ("融资" if i % 3 == 0 else ""),
            content="内容",
            field=fields[i % len(fields)],
            created_by=national,
        )
        for i in range(n)
    )
    assignments = []
    for candidate in candidates:
        for expert in rng.sample(experts, rng.choice([0, 1, 2, 3, 4])):
            assignments.append(
                Assignment(
                    candidate=candidate, expert=expert, source="solver", assigned_by=national
                )
            )
    Assignment.objects.bulk_create(assignments)
    reviews = []
    for assignment in assignments:
        fate = rng.random()
        if fate < 0.15:
            continue  # not started
        if fate < 0.25:
            reviews.append(Review(assignment=assignment, value=2, state="draft"))
            continue
        # Scores drawn from a narrow band half the time, so overall means tie.
        band = [3, 4] if rng.random() < 0.5 else [1, 2, 3, 4, 5]
        reviews.append(
            Review(
                assignment=assignment,
                state="submitted",
                submitted_at=timezone.now(),
                recommendation=rng.choice(["include", "revise", "exclude"]),
                **{c: rng.choice(band) for c in aggregation.CRITERIA},
            )
        )
    Review.objects.bulk_create(reviews)


def recompute(cycle, params=None):
    """(place, pk, submitted, assigned, overall mean, flagged) in the ranking's order."""
    params = params or {}
    rows = []
    for candidate in CandidateMeasure.objects.filter(cycle=cycle):
        assigned = list(Assignment.objects.filter(candidate=candidate).select_related("review"))
        submitted = [
            a.review
            for a in assigned
            if hasattr(a, "review") and a.review.state == Review.State.SUBMITTED
        ]
        summary = aggregation.summarise(
            [{c: getattr(r, c) for c in aggregation.CRITERIA} for r in submitted],
            [r.recommendation for r in submitted],
        )
        rows.append((candidate, summary, len(assigned)))
    rows.sort(
        key=lambda row: (
            row[1].mean("overall") is None,
            -(row[1].mean("overall") or 0),
            -(row[1].mean("value") or 0),
            row[0].pk,
        )
    )
    found = []
    for place, (candidate, summary, n_assigned) in enumerate(rows, start=1):
        overall = summary.mean("overall")
        found.append(
            (
                place if overall is not None else None,
                candidate,
                summary.reviews,
                n_assigned,
                overall,
                summary.disagreement,
            )
        )
    query = params.get("q", "")
    return [
        (place, c.pk, s, a, o, d)
        for place, c, s, a, o, d in found
        if (not query or query in c.title)
        and (not params.get("field") or c.field_id == int(params["field"]))
        and (params.get("flagged") != "yes" or d)
    ]


def shown(rows):
    return [
        (
            r.rank,
            r.candidate.pk,
            r.reviews_submitted,
            r.reviews_expected,
            r.overall_mean,
            r.disagreement,
        )
        for r in rows
    ]


def test_the_ranking_equals_a_recomputation_in_python(users, cycle):
    grow(cycle, users, 40)
    expected = recompute(cycle)
    # Every kind of row is there: unreviewed, flagged, not flagged, tied overall means.
    assert any(place is None for place, *_ in expected)
    assert any(d for *_r, d in expected) and not all(d for *_r, d in expected)
    overall = [o for *_r, o, _d in expected if o is not None]
    assert len(overall) > len(set(overall))
    assert shown(ranking_rows(cycle)) == expected
    assert shown(candidate_ranking(cycle)) == expected
    field = str(ReformField.objects.order_by("pk")[1].pk)
    for params in ({"flagged": "yes"}, {"q": "融资"}, {"field": field, "q": "融资"}):
        assert shown(ranking_rows(cycle, params)) == recompute(cycle, params), params
    # A page (a slice) reads the same rows as the whole.
    assert (
        shown(ranking_rows(cycle, {"flagged": "yes"})[2:5])
        == recompute(cycle, {"flagged": "yes"})[2:5]
    )
    assert len(ranking_rows(cycle, {"flagged": "yes"})) == len(recompute(cycle, {"flagged": "yes"}))
    # The medians and spreads are review.aggregation's, over the submitted reviews.
    row = next(r for r in ranking_rows(cycle) if r.reviews_submitted >= 3)
    scores = [
        float(review.value)
        for review in Review.objects.filter(assignment__candidate=row.candidate, state="submitted")
        if review.value is not None
    ]
    assert row.summary.criteria["value"] == aggregation.stats(scores)


def page_queries(user, url, query) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query, **EN)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", [{}, {"flagged": "yes"}, {"q": "融资", "page": "2"}])
def test_the_query_count_does_not_grow_with_the_candidates(users, cycle, settings, query):
    settings.PAGE_SIZE = 3
    url = f"/review/cycles/{cycle.pk}/ranking/"
    grow(cycle, users, 8)
    small = page_queries(users["national"], url, query)
    grow(cycle, users, 32, seed=4)
    assert page_queries(users["national"], url, query) == small
    assert small <= 12


def test_the_page_is_paginated_with_its_filters(users, cycle, settings):
    settings.PAGE_SIZE = 4
    grow(cycle, users, 30)
    url = f"/review/cycles/{cycle.pk}/ranking/"
    client = client_for(users["national"])
    params: dict[str, Any] = {"q": "融资"}
    first = client.get(url, params, **EN)
    second = client.get(url, {**params, "page": 2}, **EN)
    expected = recompute(cycle, params)
    assert first.context["page"].paginator.count == len(expected) > 4
    items = first.context["items"] + second.context["items"]
    assert shown(row for row, _reasons in items) == expected[:8]
    assert "?q=%E8%9E%8D%E8%B5%84&amp;page=2" in first.content.decode()
