from typing import Any

from django.db.models import Q
from django.http import Http404

from accounts import roles
from jobs.models import Job


def job_get_for_user(user: Any, pk: int) -> Job:
    """A job is its creator's alone: others get 404. The system's own jobs (reminders), which
    have no creator, are the national coordinator's to look at."""
    mine = Q(created_by_id=user.pk)
    if roles.is_national(user):
        mine |= Q(created_by__isnull=True)
    job = Job.objects.filter(mine, pk=pk).first()
    if job is None:
        raise Http404
    return job
