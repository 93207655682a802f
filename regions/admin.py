from django.contrib import admin

from audit.admin_mixins import AuditedAdmin
from regions.models import Division, Organisation, RegionGroup


@admin.register(Division)
class DivisionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "province"]


@admin.register(RegionGroup)
class RegionGroupAdmin(AuditedAdmin):
    list_display = ["name", "kind", "approval_year"]
    list_filter = ["kind"]
    filter_horizontal = ["divisions"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "division"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["division"]
