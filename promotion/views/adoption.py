"""Pages of adoption in a round (推广落实): a unit's measures with their answers, the form of one
measure, filing the return (报送) or "unchanged since the last round" (与上轮相比无变化) after a
confirmation, the user's territory ("my units") with its export, handing down (下发) and
chasing (催报), and the evidence file behind a record.

A unit or return outside the user's scope is 404; an action they may not take is 403."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.actors import AuthenticatedHttpRequest
from kernel.actions import form_action
from kernel.downloads import stamp, stored_file
from kernel.errors import DomainError, Forbidden
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import table_bytes, xlsx_response
from promotion import rules
from promotion.forms.adoption import AdoptionForm, TerritoryFilterForm
from promotion.forms.rounds import ConfirmForm
from promotion.models import AdoptionRecord, AdoptionStatus, PromotedMeasure, TrackingRound
from promotion.selectors import adoption as reads
from promotion.selectors.adoption import By
from promotion.selectors.rounds import round_get_for_user, round_measures
from promotion.services import adoption as services
from promotion.services.records import adoption_write
from regions.models import Division, Park


def _unit_in_round(
    request: AuthenticatedHttpRequest, pk: int, kind: str, unit_pk: int
) -> tuple[TrackingRound, Division | Park, Any]:
    round = round_get_for_user(request.user, pk)
    unit = reads.unit_get(kind, unit_pk)
    ret = reads.return_for_user(request.user, round, unit)
    return round, unit, ret


@login_required
def round_unit(request: AuthenticatedHttpRequest, pk: int, kind: str, unit: int) -> HttpResponse:
    round, found, ret = _unit_in_round(request, pk, kind, unit)
    rows = reads.unit_rows(round, found)
    may_file = reads.may_file(request.user, ret)
    context = {
        "round": round,
        "unit": found,
        "kind": kind,
        "ret": ret,
        "rows": rows,
        "may_file": may_file,
        "answered": sum(1 for r in rows if r.record is not None),
        "this_round": sum(1 for r in rows if r.this_round),
        "all_answered": all(r.record is not None for r in rows),
        "none_this_round": not any(r.this_round for r in rows),
    }
    return render(request, "promotion/adoption_unit.html", context)


def _initial(record: AdoptionRecord | None) -> dict[str, object]:
    if record is None:
        return {}
    return {
        "status": record.status,
        "status_on": record.status_on,
        "local_document": record.local_document,
        "contact": record.contact,
        "difficulties": record.difficulties,
        "reason": record.reason,
    }


@login_required
def round_unit_measure(
    request: AuthenticatedHttpRequest, pk: int, kind: str, unit: int, measure: int
) -> HttpResponse:
    """One measure's answer, prefilled from the unit's current record (the previous round's)."""
    round, found, ret = _unit_in_round(request, pk, kind, unit)
    if not reads.may_file(request.user, ret):
        raise Forbidden
    target = get_object_or_404(PromotedMeasure.objects.select_related("batch"), pk=measure)
    measures = reads.unit_measures(round, found)
    if target.pk not in {m.pk for m in measures}:
        raise Http404
    record = reads.unit_records(found, [target]).get(target.pk)
    initial = _initial(record)
    if not initial.get("contact"):
        initial["contact"] = reads.unit_contact(found)  # the unit's contact, carried forward
    form = AdoptionForm(request.POST or None, request.FILES or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: adoption_write(
            by=request.user,
            unit=found,
            measure=target,
            data=form.data_for_service(),
            round=round,
            evidence=form.cleaned_data.get("evidence"),
        ),
        _("Answer saved. File the return once every measure is answered."),
    ):
        return redirect("promotion:round_unit", round.pk, kind, found.pk)
    context = {
        "round": round,
        "unit": found,
        "kind": kind,
        "measure": target,
        "record": record,
        "form": form,
    }
    return render(request, "promotion/adoption_measure.html", context)


def _filing(
    request: AuthenticatedHttpRequest, pk: int, kind: str, unit: int, *, unchanged: bool
) -> HttpResponse:
    round, found, ret = _unit_in_round(request, pk, kind, unit)
    if not reads.may_file(request.user, ret):
        raise Forbidden
    rows = reads.unit_rows(round, found)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    action = services.return_file_unchanged if unchanged else services.return_file
    if form_action(
        request,
        form,
        lambda: action(by=request.user, round=round, unit=found),
        _("Return filed as unchanged since the last round.") if unchanged else _("Return filed."),
    ):
        return redirect("promotion:round_unit", round.pk, kind, found.pk)
    context = {
        "round": round,
        "unit": found,
        "kind": kind,
        "ret": ret,
        "rows": rows,
        "form": form,
        "unchanged": unchanged,
        "missing": [r for r in rows if r.record is None],
    }
    return render(request, "promotion/adoption_file.html", context)


@login_required
def round_unit_file(
    request: AuthenticatedHttpRequest, pk: int, kind: str, unit: int
) -> HttpResponse:
    return _filing(request, pk, kind, unit, unchanged=False)


@login_required
def round_unit_unchanged(
    request: AuthenticatedHttpRequest, pk: int, kind: str, unit: int
) -> HttpResponse:
    return _filing(request, pk, kind, unit, unchanged=True)


# The territory --------------------------------------------------------------------------------


def _territory_filters(request: AuthenticatedHttpRequest) -> TerritoryFilterForm:
    return TerritoryFilterForm(request.GET or None)


def _state_label(ret: Any) -> str:
    if ret.filed_at is not None:
        return _("filed (unchanged)") if ret.unchanged else _("filed")
    if ret.delegated_at is not None:
        return _("handed down, not filed")
    return _("not filed")


@login_required
def round_units(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = round_get_for_user(request.user, pk)
    if not (rules.reports_adoption(request.user) or rules.manages_promotion(request.user)):
        raise Forbidden
    filters = _territory_filters(request)
    page = paginate(request, reads.territory_returns(request.user, round, filters.params()))
    returns = list(page.object_list)
    for ret in returns:
        ret.round = round  # the predicates below read the round; spare a query per row
    counts = reads.return_counts(round, returns)
    items = [
        {
            "ret": ret,
            "state": _state_label(ret),
            "counts": counts[ret.pk],
            "status_counts": [
                counts[ret.pk].counts.get(value, 0) for value, _label in AdoptionStatus.choices
            ],
            "kind": "park" if ret.park_id else "division",
            "can_hand_down": reads.can_hand_down(request.user, ret),
            "can_chase": reads.can_chase(request.user, ret),
        }
        for ret in returns
    ]
    context = {
        "round": round,
        "filters": filters,
        "page": page,
        "items": items,
        "statuses": AdoptionStatus.choices,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "chase_count": reads.chase_targets(request.user, round).count(),
    }
    return render(request, "promotion/adoption_units.html", context)


def _local(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


@require_GET
@login_required
def round_units_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = round_get_for_user(request.user, pk)
    if not (rules.reports_adoption(request.user) or rules.manages_promotion(request.user)):
        raise Forbidden
    returns = list(
        reads.territory_returns(request.user, round, _territory_filters(request).params())
    )
    counts = reads.return_counts(round, returns)
    headers = [
        _("Reporting unit"),
        _("Level"),
        _("Province"),
        _("Prefecture"),
        _("State"),
        *[str(label) for _value, label in AdoptionStatus.choices],
        _("Not reported"),
        _("Handed down at"),
        _("Last chased at"),
        _("Filed at"),
    ]
    rows = (
        [
            str(ret.unit),
            ret.get_level_display(),
            str(ret.province),
            str(ret.prefecture or ""),
            _state_label(ret),
            *[counts[ret.pk].counts.get(value, 0) for value, _label in AdoptionStatus.choices],
            counts[ret.pk].missing,
            _local(ret.delegated_at),
            _local(ret.chased_at),
            _local(ret.filed_at),
        ]
        for ret in returns
    )
    content = table_bytes(_("Reporting units"), headers, rows)
    return xlsx_response(content, f"round-{round.pk}-units-{stamp()}.xlsx")


def _return_in_round(request: AuthenticatedHttpRequest, pk: int, ret_pk: int) -> Any:
    round = round_get_for_user(request.user, pk)
    ret = (
        rules.RETURNS.queryset(request.user, round.returns.all())
        .select_related("round", "division", "park")
        .filter(pk=ret_pk)
        .first()
    )
    if ret is None:
        raise Http404
    return ret


def _back(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    query = request.POST.get("next_query", "")
    target = redirect("promotion:round_units", pk)
    if query and "//" not in query:
        target["Location"] += "?" + query
    return target


@login_required
@require_POST
def return_hand_down(request: AuthenticatedHttpRequest, pk: int, ret: int) -> HttpResponse:
    found = _return_in_round(request, pk, ret)
    try:
        services.hand_down(by=request.user, ret=found)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Handed down to %(unit)s.") % {"unit": found.unit})
    return _back(request, pk)


@login_required
@require_POST
def return_chase(request: AuthenticatedHttpRequest, pk: int, ret: int) -> HttpResponse:
    found = _return_in_round(request, pk, ret)
    try:
        services.chase(by=request.user, ret=found)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(unit)s has been chased.") % {"unit": found.unit})
    return _back(request, pk)


@login_required
@require_POST
def round_chase_all(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = round_get_for_user(request.user, pk)
    if not (rules.reports_adoption(request.user) or rules.manages_promotion(request.user)):
        raise Forbidden
    count = services.chase_all(by=request.user, round=round)
    if count:
        messages.success(
            request, _("%(count)s units not filed have been chased.") % {"count": count}
        )
    else:
        messages.info(request, _("No unit of yours is waiting to be chased."))
    return _back(request, pk)


@login_required
def adoption_evidence(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    record = rules.ADOPTIONS.queryset(request.user).filter(pk=pk).first()
    if record is None:
        raise Http404
    return stored_file(record.evidence, record.evidence_name)


# Roll-up ---------------------------------------------------------------------------------------

DRILL: dict[str, str] = {"province": "prefecture", "prefecture": "county"}


def _default_by(user: Any) -> str:
    if rules.manages_promotion(user):
        return "province"
    if roles.province_of(user) is not None:
        return "prefecture"
    return "county"


@login_required
def round_rollup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One measure of the round rolled up for the user's level: the country by province, a
    province by prefecture, a prefecture by county and park; each group leads one level down."""
    round = round_get_for_user(request.user, pk)
    if not reads.sees_rollup(request.user):
        raise Forbidden
    measures = list(round_measures(round).order_by("batch__number", "position"))
    chosen = next(
        (m for m in measures if str(m.pk) == request.GET.get("measure")),
        measures[0] if measures else None,
    )
    by = request.GET.get("by") or _default_by(request.user)
    if by not in ("province", "prefecture", "county"):
        raise Http404
    within = None
    if request.GET.get("within", "").isdigit():
        within = get_object_or_404(Division, pk=int(request.GET["within"]))
    rows = (
        reads.rollup(request.user, round=round, measure=chosen, by=cast(By, by), within=within)
        if chosen is not None
        else []
    )
    context = {
        "round": round,
        "measures": measures,
        "chosen": chosen,
        "by": by,
        "within": within,
        "drill": DRILL.get(by),
        "rows": [
            {
                "row": row,
                "pk": row.group.split(":")[1],
                "kind": row.group.split(":")[0],
                "status_counts": [row.counts.get(v, 0) for v, _label in AdoptionStatus.choices],
            }
            for row in rows
        ],
        "statuses": AdoptionStatus.choices,
    }
    return render(request, "promotion/adoption_rollup.html", context)
