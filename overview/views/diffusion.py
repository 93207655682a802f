"""The diffusion of each promoted measure: the list of measures, and one measure's curve,
laggards and difficulties."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import roles
from kernel.access import require
from kernel.downloads import stamp
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import xlsx_response
from overview import diffusion
from overview.dashboards import adoption
from overview.dashboards.base import Block, Territory, share
from overview.dashboards.export import workbook_bytes
from overview.snapshots import snapshot
from promotion import rules
from promotion.models import AdoptionRecord, PromotedMeasure, PromotionBatch, UnitLevel


def _measures(request: HttpRequest) -> Any:
    return rules.MEASURES.queryset(request.user).filter(batch__state=PromotionBatch.State.PUBLISHED)


def _province(request: HttpRequest) -> Any:
    return None if roles.is_national(request.user) else roles.province_of(request.user)


def _adoption_counts(territory: Territory) -> dict[int, tuple[int, int]]:
    """Per measure, its records adopted (已部署 or beyond) and all its records in the
    territory: one grouped query apart from the paging (a count annotated on every measure
    had the database read every record twice, once to count the pages)."""
    found: dict[int, tuple[int, int]] = {}
    rows = (
        AdoptionRecord.objects.filter(Q() if territory.national else Q(province=territory.province))
        .order_by()
        .values("measure")
        .annotate(
            adopted=Count("pk", filter=Q(status__in=adoption.ADOPTED)),
            reported=Count("pk"),
        )
    )
    for row in rows:
        found[row["measure"]] = (row["adopted"], row["reported"])
    return found


@require_GET
@login_required
@require(rules.sees_dashboards)
def index(request: HttpRequest) -> HttpResponse:
    territory = Territory.of(request.user)
    text = request.GET.get("q", "").strip()
    batch = request.GET.get("batch", "")
    qs = _measures(request).select_related("batch")
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(field__icontains=text))
    if batch.isdigit():
        qs = qs.filter(batch__number=int(batch))
    qs = qs.order_by("batch__number", "position")
    units = {
        scope: sum(n.values()) for scope, n in adoption.unit_counts(territory, area=False).items()
    }
    page = paginate(request, qs)
    # 平台规则: shared for overview.snapshots.LIFETIME, the time shown on the page.
    counts = snapshot(
        "diffusion-counts",
        "national" if territory.province is None else str(territory.province.pk),
        lambda: _adoption_counts(territory),
    )
    for measure in page.object_list:
        measure.adopted, measure.reported = counts.value.get(measure.pk, (0, 0))
        measure.units = units[adoption.scope_of(measure.scope)]
        measure.share = share(measure.adopted, measure.units)
    batches = PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED).order_by("number")
    return render(
        request,
        "overview/diffusion_index.html",
        {
            "page": page,
            "querystring": querystring_without_page(request),
            "text": text,
            "batch": batch,
            "batches": batches,
            "province": _province(request),
            "snapshot": counts,
        },
    )


def _blocks(measure: PromotedMeasure, territory: Territory) -> tuple[Block, diffusion.Curve]:
    found = diffusion.curve(measure, territory, timezone.localdate())
    labels = diffusion.curve_labels()
    keys = list(labels)
    rows = [
        [month, *(found.counts[key][i] for key in keys), found.units]
        for i, month in enumerate(found.months)
    ]
    block = Block(
        key="diffusion",
        title=_("Adoption over time"),
        headers=[_("Month"), *labels.values(), _("Units in scope")],
        rows=rows,
        chart={
            "kind": "line",
            "percent": True,
            "stack": True,
            "area": True,
            "categories": found.months,
            "series": [{"name": labels[key], "data": found.shares[key]} for key in keys],
        },
        note=_(
            "Share of the units in the measure's scope in each status at the end of each "
            "month: the highest status reached by then."
        ),
    )
    return block, found


@require_GET
@login_required
@require(rules.sees_dashboards)
def measure(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(_measures(request).select_related("batch"), pk=pk)
    territory = Territory.of(request.user)
    block, found = _blocks(item, territory)
    groups, alone = diffusion.themes(item, territory)
    page = paginate(request, diffusion.laggards(item, territory))
    levels = dict(UnitLevel.choices)
    lagging = [
        {
            "kind": kind,
            "name": name,
            "province": province,
            "level": levels.get(level, ""),
            "status": status,
            "since": since,
        }
        for kind, _pk, name, province, level, status, since, _reported in page.object_list
    ]
    return render(
        request,
        "overview/diffusion.html",
        {
            "measure": item,
            # Not "block": inside {% block %} that name is the template block itself.
            "curve": block,
            "data_id": f"{block.chart_id}-data",
            "now": diffusion.current(item, territory),
            "units": found.units,
            "page": page,
            "lagging": lagging,
            "querystring": querystring_without_page(request),
            "groups": groups,
            "alone": alone,
            "province": _province(request),
        },
    )


@require_GET
@login_required
@require(rules.sees_dashboards)
def measure_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(_measures(request).select_related("batch"), pk=pk)
    territory = Territory.of(request.user)
    block, _found = _blocks(item, territory)
    groups, alone = diffusion.themes(item, territory)
    levels = dict(UnitLevel.choices)
    lag = Block(
        key="laggards",
        title=_("Laggards"),
        headers=[_("Reporting unit"), _("Province"), _("Level"), _("Status"), _("Last reported")],
        rows=[
            [
                name,
                province,
                str(levels.get(level, "")),
                _("not reported") if status is None else _("not deployed"),
                timezone.localtime(since).strftime("%Y-%m-%d") if since else "",
            ]
            for _kind, _pk, name, province, level, status, since, _r in diffusion.laggards(
                item, territory
            )
        ],
        chart={},
    )
    themes = Block(
        key="difficulties",
        title=_("Difficulties by theme"),
        headers=[_("Theme"), _("Reporting unit"), _("Difficulties met")],
        rows=[
            ["、".join(theme.terms) or _("other"), unit, text]
            for theme in [*groups, *alone]
            for unit, text in theme.texts
        ],
        chart={},
    )
    # gettext outside the f-string: xgettext does not read calls inside one.
    label = _("diffusion")
    name = f"{label}-{item.batch.number}-{item.position}-{stamp()}.xlsx"
    return xlsx_response(workbook_bytes([block, lag, themes]), name)
