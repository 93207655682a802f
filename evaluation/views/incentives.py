"""Pages of incentives (激励): incentive decisions (list, export, recording one, its page and its
.docx circular), and the priority-support register with its export and a read-only JSON feed
for other systems (the ranking they rest on is `views.ranking`).

Recording decisions and the register are the national level's
(`rules.can_manage_incentives`); a decision is read by its beneficiary too (404 for anybody
else)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from evaluation import documents_incentives as documents
from evaluation import rules
from evaluation.forms.incentives import (
    BeneficiaryForm,
    DecisionFilterForm,
    DecisionForm,
    RegisterFilterForm,
)
from evaluation.models import IncentiveDecision
from evaluation.selectors import incentives as reads
from evaluation.services import incentives as services
from kernel.access import require
from kernel.actions import form_action
from kernel.downloads import DOCX, download, stamp
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from tasks.selectors import programmes_with_tasks

# Decisions -----------------------------------------------------------------------------------


def _decision_filters(request: HttpRequest) -> DecisionFilterForm:
    return DecisionFilterForm(request.GET or None, programmes=programmes_with_tasks(request.user))


@login_required
@require(rules.can_list_incentives)
def incentive_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _decision_filters(request)
    page = paginate(request, reads.decision_list(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_manage": rules.can_manage_incentives(request.user),
    }
    return render(request, "evaluation/incentive_index.html", context)


def _beneficiary_kind(decision: IncentiveDecision) -> str:
    return _("locality") if decision.claimant_id else _("implementing unit")


def _evaluations_text(decision: IncentiveDecision) -> str:
    return "；".join(
        f"{e.task.title} · {e.commission.title} · {e.get_rating_display() or '—'} · "
        f"{e.score if e.score is not None else '—'}"
        for e in decision.evaluations.all()
    )


@login_required
@require(rules.can_list_incentives)
def incentive_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _decision_filters(request)
    decisions = reads.decision_list(request.user, form.params())
    headers = [
        _("No."),
        _("Beneficiary"),
        _("Locality or unit"),
        _("Programme"),
        _("Form"),
        _("Details of the form"),
        _("Reason"),
        _("Approving authority"),
        _("Date of decision"),
        _("Document number"),
        _("Evaluations it rests on"),
    ]
    rows = (
        [
            d.pk,
            d.beneficiary,
            _beneficiary_kind(d),
            d.claimant.programme.title if d.claimant else "",
            d.get_form_display(),
            d.form_detail,
            d.reason,
            d.approving_authority,
            d.decided_on,
            d.document_number,
            _evaluations_text(d),
        ]
        for d in decisions
    )
    content = table_bytes(_("Incentive decisions"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"incentives-{stamp()}.xlsx")


@login_required
@require(rules.can_manage_incentives)
def incentive_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 1 (no beneficiary in the address): choose the locality or the unit. Step 2: the
    decision, citing the beneficiary's delivered evaluations."""
    chooser = BeneficiaryForm(
        request.GET if ("claimant" in request.GET or "organisation" in request.GET) else None,
        claimants=reads.beneficiary_claimants(),
        organisations=reads.beneficiary_organisations(),
    )
    if not chooser.is_bound or not chooser.is_valid():
        return render(request, "evaluation/incentive_beneficiary.html", {"chooser": chooser})
    claimant = chooser.cleaned_data.get("claimant")
    organisation = chooser.cleaned_data.get("organisation")
    evaluations = reads.beneficiary_evaluations(claimant=claimant, organisation=organisation)
    form = DecisionForm(request.POST or None, evaluations=evaluations)
    done: list[IncentiveDecision] = []
    if form_action(
        request,
        form,
        lambda: done.append(
            services.incentive_decide(
                by=request.user, claimant=claimant, organisation=organisation, **form.cleaned_data
            )
        ),
        _("Incentive decision recorded; the beneficiary has been told."),
    ):
        return redirect("evaluation:incentive", done[0].pk)
    context = {
        "form": form,
        "claimant": claimant,
        "organisation": organisation,
        "beneficiary": claimant or organisation,
        "beneficiary_query": request.GET.urlencode(),
        "has_evaluations": evaluations.exists(),
    }
    return render(request, "evaluation/incentive_form.html", context)


