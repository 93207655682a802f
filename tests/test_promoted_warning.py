"""The drafting warning also compares a draft with the measures already promoted nationwide
(复制推广) and names the batch a matching one was promoted in."""

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import override

from merging import selectors
from merging.known import known_measures
from promotion.models import PromotedMeasure
from promotion.reference import load_promotion
from promotion.selectors.known import promoted_measures
from tests.conftest import client_for

UNRELATED = (
    "城市生活垃圾分类收运与资源化利用体系建设",
    "推行垃圾分类投放、分类收运和分类处理，建设再生资源回收网点。",
)


def verified_titles() -> list[tuple[str, str]]:
    """(title, doc number) of every promoted measure whose full title a source shows."""
    path = Path(settings.BASE_DIR) / "data" / "batches.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return [
            (row["title"], row["doc_no"])
            for row in csv.DictReader(f)
            if row["title_status"] == "verified"
        ]


@pytest.fixture
def promoted(db):
    load_promotion()


def promoted_matches(user, title: str, content: str = "", cycle=None):
    warning = selectors.drafting_warning(
        user, title=title, content=content, cycle=cycle, exclude=None
    )
    return [m.obj for m in warning.list_items if "国办发" in m.obj.where]


def test_a_draft_titled_as_a_promoted_measure_is_told_its_batch(users, cycle, promoted):
    with override("en"):
        (match, *_) = promoted_matches(users["sichuan"], "技术经理人全程参与的科技成果转化服务模式")
    assert match.title == "技术经理人全程参与的科技成果转化服务模式"
    assert match.where == "already promoted in the second batch (国办发〔2018〕126号)"


def test_every_verified_title_names_its_own_batch(users, promoted):
    titles = verified_titles()
    assert len(titles) >= 26  # 9 + 15 + 3 verified in data/batches.csv, at least
    for title, doc_number in titles:
        matches = promoted_matches(users["sichuan"], title)
        assert matches and matches[0].title == title, title
        assert doc_number in matches[0].where, title


def test_an_unrelated_draft_gets_no_promoted_measure(users, cycle, promoted):
    assert promoted_matches(users["sichuan"], *UNRELATED, cycle=cycle) == []


def test_the_fragment_shows_the_batch(users, cycle, promoted):
    client = client_for(users["sichuan"])
    title = "以关联企业从产业链核心龙头企业获得的应收账款为质押的融资服务"
    html = client.post(
        "/merging/similar/", {"title": title, "content": "", "cycle": cycle.pk}
    ).content.decode()
    assert title in html and "国办发〔2017〕80号" in html
    other = client.post(
        "/merging/similar/", {"title": UNRELATED[0], "content": UNRELATED[1], "cycle": cycle.pk}
    )
    assert "国办发" not in other.content.decode()


def test_only_measures_with_a_title_are_compared(promoted):
    titled = PromotedMeasure.objects.exclude(title="")
    shown = promoted_measures()
    # '建立银行跟……' (cut off in its source) says too little to compare.
    assert len(shown) == titled.count() - 1
    assert all(m.title for m in shown)
    assert {m.title for m in shown} <= {m.title for m in known_measures()}


def test_nothing_promoted_before_the_data_is_loaded(db):
    assert promoted_measures() == []
