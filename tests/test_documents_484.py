"""Who issues the annual list and the task notices, what a notice says, and document numbers.

发改高技〔2021〕484号 (国家发展改革委 科技部《关于深入推进全面创新改革工作的通知》):
- 主送: "北京市、天津市、河北省、辽宁省、上海市、江苏省、浙江省、安徽省、湖北省、广东省、重庆市、
  四川省、陕西省发展改革委、科技厅（委、局）："
- §三（二）: "国家发展改革委、科技部汇总各地提出的改革举措建议……征求有关部门意见并修改完善。"
- §三（三）: "国家发展改革委、科技部及时公布《年度全面改革创新举措清单》……国家发展改革委、科技部
  汇总揭榜结果，并采取适当形式下达揭榜任务通知书。"
  "各地发展改革委、科技厅（委、局）对所揭榜任务负总体责任，根据需要明确实施主体（同级职能部门、
  地方政府以及企业、高等院校、科研院所等创新主体），研究提出具体改革方案，督促检查改革进展，
  协调解决改革过程中出现的问题，总结凝练可复制推广的改革成果。"
- §四: "……要组织改革实施主体细化各项改革举措的时间表、路线图、责任人，明确可量化、可考核的
  目标……要研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索。"
- 落款: "国家发展改革委 / 科 技 部".
Source 003 (2024 zone pilots): "2024年12月26日,工业和信息化部、科学技术部公布国家自主创新示范区
(以下简称"国家自创区")2024年4类14项政策试点"揭榜挂帅"……名单".
"""

import datetime
import io
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from docx import Document

from claims import documents, services
from claims.errors import ClaimError
from claims.models import Claimant, Programme, TaskNotice
from lists.errors import ListError
from lists.models import DocumentNumber
from lists.services import numbers, publishing
from regions.models import Division, RegionGroup
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme, shortlist_all
from tests.test_lists_fixtures import draft_list, make_candidate, publish

D = datetime.date
TODAY = timezone.localdate()
EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}


def docx_paragraphs(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs if p.text.strip()]


def closed_with_claims(users, *, who=("sichuan",), count: int = 3, **kw) -> Programme:
    programme = make_programme(users, **kw)
    for name in who:
        mine = claimant(programme, users[name])
        for item in programme.items.order_by("position")[:count]:
            services.item_claim(item=item, claimant=mine, by=users[name])
    return services.programme_close(programme=programme, by=users["national"], reason="测试")


def hand_down(programme: Programme, by, **kw) -> list[TaskNotice]:
    data = {"doc_code": "发改高技", "issued_on": D(2099, 7, 1), **kw}
    shortlist_all(programme, by)
    return services.notices_issue(programme=Programme.objects.get(pk=programme.pk), by=by, **data)


def notice_text(notice: TaskNotice) -> list[str]:
    notice = TaskNotice.objects.select_related(
        "programme", "claimant__division", "claimant__region_group"
    ).get(pk=notice.pk)
    return docx_paragraphs(documents.notice_docx(notice))


# 1. Issuing authorities ---------------------------------------------------------------------


def test_a_programme_has_the_issuing_authorities_of_its_kind(users):
    """484号 §三（二）（三）: the annual list is 国家发展改革委、科技部's; source 003: the 2024
    zone pilot is announced by "工业和信息化部、科学技术部"."""
    annual = make_programme(users, open_=False)
    pilot = make_programme(users, open_=False, kind=Programme.Kind.ZONE_PILOT, title="试点")
    assert annual.issuing_authority == "国家发展改革委、科技部"
    assert pilot.issuing_authority == "工业和信息化部、科学技术部"
    # Entered ones are kept, the separators made "、"; emptied, they are the kind's again.
    national = users["national"]
    edited = services.programme_update(
        programme=annual, by=national, title=annual.title, issuing_authority="科技部 财政部"
    )
    assert edited.issuing_authority == "科技部、财政部"
    edited = services.programme_update(
        programme=annual, by=national, title=annual.title, issuing_authority=" "
    )
    assert edited.issuing_authority == "国家发展改革委、科技部"
    page = client_for(national).get(f"/claims/{pilot.pk}/").content.decode()
    assert "工业和信息化部、科学技术部" in page


def test_the_notice_is_signed_by_the_programmes_issuing_authorities(users):
    """The notice's 发文机关标志 and signature are the programme's authorities, host first, one
    line each (GB/T 9704-2012 7.2.1, 7.3.5; 484号's 落款 "国家发展改革委 / 科 技 部")."""
    programme = closed_with_claims(users)
    (notice,) = hand_down(programme, users["national"], issuing_authority="别的机关")
    assert notice.issuing_authority == "国家发展改革委、科技部"
    text = notice_text(notice)
    assert text[:3] == ["国家发展改革委", "科技部", "发改高技〔2099〕1号"]
    assert text[-3:] == ["国家发展改革委", "科技部", "2099年7月1日"]
    pilot = closed_with_claims(
        users, who=("region",), kind=Programme.Kind.ZONE_PILOT, title="试点", min_claims=0
    )
    (zone_notice,) = hand_down(pilot, users["national"], doc_code="工信部联科")
    text = notice_text(zone_notice)
    assert text[:2] == ["工业和信息化部", "科学技术部"]
    assert text[-3:-1] == ["工业和信息化部", "科学技术部"]


