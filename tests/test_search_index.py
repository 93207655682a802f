"""The proposal search on both databases: the same rows on SQLite (a scan) and on PostgreSQL
(the trigram GIN indexes of proposals/migrations/0009), and the index used on PostgreSQL."""

import copy
import random

import pytest
from django.db import connection

from proposals.models import Proposal
from proposals.selectors import proposal_search
from tests.conftest import make_proposal

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the GIN indexes exist on PostgreSQL only"
)

SEARCHED = ("problem", "content", "implementing_bodies", "expected_results", "targets")
TEXTS = {
    "transfer": ("科技成果转化服务模式", "培育技术经理人队伍"),
    "pledge": ("知识产权质押融资试点", "银行与担保机构合作"),
    "towers": ("5G基站共建共享", "推动数据要素流通"),
    "data": ("数据要素市场化配置", "建立数据交易规则"),
    "rights": ("职务科技成果赋权改革", "赋予科研人员所有权"),
}
# What each query finds, worked out by hand: every segmented term of the query is a whole
# term of the proposal's text, or its title contains the query as typed (any letter case).
EXPECTED = {
    "成果转化": {"transfer"},
    "数据要素": {"towers", "data"},
    "5g": {"towers"},  # the term 5g, and the title's 5G whatever the case
    "质押": {"pledge"},
    "科技成果": {"transfer", "rights"},
    "赋权": {"rights"},
    "化配": {"data"},  # no term of its own: only the title contains it
    "队": set(),  # part of the content's term 队伍, not a term, and in no title
    "量子": set(),
}


@pytest.fixture
def labelled(users, cycle) -> dict[int, str]:
    """Five proposals written through the service (which builds their search text)."""
    by_pk = {}
    for label, (title, content) in TEXTS.items():
        blank = dict.fromkeys(SEARCHED, "")
        proposal = make_proposal(
            cycle, users["sichuan"], **{**blank, "title": title, "content": content}
        )
        by_pk[proposal.pk] = label
    return by_pk


def found(query: str, labelled: dict[int, str]) -> set[str]:
    rows = proposal_search(Proposal.objects.all(), query).values_list("pk", flat=True)
    return {labelled[pk] for pk in rows}


def test_search_finds_the_same_rows_on_either_database(labelled) -> None:
    """Run on SQLite (the embedded default) and on PostgreSQL (`DATABASE_URL=postgres://...`):
    both give the hand-worked rows, so both give the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # read through the indexes, even on five rows
            cursor.execute("SET LOCAL enable_seqscan = off")
    assert {query: found(query, labelled) for query in EXPECTED} == EXPECTED


@on_postgresql
@pytest.mark.django_db
def test_the_trigram_indexes_exist() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'proposals_proposal'"
        )
        indexes = dict(cursor.fetchall())
    assert "gin (search_text gin_trgm_ops)" in indexes["proposal_search_text_trgm"]
    assert "gin (upper((title)::text) gin_trgm_ops)" in indexes["proposal_title_upper_trgm"]


# Terms of the national data set's proposals. A drawn proposal has about as many (60) and as
# long a text as one of those, so that the planner weighs a table of the same shape.
WORDS = (
    "科技 成果 转化 数据 要素 市场 改革 试点 金融 人才 产权 融资 平台 园区 企业 高校 标准 "
    "监管 审批 服务 评价 激励 开放 合作 创新 基金 税收 土地 能源 环境 社会 捐赠 设立 渠道 "
    "投入 基础 研究 财政 资金 进入 省级 联合 吸引 共同 出资 支出 落实 扣除 政策 发展 部门 "
    "形成 复制 推广 制度 经验 出台 配套 办法 覆盖 专业 技术 转移 机构 建设 医疗 教育 交通"
)
VOCABULARY = WORDS.split()


@on_postgresql
def test_postgresql_reads_a_search_through_the_index(users, cycle) -> None:
    """On 3,000 proposals the planner takes the trigram indexes, not a scan of the table."""
    seed = make_proposal(cycle, users["sichuan"])
    draw = random.Random(13)
    copies = []
    for i in range(3000):
        terms = draw.sample(VOCABULARY, 60)
        if i % 100 == 0:
            terms += ["量子", "通信"]  # rare terms: 30 proposals
        row = copy.copy(seed)
        row.pk = None
        row.title = f"{''.join(terms[:3])}{i}"
        row.problem = row.content = "".join(terms)
        row.search_text = f" {' '.join(terms)} "
        copies.append(row)
    Proposal.objects.bulk_create(copies, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE proposals_proposal")
        cursor.execute("SHOW random_page_cost")  # jiebang/env.py: solid-state storage
        assert cursor.fetchone() == ("1.1",)

    # Three characters or more: a shorter query has no trigram to look up in the titles.
    query = proposal_search(Proposal.objects.all(), "量子通信")
    plan = query.explain()
    assert "proposal_search_text_trgm" in plan, plan
    assert "proposal_title_upper_trgm" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert query.count() == 30
