from django.contrib import admin

from audit.admin_mixins import AuditedAdmin
from proposals.models import ReformField


@admin.register(ReformField)
class ReformFieldAdmin(AuditedAdmin):
    """The list of reform fields is data the national coordinator maintains."""

    list_display = ["name", "name_en", "source"]
    search_fields = ["name", "name_en"]
