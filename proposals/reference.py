"""Reform fields: the field categories of the State Council promotion notices (batches 1 and 2)."""

from django.db import transaction

from proposals.models import ReformField

# (name, English name, source). The English names are the project's translations.
FIELDS = [
    ("科技金融创新", "Sci-tech finance innovation", "国办发〔2017〕80号; 国办发〔2018〕126号"),
    (
        "创新创业政策环境",
        "Innovation and entrepreneurship policy environment",
        "国办发〔2017〕80号",
    ),
    ("外籍人才引进", "Attracting foreign talent", "国办发〔2017〕80号"),
    ("军民融合创新", "Military-civilian integration innovation", "国办发〔2017〕80号"),
    ("知识产权保护", "Intellectual property protection", "国办发〔2018〕126号"),
    ("科技成果转化激励", "Incentives for transferring research results", "国办发〔2018〕126号"),
    ("管理体制创新", "Management system innovation", "国办发〔2018〕126号"),
]


@transaction.atomic
def load_fields() -> int:
    created = 0
    for name, name_en, source in FIELDS:
        _obj, made = ReformField.objects.get_or_create(
            name=name, defaults={"name_en": name_en, "source": source}
        )
        created += made
    return created
