"""The reference data in data/ holds what the primary sources give, and every row says where it
comes from.

Source ids: P000–P004 are the project's primary sources (000_c8ec69fde5c6fa31.txt …
004_d1930e6504a4eb4e.txt), S01… the pages gathered earlier; data/sources.csv lists them all.
"""

import csv
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from claims.reference import pilot_reference
from promotion.models import PromotedMeasure, PromotionBatch
from promotion.reference import load_promotion

DATA = Path(settings.BASE_DIR) / "data"
SOURCED = [
    "batches.csv",
    "batch_notices.csv",
    "batch_categories.csv",
    "pilots2024.csv",
    "pilot_facts.csv",
    "pilot_categories.csv",
    "pilot_items.csv",
    "pilot_zones.csv",
    "pilot_shortlist.csv",
    "zones.csv",
    "experiment_regions.csv",
]


def rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def register() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in rows("sources.csv")}


# Sources -------------------------------------------------------------------------------------


def test_the_register_cites_the_primary_sources_by_their_titles():
    sources = register()
    # The five primary sources, 000_c8ec69fde5c6fa31.txt to 004_d1930e6504a4eb4e.txt.
    assert [key for key in sources if key.startswith("P")] == [f"P00{n}" for n in range(5)]
    # 003_6f61899fba091309.txt: its headline.
    assert "23家国家自创区入围国家政策试点“揭榜挂帅”名单" in sources["P003"]["source"]
    # 004_d1930e6504a4eb4e.txt: the notice's title and number.
    assert "关于深入推进全面创新改革工作的通知" in sources["P004"]["source"]
    assert "发改高技〔2021〕484号" in sources["P004"]["source"]
    # 002_aa82aa40c38dbcd0.txt: the article's headline.
    assert "助力区域协同创新发展" in sources["P002"]["source"]
    for key in ("P000", "P001", "P002", "P003", "P004"):
        assert sources[key]["accessed_via"].endswith(".txt"), key


@pytest.mark.parametrize("name", SOURCED)
def test_every_row_has_a_source_listed_in_the_register(name):
    sources = register()
    known = set(sources) | {row["source"] for row in sources.values()}
    data = rows(name)
    assert data
    for number, row in enumerate(data, start=1):
        parts = [part.strip() for part in row["source"].split(" | ")]
        assert all(parts), f"{name} row {number} has no source"
        missing = [part for part in parts if part not in known]
        assert not missing, f"{name} row {number}: {missing} not in data/sources.csv"


# Promotion batches ---------------------------------------------------------------------------


def test_the_three_batches_have_their_measure_slots():
    # 13 (国办发〔2017〕80号, S01/S04), 23 (〔2018〕126号, S07/S08) and 20 (〔2020〕3号: 000 says
    # "新一批20条改革经验举措", 000_c8ec69fde5c6fa31.txt).
    counts = Counter(row["batch"] for row in rows("batches.csv"))
    assert counts == {"1": 13, "2": 23, "3": 20}
    notices = {row["batch"]: row for row in rows("batch_notices.csv")}
    assert {b: int(n["total_measures"]) for b, n in notices.items()} == {"1": 13, "2": 23, "3": 20}
    for row in rows("batches.csv"):
        assert row["doc_no"] == notices[row["batch"]]["doc_no"]
        # A slot without a title says so; none is filled from memory.
        assert bool(row["title"]) == (row["title_status"] != "not_found"), row


def test_the_notices_titles_and_dates_where_known():
    notices = {row["batch"]: row for row in rows("batch_notices.csv")}
    # The repost of 国办发〔2017〕80号 (S01) shows its title.
    assert notices["1"]["notice_title"] == "国务院办公厅关于推广支持创新相关改革举措的通知"
    # 000_c8ec69fde5c6fa31.txt names the third notice 《关于推广第三批支持创新相关改革举措的通知》.
    assert notices["3"]["notice_title"] == "国务院办公厅关于推广第三批支持创新相关改革举措的通知"
    # No source gives the second notice's title: left empty.
    assert notices["2"]["notice_title"] == "" and notices["2"]["title_status"] == "not_found"
    # 成文 2020-01-23, 发布 2020-02-21 (the State Council page, S24).
    assert (notices["3"]["issued_on"], notices["3"]["published_on"]) == ("2020-01-23", "2020-02-21")


