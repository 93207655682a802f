from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User
from audit.admin_mixins import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "first_name", "role", "division", "region_group", "organisation"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["division", "organisation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Jiebang", {"fields": ("role", "division", "region_group", "organisation")}),
    )
