"""A realistic demo: real divisions, regions and zones; one user per role; two cycles whose
proposals take their titles from measures the State Council actually promoted
(data/batches.csv). Which province proposed what, the reform field each is filed under, and
every text beyond the title, is demo content and says so: the sources do not tell who proposed
these measures.
"""

import csv
import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from demo.claims_demo import build_claims_demo
from demo.lists_demo import build_lists_demo
from demo.merging_demo import build_merging_demo
from demo.review_demo import build_review_demo
from demo.tasks_demo import build_tasks_demo
from promotion.reference import load_promotion
from proposals.models import Cycle, Proposal, ReformField, Suggestion
from proposals.reference import OTHER, load_fields
from proposals.services import proposals as proposal_services
from proposals.services.cycles import cycle_open
from proposals.services.suggestions import suggestion_submit
from regions.models import Division, Organisation, RegionGroup
from regions.reference import load_divisions, load_groups

DEMO_PASSWORD = "jiebang-demo-2026"  # noqa: S105 (demo logins are printed in the README)

# (username, display name, role, division code, organisation key)
USERS = [
    ("national", "创新和高技术发展司（演示）", Role.NATIONAL, "", ""),
    ("sichuan", "四川省发展改革委（演示）", Role.LOCALITY, "510000", ""),
    ("guangdong", "广东省发展改革委（演示）", Role.LOCALITY, "440000", ""),
    ("anhui", "安徽省科技厅（演示）", Role.LOCALITY, "340000", ""),
    ("hubei", "湖北省发展改革委（演示）", Role.LOCALITY, "420000", ""),
    ("shaanxi", "陕西省科技厅（演示）", Role.LOCALITY, "610000", ""),
    ("chengdu", "成都市发展改革委（演示）", Role.CITY, "510100", ""),
    ("implementer", "实施单位联系人", Role.IMPLEMENTER, "", "zone_body"),
    ("expert", "李明（演示）", Role.EXPERT, "", ""),
    ("evaluator", "评估中心联系人（演示）", Role.EVALUATOR, "", "evaluator"),
    ("innovator", "创新主体联系人", Role.INNOVATION_BODY, "", "scu"),
    ("public", "公众读者", Role.PUBLIC, "", ""),
]

# Real public bodies; those marked 演示 are made up for the demo, or named beyond what the
# sources say: source 003 has 成都高新区 speak for the Chengdu zone, not its management body.
ORGANISATIONS = {
    "scdrc": ("四川省发展和改革委员会", Organisation.Kind.GOVERNMENT, "510000"),
    "scst": ("四川省科学技术厅", Organisation.Kind.GOVERNMENT, "510000"),
    "scu": ("四川大学", Organisation.Kind.UNIVERSITY, "510107"),
    "gddrc": ("广东省发展和改革委员会", Organisation.Kind.GOVERNMENT, "440000"),
    "zone_body": ("成都高新区管理委员会（演示）", Organisation.Kind.GOVERNMENT, "510100"),
    "enterprise": ("成都示例科技有限公司（演示）", Organisation.Kind.ENTERPRISE, "510100"),
    "evaluator": ("示例评估咨询中心（演示）", Organisation.Kind.EVALUATOR, "110000"),
}

# Province, cycle year, state for each demo proposal, in the order of the verified titles.
PLAN = [
    ("510000", 2027, "submitted"),
    ("510000", 2027, "submitted"),
    ("510000", 2027, "submitted"),
    ("440000", 2027, "submitted"),
    ("440000", 2027, "submitted"),
    ("440000", 2027, "submitted"),
    ("440000", 2027, "returned"),
    ("340000", 2027, "draft"),
    ("340000", 2027, "draft"),
    ("420000", 2027, "submitted"),
    ("420000", 2027, "submitted"),
    ("420000", 2027, "submitted"),
    ("420000", 2027, "submitted"),
    ("610000", 2027, "draft"),
    ("510000", 2026, "submitted"),
    ("510000", 2026, "submitted"),
    ("510000", 2026, "submitted"),
    ("440000", 2026, "submitted"),
    ("440000", 2026, "submitted"),
    ("440000", 2026, "submitted"),
]


