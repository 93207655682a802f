"""Background runners for proposal imports and exports.

An import writes every row in one transaction (atomic) but must not run twice: a worker that
died after the commit and before the job was marked done would import every row again. The
exports write nothing but their file: run again from the start, they do no harm."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.models import Job
from jobs.registry import job_kind
from jobs.services import JobFailed, job_attach_result, job_set_progress
from kernel.spreadsheets import WorkbookRefused
from proposals import excel, rules
from proposals.forms import ProposalForm
from proposals.models import Cycle, Proposal, ReformField
from proposals.selectors import proposal_list, suggestion_list
from proposals.services import imports

PROGRESS_EVERY = 200
# The bad rows a failed import lists on its page (all are counted in its message).
MAX_LISTED_ERRORS = 1000


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


class _ImportRowForm(ProposalForm):
    """ProposalForm for imported rows, without its per-row costs (an import has tens of
    thousands): one form checks every row in turn (`check`), as building one (a deep copy of
    its fields) cost more than checking a row; the reform field is found among those read
    once, not by a query; and the model's check constraints are not run as SQL (a query
    each). Those constraints concern submitted, returned and merged proposals; an import makes
    drafts, and the one that concerns a draft (national authority names ministries) is checked
    by the form's clean() and again by the database."""

    def __init__(self, *, fields: dict[str, ReformField]) -> None:
        super().__init__(data={}, complete=True)  # an import is ready to submit
        self.fields["field"] = _KnownField(fields, required=True, label=excel.label("field"))

    def check(self, data: dict[str, Any]) -> bool:
        """Bind the form to one row's `data` and validate it."""
        self.data = data
        self._errors = None  # Django's "not validated yet"
        self.instance = Proposal()
        self.instance.validate_constraints = _no_constraints
        return self.is_valid()

    def _get_validation_exclusions(self) -> set[str]:
        # The reform field is one of `fields`, read once: no query to check it exists.
        return {*super()._get_validation_exclusions(), "field"}  # type: ignore[misc]


class _KnownField(forms.Field):
    def __init__(self, known: dict[str, ReformField], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.known = {str(reform.pk): reform for reform in known.values()}

    def to_python(self, value: Any) -> ReformField | None:
        return self.known.get(str(value)) if value not in (None, "") else None


def _no_constraints(exclude: Any = None) -> None:
    return None


@dataclass
class _Errors:
    """The bad rows met: the first MAX_LISTED_ERRORS listed, all counted."""

    listed: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    def add(self, row: int, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append({"row": row, "message": message})

    def failure(self) -> JobFailed:
        return JobFailed(
            _("Nothing was imported: %(n)s row(s) have errors.") % {"n": self.count},
            self.listed,
        )


def _checked_rows(
    source: IO[bytes], fields: dict[str, ReformField], errors: _Errors
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """Every row of the workbook as (row number, cleaned data), or (row number, None) for a
    row the form refuses, whose problems go to `errors`. Streamed: one row at a time."""
    ids = {name: reform.pk for name, reform in fields.items()}
    form = _ImportRowForm(fields=fields)
    for number, values in excel.read_rows(source, checked=True):
        data, problems = _row_data(values, ids)
        if form.check(data) and not problems:
            yield number, form.cleaned_data
        else:
            problems += _form_problems(form)
            errors.add(number, "；".join(problems))
            yield number, None


def _valid_only(
    rows: Iterator[tuple[int, dict[str, Any] | None]], errors: _Errors
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The second pass's rows, all checked by the first: a row refused now (the stored file
    cannot change between the passes, but if it did) is refused inside the transaction."""
    for number, data in rows:
        if data is None:
            raise imports.RowRefused(number, errors.listed[-1]["message"] if errors.listed else "")
        yield number, data


def _refused(exc: WorkbookRefused) -> JobFailed:
    if exc.unreadable:
        return JobFailed(_("The file could not be read as an Excel workbook (.xlsx)."))
    return JobFailed(exc.message, exc.errors())


def _too_many() -> JobFailed:
    return JobFailed(
        _("At most %(n)s rows can be imported at once.") % {"n": excel.MAX_IMPORT_ROWS}
    )


@job_kind(
    "proposals.import",
    title=gettext_lazy("Importing proposals"),
    back="proposals:proposal_list",
    restartable=False,
    atomic=True,
)
def run_import(job: Job) -> None:
    """Two passes over the file, one row in memory at a time: the first checks every row
    (outside any transaction, so its progress shows), the second inserts them in batches in
    one transaction (proposals.services.imports). Progress counts each row twice."""
    user, cycle = job.created_by, Cycle.objects.get(pk=job.params["cycle_id"])
    if user is None or not rules.can_import_proposals(user):
        raise JobFailed(_("You may not import proposals."))
    fields = {f.name: f for f in ReformField.objects.all()}
    with job.input_file.open("rb") as upload:
        try:
            excel.check_size(upload)
        except WorkbookRefused as exc:
            raise _refused(exc) from exc
        count = _check_all(job, upload, fields)
        upload.seek(0)
        errors = _Errors()

        def on_row(index: int) -> None:
            if index % PROGRESS_EVERY == 0:
                job_set_progress(job, count + index)

        try:
            created = imports.proposals_import(
                by=user,
                cycle=cycle,
                rows=_valid_only(_checked_rows(upload, fields, errors), errors),
                on_row=on_row,
            )
        except imports.RowRefused as exc:
            raise JobFailed(
                _("Nothing was imported: row %(row)s was refused.") % {"row": exc.row},
                [{"row": exc.row, "message": exc.message}],
            ) from exc
    job.progress = job.total
    job.message = _("%(n)s proposal(s) imported as drafts.") % {"n": created}


def _check_all(job: Job, upload: IO[bytes], fields: dict[str, ReformField]) -> int:
    """The first pass: the number of rows, or JobFailed listing the bad rows."""
    errors = _Errors()
    count = 0
    # The sheet's own count of its rows, for the progress bar only: pass 1 ends with the
    # true one (and a sheet that under-states its rows has its estimate raised as read).
    estimate = max(excel.declared_rows(upload) - 1, 1)
    job_set_progress(job, 0, total=estimate * 2)
    rows = _checked_rows(upload, fields, errors)
    while True:
        # Only reading the file is caught: a failure to report progress is the engine's.
        try:
            found = next(rows, None)
        except WorkbookRefused as exc:
            raise _refused(exc) from exc
        except ValueError as exc:
            raise JobFailed(str(exc)) from exc
        except Exception as exc:  # openpyxl raises many kinds on a file that is no workbook
            raise JobFailed(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
        if found is None:
            break
        count += 1
        if count > excel.MAX_IMPORT_ROWS:
            raise _too_many()
        if count % PROGRESS_EVERY == 0:
            estimate = max(estimate, count + PROGRESS_EVERY)
            job_set_progress(job, count, total=estimate * 2)
    if count == 0:
        raise JobFailed(_("The workbook has no rows to import."))
    if errors.count:
        raise errors.failure()
    job_set_progress(job, count, total=count * 2)
    return count


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
