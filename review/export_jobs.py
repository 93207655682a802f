"""The ranking export (评审排名) as a background job: a national cycle has thousands of
candidates, each row aggregating its reviews, too long for a request (issue #13). Restartable
and atomic: it writes nothing but its file."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from jobs.models import Job
from jobs.registry import job_kind
from jobs.services import JobFailed, job_attach_result, job_enqueue, job_set_progress
from kernel.errors import Forbidden
from kernel.spreadsheets import Filters
from proposals.models import Cycle
from review import excel, rules
from review.selectors import ranking_filtered

RANKING_EXPORT = "review.ranking_export"
PROGRESS_EVERY = 200


def ranking_export_start(*, by: User, cycle: Cycle, params: dict[str, str], shown: Filters) -> Job:
    """Queue the export of `cycle`'s ranking filtered by `params` (the ranking page's form)."""
    if not rules.can_view_review_results(by):
        raise Forbidden
    return job_enqueue(
        kind=RANKING_EXPORT,
        by=by,
        params={"cycle": cycle.pk, "filters": params, "shown": [list(f) for f in shown]},
    )


@job_kind(
    RANKING_EXPORT,
    title=gettext_lazy("Exporting the review ranking"),
    back="review:index",
    restartable=True,
    atomic=True,
)
def run_ranking_export(job: Job) -> None:
    user = job.created_by
    if user is None or not rules.can_view_review_results(user):
        raise JobFailed(_("You may not export this list."))
    cycle = Cycle.objects.filter(pk=job.params.get("cycle")).first()
    if cycle is None:
        raise JobFailed(_("The cycle of this export no longer exists."))
    rows = ranking_filtered(cycle, job.params.get("filters", {}))
    total = len(rows)
    job_set_progress(job, 0, total=total)

    def on_row(count: int) -> None:
        if count % PROGRESS_EVERY == 0:
            job_set_progress(job, min(count, total))

    shown = [(str(label), str(value)) for label, value in job.params.get("shown", [])]
    content = excel.ranking_bytes(rows, shown, on_row)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job_attach_result(job, f"review-{cycle.year}-ranking-{stamp}.xlsx", content)
    job.progress = job.total
    job.message = ngettext("%(n)s row exported.", "%(n)s rows exported.", total) % {"n": total}
