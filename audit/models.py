from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One recorded change (操作记录): who did what to which object, with before and after.

    Written only by `audit.services.record`; nobody changes or deletes an entry, and the
    database refuses it too (audit/migrations/0003). The actor's name is kept on the entry as
    it was when they acted, so the trail reads the same after the account is renamed or
    deactivated; an account that has acted is never deleted (`actor` is PROTECT).
    """

    action = models.CharField(_("action"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # "—" when nobody acted (a job, a periodic run).
    actor_name = models.CharField(_("by"), max_length=300, blank=True, default="")
    # A default rather than auto_now_add: an entry's time is set once, when it is written
    # (the demo writes its story's entries at the story's dates), and never updated after.
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"
