from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is evidence and may not be edited through the app (nor in the
    database: audit 0003)."""

    # The name kept on the entry, as it was when they acted: the account may have been
    # renamed or deactivated since.
    list_display = ["at", "action", "object_repr", "actor_name"]
    list_filter = ["action"]
    search_fields = ["object_repr", "action", "actor_name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
