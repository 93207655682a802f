"""The 建议书 as a Word document in the GB/T 9704 layout, read back with python-docx."""

import io

import pytest
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from proposals.models import ReformField
from tests.conftest import client_for, make_proposal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADINGS = [
    "一、Reform field",
    "二、Problem and pain point",
    "三、Reform content",
    "四、Needs national authority",
    "五、Implementing bodies",
    "六、Expected results",
    "七、Quantifiable targets",
    "八、Timetable",
    "九、Risks and fault-tolerance needs",
    "十、Contact",
]


def english(user):
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def fetch(user, proposal):
    response = english(user).get(f"/proposals/{proposal.pk}/docx/")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert f'filename="proposal-{proposal.pk}.docx"' in response["Content-Disposition"]
    return Document(io.BytesIO(response.content))


@pytest.fixture
def proposal(users, cycle):
    return make_proposal(
        cycle,
        users["sichuan"],
        state="submitted",
        title="建立科技成果赋权改革容错机制",
        field=ReformField.objects.get(name="促进技术要素市场体系建设"),
        problem="赋权后国有资产管理责任不清。\n单位不敢赋权。",
        content="明确赋权成果不纳入国有资产保值增值考核。",
        needs_national_authority=True,
        ministries="科技部、财政部",
        implementing_bodies="省科技厅",
        expected_results="形成可复制经验",
        targets="赋权成果100项\n转化金额10亿元",
        timetable="2099年6月前出台办法",
        risks="",
        contact_name="李四",
        contact_phone="028-87654321",
    )


def sections(document) -> dict[str, list[str]]:
    """Body text under each numbered heading."""
    out: dict[str, list[str]] = {}
    current = None
    for paragraph in document.paragraphs:
        if paragraph.text in HEADINGS:
            current = paragraph.text
            out[current] = []
        elif current and paragraph.text.strip():
            out[current].append(paragraph.text)
    return out


def test_docx_holds_the_title_and_every_section(users, proposal):
    document = fetch(users["sichuan"], proposal)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Comprehensive Innovation Reform Measure Proposal"
    assert texts[1] == "建立科技成果赋权改革容错机制"
    assert "Locality: 四川省    Cycle: 2099年度征集" in texts
    assert [t for t in texts if t in HEADINGS] == HEADINGS

    body = sections(document)
    assert body["一、Reform field"] == ["促进技术要素市场体系建设"]
    assert body["二、Problem and pain point"] == ["赋权后国有资产管理责任不清。", "单位不敢赋权。"]
    assert body["三、Reform content"] == ["明确赋权成果不纳入国有资产保值增值考核。"]
    assert body["四、Needs national authority"] == ["Yes. Ministries concerned: 科技部、财政部"]
    assert body["五、Implementing bodies"] == ["省科技厅"]
    assert body["六、Expected results"] == ["形成可复制经验"]
    assert body["七、Quantifiable targets"] == ["赋权成果100项", "转化金额10亿元"]
    assert body["八、Timetable"] == ["2099年6月前出台办法"]
    assert body["九、Risks and fault-tolerance needs"] == ["None stated"]
    date = timezone.localtime(proposal.submitted_at)
    assert body["十、Contact"] == [
        "李四  028-87654321",
        f"四川省\n{date.year}年{date.month}月{date.day}日",
    ]


def test_docx_page_is_a4_with_gbt_9704_margins(users, proposal):
    section = fetch(users["sichuan"], proposal).sections[0]
    measured = {
        "width": section.page_width.mm,
        "height": section.page_height.mm,
        "top": section.top_margin.mm,
        "bottom": section.bottom_margin.mm,
        "left": section.left_margin.mm,
        "right": section.right_margin.mm,
    }
    expected = {"width": 210, "height": 297, "top": 37, "bottom": 35, "left": 28, "right": 26}
    for name, mm in expected.items():
        assert measured[name] == pytest.approx(mm, abs=0.1), name


def test_docx_fonts(users, proposal):
    document = fetch(users["sichuan"], proposal)
    paragraphs = [p for p in document.paragraphs if p.text.strip()]

    def fonts(paragraph):
        return {
            (run.font.size, run._element.rPr.rFonts.get(qn("w:eastAsia")), run.font.name)
            for run in paragraph.runs
        }

    assert fonts(paragraphs[0]) == {(Pt(22), "方正小标宋简体", "方正小标宋简体")}
    assert fonts(paragraphs[1]) == {(Pt(22), "方正小标宋简体", "方正小标宋简体")}
    headings = [p for p in paragraphs if p.text in HEADINGS]
    assert {f for p in headings for f in fonts(p)} == {(Pt(16), "黑体", "黑体")}
    body = [p for p in paragraphs[2:] if p.text not in HEADINGS]
    assert len(body) >= 12
    assert {f for p in body for f in fonts(p)} == {(Pt(16), "仿宋_GB2312", "仿宋_GB2312")}
    for paragraph in paragraphs:
        assert paragraph.paragraph_format.line_spacing == Pt(28)


def test_docx_footer_has_a_page_number_field(users, proposal):
    footer = fetch(users["sichuan"], proposal).sections[0].footer
    paragraph = footer.paragraphs[0]
    assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
    xml = paragraph._p
    kinds = [el.get(qn("w:fldCharType")) for el in xml.iter(qn("w:fldChar"))]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    instructions = [el.text.strip() for el in xml.iter(qn("w:instrText"))]
    assert instructions == ["PAGE"]
    assert {run.font.size for run in paragraph.runs} == {Pt(14)}


def test_docx_of_a_draft_without_national_authority(users, cycle):
    draft = make_proposal(cycle, users["sichuan"], risks="政策风险\n\n市场风险")
    body = sections(fetch(users["sichuan"], draft))
    assert body["四、Needs national authority"] == ["No"]
    assert body["九、Risks and fault-tolerance needs"] == ["政策风险", "市场风险"]


def test_docx_survives_control_characters_pasted_from_word(users, cycle):
    pasted = make_proposal(cycle, users["sichuan"], content="第一条\x0b第二条\x07")
    body = sections(fetch(users["sichuan"], pasted))
    assert body["三、Reform content"] == ["第一条", "第二条"]


def test_docx_is_refused_to_users_who_may_not_see_the_proposal(users, cycle, proposal):
    draft = make_proposal(cycle, users["sichuan"], title="川草稿")
    assert client_for(users["national"]).get(f"/proposals/{proposal.pk}/docx/").status_code == 200
    for name in ("national", "guangdong", "expert", "innovator", "public", "city"):
        assert client_for(users[name]).get(f"/proposals/{draft.pk}/docx/").status_code == 404
    for name in ("guangdong", "expert", "innovator", "public", "city"):
        assert client_for(users[name]).get(f"/proposals/{proposal.pk}/docx/").status_code == 404
    anonymous = client_for(users["sichuan"])
    anonymous.logout()
    assert anonymous.get(f"/proposals/{proposal.pk}/docx/").status_code == 302