@login_required
def incentive_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    decision = reads.decision_get_for_user(request.user, pk)
    context = {
        "decision": decision,
        "kind": _beneficiary_kind(decision),
        "evaluations": list(decision.evaluations.all()),
        "entries": reads.decision_history(decision),
        "can_manage": rules.can_manage_incentives(request.user),
    }
    return render(request, "evaluation/incentive_page.html", context)


@login_required
def incentive_docx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    decision = reads.decision_get_for_user(request.user, pk)
    return download(documents.decision_docx(decision), documents.file_name(decision), DOCX)


# The priority-support register ---------------------------------------------------------------


@login_required
@require(rules.can_manage_incentives)
def register_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = RegisterFilterForm(request.GET or None)
    page = paginate(request, reads.register(filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "evaluation/register.html", context)


@login_required
@require(rules.can_manage_incentives)
def register_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None)
    entries = reads.register(form.params())
    headers = [
        _("No."),
        _("Beneficiary"),
        _("Locality or unit"),
        _("Programme"),
        _("Projects concerned"),
        _("Basis"),
        _("Evaluations it rests on"),
        _("Approving authority"),
        _("Date of decision"),
        _("Document number"),
    ]
    rows = (
        [
            d.pk,
            d.beneficiary,
            _beneficiary_kind(d),
            d.claimant.programme.title if d.claimant else "",
            d.form_detail,
            d.reason,
            _evaluations_text(d),
            d.approving_authority,
            d.decided_on,
            d.document_number,
        ]
        for d in entries
    )
    content = table_bytes(_("Priority-support register"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"priority-support-{stamp()}.xlsx")


@login_required
@require(rules.can_manage_incentives)
def register_json(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The priority-support register for other systems, read-only (GET), for a signed-in user
    of the national level. The field names are stable; new fields may be added, none renamed.

        {
          "register": "priority_support",
          "basis": "发改高技〔2021〕484号 §三(四)",
          "generated_at": "2027-03-01T10:00:00+08:00",
          "count": 1,
          "entitlements": [
            {
              "id": 7,                          # the decision's number on the platform
              "beneficiary_kind": "locality",   # or "unit"
              "beneficiary_name": "四川省",
              "claimant_id": 12,                # locality only, else null
              "division_code": "510000",        # a province's code, else null
              "region_group_id": null,          # an experiment region / zone, else null
              "organisation_id": null,          # unit only, else null
              "programme_id": 3,                # the locality's programme, else null
              "programme_title": "…",
              "projects": "…",                  # the decision's details of the form
              "basis": "…",                     # the reason given
              "approving_authority": "国家发展改革委、科技部",
              "decided_on": "2027-03-01",
              "document_number": "…",
              "evaluation_ids": [4, 5],         # the delivered evaluations it rests on
              "task_ids": [21, 22],             # the tasks of those evaluations
              "url": "/evaluation/incentives/7/"
            }
          ]
        }

    The same filters as the register page apply (`q`, `beneficiary`)."""
    entries = reads.register(RegisterFilterForm(request.GET or None).params())
    items = []
    for d in entries:
        claimant = d.claimant
        evaluations = list(d.evaluations.all())
        items.append(
            {
                "id": d.pk,
                "beneficiary_kind": reads.LOCALITY if claimant else reads.UNIT,
                "beneficiary_name": d.beneficiary,
                "claimant_id": d.claimant_id,
                "division_code": claimant.division.code if claimant and claimant.division else None,
                "region_group_id": claimant.region_group_id if claimant else None,
                "organisation_id": d.organisation_id,
                "programme_id": claimant.programme_id if claimant else None,
                "programme_title": claimant.programme.title if claimant else None,
                "projects": d.form_detail,
                "basis": d.reason,
                "approving_authority": d.approving_authority,
                "decided_on": d.decided_on.isoformat(),
                "document_number": d.document_number,
                "evaluation_ids": [e.pk for e in evaluations],
                "task_ids": sorted({e.task_id for e in evaluations}),
                "url": reverse("evaluation:incentive", args=[d.pk]),
            }
        )
    payload = {
        "register": "priority_support",
        "basis": "发改高技〔2021〕484号 §三(四)",
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "count": len(items),
        "entitlements": items,
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
