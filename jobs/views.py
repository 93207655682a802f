from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from accounts.actors import AuthenticatedHttpRequest
from jobs import retention
from jobs.registry import TITLES, back_url
from jobs.selectors import job_get_for_user


@login_required
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = job_get_for_user(request.user, pk)
    deleted_at = job.params.get(retention.DELETED_AT)
    context = {
        "job": job,
        "title": TITLES.get(job.kind) or job.kind,
        "back_url": back_url(job),
        "input_kept_until": retention.kept_until(job),
        "input_deleted_at": parse_datetime(deleted_at) if deleted_at else None,
        "retention_days": settings.JOBS_INPUT_RETENTION_DAYS,
    }
    return render(request, "jobs/job_detail.html", context)


@login_required
def job_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    job = job_get_for_user(request.user, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "progress": job.progress,
            "total": job.total,
            "percent": job.percent,
            "finished": job.is_finished,
        }
    )


@login_required
def job_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    job = job_get_for_user(request.user, pk)
    if not job.result_file:
        raise Http404
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name)
