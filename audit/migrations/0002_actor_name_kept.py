"""The actor's name is kept on each entry, and an account that has acted is never deleted.

`actor_name` is filled for the entries already recorded, from the accounts as they are now
(the names they had earlier were not kept); audit 0003 then makes every entry unchangeable,
so this fill must come first. `actor` becomes PROTECT: a user who has acted is deactivated,
not deleted, and the trail keeps pointing at them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def fill_actor_names(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    acted = AuditEntry.objects.filter(actor__isnull=False).values("actor_id").distinct()
    for user in User.objects.filter(pk__in=acted).only("username", "first_name", "last_name"):
        # As accounts.User.__str__ shows a user: the full name, else the login name.
        name = f"{user.first_name} {user.last_name}".strip() or user.username
        AuditEntry.objects.filter(actor_id=user.pk).update(actor_name=name[:300])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="actor_name",
            field=models.CharField(blank=True, default="", max_length=300, verbose_name="by"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="account",
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="at",
            ),
        ),
        migrations.RunPython(fill_actor_names, migrations.RunPython.noop),
    ]