def test_the_published_list_is_issued_by_both_ministries(users, cycle):
    """484号 §三（三）: "国家发展改革委、科技部及时公布《年度全面改革创新举措清单》"."""
    national = users["national"]
    form = client_for(national).get(f"/lists/manage/cycles/{cycle.pk}/new/")
    assert 'value="国家发展改革委、科技部"' in form.content.decode()  # offered
    version = draft_list(cycle, national, [make_candidate(cycle, national, "甲")])
    assert version.issuing_authority == "国家发展改革委、科技部"  # and the default
    publishing.version_send_for_opinions(version=version, by=national)
    publishing.consultation_record(
        version=version, by=national, ministry="财政部", asked_at=D(2099, 5, 6)
    )
    publishing.version_publish(
        version=version,
        by=national,
        issuing_authority=version.issuing_authority,
        doc_number="发改高技〔2099〕12号",
        issued_on=D(2099, 6, 1),
    )
    page = Client().get(f"/lists/versions/{version.pk}/").content.decode()
    assert "国家发展改革委、科技部 · 发改高技〔2099〕12号" in page
    text = docx_paragraphs(Client().get(f"/lists/versions/{version.pk}/docx/").content)
    assert text[:3] == ["国家发展改革委", "科技部", "发改高技〔2099〕12号"]
    assert text[-3:] == ["国家发展改革委", "科技部", "2099年6月1日"]


# 3. The task notice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # 484号's 主送, for one province: "四川省发展改革委、科技厅".
        ("510000", "四川省发展改革委、科技厅"),
        ("440000", "广东省发展改革委、科技厅"),
        # A municipality keeps 484号's "科技厅（委、局）": no source says which it has.
        ("110000", "北京市发展改革委、科技厅（委、局）"),
        ("120000", "天津市发展改革委、科技厅（委、局）"),
        ("310000", "上海市发展改革委、科技厅（委、局）"),
        ("500000", "重庆市发展改革委、科技厅（委、局）"),
        ("450000", "广西壮族自治区发展改革委、科技厅（委、局）"),
    ],
)
def test_the_addressee_is_built_as_484_addresses_the_localities(db, code, expected):
    """484号 主送: "……重庆市、四川省、陕西省发展改革委、科技厅（委、局）："."""
    assert documents.addressee(Claimant(division=Division.objects.get(code=code))) == expected


def test_a_region_group_is_addressed_by_its_name(db):
    group = RegionGroup.objects.get(pk=1)
    assert documents.addressee(Claimant(region_group=group)) == group.name


def test_the_notice_carries_484s_duties_each_with_its_section_and_the_platforms_rule(users):
    """484号 §三（三） and §四: the duties of the locality that claimed; then the programme's own
    reporting rule, labelled as the platform's and in calendar days (tasks.periods.due_on adds
    the days to the period's last day)."""
    programme = make_programme(users, open_=False)
    services.programme_update(
        programme=programme,
        by=users["national"],
        title=programme.title,
        report_every_months=1,
        report_due_days=15,
    )
    programme.refresh_from_db()
    services.programme_open(
        programme=programme,
        by=users["national"],
        opens_at=TODAY - datetime.timedelta(days=1),
        closes_at=TODAY + datetime.timedelta(days=1),
    )
    sichuan = claimant(programme, users["sichuan"])
    for item in programme.items.order_by("position")[:3]:
        services.item_claim(item=item, claimant=sichuan, by=users["sichuan"])
    region = claimant(programme, users["region"])
    services.item_claim(item=programme.items.get(position=4), claimant=region, by=users["region"])
    services.programme_close(programme=programme, by=users["national"], reason="测试")
    with translation.override("zh-hans"):
        region_notice, sichuan_notice = hand_down(programme, users["national"])
        text = notice_text(sichuan_notice)
        rule = gettext("(Rule of this platform, as set for the programme.)")
    assert "四川省发展改革委、科技厅：" in text
    assert f"{region.region_group.name}：" in notice_text(region_notice)
    duties = [t for t in text if t.startswith("（") and "）" in t[:4]]
    section_3_3 = "（发改高技〔2021〕484号第三部分第（三）项）"
    section_4 = "（发改高技〔2021〕484号第四部分）"
    assert duties[:8] == [
        f"（一）对所揭榜任务负总体责任。{section_3_3}",
        "（二）根据需要明确实施主体（同级职能部门、地方政府以及企业、高等院校、科研院所等创新主体）。"
        f"{section_3_3}",
        f"（三）研究提出具体改革方案。{section_3_3}",
        f"（四）督促检查改革进展。{section_3_3}",
        f"（五）协调解决改革过程中出现的问题。{section_3_3}",
        f"（六）总结凝练可复制推广的改革成果。{section_3_3}",
        "（七）组织改革实施主体细化各项改革举措的时间表、路线图、责任人，明确可量化、可考核的目标。"
        f"{section_4}",
        f"（八）研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索。{section_4}",
    ]
    platform = duties[8]
    assert platform.startswith("（九）") and platform.endswith(rule)
    assert "15" in platform and "自然日" in platform
    assert len(duties) == 9
    # No template, and no remark about one: an official document carries none.
    joined = "\n".join(text)
    assert "template" not in joined and "模板" not in joined
    assert "15个工作日" not in joined and "按季报送" not in joined
    assert "发改高技〔2021〕484号" in text[text.index("四川省发展改革委、科技厅：") + 1]


