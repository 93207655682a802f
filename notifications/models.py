"""In-app notifications (站内消息): reminders and answers reach a user here and by e-mail.

A notification that asks for e-mail is also the e-mail's outbox entry: the worker sends it
later (notifications.services.mail_send_due), so no user action waits on, or fails with, the
mail server.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class MailState(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("given up")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # A path inside the app, never an outside address.
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # What the message is about, as a key its sender can find it by again (for example
    # "task:12:report-overdue:2026:3"): an alert whose cause is gone is closed by that key
    # (`notifications_close`), so a user never acts on a stale one.
    about = models.CharField(max_length=120, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # A reminder (催报提醒) sent by the platform, not a message of a person's decision: counted
    # in the burden monitor, and gathered into the daily digest.
    is_reminder = models.BooleanField(_("reminder"), default=False)
    # The e-mail: wanted when the notification was made and the user had an address. Pending
    # while `email_due_at` is set (the earliest next try); sent once `emailed_at` is set;
    # given up when neither is, after the last of the attempts allowed.
    email_wanted = models.BooleanField(_("e-mail wanted"), default=False)
    email_due_at = models.DateTimeField(_("e-mail due"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("failed e-mail attempts"), default=0)
    email_error = models.TextField(_("last e-mail error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            # The worker looks for due mail every minute; only pending rows are indexed.
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False),
                name="notification_mail_due",
            ),
            # The burden monitor counts the platform's reminders per month: only they are
            # indexed, by when they were sent.
            models.Index(
                fields=["created_at"],
                condition=Q(is_reminder=True),
                name="notification_reminder_sent",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def mail_state(self) -> str:
        if not self.email_wanted:
            return ""
        if self.emailed_at is not None:
            return self.MailState.SENT
        if self.email_due_at is not None:
            return self.MailState.PENDING
        return self.MailState.FAILED
