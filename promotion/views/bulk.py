"""Pages of reporting adoption in bulk (批量填报): the sheet of a round to download, the upload,
the job's progress and result, and the filing (报送) of the units the sheet covered."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.actors import AuthenticatedHttpRequest
from jobs.models import Job
from jobs.selectors import JOBS, job_get_for_user
from jobs.services import job_enqueue
from kernel.access import require
from kernel.errors import Forbidden
from promotion import rules
from promotion.exports.bulk_sheet import headers
from promotion.forms.bulk import BulkUploadForm
from promotion.models import TrackingRound
from promotion.services import bulk as services
from promotion.services.records import PromotionError

KINDS = (services.SHEET_KIND, services.UPLOAD_KIND)
RECENT_JOBS = 20


def _round_for(request: AuthenticatedHttpRequest, pk: int) -> TrackingRound:
    """The round, or 404 for a user who does not see it."""
    found = rules.ROUNDS.queryset(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _job_for(request: AuthenticatedHttpRequest, pk: int) -> Job:
    """One of the user's own bulk jobs, or 404."""
    job = job_get_for_user(request.user, pk)
    if job.kind not in KINDS:
        raise Http404
    return job


@login_required
@require(rules.reports_adoption)
def bulk_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    rounds = rules.ROUNDS.queryset(request.user).filter(state=TrackingRound.State.OPEN)
    jobs = JOBS.queryset(request.user).filter(kind__in=KINDS)[:RECENT_JOBS]
    return render(
        request,
        "promotion/bulk_index.html",
        {"rounds": list(rounds.order_by("deadline", "pk")), "jobs": list(jobs)},
    )


@login_required
@require(rules.reports_adoption)
def bulk_round(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = _round_for(request, pk)
    is_open = services.may_report_in_bulk(request.user, round)
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not is_open:
            messages.error(request, _("This tracking round is closed."))
            return redirect("promotion:bulk_round", round.pk)
        if form.is_valid():
            job = job_enqueue(
                kind=services.UPLOAD_KIND,
                by=request.user,
                params={"round_id": round.pk},
                upload=form.cleaned_data["file"],
            )
            return redirect("promotion:bulk_job", job.pk)
    plan = services.bulk_plan(request.user, round, with_records=False)
    context = {
        "round": round,
        "is_open": is_open,
        "form": form,
        "units": len(plan.units),
        "rows": plan.count(),
    }
    return render(request, "promotion/bulk_round.html", context)


@login_required
@require_POST
@require(rules.reports_adoption)
def bulk_sheet(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = _round_for(request, pk)
    if not services.may_report_in_bulk(request.user, round):
        messages.error(request, _("This tracking round is closed."))
        return redirect("promotion:bulk_round", round.pk)
    job = job_enqueue(kind=services.SHEET_KIND, by=request.user, params={"round_id": round.pk})
    return redirect("promotion:bulk_job", job.pk)


@login_required
def bulk_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    round = rules.ROUNDS.queryset(request.user).filter(pk=job.params.get("round_id")).first()
    offer = (
        job.kind == services.UPLOAD_KIND
        and job.state == Job.State.DONE
        and bool(job.params.get("units"))
        and round is not None
        and services.may_report_in_bulk(request.user, round)
    )
    context = {
        "job": job,
        "round": round,
        "is_upload": job.kind == services.UPLOAD_KIND,
        "offer_filing": offer,
        "columns": headers(),
    }
    return render(request, "promotion/bulk_job.html", context)


@login_required
@require(rules.reports_adoption)
def bulk_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, then file the returns of the complete units the uploaded sheet covered."""
    job = _job_for(request, pk)
    if job.kind != services.UPLOAD_KIND or job.state != Job.State.DONE:
        raise Http404
    round = _round_for(request, job.params.get("round_id", 0))
    if not services.may_report_in_bulk(request.user, round):
        raise Forbidden
    keys = [str(key) for key in job.params.get("units", [])]
    if request.method == "POST":
        try:
            filed = services.bulk_returns_file(by=request.user, round=round, keys=keys)
        except PromotionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                ngettext("%(count)s return filed.", "%(count)s returns filed.", len(filed))
                % {"count": len(filed)},
            )
            return redirect("promotion:bulk_round", round.pk)
    filing = services.filing_for(by=request.user, round=round, keys=keys)
    return render(
        request, "promotion/bulk_file.html", {"job": job, "round": round, "filing": filing}
    )