def test_the_zone_pilot_is_not_484s_and_its_notice_quotes_no_duty_of_484(users):
    """Source 003's pilot is 工业和信息化部、科学技术部's; 484号's duties are the annual list's."""
    pilot = closed_with_claims(
        users, who=("region",), kind=Programme.Kind.ZONE_PILOT, title="试点", min_claims=0
    )
    (notice,) = hand_down(pilot, users["national"], doc_code="工信部联科")
    joined = "\n".join(notice_text(notice))
    assert "484号" not in joined and "对所揭榜任务负总体责任" not in joined
    assert "自然日" in joined


NOTICE_STRINGS = [
    "Issue task notices",
    "Issue",
    "Task notices issued.",
    "task notices issued",
    "The task notices of this programme were already issued.",
    "Nobody claimed anything: there is no notice to issue.",
    "Notices are issued once; afterwards only a notice's document number and date can be "
    "corrected, with a reason.",
    "The claims of “%(programme)s” have been collected. The %(count)s tasks that "
    "%(claimant)s claimed are hereby issued (下达) as follows:",
]


def test_notices_are_handed_down_xiada_on_the_pages(users):
    """484号 §三（三）: "国家发展改革委、科技部汇总揭榜结果，并采取适当形式下达揭榜任务通知书":
    the pages say 下达, never 印发."""
    programme = closed_with_claims(users)
    national = client_for(users["national"])
    page = national.get(f"/claims/{programme.pk}/").content.decode()
    assert "下达揭榜任务通知书" in page and "印发" not in page
    form = national.get(f"/claims/{programme.pk}/notices/issue/").content.decode()
    assert "下达" in form and "印发" not in form
    # The notice goes to the province's 发展改革委 and 科技厅; the ministries issue it.
    assert "四川省发展改革委、科技厅" in form and "国家发展改革委、科技部" in form
    done = national.post(
        f"/claims/{programme.pk}/notices/issue/",
        {"doc_code": "发改高技", "issued_on": "2099-07-01"},
        follow=True,
    )
    assert "揭榜任务通知书已下达。" in done.content.decode()
    history = national.get(f"/claims/{programme.pk}/").content.decode()
    assert "印发" not in history


def test_every_notice_string_says_xiada_in_chinese():
    """The same, for each string of the notices that the catalog translates already (new
    strings join once the translations are merged after makemessages)."""
    with translation.override("zh-hans"):
        translated = {msgid: gettext(msgid) for msgid in NOTICE_STRINGS}
    done = {msgid: text for msgid, text in translated.items() if text != msgid}
    assert done, "the catalog translates none of the notice strings"
    for msgid, text in done.items():
        assert "下达" in text and "印发" not in text, msgid


# 4. Document numbers ------------------------------------------------------------------------


def test_a_notice_cannot_take_a_number_a_published_list_has(users, cycle):
    """发文字号 are one per agency code and year, lists and notices alike: 发改高技〔2099〕12号
    is the published list's, so no notice gets it."""
    national = users["national"]
    publish(draft_list(cycle, national, [make_candidate(cycle, national, "甲")]), national)
    programme = closed_with_claims(users, who=("sichuan", "guangdong"))
    sichuan = claimant(programme, users["sichuan"])
    with translation.override("en"), pytest.raises(ClaimError) as refused:
        hand_down(programme, national, doc_numbers={sichuan.pk: "发改高技〔2099〕12号"})
    assert refused.value.message == (
        "The document number 发改高技〔2099〕12号 is already used by the published list "
        "“2099年度全面改革创新举措清单 v1”."
    )
    assert not TaskNotice.objects.exists()
    # The page says so beside what was typed.
    url = f"/claims/{programme.pk}/notices/issue/"
    page = client_for(national).post(
        url,
        {
            "doc_code": "发改高技",
            "issued_on": "2099-07-01",
            f"number_{sichuan.pk}": "发改高技〔2099〕12号",
        },
        **EN,
    )
    assert page.status_code == 200
    assert "is already used by the published list" in page.content.decode()
    assert not TaskNotice.objects.exists()


