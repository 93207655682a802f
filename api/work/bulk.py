"""Bulk report submission (一次填报) for localities that run their own systems: their system
files the implementers' progress reports of a period through the API, and the platform does
not ask the implementers again. The principle is the one source 001 reports from local reform
(项目全周期"信息一次填报、材料一次报送"); the API for it, its cap and its per-item answers are
the platform's rules (平台规则).

Each item is filed exactly as an implementer files it on the report pages, by the same form and
the same services: the draft of the period is started (`report_start`) or continued, the
report form (`ReportForm`, with `submitting=True`) checks the figures and the text, the draft is
saved (`report_save`) and submitted (`report_submit`), which writes the figures back to the
task, tells the locality and raises the help request. Nothing else decides: who may file is
`tasks.rules.can_report`, checked by the services; which tasks exist for the caller is
`tasks.rules.TASKS` (a task outside it is "not found", as the pages answer 404).

The system calls with the token of a user of the implementing organisation: a locality's
coordinator files no report on the pages, and does not through the API either.

Per-item results: every item is one transaction, written whole or not at all, and answered
with its index, the sender's `external_id` and the errors in the user's language. A retry is
harmless: a period whose report is already submitted is answered `already_submitted` with that
report, and nothing is written (a period is filed once: the model's `report_once` constraint,
under the task's row lock).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from kernel.errors import DomainError, Forbidden
from tasks import rules
from tasks.forms.reports import ReportForm, SubmitReportForm, milestone_shown, target_shown
from tasks.models import ProgressReport, Task
from tasks.services import reports as services
from tasks.services.core import task_lock

SUBMITTED = "submitted"
ALREADY_SUBMITTED = "already_submitted"
REJECTED = "rejected"


@dataclass
class ItemResult:
    index: int
    external_id: str
    task: int | None
    year: int | None
    period: int | None
    result: str = REJECTED
    report: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


class _Rejected(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def may_file_reports(user: Any) -> bool:
    """The endpoint's gate: users of an implementing organisation, the only ones who file
    reports (`tasks.rules.can_report`); anybody else is refused (403) before any item."""
    return rules.IMPLEMENTED_BY.filter_for(user) is not None


def file_reports(*, by: User, items: list[dict[str, Any]]) -> list[ItemResult]:
    """File each validated item (`BulkReportItemSerializer`'s data) in its own transaction."""
    return [file_one(by=by, index=i, item=item) for i, item in enumerate(items)]


def file_one(*, by: User, index: int, item: dict[str, Any]) -> ItemResult:
    result = ItemResult(
        index=index,
        external_id=item.get("external_id", ""),
        task=item["task"],
        year=item["year"],
        period=item["period"],
    )
    try:
        with transaction.atomic():
            report, already = _file(by, item)
    except _Rejected as exc:
        result.errors = exc.errors
        return result
    except Forbidden:
        result.errors = {"task": [_("Only the task's implementers file its reports.")]}
        return result
    except DomainError as exc:
        result.errors = {"non_field_errors": [exc.message]}
        return result
    result.result = ALREADY_SUBMITTED if already else SUBMITTED
    result.report = report.pk
    return result


def _file(by: User, item: dict[str, Any]) -> tuple[ProgressReport, bool]:
    """The period's report filed (or found already submitted: True)."""
    task = rules.TASKS.queryset(by).filter(pk=item["task"]).first()
    if task is None:
        raise _Rejected({"task": [_("No such task.")]})
    # Concurrent retries of one item wait here for each other: the second finds the first's.
    task = task_lock(task)
    existing = (
        ProgressReport.objects.filter(task=task, year=item["year"], period=item["period"])
        .order_by()
        .first()
    )
    if existing is not None and existing.state == ProgressReport.State.SUBMITTED:
        return existing, True
    if not rules.can_report(by, task):
        raise _Rejected({"task": [_refusal(by, task)]})
    report = existing or services.report_start(
        task=task, by=by, period=(item["year"], item["period"])
    )
    form = _report_form(report, item)
    if not form.is_valid():
        raise _Rejected(_form_errors(form, item))
    milestones, targets, targets_shown = form.figures()
    data = form.cleaned_data
    report = services.report_save(
        report=report,
        by=by,
        milestones=milestones,
        targets=targets,
        targets_shown=targets_shown,
        done=data["done"],
        problems=data["problems"],
        help_needed=data["help_needed"],
    )
    submit_form = SubmitReportForm(
        {"help_level": item["help_level"]}, help_needed=bool(report.help_needed)
    )
    if not submit_form.is_valid():
        raise _Rejected(_plain_errors(submit_form.errors))
    report = services.report_submit(
        report=report, by=by, help_level=submit_form.cleaned_data.get("help_level", "")
    )
    return report, False


def _refusal(by: User, task: Task) -> str:
    """Why `can_report` refuses, in the words the pages use."""
    if not rules.is_task_implementer(by, task):
        return _("Only the task's implementers file its reports.")
    if task.is_closed:
        return _("The task is closed out: no more reports are filed for it.")
    return _("Reports start once the plan is approved.")


def _report_form(report: ProgressReport, item: dict[str, Any]) -> ReportForm:
    """The report form as the edit page would post it: every row shown as the draft holds it,
    the rows the item names changed to its figures."""
    blank = ReportForm(report=report)
    data: dict[str, Any] = {
        "done": item["done"],
        "problems": item["problems"],
        "help_needed": item["help_needed"],
    }
    for update in blank.milestone_updates:
        pk = update.milestone_id
        data[f"m{pk}_status"] = update.status
        data[f"m{pk}_done_on"] = update.done_on.isoformat() if update.done_on else ""
        data[f"m{pk}_shown"] = milestone_shown(update.status, update.done_on)
    for t_update in blank.target_updates:
        pk = t_update.target_id
        data[f"t{pk}_actual"] = target_shown(t_update.actual)
        data[f"t{pk}_shown"] = target_shown(t_update.actual)
    known_milestones = {u.milestone_id for u in blank.milestone_updates}
    known_targets = {u.target_id for u in blank.target_updates}
    errors: dict[str, list[str]] = {}
    for i, figure in enumerate(item["milestones"]):
        pk = figure["milestone"]
        if pk not in known_milestones:
            errors[f"milestones[{i}].milestone"] = [_("Unknown milestone.")]
            continue
        data[f"m{pk}_status"] = figure["status"]
        done_on = figure.get("done_on")
        data[f"m{pk}_done_on"] = done_on.isoformat() if done_on else ""
    for i, figure in enumerate(item["targets"]):
        pk = figure["target"]
        if pk not in known_targets:
            errors[f"targets[{i}].target"] = [_("Unknown target.")]
            continue
        data[f"t{pk}_actual"] = "" if figure["actual"] is None else str(figure["actual"])
    if errors:
        raise _Rejected(errors)
    return ReportForm(data, report=report, submitting=True)


def _form_errors(form: ReportForm, item: dict[str, Any]) -> dict[str, list[str]]:
    """The form's errors under the item's own names: `milestones[0].done_on` rather than the
    page's `m12_done_on`."""
    names: dict[str, str] = {}
    for i, figure in enumerate(item["milestones"]):
        for suffix in ("status", "done_on"):
            names[f"m{figure['milestone']}_{suffix}"] = f"milestones[{i}].{suffix}"
    for i, figure in enumerate(item["targets"]):
        names[f"t{figure['target']}_actual"] = f"targets[{i}].actual"
    found: dict[str, list[str]] = {}
    for name, messages in _plain_errors(form.errors).items():
        label = names.get(name)
        if label is None and name != "non_field_errors" and name not in form.base_fields:
            # A row the item left alone: named by the label the page shows it under.
            label = str(form.fields[name].label or name)
        found[label or name] = messages
    return found


def _plain_errors(errors: Any) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in errors.items()
    }
