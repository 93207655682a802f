"""The e-mail outbox as the national coordinator (a superuser) sees it: which messages are
waiting, which were sent and which were given up, with the last error. Read-only: the rows
are the app's record of what it told whom."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification


class MailStateFilter(admin.SimpleListFilter):
    title = _("e-mail")
    parameter_name = "mail"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Notification.MailState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> Any:
        wanted = queryset.filter(email_wanted=True)
        if self.value() == Notification.MailState.SENT:
            return wanted.filter(emailed_at__isnull=False)
        if self.value() == Notification.MailState.PENDING:
            return wanted.filter(emailed_at__isnull=True, email_due_at__isnull=False)
        if self.value() == Notification.MailState.FAILED:
            return wanted.filter(emailed_at__isnull=True, email_due_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "user",
        "created_at",
        "mail_state_label",
        "email_attempts",
        "email_error",
    ]
    list_filter = [MailStateFilter]
    list_select_related = ["user"]
    search_fields = ["subject", "user__username", "user__email"]
    date_hierarchy = "created_at"

    @admin.display(description=_("e-mail"))
    def mail_state_label(self, note: Notification) -> Any:
        state = note.mail_state
        return Notification.MailState(state).label if state else "-"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
