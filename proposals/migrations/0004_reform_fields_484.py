"""The reform fields become the four key tasks of 发改高技〔2021〕484号 §二, plus 其他.

484号 §二 names four 重点任务, each with what it "主要包括", and its closing paragraph asks each
locality to plan 个性化的改革举措 of its own. This migration creates those five fields (or
completes them where a field of that name exists). Until now the fields were seeded with the
field categories of the State Council promotion notices (国办发〔2017〕80号, 〔2018〕126号:
科技金融创新, 知识产权保护, 科技成果转化激励 …), which classify promoted results, not proposals.

Every proposal, candidate measure and list item of a version not yet published that is filed
under a field that is not one of the five, and every expert whose field of expertise is such a
field, is moved to 其他（个性化改革举措）. No mapping from the promotion categories to
484号's tasks is invented: a promotion category is no task of 484号, and which task a measure
serves is for its locality or the national coordinator to decide by editing it. Each move is
recorded in the audit trail with the field it left, so that decision can be taken from the
record.

Items of published list versions do not move: a published version never changes (the triggers
of lists 0003 refuse it, and this migration does not lift them). An old field still named by a
published item is kept, marked retired: nothing offers it any more, and the published list
still shows the field it was published under. The other old fields are deleted.

Reversing the migration keeps the five fields and does not bring the old ones back.
"""

from django.db import migrations

# Frozen here (a migration must not follow later edits of proposals.reference); a test checks
# that the two agree. (order, name, English name, description, source)
FIELDS = [
    (
        1,
        "构建高效运行的科研体系",
        "Building an efficiently run research system",
        "主要包括：鼓励社会以捐赠和建立基金等方式多渠道投入基础研究，落实科研经费“放管服”改革，"
        "赋予科研机构更大人事自主权，推动科研仪器设备向社会开放，"
        "建立支持新型研发机构发展的体制机制等。",
        "发改高技〔2021〕484号 §二（一）",
    ),
    (
        2,
        "打好关键核心技术攻坚战",
        "Winning the battle for key and core technologies",
        "主要包括：改革重大科技项目立项和组织管理方式，实行关键核心技术“揭榜挂帅”和“赛马”等制度，"
        "推动技术总师负责制，组建创新联合体并组织重大创新任务，"
        "推动产业链上中下游、大中小企业融通创新等。",
        "发改高技〔2021〕484号 §二（二）",
    ),
    (
        3,
        "促进技术要素市场体系建设",
        "Building the market system for technology as a factor of production",
        "主要包括：赋予科研人员职务科技成果所有权和长期使用权，"
        "制定科技成果转化尽职免责负面清单和容错机制，推进技术要素市场配置改革，"
        "建设专业化市场化技术转移机构和技术经理人队伍，开展科技成果转化贷款风险补偿试点，"
        "探索低碳技术交易体系和规则建设，促进创新资源跨主体跨区域合理有序流动机制等。",
        "发改高技〔2021〕484号 §二（三）",
    ),
    (
        4,
        "包容审慎监管新产业新业态",
        "Inclusive and prudent regulation of new industries and new business forms",
        "主要包括：探索建立数据资源产权、交易流通和安全保护等基础制度和标准规范，"
        "促进平台经济和共享经济健康发展，鼓励支持自主创新产品迭代应用，"
        "加强知识产权司法保护和行政执法，"
        "建立新技术新产业新业态新模式统一的市场准入负面清单制度等。",
        "发改高技〔2021〕484号 §二（四）",
    ),
    (
        5,
        "其他（个性化改革举措）",
        "Other (locally tailored reform measures)",
        "各地根据上述四项重点改革任务，结合本地经济社会发展实际需要谋划的个性化改革举措，"
        "解决制约创新的痛点堵点问题。",
        "发改高技〔2021〕484号 §二 末段",
    ),
]
OTHER = "其他（个性化改革举措）"
NOTE = (
    "改革领域改为发改高技〔2021〕484号第二部分的四项重点任务及“其他（个性化改革举措）”"
    "（数据迁移 proposals 0004）；原领域不在这五项之列，未对应到任何重点任务，一律归入“其他”。"
)


