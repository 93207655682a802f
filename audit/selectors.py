from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEntry


def entries_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor", "content_type")
