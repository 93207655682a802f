"""The job kinds of implementation: the reminders, which the worker runs on its own, and the
exports (below).

The reminders are restartable: a run that stops is run again and skips what was already sent
(the Reminder rows); not atomic, since each reminder commits on its own."""

import datetime
import io
from collections.abc import Callable, Iterator
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook

from accounts.actors import Actor
from accounts.models import User
from claims.models import Claimant, Programme
from claims.reminders import closing_reminders_send
from jobs.models import Job
from jobs.registry import job_kind, periodic
from jobs.services import JobFailed, job_attach_result, job_enqueue, job_set_progress
from kernel.errors import Forbidden
from kernel.spreadsheets import Filters
from review.services.reminders import review_reminders_send
from tasks import reports_selectors, rules, selectors
from tasks.dispatch import PROBLEMS, dispatch_for
from tasks.exports import bulk
from tasks.exports import dispatch as dispatch_exports
from tasks.exports import lists as exports
from tasks.models import Milestone, Target
from tasks.periods import Period
from tasks.services.reminders import reminders_send

# Reminders go out within the hour after something falls due; each is sent once however
# often the job runs.
REMINDERS_EVERY = datetime.timedelta(hours=1)


@job_kind(
    "tasks.reminders",
    title=gettext_lazy("Sending reminders"),
    back="tasks:dispatch",
    restartable=True,
)
def send_reminders(job: Job) -> None:
    count = reminders_send(on_sent=lambda n, total: job_set_progress(job, n, total))
    # The same hourly run reminds experts of reviews and claimants of a closing window.
    count += review_reminders_send() + closing_reminders_send()
    if count == 0:
        job.message = _("No reminder was due.")
    else:
        job.message = ngettext("%(count)s reminder sent.", "%(count)s reminders sent.", count) % {
            "count": count
        }


periodic("tasks.reminders", every=REMINDERS_EVERY)


# Exports ------------------------------------------------------------------------------------
# Built by the worker, never in the request: the national bulk sheet took 7–10 s and 74 MiB
# in a GET (issue #13). Rows are read in chunks and streamed to the workbook's temporary
# files (kernel.spreadsheets.write_table), so memory stays flat as rows grow. Restartable and
# atomic: an export writes nothing but its file.

INDEX_EXPORT = "tasks.index_export"
PROGRESS_EXPORT = "tasks.progress_export"
BULK_SHEET = "tasks.bulk_sheet"
DISPATCH_EXPORT = "tasks.dispatch_export"
EXPORT_PROGRESS_EVERY = 200
# Tasks whose milestones and targets the bulk sheet reads at a time.
BULK_TASKS_PER_CHUNK = 500


def _counter(job: Job, total: int) -> Callable[[int], None]:
    job_set_progress(job, 0, total=total)

    def on_row(count: int) -> None:
        if count % EXPORT_PROGRESS_EVERY == 0:
            job_set_progress(job, min(count, total))

    return on_row


def _finish(job: Job, name: str, content: bytes, count: int) -> None:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job_attach_result(job, f"{name}-{stamp}.xlsx", content)
    job.total = max(job.total, count)
    job.progress = job.total
    job.message = ngettext("%(n)s row exported.", "%(n)s rows exported.", count) % {"n": count}


def _user(job: Job, allowed: Callable[[Actor], bool]) -> User:
    user = job.created_by
    if user is None or not allowed(user):
        raise JobFailed(_("You may not export this list."))
    return user


def index_export_start(*, by: User, params: dict[str, str], shown: Filters) -> Job:
    """Queue the task index export (任务索引): `params` the index filters, `shown` them as
    the sheet's filter line says them."""
    if not rules.can_list_tasks(by):
        raise Forbidden
    return job_enqueue(
        kind=INDEX_EXPORT, by=by, params={"filters": params, "shown": [list(f) for f in shown]}
    )


@job_kind(
    INDEX_EXPORT,
    title=gettext_lazy("Exporting the task index"),
    back="tasks:index",
    restartable=True,
    atomic=True,
)
def run_index_export(job: Job) -> None:
    user = _user(job, rules.can_list_tasks)
    tasks = selectors.task_list(user, job.params.get("filters", {}))
    total = tasks.count()
    on_row = _counter(job, total)
    content = exports.index_xlsx(
        tasks.iterator(chunk_size=exports.CHUNK), _shown(job), on_row=on_row
    )
    _finish(job, "tasks", content, total)


def progress_export_start(*, by: User, programme: Programme, text: str, shown: Filters) -> Job:
    """Queue the progress overview export of `programme` (as `by` sees it)."""
    if not rules.can_view_task_lists(by):
        raise Forbidden
    selectors.programme_get_for_lists(by, programme.pk)  # 404 outside the user's scope
    params = {"programme": programme.pk, "q": text, "shown": [list(f) for f in shown]}
    return job_enqueue(kind=PROGRESS_EXPORT, by=by, params=params)


