"""The demo tells no untrue story: its proposals are made up for the demo and say so, and none
of them (nor a candidate measure merged from them) is a measure the State Council already
promoted nationwide (data/batches.csv), which no province could propose as new."""

import csv
import re
from pathlib import Path

import pytest
from django.conf import settings

from demo.builder import PROPOSALS, _titles, build_demo
from demo.merging_demo import DUPLICATE, ORIGINAL
from merging.models import CandidateMeasure
from proposals.models import Proposal

MARK = "（演示）"


def _normal(title: str) -> str:
    """The title without the demo mark, punctuation or spaces."""
    return re.sub(r"[\W_]+", "", title.replace(MARK, ""))


def _promoted() -> set[str]:
    path = Path(settings.BASE_DIR) / "data" / "batches.csv"
    with open(path, encoding="utf-8") as f:
        return {_normal(row["title"]) for row in csv.DictReader(f) if row["title"].strip()}


def test_the_promoted_titles_are_read():
    promoted = _promoted()
    assert _normal("技术经理人全程参与的科技成果转化服务模式") in promoted
    assert _normal("知识产权民事、刑事、行政案件“三合一”审判（演示）") in promoted


def test_the_planned_titles_are_demo_measures_not_promoted_ones():
    titles = [title for title, _field in _titles()] + [DUPLICATE]
    assert len(titles) == len(PROPOSALS) + 1 == len(set(titles))
    assert ORIGINAL in titles
    promoted = _promoted()
    for title in titles:
        assert MARK in title, title
        assert _normal(title) not in promoted, title


@pytest.mark.django_db
def test_no_demo_proposal_or_candidate_is_a_promoted_measure():
    assert build_demo()
    promoted = _promoted()
    proposals = list(Proposal.objects.values_list("title", flat=True))
    candidates = list(CandidateMeasure.objects.values_list("title", flat=True))
    assert len(proposals) == len(PROPOSALS) + 1 and candidates
    for title in proposals:
        assert MARK in title, title
    for title in proposals + candidates:
        assert _normal(title) not in promoted, title