def test_entered_numbers_are_kept_and_the_others_numbered_around_the_taken_ones(users, cycle):
    national = users["national"]
    publish(
        draft_list(cycle, national, [make_candidate(cycle, national, "甲")]),
        national,
        "发改高技〔2099〕1号",
    )
    programme = closed_with_claims(users, who=("sichuan", "guangdong", "region"))
    sichuan = claimant(programme, users["sichuan"])
    notices = hand_down(programme, national, doc_numbers={sichuan.pk: "发改高技〔2099〕2号"})
    by_claimant = {str(n.claimant): n.doc_number for n in notices}
    # The region group comes first, then Guangdong (440000), then Sichuan (510000).
    region = str(claimant(programme, users["region"]))
    assert by_claimant == {
        region: "发改高技〔2099〕3号",
        "广东省": "发改高技〔2099〕4号",
        "四川省": "发改高技〔2099〕2号",
    }
    taken = DocumentNumber.objects.filter(code="发改高技", year=2099)
    assert sorted(taken.values_list("serial", "use")) == [
        (1, "list"),
        (2, "notice"),
        (3, "notice"),
        (4, "notice"),
    ]


@pytest.mark.parametrize(
    "bad",
    [
        "发改高技〔2099〕012号",
        "发改高技[2099]12号",
        "发改高技〔99〕12号",
        "发改高技〔2099〕12",
        "〔2099〕1号",
    ],
)
def test_a_number_is_written_as_gb_t_9704_writes_it(users, bad):
    programme = closed_with_claims(users)
    sichuan = claimant(programme, users["sichuan"])
    with translation.override("en"), pytest.raises(ClaimError, match="is not a document number"):
        hand_down(programme, users["national"], doc_numbers={sichuan.pk: bad})
    with pytest.raises(ListError):
        numbers.parse(bad)


def test_notices_without_a_number_need_the_code(users):
    programme = closed_with_claims(users)
    with translation.override("en"), pytest.raises(ClaimError, match="document code"):
        hand_down(programme, users["national"], doc_code=" ")


def test_two_notices_may_not_be_given_one_number(users):
    programme = closed_with_claims(users, who=("sichuan", "guangdong"))
    same = "发改高技〔2099〕7号"
    entered = {claimant(programme, users[w]).pk: same for w in ("sichuan", "guangdong")}
    with translation.override("en"), pytest.raises(ClaimError, match="entered for both"):
        hand_down(programme, users["national"], doc_numbers=entered)


def test_a_list_cannot_take_a_notices_number(users, cycle):
    national = users["national"]
    programme = closed_with_claims(users)
    (notice,) = hand_down(programme, national)
    version = draft_list(cycle, national, [make_candidate(cycle, national, "甲")])
    with translation.override("en"), pytest.raises(ListError, match="the task notice"):
        publish(version, national, notice.doc_number)


def test_a_correction_frees_the_old_number_and_takes_the_new(users, cycle):
    national = users["national"]
    published = publish(
        draft_list(cycle, national, [make_candidate(cycle, national, "甲")]), national
    )
    programme = closed_with_claims(users)
    (notice,) = hand_down(programme, national)
    assert notice.doc_number == "发改高技〔2099〕1号"
    with translation.override("en"), pytest.raises(ClaimError, match="published list"):
        services.notice_correct(
            notice=notice,
            by=national,
            doc_number=published.doc_number,
            issued_on=notice.issued_on,
            reason="按发文单位编号",
        )
    services.notice_correct(
        notice=notice,
        by=national,
        doc_number="发改高技〔2099〕30号",
        issued_on=notice.issued_on,
        reason="按发文单位编号",
    )
    serials = DocumentNumber.objects.filter(use="notice").values_list("serial", flat=True)
    assert list(serials) == [30]
    text = notice_text(notice)
    assert "发改高技〔2099〕30号" in text and "发改高技〔2099〕1号" not in text


def test_the_database_refuses_a_number_taken_twice(users):
    """The unique constraint holds whichever stage writes the row (here none: directly)."""
    DocumentNumber.objects.create(
        code="发改高技", year=2099, serial=5, text="发改高技〔2099〕5号", use="list", object_id=1
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentNumber.objects.create(
            code="发改高技",
            year=2099,
            serial=5,
            text="发改高技〔2099〕5号",
            use="notice",
            object_id=1,
        )
