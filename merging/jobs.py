"""Background runners: the suggestion run and the candidate export."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.models import Job
from jobs.registry import job_kind
from jobs.services import JobFailed, job_attach_result, job_set_progress
from merging import excel, rules, services
from merging.selectors import candidate_list
from proposals.models import Cycle


@job_kind(
    "merging.candidates_export",
    title=gettext_lazy("Exporting candidate measures"),
    back="merging:candidate_list",
    restartable=True,
    atomic=True,
)
def run_candidates_export(job: Job) -> None:
    if not rules.can_list_candidates(job.created_by):
        raise JobFailed(_("You may not export candidate measures."))
    qs = candidate_list(job.created_by, job.params.get("filters", {}))
    total = qs.count()
    job_set_progress(job, 0, total=total)

    def on_row(count: int) -> None:
        if count % 200 == 0:
            job_set_progress(job, count)

    # Prefetched sources need a chunked iterator (Django 5 prefetches per chunk).
    content = excel.candidates_bytes(qs.iterator(chunk_size=500), on_row)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job_attach_result(job, f"candidates-{stamp}.xlsx", content)
    job.progress = total
    job.message = _("%(n)s candidate measure(s) exported.") % {"n": total}


@job_kind(
    services.SUGGESTIONS_KIND,
    title=gettext_lazy("Suggesting groups of similar proposals"),
    back=lambda job: reverse("merging:group_list", args=[job.params.get("cycle", 0)]),
    # One transaction that replaces the open suggestions: run again, it gives the same groups.
    restartable=True,
    atomic=True,
)
def run_suggestions(job: Job) -> None:
    """Compare a cycle's submitted proposals and suggest groups (seconds at 10,000 proposals,
    so never inside a request)."""
    cycle = Cycle.objects.filter(pk=job.params.get("cycle")).first()
    if cycle is None or job.created_by is None or not rules.can_merge(job.created_by):
        raise JobFailed(_("You may not suggest groups in this cycle."))
    job_set_progress(job, 0, total=1)
    groups = services.suggestions_run(cycle=cycle, by=job.created_by)
    job.progress = 1
    job.message = _(
        "%(n)s group(s) of similar proposals suggested. Nothing is merged until you accept."
    ) % {"n": len(groups)}
