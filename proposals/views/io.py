"""Excel and Word: template, import and export (as background jobs), and the 建议书 .docx."""

from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actors import AuthenticatedHttpRequest
from jobs.services import job_enqueue
from kernel.access import require
from kernel.downloads import DOCX, XLSX, download
from kernel.spreadsheets import form_filters
from proposals import excel, rules
from proposals.documents import proposal_docx as render_docx
from proposals.forms import ProposalFilterForm, ProposalImportForm
from proposals.models import ReformField
from proposals.selectors import current_cycle, proposal_get_for_user


@login_required
def proposal_docx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get_for_user(request.user, pk)
    return download(render_docx(proposal), f"proposal-{proposal.pk}.docx", DOCX)


@login_required
@require(rules.can_import_proposals)
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    names = ReformField.objects.values_list("name", flat=True)
    return download(excel.template_bytes(names), "proposal-template.xlsx", XLSX)


@login_required
@require(rules.can_import_proposals)
def proposal_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    cycle = current_cycle()
    form = ProposalImportForm(request.POST or None, request.FILES or None)
    if cycle is None:
        messages.error(request, _("No cycle is open for proposals."))
        return redirect("proposals:proposal_list")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            form.add_error("file", _("Upload the filled-in template as an .xlsx file."))
        else:
            job = job_enqueue(
                kind="proposals.import",
                by=request.user,
                params={"cycle_id": cycle.pk},
                upload=upload,
            )
            return redirect("jobs:job_detail", job.pk)
    return render(request, "proposals/proposal_import.html", {"form": form, "cycle": cycle})


@login_required
@require_POST
@require(rules.can_list_proposals)
def proposal_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = dict(parse_qsl(request.POST.get("query", "")))
    form = ProposalFilterForm(query)
    # The filters as the user chose them, in their language, for the line above the sheet.
    params = {"filters": form.params(), "shown": form_filters(form)}
    job = job_enqueue(kind="proposals.export", by=request.user, params=params)
    return redirect("jobs:job_detail", job.pk)