def test_the_third_batch_fields_in_chinese_as_002_gives_them():
    third = [row for row in rows("batch_categories.csv") if row["batch"] == "3"]
    counts = {row["category"]: int(row["category_count"]) for row in third}
    # Counts from the English summary (S10), 7 of them confirmed by the notice (S24).
    assert sum(counts.values()) == 20
    # 002_aa82aa40c38dbcd0.txt: 科技金融创新领域, 科技管理体制创新领域, 知识产权保护领域,
    # 人才培养和激励领域. The fifth field's Chinese name is in no source: marked unverified.
    verified = {row["category"] for row in third if row["name_status"] == "verified"}
    assert verified == {"科技金融创新", "科技管理体制创新", "知识产权保护", "人才培养和激励"}
    assert counts["科技金融创新"] == 7 and counts["人才培养和激励"] == 1
    (unverified,) = [row for row in third if row["name_status"] != "verified"]
    assert unverified["name_status"] == "translation_unverified"


def test_the_third_batch_measures_002_describes():
    third = {row["title"]: row for row in rows("batches.csv") if row["batch"] == "3"}
    # 002_aa82aa40c38dbcd0.txt, one measure per field, in the article's wording.
    expected = {
        "基于大数据分析的“银行+征信+担保”的信用贷款新模式": "科技金融创新",
        "以产业数据、专利数据为基础的新兴产业专利导航决策机制": "科技管理体制创新",
        "跨区域的知识产权远程诉讼平台": "知识产权保护",
        "“五业联动”的职业教育发展新机制": "人才培养和激励",
    }
    for title, field in expected.items():
        row = third[title]
        assert row["category"] == field
        assert row["title_status"] == "described_in_source"
        assert "P002" in row["source"].split(" | ")
        assert row["origin_region"] == ""  # 002 gives no origin


def test_the_origin_000_gives_is_marked_as_inferred():
    (row,) = [r for r in rows("batches.csv") if r["origin_region"] == "安徽"]
    # 000_c8ec69fde5c6fa31.txt: 安徽试验区域率先提出"建立推动政府股权基金投…" (text cut there).
    assert row["title"] == "推动政府股权基金投向种子期、初创期企业的容错机制"
    assert row["origin_basis"].startswith("inferred")
    assert "P000" in row["source"].split(" | ")


def test_the_loader_is_idempotent_and_keeps_the_counts(db):
    assert load_promotion() == 56
    assert load_promotion() == 56
    assert PromotionBatch.objects.count() == 3
    # 13 + 23 + 20 measure slots (S01, S07, 000_c8ec69fde5c6fa31.txt).
    counts = {b.number: b.measures.count() for b in PromotionBatch.objects.all()}
    assert counts == {1: 13, 2: 23, 3: 20}
    assert all(b.measures.count() == b.measure_count for b in PromotionBatch.objects.all())
    second = PromotionBatch.objects.get(number=2)
    assert second.doc_number == "国办发〔2018〕126号" and second.title == ""
    third = PromotionBatch.objects.get(number=3)
    assert str(third.issued_on) == "2020-01-23"
    assert not PromotedMeasure.objects.filter(source="").exists()
    assert PromotedMeasure.objects.filter(title="", title_status="not_found").count() == (
        PromotedMeasure.objects.filter(title="").count()
    )


# The 2024 zone pilot -------------------------------------------------------------------------


def test_the_pilot_as_003_states_it():
    ref = pilot_reference()
    # 003_6f61899fba091309.txt: 2024年12月26日，工业和信息化部、科学技术部公布 … 4类14项 … 23家.
    assert ref.announced_on == "2024-12-26"
    assert ref.issuer == "工业和信息化部、科学技术部"
    assert ref.issuers[ref.issuer] == "P003"
    # The Chengdu report (S17, data/pilots2024.csv) names the general offices: kept, not shown.
    assert ref.issuers["工业和信息化部办公厅、科技部办公厅"] == "S17"
    assert {row["issuers"] for row in rows("pilots2024.csv")} == {
        "工业和信息化部办公厅、科技部办公厅"
    }
    assert (ref.categories_total, ref.items_total, ref.zones_total) == (4, 14, 23)
    # 003: 入围3项(含)以上的7家、2项的4家、1项的12家.
    assert ref.distribution == {"3+": 7, "2": 4, "1": 12}
    assert sum(ref.distribution.values()) == ref.zones_total