@job_kind(
    PROGRESS_EXPORT,
    title=gettext_lazy("Exporting the progress overview"),
    back="tasks:lists",
    restartable=True,
    atomic=True,
)
def run_progress_export(job: Job) -> None:
    user = _user(job, rules.can_view_task_lists)
    try:
        programme = selectors.programme_get_for_lists(user, int(job.params["programme"]))
    except Http404 as exc:
        raise JobFailed(_("You may not export this list.")) from exc
    overview = selectors.progress_overview(user, programme, job.params.get("q", ""))
    total = overview.tasks.count()
    content = exports.progress_xlsx(overview, _shown(job), on_row=_counter(job, total))
    _finish(job, f"progress-{programme.pk}", content, total)


def bulk_sheet_start(*, by: User) -> Job:
    """Queue the bulk-update sheet (批量更新表) of the tasks `by` may update in bulk."""
    if not rules.can_bulk_update_tasks(by):
        raise Forbidden
    return job_enqueue(kind=BULK_SHEET, by=by)


def _bulk_chunks(user: User) -> Iterator[tuple[list[Milestone], list[Target]]]:
    ids = list(reports_selectors.bulk_tasks(user).values_list("pk", flat=True))
    for start in range(0, len(ids), BULK_TASKS_PER_CHUNK):
        yield reports_selectors.bulk_items(user, ids[start : start + BULK_TASKS_PER_CHUNK])


@job_kind(
    BULK_SHEET,
    title=gettext_lazy("Preparing the bulk-update sheet"),
    back="tasks:bulk",
    restartable=True,
    atomic=True,
)
def run_bulk_sheet(job: Job) -> None:
    user = _user(job, rules.can_bulk_update_tasks)
    tasks = reports_selectors.bulk_tasks(user).values("pk")
    total = (
        Milestone.objects.filter(task__in=tasks).count()
        + Target.objects.filter(task__in=tasks).count()
    )
    workbook = Workbook(write_only=True)
    count = bulk.write_sheet(workbook, _bulk_chunks(user), _counter(job, total))
    buffer = io.BytesIO()
    workbook.save(buffer)
    _finish(job, f"tasks-update-{timezone.localdate().isoformat()}", buffer.getvalue(), count)


def dispatch_export_start(
    *,
    by: User,
    programme: Programme | None,
    period: Period | None,
    claimant: Claimant | None,
    status: str,
    text: str,
    shown: Filters,
) -> Job:
    """Queue the dispatch export (按季调度) of the page as filtered."""
    if not rules.can_view_dispatch(by):
        raise Forbidden
    params: dict[str, Any] = {
        "programme": programme.pk if programme is not None else None,
        "period": list(period) if period is not None else None,
        "claimant": claimant.pk if claimant is not None else None,
        "status": status,
        "q": text,
        "shown": [list(f) for f in shown],
    }
    return job_enqueue(kind=DISPATCH_EXPORT, by=by, params=params)


@job_kind(
    DISPATCH_EXPORT,
    title=gettext_lazy("Exporting the dispatch"),
    back="tasks:dispatch",
    restartable=True,
    atomic=True,
)
def run_dispatch_export(job: Job) -> None:
    user = _user(job, rules.can_view_dispatch)
    params = job.params
    programme = selectors.programmes_with_tasks(user).filter(pk=params.get("programme")).first()
    period = params.get("period")
    if programme is None or not period:
        content = dispatch_exports.dispatch_xlsx(None, [], _shown(job))
        _finish(job, "dispatch", content, 0)
        return
    claimant = None
    if params.get("claimant"):
        claimant = (
            selectors.claimants_visible_to(user, programme).filter(pk=params["claimant"]).first()
        )
        if claimant is None:
            raise JobFailed(_("You may not export this list."))
    year, number = int(period[0]), int(period[1])
    result = dispatch_for(
        user, programme, (year, number), today=timezone.localdate(), claimant=claimant
    )
    lines = result.rows(params.get("status") or PROBLEMS, params.get("q", ""))
    total = len(lines)
    content = dispatch_exports.dispatch_xlsx(result, lines, _shown(job), _counter(job, total))
    _finish(job, f"dispatch-{programme.pk}-{year}-{number}", content, total)


def _shown(job: Job) -> list[tuple[str, str]]:
    """The filter line's (label, value) pairs as queued (JSON keeps them as lists)."""
    return [(str(label), str(value)) for label, value in job.params.get("shown", [])]
