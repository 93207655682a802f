from typing import Any

from django.http import Http404

from jobs.models import Job


def job_get_for_user(user: Any, pk: int) -> Job:
    """A job is its creator's alone: others get 404."""
    job = Job.objects.filter(pk=pk, created_by_id=user.pk).first()
    if job is None:
        raise Http404
    return job
