"""Background runners for reviewer assignment (专家论证): the preview, solved once, and the
saving of that preview as it is."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.models import Job
from jobs.registry import job_kind
from jobs.services import JobFailed, job_set_progress
from kernel.errors import Forbidden
from proposals.models import Cycle
from review.errors import ReviewError
from review.services import assignments as services


def _progress(job: Job) -> services.Progress:
    job_set_progress(job, 0, total=services.PROGRESS_DONE)
    last = [0]

    def tell(done: int) -> None:
        if done != last[0]:
            last[0] = done
            job_set_progress(job, done)

    return tell


@job_kind(
    services.PREVIEW_KIND,
    title=gettext_lazy("Assigning reviewers: the preview"),
    back=lambda job: reverse("review:assignment_preview", args=[job.pk]),
    restartable=True,
    atomic=True,
)
def run_assignment_preview(job: Job) -> None:
    """Load the cycle (10 %), solve (to 90 %), keep the result in the job's params."""
    cycle = Cycle.objects.filter(pk=job.params.get("cycle")).first()
    if cycle is None or job.created_by is None:
        raise JobFailed(_("The cycle of this preview no longer exists."))
    try:
        preview = services.assignment_preview_build(
            cycle=cycle,
            by=job.created_by,
            reviewers=int(job.params.get("reviewers", services.DEFAULT_REVIEWERS)),
            progress=_progress(job),
        )
    except Forbidden as exc:
        raise JobFailed(_("You may not assign reviewers.")) from exc
    except ReviewError as exc:
        raise JobFailed(exc.message) from exc
    job.params = {**job.params, "preview": preview}
    job.save(update_fields=["params"])
    values = {"n": len(preview["pairs"]), "short": len(preview["shortfalls"])}
    if preview["shortfalls"]:
        job.message = (
            _(
                "Preview ready: %(n)s new assignment(s); %(short)s candidate(s) cannot get all "
                "their reviewers. Nothing is saved until you confirm the preview."
            )
            % values
        )
    else:
        job.message = (
            _("Preview ready: %(n)s new assignment(s). Nothing is saved until you confirm it.")
            % values
        )


@job_kind(
    services.SAVE_KIND,
    title=gettext_lazy("Assigning reviewers: saving the preview"),
    back=lambda job: reverse("review:assignment_preview", args=[job.params.get("preview_job", 0)]),
    restartable=True,
    atomic=True,
)
def run_assignment_save(job: Job) -> None:
    """Apply the stored preview without solving again, in one transaction."""
    preview_job = Job.objects.filter(
        pk=job.params.get("preview_job"), kind=services.PREVIEW_KIND
    ).first()
    if preview_job is None or job.created_by is None:
        raise JobFailed(_("The preview to save no longer exists. Run the preview again."))
    try:
        created = services.assignments_save(
            preview_job=preview_job,
            by=job.created_by,
            accept_partial=bool(job.params.get("accept_partial")),
            saved_by=job,
            progress=_progress(job),
        )
    except Forbidden as exc:
        raise JobFailed(_("You may not assign reviewers.")) from exc
    except ReviewError as exc:
        raise JobFailed(exc.message) from exc
    job.message = _("%(n)s assignment(s) saved.") % {"n": len(created)}
