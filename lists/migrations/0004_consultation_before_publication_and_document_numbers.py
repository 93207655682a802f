"""Consultation before publication, and the register of document numbers (发文字号).

- `ListVersion.no_consultation_reason`: the reason a version was published without consulting
  the departments concerned (发改高技〔2021〕484号 §三（二）"征求有关部门意见并修改完善").
- `DocumentNumber`: the numbers taken by published lists and task notices, once per agency code
  and year. The numbers of the versions already published are registered here (a number that
  does not read as GB/T 9704 writes it, or that another version took first, is left out: the
  version keeps it as it was published); claims 0004 registers the notices'.
- Versions not yet published that name no issuing authority get the two ministries that publish
  the list (484号 §三（三）"国家发展改革委、科技部及时公布"). Published ones never change.

Adding a column rebuilds lists_listversion on SQLite, which cannot be done while the triggers of
lists 0003 (a published version never changes) name the table: they are dropped for the
rebuild and created again, from 0003's own statements, straight after.
"""

import importlib
import re

from django.db import migrations, models

ANNUAL_LIST_ISSUERS = "国家发展改革委、科技部"
FORMAT = re.compile(r"(?P<code>[^\s〔〕\[\]【】]+)〔(?P<year>\d{4})〕(?P<serial>[1-9]\d*)号")


def _guard():
    """The SQLite triggers of lists 0003 (a published version never changes), as it made them."""
    return importlib.import_module("lists.migrations.0003_published_versions_never_change")


def lift_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _guard().SQLITE_REVERSE:
            schema_editor.execute(sql)


def guard_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _guard().SQLITE:
            schema_editor.execute(sql)


def fill(apps, schema_editor):
    ListVersion = apps.get_model("lists", "ListVersion")
    DocumentNumber = apps.get_model("lists", "DocumentNumber")
    ListVersion.objects.exclude(state="published").filter(issuing_authority="").update(
        issuing_authority=ANNUAL_LIST_ISSUERS
    )
    taken = set()
    published = ListVersion.objects.filter(state="published").select_related("annual_list")
    for version in published.order_by("published_at", "pk"):
        found = FORMAT.fullmatch(version.doc_number.strip())
        if found is None:
            continue
        key = (found["code"], int(found["year"]), int(found["serial"]))
        if key in taken:
            continue
        taken.add(key)
        DocumentNumber.objects.create(
            code=key[0],
            year=key[1],
            serial=key[2],
            text=f"{key[0]}〔{key[1]}〕{key[2]}号",
            use="list",
            object_id=version.pk,
            holder=f"{version.annual_list.title} v{version.number}"[:300],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0003_published_versions_never_change"),
    ]

    operations = [
        # SQLite rebuilds lists_listversion to add the column; its triggers, and those of the
        # items and consultations that name it, are lifted first and made again after.
        migrations.RunPython(lift_guard, guard_again),
        migrations.AddField(
            model_name="listversion",
            name="no_consultation_reason",
            field=models.TextField(
                blank=True,
                verbose_name="reason for publishing without consulting the departments concerned",
            ),
        ),
        migrations.AlterField(
            model_name="consultation",
            name="ministry",
            field=models.CharField(max_length=100, verbose_name="department concerned (有关部门)"),
        ),
        migrations.CreateModel(
            name="DocumentNumber",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        max_length=40, verbose_name="issuing agency code (发文机关代字)"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("serial", models.PositiveIntegerField(verbose_name="serial number (发文顺序号)")),
                (
                    "text",
                    models.CharField(max_length=60, verbose_name="document number (发文字号)"),
                ),
                (
                    "use",
                    models.CharField(
                        choices=[("list", "the published list"), ("notice", "the task notice")],
                        max_length=16,
                        verbose_name="used by",
                    ),
                ),
                ("object_id", models.PositiveIntegerField()),
                ("holder", models.CharField(max_length=300)),
                ("taken_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "document number",
                "verbose_name_plural": "document numbers",
                "ordering": ["code", "year", "serial"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("code", "year", "serial"), name="document_number_taken_once"
                    ),
                    models.UniqueConstraint(
                        fields=("use", "object_id"), name="document_number_per_holder"
                    ),
                ],
            },
        ),
        migrations.RunPython(guard_again, lift_guard),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
