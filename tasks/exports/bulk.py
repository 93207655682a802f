"""The bulk-update sheet: one row per milestone and per target of a coordinator's tasks, the
editable columns marked; and the same sheet read back into rows for tasks.services.bulk."""

import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from tasks.models import Milestone, Status, Target
from tasks.services.bulk import SheetRow

# (key, width, editable); the reader finds the columns by their header, in either language.
COLUMNS = [
    ("task", 8, False),
    ("title", 36, False),
    ("claimant", 14, False),
    ("kind", 10, False),
    ("number", 8, False),
    ("name", 36, False),
    ("due_on", 12, False),
    ("unit", 8, False),
    ("baseline", 10, False),
    ("target_value", 12, False),
    ("status", 14, True),
    ("done_on", 14, True),
    ("actual", 14, True),
]
REQUIRED = {"task", "kind", "number"}
EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")
MAX_READ_ROWS = 5000


def headers() -> dict[str, str]:
    """Column key → header, in the active language."""
    return {
        "task": _("Task ID"),
        "title": _("Task"),
        "claimant": _("Claimant"),
        "kind": _("Kind"),
        "number": _("No."),
        "name": _("Milestone or indicator"),
        "due_on": _("Due date"),
        "unit": _("Unit"),
        "baseline": _("Baseline"),
        "target_value": _("Target value"),
        "status": _("Status (edit)"),
        "done_on": _("Done on (edit)"),
        "actual": _("Actual value (edit)"),
    }


def _header_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for key, text in headers().items():
                keys[text.strip().lower()] = key
    return keys


def _milestone_row(m: Milestone) -> list[Any]:
    return [
        m.task_id,
        m.task.title,
        str(m.task.claimant),
        str(Milestone._meta.verbose_name),
        m.position,
        m.title,
        m.due_on,
        "",
        None,
        None,
        m.get_status_display(),
        m.done_on,
        None,
    ]


def _target_row(t: Target) -> list[Any]:
    return [
        t.task_id,
        t.task.title,
        str(t.task.claimant),
        str(Target._meta.verbose_name),
        t.position,
        t.indicator,
        t.due_on,
        t.unit,
        t.baseline,
        t.target_value,
        None,
        None,
        t.actual,
    ]


def sheet_bytes(milestones: list[Milestone], targets: list[Target]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = _("Update")
    names = headers()
    sheet.append([names[key] for key, _w, _e in COLUMNS])
    rows = [(m.task_id, 0, m.position, _milestone_row(m)) for m in milestones]
    rows += [(t.task_id, 1, t.position, _target_row(t)) for t in targets]
    for *_order, row in sorted(rows, key=lambda r: r[:3]):
        sheet.append(row)
    for index, (key, width, editable) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        sheet.cell(1, index).font = Font(bold=True)
        if editable:
            sheet.cell(1, index).fill = EDITABLE_FILL
            for cell in sheet[letter][1:]:
                cell.fill = EDITABLE_FILL
        if key in ("due_on", "done_on"):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    status_column = get_column_letter(1 + [k for k, _w, _e in COLUMNS].index("status"))
    labels = ",".join(str(label) for _v, label in Status.choices)
    choice = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
    sheet.add_data_validation(choice)
    choice.add(f"{status_column}2:{status_column}{max(2, sheet.max_row)}")
    sheet.freeze_panes = "C2"
    notes = workbook.create_sheet(_("Instructions"))
    for line in (
        _("Change only the columns marked (edit), shaded yellow; the others identify the row."),
        _(
            "Milestones: status is one of: %(labels)s; a milestone that is done needs the date "
            "it was done (YYYY-MM-DD)."
        )
        % {"labels": ", ".join(str(lb) for _v, lb in Status.choices)},
        _("Targets: the actual value is a number in the target's unit."),
        _("If any row has an error, nothing is changed; fix the rows listed and upload again."),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_sheet(content: bytes) -> list[SheetRow]:
    """The non-empty rows of the first sheet; ValueError with a message on a bad file."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise ValueError(_("The file is not an .xlsx workbook.")) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        keys = _header_keys()
        header = [keys.get(str(cell or "").strip().lower()) for cell in next(rows, None) or ()]
        if not set(header) >= REQUIRED:
            raise ValueError(
                _("Row 1 must keep the headers of the downloaded sheet (Task ID, Kind, No.).")
            )
        found = []
        for number, values in enumerate(rows, start=2):
            cells = {key: value for key, value in zip(header, values, strict=False) if key}
            if all(value in (None, "") for value in cells.values()):
                continue
            found.append(
                SheetRow(
                    row=number,
                    task=cells.get("task"),
                    kind=cells.get("kind"),
                    number=cells.get("number"),
                    status=cells.get("status"),
                    done_on=cells.get("done_on"),
                    actual=cells.get("actual"),
                )
            )
            if len(found) > MAX_READ_ROWS:
                raise ValueError(_("At most %(max)s rows at a time.") % {"max": MAX_READ_ROWS})
        return found
    finally:
        workbook.close()
