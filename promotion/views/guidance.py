"""Pages of guidance and training (政策宣讲、办班培训、操作指南（指引）、专题辅导): the list with
its filters and .xlsx export, recording an activity, its page, changing or removing it, and
its document file.

Every official of the four levels and the parks reads them (`rules.GUIDANCE`); the national
level, a province and a prefecture or county record them (`rules.records_guidance`), each
changing only its own level's (`services.guidance.may_edit`)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import roles
from accounts.actors import AuthenticatedHttpRequest
from kernel.access import require
from kernel.actions import form_action
from kernel.downloads import stamp, stored_file
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from promotion import rules
from promotion.forms.guidance import GuidanceFilterForm, GuidanceForm
from promotion.models import GuidanceActivity
from promotion.selectors import guidance as reads
from promotion.services import guidance as services
from regions.models import Division


def _filters(request: HttpRequest) -> GuidanceFilterForm:
    return GuidanceFilterForm(request.GET or None)


def _level_name(activity: GuidanceActivity) -> str:
    if activity.division is None:
        return _("the national level")
    return activity.get_level_display()


@login_required
@require(reads.sees_guidance)
def guidance_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = paginate(request, reads.guidance_list(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_record": rules.records_guidance(request.user),
    }
    return render(request, "promotion/guidance_index.html", context)


@login_required
@require(reads.sees_guidance)
def guidance_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filters(request)
    activities = reads.guidance_list(request.user, form.params())
    headers = [
        _("No."),
        _("Kind"),
        _("Title"),
        _("Batch"),
        _("Measure"),
        _("Level"),
        _("Where it was given"),
        _("Date"),
        _("Audience"),
        _("Attendance"),
        _("Document"),
        _("Note"),
    ]
    rows = (
        [
            a.pk,
            a.get_kind_display(),
            a.title,
            str(a.batch),
            str(a.measure) if a.measure else "",
            _level_name(a),
            a.division.name if a.division else "",
            a.held_on,
            a.audience,
            a.attendance,
            a.document_name,
            a.note,
        ]
        for a in activities
    )
    content = table_bytes(_("Guidance and training"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"guidance-{stamp()}.xlsx")


def _divisions(request: AuthenticatedHttpRequest) -> QuerySet[Division] | None:
    """The divisions a province chooses from; None for anybody else (their level is fixed)."""
    if roles.province_of(request.user) is not None:
        return services.placements_for(request.user)
    return None


def _fixed_place(request: AuthenticatedHttpRequest) -> str:
    """Where the user's activities are recorded when they do not choose: their own level."""
    if roles.is_national(request.user):
        return _("the national level")
    city = roles.city_division(request.user)
    return city.name if city is not None else ""


def _data(form: GuidanceForm, request: AuthenticatedHttpRequest) -> services.GuidanceData:
    data = form.cleaned_data
    return services.GuidanceData(
        kind=data["kind"],
        title=data["title"],
        batch=data["batch"],
        measure=data.get("measure"),
        division=data.get("division"),
        held_on=data["held_on"],
        audience=data.get("audience") or "",
        attendance=data.get("attendance"),
        note=data.get("note") or "",
        upload=request.FILES.get("document"),
        remove_document=bool(data.get("remove_document")),
    )


@login_required
@require(rules.records_guidance)
def guidance_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = {}
    for name in ("batch", "measure", "kind"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = GuidanceForm(
        request.POST or None,
        request.FILES or None,
        divisions=_divisions(request),
        initial=initial or None,
    )
    done: list[GuidanceActivity] = []
    if form_action(
        request,
        form,
        lambda: done.append(services.guidance_record(by=request.user, data=_data(form, request))),
        _("Activity recorded."),
    ):
        return redirect("promotion:guidance_page", done[0].pk)
    context = {"form": form, "activity": None, "fixed_place": _fixed_place(request)}
    return render(request, "promotion/guidance_form.html", context)


def _own(request: AuthenticatedHttpRequest, pk: int) -> GuidanceActivity:
    activity = reads.guidance_get_for_user(request.user, pk)
    if not services.may_edit(request.user, activity):
        raise PermissionDenied
    return activity


@login_required
@require(reads.sees_guidance)
def guidance_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = reads.guidance_get_for_user(request.user, pk)
    context = {
        "activity": activity,
        "level": _level_name(activity),
        "can_edit": services.may_edit(request.user, activity),
        "entries": reads.guidance_history(activity),
    }
    return render(request, "promotion/guidance_page.html", context)


@login_required
@require(rules.records_guidance)
def guidance_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = _own(request, pk)
    initial = {
        "kind": activity.kind,
        "title": activity.title,
        "batch": activity.batch_id,
        "measure": activity.measure_id,
        "division": activity.division_id,
        "held_on": activity.held_on,
        "audience": activity.audience,
        "attendance": activity.attendance,
        "note": activity.note,
    }
    form = GuidanceForm(
        request.POST or None,
        request.FILES or None,
        divisions=_divisions(request),
        has_document=bool(activity.document),
        initial=initial,
    )
    if form_action(
        request,
        form,
        lambda: services.guidance_change(
            by=request.user, activity=activity, data=_data(form, request)
        ),
        _("Activity changed."),
    ):
        return redirect("promotion:guidance_page", activity.pk)
    context = {"form": form, "activity": activity, "fixed_place": _fixed_place(request)}
    return render(request, "promotion/guidance_form.html", context)


@login_required
@require(rules.records_guidance)
def guidance_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = _own(request, pk)
    form = forms.Form(request.POST if request.method == "POST" else None)
    if form_action(
        request,
        form,
        lambda: services.guidance_remove(by=request.user, activity=activity),
        _("Activity removed."),
    ):
        return redirect("promotion:guidance")
    return render(request, "promotion/guidance_remove.html", {"form": form, "activity": activity})


@login_required
@require(reads.sees_guidance)
def guidance_document(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The activity's document, for whoever reads the activity (404 otherwise)."""
    activity = reads.guidance_get_for_user(request.user, pk)
    return stored_file(activity.document, activity.document_name)
