from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import User
from audit.admin_mixins import AuditedAdmin
from audit.selectors import acted, has_acted


def deactivate_instead_message(names: str) -> str:
    return _(
        "%(names)s acted on the platform, and the audit trail keeps who acted: an account "
        "that has acted is deactivated, not deleted (platform rule). Untick “Active” on its "
        "page and save; it can then no longer sign in."
    ) % {"names": names}


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Accounts. One that has acted (it appears in the audit trail) is deactivated, never
    deleted: the trail must keep pointing at who acted (AuditEntry.actor is PROTECT)."""

    list_display = ["username", "first_name", "role", "division", "region_group", "organisation"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["division", "organisation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Jiebang", {"fields": ("role", "division", "region_group", "organisation")}),
    )
    actions = ["delete_selected"]

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        user = self.get_object(request, unquote(object_id))
        if user is not None and has_acted(user):
            self.message_user(request, deactivate_instead_message(f"“{user}”"), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(
        permissions=["delete"],
        description=delete_selected.short_description,  # type: ignore[attr-defined]
    )
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> Any:
        """Django's bulk delete, refused as a whole when a selected account has acted."""
        refused = list(acted(queryset).order_by("username"))
        if refused:
            names = "、".join(f"“{user}”" for user in refused)
            self.message_user(request, deactivate_instead_message(names), messages.ERROR)
            return None
        return delete_selected(self, request, queryset)


# /admin/login/ under the main login's throttle (accounts.forms): the national coordinator, a
# superuser, must not be open to password guessing there.
admin.site.login_form = ThrottledAdminAuthenticationForm
