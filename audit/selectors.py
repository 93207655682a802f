from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEntry


def entries_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("content_type")


def has_acted(user: models.Model) -> bool:
    """Whether `user` appears in the trail as the one who acted: such an account is
    deactivated, never deleted (the trail keeps pointing at it)."""
    return AuditEntry.objects.filter(actor_id=user.pk).exists()


def acted(users: models.QuerySet) -> models.QuerySet:
    """Those of `users` who appear in the trail as the one who acted."""
    return users.filter(pk__in=AuditEntry.objects.values("actor_id"))
