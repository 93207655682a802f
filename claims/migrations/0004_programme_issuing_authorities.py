"""A programme records its issuing authorities, and the notices' numbers are registered.

- `Programme.issuing_authority`: the authorities that hand down its task notices, by default
  those of its kind (an annual list: 国家发展改革委、科技部, 发改高技〔2021〕484号 §三（三）;
  the 2024 zone pilot: 工业和信息化部、科学技术部, source 003). Existing programmes get the
  default of their kind.
- The document numbers of the notices already issued are registered in lists.DocumentNumber,
  beside the published lists' (lists 0004). A number that does not read as GB/T 9704 writes it,
  or that a list or an earlier notice took first, is left out; the notice keeps it as issued.
"""

import re

from django.db import migrations, models

DEFAULTS = {"annual_list": "国家发展改革委、科技部", "zone_pilot": "工业和信息化部、科学技术部"}
FORMAT = re.compile(r"(?P<code>[^\s〔〕\[\]【】]+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d*)号")


def fill(apps, schema_editor):
    Programme = apps.get_model("claims", "Programme")
    TaskNotice = apps.get_model("claims", "TaskNotice")
    DocumentNumber = apps.get_model("lists", "DocumentNumber")
    for kind, issuers in DEFAULTS.items():
        Programme.objects.filter(kind=kind, issuing_authority="").update(issuing_authority=issuers)
    notices = TaskNotice.objects.select_related(
        "programme", "claimant__division", "claimant__region_group"
    )
    for notice in notices.order_by("issued_at", "pk"):
        found = FORMAT.fullmatch(notice.doc_number.strip())
        if found is None:
            continue
        code, year, serial = found["code"], int(found["year"]), int(found["serial"])
        if DocumentNumber.objects.filter(code=code, year=year, serial=serial).exists():
            continue
        party = notice.claimant.division or notice.claimant.region_group
        DocumentNumber.objects.create(
            code=code,
            year=year,
            serial=serial,
            text=f"{code}〔{year}〕{serial}号",
            use="notice",
            object_id=notice.pk,
            holder=f"{notice.programme.title} · {party.name}"[:300],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0003_notice_doc_number_unique"),
        ("lists", "0004_consultation_before_publication_and_document_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="issuing_authority",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="issuing authorities (发文机关)"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
