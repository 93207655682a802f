from django.db.models import Q
from django.http import Http404

from accounts.actors import Actor
from accounts.visibility import NATIONAL, OWNER, Grant, Visibility
from jobs.models import Job

# A job is its creator's alone. The system's own jobs (reminders, e-mail), which have no
# creator, are the national coordinator's to look at.
JOBS = Visibility(
    Job, Grant(OWNER, "created_by_id"), Grant(NATIONAL, when=Q(created_by__isnull=True))
)


def job_get_for_user(user: Actor, pk: int) -> Job:
    """The job, or 404 for anybody but whoever may see it (`JOBS`)."""
    job = JOBS.queryset(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
