"""A realistic demo: real divisions, regions and zones; one user per role (Sichuan's locality
twice: its 发展改革委 and its 科技厅, who act for the province jointly, 发改高技〔2021〕484号); two
cycles of demo proposals. The proposals are made up for the demo from the key tasks of 484号 §二
and marked （演示）: none is a measure the State Council promoted nationwide (data/batches.csv),
which could not be proposed as new, and the sources do not say what any province proposed.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from demo.claims_demo import build_claims_demo
from demo.evaluation_demo import build_evaluation_demo
from demo.lists_demo import build_lists_demo
from demo.logins import DEMO_PASSWORD
from demo.merging_demo import build_merging_demo
from demo.promotion_demo import build_promotion_demo
from demo.review_demo import build_review_demo
from demo.tasks_demo import build_tasks_demo
from promotion.reference import load_promotion
from proposals.models import Cycle, Proposal, ReformField, Suggestion
from proposals.reference import load_fields
from proposals.services import proposals as proposal_services
from proposals.services.cycles import cycle_open
from proposals.services.suggestions import suggestion_submit
from regions.models import Division, Organisation, RegionGroup
from regions.reference import load_divisions, load_groups, load_parks

# (username, display name, role, division code, organisation key)
USERS = [
    ("national", "创新和高技术发展司（演示）", Role.NATIONAL, "", ""),
    ("sichuan", "四川省发展改革委（演示）", Role.LOCALITY, "510000", "scdrc"),
    ("sichuan_kjt", "四川省科技厅（演示）", Role.LOCALITY, "510000", "scst"),
    ("guangdong", "广东省发展改革委（演示）", Role.LOCALITY, "440000", "gddrc"),
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

RESEARCH = "构建高效运行的科研体系"
KEY_TECH = "打好关键核心技术攻坚战"
TECH_MARKET = "促进技术要素市场体系建设"
REGULATION = "包容审慎监管新产业新业态"

# Each demo proposal: province, cycle year, state, title, reform field, problem, content. The
# measures are made up for the demo from the key tasks 发改高技〔2021〕484号 §二 enumerates, each
# under the task it comes from, and marked （演示）: none is a measure the State Council has
# promoted (data/batches.csv), and no source says any province proposed them. Only the 2026
# Sichuan measure on 尽职免责 has a near twin, Guangdong's (demo/merging_demo.py), and the 2027
# pair on 技术转移机构 (Sichuan, Hubei) is worded alike so that *Suggest groups* finds it;
# every other pair differs.
PROPOSALS = [
    (
        "510000",
        2027,
        "submitted",
        "社会捐赠和设立基金多渠道投入基础研究（演示）",
        RESEARCH,
        "基础研究投入几乎全靠财政，企业和社会资金进入的渠道少。",
        "设立省级基础研究联合基金，吸引企业和社会捐赠共同出资，捐赠支出落实税前扣除政策。",
    ),
    (
        "510000",
        2027,
        "submitted",
        "专业化市场化技术转移机构建设（演示）",
        TECH_MARKET,
        "高校院所技术转移机构多挂靠科研管理部门，人员不专、激励不足。",
        "支持高校院所设立专业化、市场化的技术转移机构，配备专职人员，"
        "从转化收益中提取经费用于机构运行和人员奖励。",
    ),
    (
        "510000",
        2027,
        "submitted",
        "科技成果转化贷款风险补偿试点（演示）",
        TECH_MARKET,
        "银行对科技成果转化项目放贷顾虑大，企业转化资金不足。",
        "设立科技成果转化贷款风险补偿资金，对合作银行发放的转化贷款损失按比例补偿。",
    ),
    (
        "440000",
        2027,
        "submitted",
        "重大科技项目立项和组织管理方式改革（演示）",
        KEY_TECH,
        "重大科技项目立项周期长，评审重形式，过程管理层层报表。",
        "重大科技项目实行定向委托和部省联动立项，以里程碑节点考核代替年度检查。",
    ),
    (
        "440000",
        2027,
        "submitted",
        "攻关项目技术总师负责制（演示）",
        KEY_TECH,
        "攻关项目技术路线由行政决定，一线科学家的技术决策权不足。",
        "在省级攻关项目中设立技术总师，赋予其技术路线决策权和团队组建权。",
    ),
    (
        "440000",
        2027,
        "submitted",
        "产业链上中下游、大中小企业融通创新（演示）",
        KEY_TECH,
        "中小企业难以进入龙头企业供应链，创新成果缺少应用场景。",
        "龙头企业发布配套需求清单，中小企业承接研制，省财政对首次配套应用给予奖励。",
    ),
    (
        "440000",
        2027,
        "returned",
        "赋予科研机构更大人事自主权（演示）",
        RESEARCH,
        "科研院所进人用人审批环节多，急需的人才难以及时到岗。",
        "科研院所在岗位总量内自主设置岗位、自主公开招聘，结果报主管部门备案。",
    ),
    (
        "340000",
        2027,
        "draft",
        "自主创新产品迭代应用支持机制（演示）",
        REGULATION,
        "自主创新产品首次进入市场难，用户不敢用、不愿用。",
        "对首次采购自主创新产品的用户给予保险补偿，建立应用反馈和迭代改进机制。",
    ),
    (
        "340000",
        2027,
        "draft",
        "平台经济和共享经济包容审慎监管（演示）",
        REGULATION,
        "平台经济、共享经济的新业态套用传统监管规则，处罚多、指导少。",
        "对新业态设置监管观察期，轻微违法首次不罚，制定分类监管事项清单。",
    ),
    (
        "420000",
        2027,
        "submitted",
        "技术要素市场化配置改革（演示）",
        TECH_MARKET,
        "技术成果定价难、交易信息分散，技术要素流动不畅。",
        "建设统一的技术交易服务平台，推行技术成果挂牌交易和公开拍卖，完善技术合同登记。",
    ),
    (
        "420000",
        2027,
        "submitted",
        "建设专业化市场化技术转移机构（演示）",
        TECH_MARKET,
        "高校院所的技术转移机构人员少、不专业，多为兼职。",
        "推动高校院所建设专业化、市场化的技术转移机构，配备专职人员，"
        "允许从转化收益中提取经费支持机构运行。",
    ),
    (
        "420000",
        2027,
        "submitted",
        "创新资源跨主体跨区域合理有序流动机制（演示）",
        TECH_MARKET,
        "科研设施、人才等创新资源按行政区划和单位分割，跨区域使用难。",
        "与相邻省份互认科技服务机构资质，允许人才跨区域兼职取酬，科研设施跨区域预约使用。",
    ),
    (
        "420000",
        2027,
        "submitted",
        "新技术新产业新业态新模式市场准入负面清单（演示）",
        REGULATION,
        "新技术、新产品上市缺少准入依据，企业无所适从。",
        "梳理新技术、新产业、新业态、新模式的准入事项，负面清单以外各类市场主体平等进入。",
    ),
    (
        "610000",
        2027,
        "draft",
        "关键核心技术攻关“赛马”制度（演示）",
        KEY_TECH,
        "攻关任务一次确定单一承担单位，技术路线选错就前功尽弃。",
        "对技术路线不确定的攻关任务择优支持多个团队并行攻关，分阶段评估后择优持续支持。",
    ),
    (
        "510000",
        2026,
        "submitted",
        "科研项目经费包干制扩大试点（演示）",
        RESEARCH,
        "科研项目经费预算编制过细、调剂难，科研人员报销负担重。",
        "落实科研经费“放管服”改革，在省级科技计划中扩大经费包干制试点，"
        "由项目负责人自主决定经费使用。",
    ),
    (
        "510000",
        2026,
        "submitted",
        "科技成果转化尽职免责负面清单和容错机制（演示）",
        TECH_MARKET,
        "高校院所负责人担心成果转让定价被追责，转化决策迟缓。",
        "制定科技成果转化尽职免责负面清单，明确容错情形和认定程序，"
        "已履行勤勉尽责义务的不再追究决策责任。",
    ),
    (
        "510000",
        2026,
        "submitted",
        "支持新型研发机构发展的体制机制（演示）",
        RESEARCH,
        "新型研发机构在登记、财政支持和人员管理上缺少适用的政策。",
        "明确新型研发机构认定条件，实行理事会领导下的院长负责制，按绩效给予稳定支持。",
    ),
    (
        "440000",
        2026,
        "submitted",
        "关键核心技术攻关“揭榜挂帅”制度（演示）",
        KEY_TECH,
        "关键核心技术攻关项目由谁承担多看资历，不看能力。",
        "面向产业需求凝练攻关榜单，不设门槛张榜招贤，按约定指标验收、兑现支持。",
    ),
    (
        "440000",
        2026,
        "submitted",
        "组建创新联合体承担重大创新任务（演示）",
        KEY_TECH,
        "龙头企业、高校和院所各自攻关，重大任务难以协同。",
        "由龙头企业牵头，联合上下游企业和科研单位组建创新联合体，以联合体承担重大创新任务。",
    ),
    (
        "440000",
        2026,
        "submitted",
        "低碳技术交易体系和规则建设（演示）",
        TECH_MARKET,
        "低碳技术成果缺少定价、交易和结算的规则，供需难以对接。",
        "依托省级技术交易平台设立低碳技术交易板块，制定挂牌、评估和交易规则。",
    ),
]


def _titles() -> list[tuple[str, str]]:
    """(title, reform field) of each demo proposal."""
    return [(title, field) for _code, _year, _state, title, field, *_texts in PROPOSALS]


def _texts(problem: str, content: str) -> dict[str, object]:
    mark = "（演示数据）"
    return {
        # Only the title, problem and content carry meaning: a shared template sentence would
        # make every demo proposal look alike to the similarity analysis.
        "problem": f"{mark}{problem}",
        "content": f"{mark}{content}",
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
    for username, name, role, code, org in USERS:  # DEMO_PASSWORD: demo.logins
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=name, role=role)
            user.division = Division.objects.get(code=code) if code else None
            user.organisation = orgs.get(org)
            user.is_staff = user.is_superuser = role == Role.NATIONAL
            user.set_password(DEMO_PASSWORD)
            assert not user.department_error(), username
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
    coordinators: dict[str, User] = {}
    for u in users.values():  # a province's first coordinator writes its proposals
        if u.role == Role.LOCALITY and u.division:
            coordinators.setdefault(u.division.code, u)
    for code, year, state, title, field, problem, content in PROPOSALS:
        by = coordinators[code]
        data = {"title": title, "field": fields[field], **_texts(problem, content)}
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
    load_parks()
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
    build_evaluation_demo()
    build_promotion_demo()
    assert RegionGroup.objects.count() == 31
    assert Suggestion.objects.count() == 1
    return True
