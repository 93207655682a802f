"""The demo's expert review: built once through the services, with figures for the ranking."""

from demo.builder import DEMO_PASSWORD, build_demo
from demo.review_demo import build_review_demo
from merging.models import CandidateMeasure
from proposals.models import Cycle
from review.models import Assignment, ExpertProfile, Review
from review.selectors import candidate_ranking


def test_demo_reviews_the_2026_cycle_once(db):
    assert build_demo()
    cycle = Cycle.objects.get(year=2026)
    candidates = CandidateMeasure.objects.filter(cycle=cycle).count()
    assert candidates >= 3
    assert ExpertProfile.objects.count() == 6
    assert Assignment.objects.filter(candidate__cycle=cycle).count() == 3 * candidates
    states = list(Review.objects.values_list("state", flat=True))
    assert states.count("submitted") > len(states) // 2
    assert "draft" in states
    own = Assignment.objects.filter(expert__username="expert")
    assert own.filter(review__isnull=True).exists()  # one left for the demo login to start
    rows = candidate_ranking(cycle)
    assert rows[0].rank == 1 and rows[0].overall_mean is not None
    assert any(r.disagreement for r in rows)
    # No expert reviews a measure from their own province.
    for a in Assignment.objects.select_related("expert__expert_profile__division"):
        division = a.expert.expert_profile.division
        assert division is not None
        assert not a.candidate.sources.filter(locality_id=division.province_id).exists()
    assert ExpertProfile.objects.get(user__username="expert_sichuan").user.check_password(
        DEMO_PASSWORD
    )
    before = Assignment.objects.count(), Review.objects.count()
    assert not build_review_demo()
    assert (Assignment.objects.count(), Review.objects.count()) == before


def test_demo_review_does_nothing_without_candidates(db):
    assert not build_review_demo()
    assert not ExpertProfile.objects.exists()


def test_demo_experts_have_distinct_made_up_names():
    """Issue #12: a demo expert read as just “评审专家”. Each has a person's name, distinct,
    and marked as demo data."""
    from demo.review_demo import EXPERTS

    names = [name for _username, name, *_rest in EXPERTS]
    assert len(set(names)) == len(names)
    assert all("（演示" in name for name in names)
    assert not any("评审专家" in name for name in names)