def test_four_categories_the_fourth_inferred():
    ref = pilot_reference()
    assert len(ref.categories) == ref.categories_total == 4
    # 003 names 成果转化类, 企业创新类, 开放合作类 (苏南's items); 产业发展类 is inferred from
    # 中关村's "成果转化、产业发展、企业创新、开放合作等方面".
    named = {c.name for c in ref.categories if not c.inferred}
    assert named == {"成果转化类", "企业创新类", "开放合作类"}
    (inferred,) = [c for c in ref.categories if c.inferred]
    assert inferred.name == "产业发展类" and "中关村" in inferred.basis


def test_fourteen_items_the_unknown_ones_empty():
    ref = pilot_reference()
    assert len(ref.items) == 14  # 003: 14项
    named = {item.title: item for item in ref.named_items}
    assert len(named) == 6
    assert all(not item.title and not item.category for item in ref.items[6:])
    # Who is shortlisted for what, as 003 (and S17, data/pilots2024.csv) names it.
    zones = {title: set(item.zones) for title, item in named.items()}
    assert zones["职务科技成果资产单列管理模式"] == {"中关村国家自主创新示范区"}
    assert zones["长期资本投早、投小、投长期、投硬科技的支持政策"] == {
        "天津国家自主创新示范区",
        "成都国家自主创新示范区",
    }
    assert zones["教育科技人才一体化联合成果转化模式"] == {"西安国家自主创新示范区"}
    assert zones["概念验证和中试平台市场化开放共享机制"] == {"成都国家自主创新示范区"}
    assert zones["“一窗通办式服务+双向联动”海外人才服务保障模式"] == {"长株潭国家自主创新示范区"}
    assert zones["地方政府和国有企业向民营企业、中小企业开放应用场景制度"] == {
        "成都国家自主创新示范区"
    }
    # Every category given belongs to the four; the three S17 does not place have none.
    categories = {c.name for c in pilot_reference().categories}
    assert all(item.category in categories for item in ref.named_items if item.category)
    assert sum(1 for item in ref.named_items if not item.category) == 3
    # The Chengdu report's three pairs are all there (data/pilots2024.csv, S17).
    for row in rows("pilots2024.csv"):
        assert row["zone"] in zones[row["policy_item"]]
        assert named[row["policy_item"]].category == row["category"]


def test_the_zones_003_names_and_their_counts():
    ref = pilot_reference()
    zones = {zone.name: zone for zone in ref.zones}
    # Every zone named is a zone of data/zones.csv, and no more than the 23 shortlisted.
    assert set(zones) <= {row["name"] for row in rows("zones.csv")}
    assert len(zones) == 9 <= ref.zones_total
    counts = {name: zone.items for name, zone in zones.items()}
    # 003: 中关村 4类11项; 苏南 3类7项; 珠三角 3; 深圳 2; 杭州 3; 成都 3; 西安 and 长株潭 one named
    # item each; 天津 runs the 长期资本… pilot, no number given.
    assert counts == {
        "中关村国家自主创新示范区": 11,
        "苏南国家自主创新示范区": 7,
        "珠三角国家自主创新示范区": 3,
        "深圳国家自主创新示范区": 2,
        "杭州国家自主创新示范区": 3,
        "天津国家自主创新示范区": None,
        "西安国家自主创新示范区": 1,
        "成都国家自主创新示范区": 3,
        "长株潭国家自主创新示范区": 1,
    }
    assert zones["中关村国家自主创新示范区"].categories == 4
    suzhou = zones["苏南国家自主创新示范区"]
    # 003: 成果转化类3项、企业创新类2项、开放合作类2项.
    assert suzhou.category_counts == {"成果转化类": 3, "企业创新类": 2, "开放合作类": 2}
    assert sum(suzhou.category_counts.values()) == suzhou.items
    # The known counts fit 003's distribution (7 zones with 3+, 4 with 2, 12 with 1).
    known = [n for n in counts.values() if n is not None]
    assert sum(n >= 3 for n in known) <= ref.distribution["3+"]
    assert sum(n == 2 for n in known) <= ref.distribution["2"]
    assert sum(n == 1 for n in known) <= ref.distribution["1"]
    # Every named shortlisting belongs to a named zone.
    assert {z for item in ref.items for z in item.zones} <= set(zones)