def _create_fields(ReformField):
    fields = {}
    for order, name, name_en, description, source in FIELDS:
        field, _made = ReformField.objects.get_or_create(name=name)
        field.name_en = field.name_en or name_en
        field.description = field.description or description
        field.order, field.source = order, field.source or source
        field.save()
        fields[name] = field
    return fields


class _Trail:
    """Audit entries for what the migration moves (audit.services cannot be imported here)."""

    def __init__(self, apps):
        self.entries = apps.get_model("audit", "AuditEntry")
        self.types = apps.get_model("contenttypes", "ContentType")

    def record(self, action, app_label, model, pk, label, changes):
        self.entries.objects.create(
            action=action,
            actor=None,
            content_type=self.types.objects.get_or_create(app_label=app_label, model=model)[0],
            object_id=str(pk),
            object_repr=str(label)[:300],
            changes=changes,
            note=NOTE,
        )


def move_to_484_fields(apps, schema_editor):
    """Create the five fields of 484号 §二, move everything filed under another field to
    其他（个性化改革举措） (published list items excepted), record each move, retire the old
    fields a published list still names and delete the others."""
    ReformField = apps.get_model("proposals", "ReformField")
    Proposal = apps.get_model("proposals", "Proposal")
    CandidateMeasure = apps.get_model("merging", "CandidateMeasure")
    ListItem = apps.get_model("lists", "ListItem")
    ExpertProfile = apps.get_model("review", "ExpertProfile")

    fields = _create_fields(ReformField)
    other = fields[OTHER]
    old = list(ReformField.objects.exclude(pk__in=[f.pk for f in fields.values()]))
    if not old:
        return
    names = {f.pk: f.name for f in old}
    trail = _Trail(apps)

    # Items of versions not yet published; a published version never changes.
    items = list(
        ListItem.objects.filter(field__in=old).exclude(version__state="published").order_by("pk")
    )
    ListItem.objects.filter(pk__in=[i.pk for i in items]).update(field=other)
    for item in items:
        changes = {"field": [names[item.field_id], OTHER]}
        trail.record("list.item_updated", "lists", "listitem", item.pk, item.title, changes)

    for model, action, app_label, model_name in (
        (Proposal, "proposal.updated", "proposals", "proposal"),
        (CandidateMeasure, "candidate.updated", "merging", "candidatemeasure"),
    ):
        rows = list(model.objects.filter(field__in=old).order_by("pk"))
        model.objects.filter(pk__in=[r.pk for r in rows]).update(field=other)
        for row in rows:
            changes = {"field": [names[row.field_id], OTHER]}
            trail.record(action, app_label, model_name, row.pk, row.title, changes)

    for profile in ExpertProfile.objects.filter(fields__in=old).distinct().order_by("pk"):
        before = "、".join(f.name for f in profile.fields.order_by("order", "id"))
        profile.fields.remove(*old)
        profile.fields.add(other)
        after = "、".join(f.name for f in profile.fields.order_by("order", "id"))
        user = profile.user
        label = f"{user.first_name} {user.last_name}".strip() or user.username
        changes = {"fields": [before, after]}
        trail.record("expert.updated", "review", "expertprofile", profile.pk, label, changes)

    published = ListItem.objects.filter(field__in=old, version__state="published")
    kept = set(published.values_list("field_id", flat=True))
    ReformField.objects.filter(pk__in=kept).update(retired=True)
    ReformField.objects.filter(pk__in=names).exclude(pk__in=kept).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0003_reformfield_description_order"),
        ("merging", "0001_initial"),
        ("lists", "0003_published_versions_never_change"),
        ("review", "0001_initial"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(move_to_484_fields, migrations.RunPython.noop)]
