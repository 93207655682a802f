from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.actors import AuthenticatedHttpRequest
from audit.selectors import entries_for
from kernel.access import require
from kernel.downloads import download
from proposals import excel, rules
from proposals.errors import ProposalError
from proposals.forms import CycleForm, ExtensionForm
from proposals.models import Cycle, default_deadline, default_participants
from proposals.selectors import (
    cycle_extensions,
    cycle_locality_table,
    locality_counts,
    next_cycle_year,
    submission_window,
)
from proposals.services import cycles as services


@login_required
def cycle_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    cycles = Cycle.objects.all()
    context = {"cycles": cycles, "can_manage": rules.can_manage_cycles(request.user)}
    return render(request, "proposals/cycle_list.html", context)


@login_required
@require(rules.can_manage_cycles)
def cycle_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None)
    if request.method == "GET":
        year = next_cycle_year()
        form = CycleForm(
            initial={
                "year": year,
                "deadline": default_deadline(year),
                "is_open": True,
                "participants": list(default_participants()),
                "title": _("%(year)s call for reform measure proposals") % {"year": year},
            }
        )
    elif form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.cycle_open(
                by=request.user,
                year=data["year"],
                title=data["title"],
                issuing_authorities=data["issuing_authorities"],
                deadline=data["deadline"],
                min_per_locality=data["min_per_locality"],
                max_per_locality=data["max_per_locality"],
                is_open=data["is_open"],
                participants=data["participants"] or None,
            )
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Cycle opened."))
            return redirect("proposals:cycle_detail", cycle.pk)
    return render(request, "proposals/cycle_form.html", {"form": form})


@login_required
@require(rules.can_manage_cycles)
def cycle_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    form = CycleForm(request.POST or None, instance=cycle)
    form.fields["year"].disabled = True
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "year"}
        fields["participants"] = fields["participants"] or None  # none ticked: unchanged
        cycle.refresh_from_db()
        try:
            services.cycle_update(cycle=cycle, by=request.user, **fields)
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Cycle saved."))
            return redirect("proposals:cycle_detail", cycle.pk)
    return render(request, "proposals/cycle_form.html", {"form": form, "cycle": cycle})


@login_required
def cycle_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    return _render_detail(request, cycle, ExtensionForm())


def _render_detail(
    request: HttpRequest, cycle: Cycle, extension_form: ExtensionForm
) -> HttpResponse:
    context: dict[str, object] = {"cycle": cycle}
    if roles.is_national(request.user):
        context["rows"] = cycle_locality_table(cycle)
        context["extensions"] = cycle_extensions(cycle)
        context["extension_form"] = extension_form
        context["entries"] = entries_for(cycle)[:50]
    locality = roles.province_of(request.user)
    if locality is not None:
        context["counts"] = locality_counts(cycle, locality.pk)
        context["window"] = submission_window(cycle, locality.pk)
    status = 400 if extension_form.is_bound else 200
    return render(request, "proposals/cycle_detail.html", context, status=status)


@login_required
@require_POST
def extension_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not rules.can_grant_extension(request.user):
        raise PermissionDenied
    cycle = get_object_or_404(Cycle, pk=pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_grant(cycle=cycle, by=request.user, **form.cleaned_data)
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Extension granted."))
            return redirect("proposals:cycle_detail", cycle.pk)
    return _render_detail(request, cycle, form)


@login_required
@require(rules.can_manage_cycles)
def cycle_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The submissions-by-locality table: at most 31 rows, small enough to send at once."""
    cycle = get_object_or_404(Cycle, pk=pk)
    headers = [
        _("Locality"),
        _("Submitted"),
        _("Of which returned"),
        _("Within range"),
        _("Participant"),
    ]
    rows = [
        [
            str(r["locality"]),
            r["total"],
            r["returned"],
            _range_label(r["in_range"]),
            _("yes") if r["participant"] else _("no"),
        ]
        for r in cycle_locality_table(cycle)
    ]
    content = excel.table_bytes(str(cycle.year), headers, rows)
    return download(content, f"cycle-{cycle.year}-localities.xlsx")


def _range_label(in_range: bool | None) -> str:
    if in_range is None:
        return _("not a participant")
    return _("yes") if in_range else _("no")
