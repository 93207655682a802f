"""A commission's scores as a workbook: one sheet of the tasks with their figures, one of every
indicator score with its evidence, one of the localities' ratings, and the indicator system.
Text typed by users stays text (`kernel.spreadsheets.text_cell`)."""

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from evaluation.models import Commission, TaskEvaluation
from evaluation.selectors import scoring as reads
from kernel.spreadsheets import Filters, write_table


def _moment(value: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return value or None


def _rating(rating: str) -> str:
    return str(dict(TaskEvaluation.Rating.choices).get(rating, "")) if rating else ""


def _sheet(
    workbook: Workbook,
    title: str,
    headers: list[str],
    rows: list[list[Any]],
    filters: Filters | None = None,
) -> None:
    write_table(workbook.create_sheet(title), headers, rows, filters=filters)


def scores_xlsx(
    commission: Commission,
    params: dict[str, str] | None = None,
    filters: Filters | None = None,
) -> bytes:
    """The tasks and scores sheets hold the tasks the scores page shows under `params`, with
    the filters applied written above their header; the localities' ratings and the
    indicator system are the whole commission's."""
    indicators = reads.indicators_of(commission)
    evaluations = reads.report_evaluations(commission)
    if params:
        shown = set(reads.evaluation_list(commission, params).values_list("pk", flat=True))
        evaluations = [e for e in evaluations if e.pk in shown]
    count = len(indicators)
    workbook = Workbook(write_only=True)
    _sheet(
        workbook,
        _("Tasks"),
        [
            _("Locality"),
            _("Task"),
            _("Indicators scored"),
            _("Score"),
            _("Rating"),
            _("Replication recommendation"),
            _("Evaluation findings"),
        ],
        [
            [
                str(e.task.claimant),
                e.task.title,
                f"{len(e.scores.all())}/{count}",
                float(e.score) if e.score is not None else "",
                e.get_rating_display() if e.rating else "",
                e.get_recommendation_display() if e.recommendation else "",
                e.findings,
            ]
            for e in evaluations
        ],
        filters,
    )
    _sheet(
        workbook,
        _("Scores"),
        [
            _("Locality"),
            _("Task"),
            _("No."),
            _("Indicator"),
            _("Weight"),
            _("Score"),
            _("Evidence"),
            _("Scored at"),
        ],
        [
            [
                str(e.task.claimant),
                e.task.title,
                s.indicator.position,
                s.indicator.name,
                float(s.indicator.weight),
                float(s.value),
                s.evidence,
                _moment(s.scored_at),
            ]
            for e in evaluations
            for s in e.scores.all()
        ],
        filters,
    )
    _sheet(
        workbook,
        _("Localities"),
        [
            _("Locality"),
            _("Tasks"),
            _("Tasks not scored"),
            _("Score"),
            _("Provisional"),
            _("Rating"),
        ],
        [
            [
                str(row.claimant),
                row.result.tasks,
                row.result.unscored,
                float(row.result.score) if row.result.score is not None else "",
                _("yes") if row.result.provisional else "",
                _rating(row.result.rating),
            ]
            for row in reads.locality_rows(commission)
        ],
    )
    _sheet(
        workbook,
        _("Indicator system"),
        [_("No."), _("Dimension"), _("Indicator"), _("Weight"), _("What to look at")],
        [
            [i.position, i.get_dimension_display(), i.name, float(i.weight), i.guidance]
            for i in indicators
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
