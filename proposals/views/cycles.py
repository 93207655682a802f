from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from audit.selectors import entries_for
from kernel.access import require
from kernel.downloads import download
from proposals import excel, rules
from proposals.errors import ProposalError
from proposals.forms import CycleForm, ExtensionForm
from proposals.models import Cycle, Proposal, default_deadline
from proposals.selectors import locality_counts, submission_window
from proposals.services import cycles as services
from regions.models import Division


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = Cycle.objects.all()
    context = {"cycles": cycles, "can_manage": rules.can_manage_cycles(request.user)}
    return render(request, "proposals/cycle_list.html", context)


@login_required
@require(rules.can_manage_cycles)
def cycle_create(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None)
    if request.method == "GET":
        year = (Cycle.objects.order_by("-year").values_list("year", flat=True).first() or 2026) + 1
        form = CycleForm(
            initial={
                "year": year,
                "deadline": default_deadline(year),
                "is_open": True,
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
                deadline=data["deadline"],
                min_per_locality=data["min_per_locality"],
                max_per_locality=data["max_per_locality"],
                is_open=data["is_open"],
            )
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Cycle opened."))
            return redirect("proposals:cycle_detail", cycle.pk)
    return render(request, "proposals/cycle_form.html", {"form": form})


@login_required
@require(rules.can_manage_cycles)
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    form = CycleForm(request.POST or None, instance=cycle)
    form.fields["year"].disabled = True
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "year"}
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
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    return _render_detail(request, cycle, ExtensionForm())


def _render_detail(
    request: HttpRequest, cycle: Cycle, extension_form: ExtensionForm
) -> HttpResponse:
    context: dict[str, object] = {"cycle": cycle}
    if roles.is_national(request.user):
        context["rows"] = _locality_table(cycle)
        context["extensions"] = cycle.extensions.select_related("locality", "granted_by")
        context["extension_form"] = extension_form
        context["entries"] = entries_for(cycle)[:50]
    locality = roles.province_of(request.user)
    if locality is not None:
        context["counts"] = locality_counts(cycle, locality.pk)
        context["window"] = submission_window(cycle, locality.pk)
    status = 400 if extension_form.is_bound else 200
    return render(request, "proposals/cycle_detail.html", context, status=status)


def _locality_table(cycle: Cycle) -> list[dict[str, object]]:
    """Per province: how many proposals were submitted or returned, against the range."""
    counted: dict[int, dict[str, int]] = {}
    rows = (
        Proposal.objects.filter(cycle=cycle)
        .exclude(state=Proposal.State.DRAFT)
        .values_list("locality_id", "state")
    )
    for locality_id, state in rows:
        # A merged proposal was submitted by its locality and counts as such.
        key = "returned" if state == Proposal.State.RETURNED else "submitted"
        counted.setdefault(locality_id, {"submitted": 0, "returned": 0})[key] += 1
    table = []
    for province in Division.objects.filter(level=Division.Level.PROVINCE):
        numbers = counted.get(province.pk, {"submitted": 0, "returned": 0})
        total = numbers["submitted"] + numbers["returned"]
        table.append(
            {
                "locality": province,
                "total": total,
                "returned": numbers["returned"],
                "in_range": cycle.min_per_locality <= total <= cycle.max_per_locality,
            }
        )
    return table


@login_required
@require_POST
def extension_grant(request: HttpRequest, pk: int) -> HttpResponse:
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
def cycle_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The submissions-by-locality table: 31 rows, small enough to send at once."""
    cycle = get_object_or_404(Cycle, pk=pk)
    headers = [_("Locality"), _("Submitted"), _("Of which returned"), _("Within range")]
    rows = [
        [str(r["locality"]), r["total"], r["returned"], _("yes") if r["in_range"] else _("no")]
        for r in _locality_table(cycle)
    ]
    content = excel.table_bytes(str(cycle.year), headers, rows)
    return download(content, f"cycle-{cycle.year}-localities.xlsx")
