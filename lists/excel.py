"""A version of the annual list as a workbook: one row per measure, in the list's order."""

from django.utils.translation import gettext as _

from kernel.spreadsheets import table_bytes
from lists.models import ListVersion
from lists.selectors import version_items


def version_xlsx(version: ListVersion) -> bytes:
    headers = [_("No."), _("Reform field"), _("Title"), _("Reform content")]
    headers.append(_("Ministries concerned"))
    rows = (
        [item.position, str(item.field), item.title, item.content, item.ministries]
        for item in version_items(version)
    )
    sheet = f"{version.annual_list.cycle.year} v{version.number}"
    return table_bytes(sheet, headers, rows)


def file_name(version: ListVersion, extension: str) -> str:
    return f"list-{version.annual_list.cycle.year}-v{version.number}.{extension}"
