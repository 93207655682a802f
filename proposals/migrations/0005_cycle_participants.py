"""A cycle's participants: the province-level localities its call is addressed to.

发改高技〔2021〕484号 is addressed (主送) to the 发展改革委、科技厅（委、局）of 13 provinces:
北京、天津、河北、辽宁、上海、江苏、浙江、安徽、湖北、广东、重庆、四川、陕西. Every existing
cycle gets those 13 as its participants. Reversing drops the field.
"""

from django.db import migrations, models

# Frozen here (a migration must not follow later edits of proposals.models); GB/T 2260 codes.
CALL_484_ADDRESSEES = (
    "110000",
    "120000",
    "130000",
    "210000",
    "310000",
    "320000",
    "330000",
    "340000",
    "420000",
    "440000",
    "500000",
    "510000",
    "610000",
)


def add_addressees(apps, schema_editor):
    Cycle = apps.get_model("proposals", "Cycle")
    Division = apps.get_model("regions", "Division")
    addressees = list(Division.objects.filter(code__in=CALL_484_ADDRESSEES, level=1))
    for cycle in Cycle.objects.all():
        cycle.participants.add(*addressees)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0004_reform_fields_484"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="cycle",
            name="participants",
            field=models.ManyToManyField(
                blank=True,
                help_text="The province-level localities this year's call is addressed to.",
                limit_choices_to={"level": 1},
                related_name="+",
                to="regions.division",
                verbose_name="participants",
            ),
        ),
        migrations.RunPython(add_addressees, migrations.RunPython.noop),
    ]
