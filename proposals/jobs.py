"""Background runners for proposal imports and exports.

An import writes every row in one transaction (atomic) but must not run twice: a worker that
died after the commit and before the job was marked done would import every row again. The
exports write nothing but their file: run again from the start, they do no harm."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from jobs.models import Job
from jobs.registry import job_kind
from jobs.services import JobFailed, job_attach_result, job_set_progress
from proposals import excel, rules
from proposals.errors import ProposalError
from proposals.forms import ProposalForm
from proposals.models import Cycle, ReformField
from proposals.selectors import proposal_list, suggestion_list
from proposals.services.proposals import proposal_create

PROGRESS_EVERY = 50


def _row_data(values: dict[str, str], fields: dict[str, int]) -> tuple[dict[str, Any], list[str]]:
    """Turn a row's text into form data, with the problems the form cannot see."""
    problems: list[str] = []
    data: dict[str, Any] = dict(values)
    field_name = values.get("field", "")
    if field_name and field_name not in fields:
        problems.append(_("unknown reform field “%(name)s”") % {"name": field_name})
    data["field"] = fields.get(field_name, "")
    national = excel.parse_yes_no(values.get("needs_national_authority", ""))
    if national is None:
        problems.append(_("needs national authority must be 是 or 否"))
    data["needs_national_authority"] = bool(national)
    return data, problems


def _form_problems(form: ProposalForm) -> list[str]:
    problems = []
    for name, errors in form.errors.items():
        where = excel.label(name) if name != "__all__" else ""
        for error in errors:
            problems.append(f"{where}: {error}" if where else str(error))
    return problems


@job_kind(
    "proposals.import",
    title=gettext_lazy("Importing proposals"),
    back="proposals:proposal_list",
    restartable=False,
    atomic=True,
)
def run_import(job: Job) -> None:
    user, cycle = job.created_by, Cycle.objects.get(pk=job.params["cycle_id"])
    if user is None or not rules.can_import_proposals(user):
        raise JobFailed(_("You may not import proposals."))
    fields = {f.name: f.pk for f in ReformField.objects.all()}
    with job.input_file.open("rb") as upload:
        content = upload.read()
    try:
        rows = list(excel.read_rows(content))
    except ValueError as exc:
        raise JobFailed(str(exc)) from exc
    except Exception as exc:
        raise JobFailed(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
    if not rows:
        raise JobFailed(_("The workbook has no rows to import."))
    if len(rows) > excel.MAX_IMPORT_ROWS:
        raise JobFailed(
            _("At most %(n)s rows can be imported at once.") % {"n": excel.MAX_IMPORT_ROWS}
        )
    job_set_progress(job, 0, total=len(rows) * 2)
    errors, valid = [], []
    for index, (number, values) in enumerate(rows, start=1):
        data, problems = _row_data(values, fields)
        form = ProposalForm(data=data, complete=True)  # an import is ready to submit
        if form.is_valid() and not problems:
            valid.append(form.cleaned_data)
        else:
            problems += _form_problems(form)
            errors.append({"row": number, "message": "；".join(problems)})
        if index % PROGRESS_EVERY == 0:
            job_set_progress(job, index)
    if errors:
        raise JobFailed(
            _("Nothing was imported: %(n)s row(s) have errors.") % {"n": len(errors)}, errors
        )
    _create_all(job, user, cycle, valid, [n for n, _v in rows])


def _create_all(
    job: Job, user: User, cycle: Cycle, rows: list[dict[str, Any]], numbers: list[int]
) -> None:
    # One transaction: a failure on any row leaves nothing half-imported.
    with transaction.atomic():
        for index, (data, number) in enumerate(zip(rows, numbers, strict=True), start=1):
            try:
                proposal_create(by=user, cycle=cycle, data=data)
            except ProposalError as exc:
                raise JobFailed(
                    _("Nothing was imported: row %(row)s was refused.") % {"row": number},
                    [{"row": number, "message": exc.message}],
                ) from exc
            if index % PROGRESS_EVERY == 0:
                job_set_progress(job, len(rows) + index)
    job.progress = job.total
    job.message = _("%(n)s proposal(s) imported as drafts.") % {"n": len(rows)}


@job_kind(
    "proposals.export",
    title=gettext_lazy("Exporting proposals"),
    back="proposals:proposal_list",
    restartable=True,
    atomic=True,
)
def run_export(job: Job) -> None:
    if not rules.can_list_proposals(job.created_by):
        raise JobFailed(_("You may not export proposals."))
    qs = proposal_list(job.created_by, job.params.get("filters", {}))
    total = qs.count()
    job_set_progress(job, 0, total=total)

    def on_row(count: int) -> None:
        if count % 200 == 0:
            job_set_progress(job, count)

    shown = job.params.get("shown")  # absent on jobs queued before it was recorded
    content = excel.export_bytes(qs.iterator(chunk_size=500), on_row, filters=shown)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job_attach_result(job, f"proposals-{stamp}.xlsx", content)
    job.progress = total
    job.message = _("%(n)s proposal(s) exported.") % {"n": total}


@job_kind(
    "suggestions.export",
    title=gettext_lazy("Exporting suggestions"),
    back="proposals:suggestion_list",
    restartable=True,
    atomic=True,
)
def run_suggestion_export(job: Job) -> None:
    qs = suggestion_list(job.created_by, job.params.get("filters", {}))
    total = qs.count()
    job_set_progress(job, 0, total=total)
    shown = job.params.get("shown")  # absent on jobs queued before it was recorded
    content = excel.suggestion_export_bytes(qs.iterator(chunk_size=500), filters=shown)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job_attach_result(job, f"suggestions-{stamp}.xlsx", content)
    job.progress = total
    job.message = _("%(n)s suggestion(s) exported.") % {"n": total}
