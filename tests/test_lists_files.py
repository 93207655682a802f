"""The list as an Excel workbook and as an official Word document (GB/T 9704), read back."""

import io

import pytest
from django.test import Client
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from openpyxl import load_workbook

from lists.documents import chinese_number
from lists.services import drafting
from tests.conftest import client_for
from tests.test_lists_fixtures import build_world


@pytest.fixture
def world(users, cycle):
    return build_world(users, cycle)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def english() -> Client:
    client = Client()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def fetch_docx(client: Client, version):
    response = client.get(f"/lists/versions/{version.pk}/docx/")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    year = version.annual_list.cycle.year
    assert f'filename="list-{year}-v{version.number}.docx"' in response["Content-Disposition"]
    return Document(io.BytesIO(response.content))


def fonts(paragraph) -> set[tuple]:
    return {
        (run.font.size, run._element.rPr.rFonts.get(qn("w:eastAsia")), run.font.bold)
        for run in paragraph.runs
        if run.text.strip()
    }


def test_xlsx_has_one_row_per_measure_in_list_order(world):
    response = Client().get(f"/lists/versions/{world.published.pk}/xlsx/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="list-2099-v1.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "2099 v1"
    assert len(rows[0]) == 5
    assert rows[1:] == [
        (
            1,
            "促进技术要素市场体系建设",
            "技术经理人全程参与成果转化",
            "技术经理人全程参与成果转化的改革内容。",
            None,
        ),
        (
            2,
            "促进技术要素市场体系建设",
            "科技成果赋权改革",
            "科技成果赋权改革的改革内容。",
            "科技部、财政部",
        ),
        (3, "其他（个性化改革举措）", "知识产权质押融资", "知识产权质押融资的改革内容。", None),
    ]


def test_docx_follows_the_official_layout(world):
    document = fetch_docx(english(), world.published)
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert texts == [
        "国家发展改革委",
        "发改高技〔2099〕12号",
        "2099年度全面改革创新举措清单",
        "一、促进技术要素市场体系建设",
        "1．技术经理人全程参与成果转化",
        "技术经理人全程参与成果转化的改革内容。",
        "2．科技成果赋权改革",
        "科技成果赋权改革的改革内容。",
        "Ministries concerned: 科技部、财政部",
        "二、其他（个性化改革举措）",
        "3．知识产权质押融资",
        "知识产权质押融资的改革内容。",
        "国家发展改革委",
        "2099年6月1日",
    ]
    paragraphs = {p.text: p for p in document.paragraphs if p.text.strip()}
    mark = document.paragraphs[0]
    assert mark.text == "国家发展改革委"
    # 发文机关标志: red 小标宋, centred, large; 35 mm below the top of the type area.
    assert {run.font.color.rgb for run in mark.runs} == {RGBColor(0xFF, 0, 0)}
    assert fonts(mark) == {(Pt(42), "方正小标宋简体", False)}
    assert mark.alignment == 1  # centre
    assert mark.paragraph_format.space_before.mm == pytest.approx(35, abs=0.1)
    # 发文字号 centred, with the red separator line under it.
    number = paragraphs["发改高技〔2099〕12号"]
    assert number.alignment == 1
    assert fonts(number) == {(Pt(16), "仿宋_GB2312", False)}
    border = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "FF0000" and border.get(qn("w:val")) == "single"
    # 标题 in 2号小标宋, centred; headings 黑体; body 3号仿宋; measure titles in bold 仿宋.
    title = paragraphs["2099年度全面改革创新举措清单"]
    assert title.alignment == 1 and fonts(title) == {(Pt(22), "方正小标宋简体", False)}
    assert fonts(paragraphs["一、促进技术要素市场体系建设"]) == {(Pt(16), "黑体", False)}
    assert fonts(paragraphs["1．技术经理人全程参与成果转化"]) == {(Pt(16), "仿宋_GB2312", True)}
    assert fonts(paragraphs["科技成果赋权改革的改革内容。"]) == {(Pt(16), "仿宋_GB2312", False)}
    # 成文日期 at the right, 4 characters in; the issuing authority centred over it.
    date = paragraphs["2099年6月1日"]
    assert date.alignment == 2 and date.paragraph_format.right_indent == Pt(64)
    signature = document.paragraphs[[p.text for p in document.paragraphs].index("2099年6月1日") - 1]
    assert signature.text == "国家发展改革委" and signature.alignment == 2
    for paragraph in document.paragraphs[1:]:
        assert paragraph.paragraph_format.line_spacing in (Pt(28), None)


def test_docx_page_margins_and_page_numbers(world):
    document = fetch_docx(Client(), world.published)
    section = document.sections[0]
    expected = {"width": 210, "height": 297, "top": 37, "bottom": 35, "left": 28, "right": 26}
    measured = {
        "width": section.page_width.mm,
        "height": section.page_height.mm,
        "top": section.top_margin.mm,
        "bottom": section.bottom_margin.mm,
        "left": section.left_margin.mm,
        "right": section.right_margin.mm,
    }
    for name, mm in expected.items():
        assert measured[name] == pytest.approx(mm, abs=0.1), name
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert [el.text.strip() for el in footer._p.iter(qn("w:instrText"))] == ["PAGE"]


def test_docx_preamble_and_revision_label(world, users):
    national = users["national"]
    drafting.version_update(
        version=world.consulting,
        by=national,
        data={"preamble": "第一段前言。\n\n第二段前言。", "issuing_authority": "国家发展改革委"},
    )
    document = fetch_docx(english_for(users["national"]), world.consulting)
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    # Not published: it says so, has no number and no date.
    assert texts[0] == "Draft for opinions"
    assert texts[1:4] == ["国家发展改革委", "2097年度全面改革创新举措清单", "第一段前言。"]
    assert texts[4] == "第二段前言。"
    assert not any(t.endswith("日") and t.startswith("2097年") for t in texts)


def english_for(user) -> Client:
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_long_issuing_authority_gets_a_smaller_mark(world, users):
    drafting.version_update(
        version=world.draft,
        by=users["national"],
        data={"issuing_authority": "国家发展和改革委员会科学技术部财政部"},
    )
    document = fetch_docx(english_for(users["national"]), world.draft)
    mark = next(p for p in document.paragraphs if p.text.startswith("国家发展"))
    size = next(iter(fonts(mark)))[0]
    assert Pt(22) <= size < Pt(42)
    # It still fits the 156 mm type area on one line.
    assert size.pt * 0.3528 * len(mark.text) <= 156


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五")]
)
def test_chinese_heading_numbers(n, text):
    assert chinese_number(n) == text
