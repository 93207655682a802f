"""Reform fields (改革领域): the four key tasks (重点任务) of 发改高技〔2021〕484号 §二, plus 其他.

484号 §二 lists four 重点任务, each with what it "主要包括"; its closing paragraph asks each
locality to plan, from these tasks and its own needs, 个性化的改革举措. A proposal is filed under
one of the four or under 其他（个性化改革举措）. The descriptions are §二's "主要包括" lists as
the notice words them; the English names are the project's translations.

The field categories of the State Council's promotion notices (国办发〔2017〕80号, 〔2018〕126号:
科技金融创新 …) classify promoted results (data/batch_categories.csv), not proposals.
"""

from typing import NamedTuple

from django.db import transaction

from proposals.models import ReformField

SOURCE = "发改高技〔2021〕484号"


class FieldSeed(NamedTuple):
    order: int
    name: str
    name_en: str
    description: str
    source: str


FIELDS = [
    FieldSeed(
        1,
        "构建高效运行的科研体系",
        "Building an efficiently run research system",
        "主要包括：鼓励社会以捐赠和建立基金等方式多渠道投入基础研究，落实科研经费“放管服”改革，"
        "赋予科研机构更大人事自主权，推动科研仪器设备向社会开放，"
        "建立支持新型研发机构发展的体制机制等。",
        f"{SOURCE} §二（一）",
    ),
    FieldSeed(
        2,
        "打好关键核心技术攻坚战",
        "Winning the battle for key and core technologies",
        "主要包括：改革重大科技项目立项和组织管理方式，实行关键核心技术“揭榜挂帅”和“赛马”等制度，"
        "推动技术总师负责制，组建创新联合体并组织重大创新任务，"
        "推动产业链上中下游、大中小企业融通创新等。",
        f"{SOURCE} §二（二）",
    ),
    FieldSeed(
        3,
        "促进技术要素市场体系建设",
        "Building the market system for technology as a factor of production",
        "主要包括：赋予科研人员职务科技成果所有权和长期使用权，"
        "制定科技成果转化尽职免责负面清单和容错机制，推进技术要素市场配置改革，"
        "建设专业化市场化技术转移机构和技术经理人队伍，开展科技成果转化贷款风险补偿试点，"
        "探索低碳技术交易体系和规则建设，促进创新资源跨主体跨区域合理有序流动机制等。",
        f"{SOURCE} §二（三）",
    ),
    FieldSeed(
        4,
        "包容审慎监管新产业新业态",
        "Inclusive and prudent regulation of new industries and new business forms",
        "主要包括：探索建立数据资源产权、交易流通和安全保护等基础制度和标准规范，"
        "促进平台经济和共享经济健康发展，鼓励支持自主创新产品迭代应用，"
        "加强知识产权司法保护和行政执法，"
        "建立新技术新产业新业态新模式统一的市场准入负面清单制度等。",
        f"{SOURCE} §二（四）",
    ),
    FieldSeed(
        5,
        "其他（个性化改革举措）",
        "Other (locally tailored reform measures)",
        "各地根据上述四项重点改革任务，结合本地经济社会发展实际需要谋划的个性化改革举措，"
        "解决制约创新的痛点堵点问题。",
        f"{SOURCE} §二 末段",
    ),
]

OTHER = FIELDS[-1].name


@transaction.atomic
def load_fields() -> int:
    """Create the five fields that are missing (migration 0004 creates them too); a field that
    exists is left as the national coordinator keeps it."""
    created = 0
    for seed in FIELDS:
        _obj, made = ReformField.objects.get_or_create(
            name=seed.name,
            defaults={
                "name_en": seed.name_en,
                "description": seed.description,
                "order": seed.order,
                "source": seed.source,
            },
        )
        created += made
    return created
