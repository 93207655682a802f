"""The dashboard page and its export."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import roles
from kernel.access import require
from kernel.downloads import stamp
from kernel.spreadsheets import xlsx_response
from overview.dashboards import Block
from overview.dashboards import dashboard as dashboard_blocks
from overview.dashboards.export import workbook_bytes
from overview.snapshots import Snapshot, snapshot
from promotion import rules


@require_GET
@login_required
@require(rules.sees_dashboards)
def dashboard(request: HttpRequest) -> HttpResponse:
    found = _blocks(request)
    blocks = found.value
    province = None if roles.is_national(request.user) else roles.province_of(request.user)
    return render(
        request,
        "overview/dashboard.html",
        {
            "blocks": blocks,
            "province": province,
            "charts": {b.chart_id: b.chart for b in blocks},
            "snapshot": found,
        },
    )


def _blocks(request: HttpRequest) -> Snapshot[list[Block]]:
    """The blocks of the user's territory, shared by everyone who sees that territory for
    `overview.snapshots.LIFETIME` (平台规则)."""
    user = request.user
    today = timezone.localdate()
    province = None if roles.is_national(user) else roles.province_of(user)
    scope = f"{province.pk if province else 'national'}:{today.isoformat()}"
    return snapshot("dashboard", scope, lambda: dashboard_blocks(user, today))


@require_GET
@login_required
@require(rules.sees_dashboards)
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    blocks = _blocks(request).value
    label = _("dashboard")  # outside the f-string: xgettext does not read calls inside one
    return xlsx_response(workbook_bytes(blocks), f"{label}-{stamp()}.xlsx")