# The reform field (发改高技〔2021〕484号 §二's key tasks, or 其他) each demo proposal is filed
# under, chosen from its title: demo content, no source says which task these measures served.
# A title not listed here goes under 其他.
RESEARCH = "构建高效运行的科研体系"
KEY_TECH = "打好关键核心技术攻坚战"
TECH_MARKET = "促进技术要素市场体系建设"
REGULATION = "包容审慎监管新产业新业态"
DEMO_FIELDS = {
    "以关联企业从产业链核心龙头企业获得的应收账款为质押的融资服务": KEY_TECH,
    "贷款、保险、财政风险补偿捆绑的专利权质押融资服务": TECH_MARKET,
    "专利快速审查、确权、维权一站式服务": REGULATION,
    "事业单位可采取年薪制、协议工资制、项目工资等灵活多样的分配形式引进紧缺或高层次人才": RESEARCH,
    "知识产权民事、刑事、行政案件“三合一”审判": REGULATION,
    "省级行政区内专利等专业技术性较强的知识产权案件跨市（区）审理": REGULATION,
    "知识产权案件审判中引入技术调查官制度": REGULATION,
    "基于“两表指导、审助分流”的知识产权案件快速审判机制": REGULATION,
    "以事前产权激励为核心的职务科技成果权属改革": TECH_MARKET,
    "技术经理人全程参与的科技成果转化服务模式": TECH_MARKET,
    "技术股与现金股结合激励的科技成果转化相关方利益捆绑机制": TECH_MARKET,
    "“定向研发、定向转化、定向服务”的订单式研发和成果转化机制": TECH_MARKET,
    "允许地方高校自主开展人才引进和职称评审": RESEARCH,
    "科技创新券跨区域“通用通兑”政策协同机制": TECH_MARKET,
}


def _titles() -> list[tuple[str, str]]:
    """(title, promotion category) of each verified measure; the category is the promotion
    notice's, not a reform field of 484号."""
    path = Path(settings.BASE_DIR) / "data" / "batches.csv"
    with open(path, encoding="utf-8") as f:
        return [
            (row["title"], row["category"])
            for row in csv.DictReader(f)
            if row["title_status"] == "verified"
        ]


def _texts(title: str) -> dict[str, object]:
    mark = "（演示数据）"
    return {
        # Only the title carries meaning: a shared template sentence would make every demo
        # proposal look alike to the similarity analysis.
        "problem": f"{mark}{title}",
        "content": f"{mark}{title}",
        "implementing_bodies": f"{mark}省发展改革委、省科技厅会同有关部门和市（州）政府",
        "expected_results": f"{mark}形成可复制推广的制度经验。",
        "targets": f"{mark}一年内出台配套办法1项；覆盖企业不少于100家。",
        "timetable": f"{mark}第一季度制定方案；第二、三季度组织实施；第四季度总结评估。",
        "risks": f"{mark}探索中出现的失误按容错纠错机制处理。",
        "contact_name": "联系人（演示）",
        "contact_phone": "028-00000000",
    }


def _users() -> dict[str, User]:
    orgs = {
        key: Organisation.objects.get_or_create(
            name=name, division=Division.objects.get(code=code), defaults={"kind": kind}
        )[0]
        for key, (name, kind, code) in ORGANISATIONS.items()
    }
    users = {}
    for username, name, role, code, org in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=name, role=role)
            user.division = Division.objects.get(code=code) if code else None
            user.organisation = orgs.get(org)
            user.is_staff = user.is_superuser = role == Role.NATIONAL
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user
    return users


def _cycles(national: User) -> dict[int, Cycle]:
    cycles = {}
    for year in (2026, 2027):
        cycle = Cycle.objects.filter(year=year).first() or cycle_open(
            by=national,
            year=year,
            title=f"{year}年度全面创新改革举措建议征集",
            deadline=datetime.date(year, 4, 30),
        )
        cycles[year] = cycle
    return cycles


def _proposals(users: dict[str, User], cycles: dict[int, Cycle]) -> None:
    fields = {f.name: f for f in ReformField.objects.all()}
    coordinators = {
        u.division.code: u for u in users.values() if u.role == Role.LOCALITY and u.division
    }
    for (code, year, state), (title, _category) in zip(PLAN, _titles(), strict=False):
        by = coordinators[code]
        data = {"title": title, "field": fields[DEMO_FIELDS.get(title, OTHER)], **_texts(title)}
        proposal = proposal_services.proposal_create(by=by, cycle=cycles[year], data=data)
        if state in ("submitted", "returned"):
            # The demo bypasses the deadline and range checks of submission on purpose: the
            # 2026 cycle is past, and provinces are shown part-way through.
            proposal.state, proposal.submitted_at = Proposal.State.SUBMITTED, timezone.now()
            proposal.save(update_fields=["state", "submitted_at"])
        if state == "returned":
            proposal_services.proposal_return(
                proposal=proposal, by=users["national"], reason="（演示）请补充可量化的考核指标。"
            )
    cycles[2026].is_open = False
    cycles[2026].save(update_fields=["is_open"])


@transaction.atomic
def build_demo() -> bool:
    """Load reference data and the demo once; False if the demo was already there."""
    load_divisions()
    load_groups()
    load_fields()
    load_promotion()
    if Cycle.objects.exists():
        return False
    users = _users()
    cycles = _cycles(users["national"])
    _proposals(users, cycles)
    build_merging_demo()
    build_review_demo()
    build_lists_demo()
    suggestion_submit(
        by=users["innovator"],
        cycle=cycles[2027],
        title="高校科研仪器设备开放共享的收费与激励机制（演示）",
        content="（演示数据）建议明确高校大型仪器对外开放的收费标准和收益分配，提升使用率。",
    )
    build_claims_demo()
    build_tasks_demo()
    assert RegionGroup.objects.count() == 31
    assert Suggestion.objects.count() == 1
    return True
