"""The ranking of localities and implementing units (激励的依据), with its formula beside it,
its .xlsx export, and the national level's page to change the formula. All the national
level's (`rules.can_manage_incentives`). 484号 §三(四) leaves the way of rewarding to
"适当方式": the formula is the platform's, and every page says so."""

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from accounts.actors import AuthenticatedHttpRequest
from evaluation import ranking, rules
from evaluation.forms.incentives import (
    FormulaForm,
    RankingFilterForm,
)
from evaluation.selectors import ranking as ranking_reads
from evaluation.services import incentives as services
from kernel.access import require
from kernel.actions import form_action
from kernel.downloads import stamp
from kernel.spreadsheets import write_table, xlsx_response

# The ranking ---------------------------------------------------------------------------------


def component_labels() -> dict[str, str]:
    return {
        ranking.COMPLETION: _("completion"),
        ranking.EVALUATION: _("evaluation"),
        ranking.PROGRESS: _("progress"),
    }


def row_notes(row: ranking.Row) -> list[str]:
    """What the page says of a row whose score rests on fewer components, or on none."""
    labels = component_labels()
    notes = []
    if row.score is None:
        return [_("Not ranked: none of the weighted components is available yet.")]
    shares = "、".join(
        _("%(component)s %(share)s%%") % {"component": labels[c], "share": s}
        for c, s in row.shares.items()
    )
    if ranking.EVALUATION in row.missing:
        notes.append(
            _("No evaluation yet: ranked on the other components (%(shares)s).")
            % {"shares": shares}
        )
    if ranking.COMPLETION in row.missing:
        notes.append(
            _("No task due yet: ranked on the other components (%(shares)s).") % {"shares": shares}
        )
    if ranking.PROGRESS in row.missing:
        notes.append(
            _("No progress recorded: ranked on the other components (%(shares)s).")
            % {"shares": shares}
        )
    return notes


@dataclass
class Line:
    row: ranking.Row
    notes: list[str]


def _lines(rows: list[ranking.Row]) -> list[Line]:
    return [Line(row, row_notes(row)) for row in rows]


def _ranking(request: HttpRequest) -> tuple[RankingFilterForm, ranking_reads.Ranking | None]:
    filters = RankingFilterForm(
        request.GET or None, programmes=ranking_reads.programmes_ranked(request.user)
    )
    programme = filters.chosen_programme()
    return filters, ranking_reads.ranking_of(programme) if programme is not None else None


def _formula_context(formula: ranking_reads.Formula) -> dict[str, Any]:
    labels = component_labels()
    shares = formula.weights.shares()
    return {
        "formula": formula,
        "weights": [(labels[c], formula.weights.of(c), shares[c]) for c in ranking.COMPONENTS],
    }


@login_required
@require(rules.can_manage_incentives)
def ranking_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters, found = _ranking(request)
    context: dict[str, Any] = {
        "filters": filters,
        "ranking": found,
        "localities": _lines(found.localities) if found else [],
        "units": _lines(found.units) if found else [],
        "history": ranking_reads.formula_history(limit=5),
        "export_query": request.GET.urlencode(),
        **_formula_context(ranking_reads.formula_in_force()),
    }
    return render(request, "evaluation/ranking.html", context)


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _sheet_rows(lines: list[Line]) -> list[list[Any]]:
    rows = []
    for line in lines:
        row, f = line.row, line.row.figures
        rows.append(
            [
                row.rank,
                _("tied") if row.tied else "",
                row.name,
                _number(row.score),
                _number(row.completion),
                _number(row.evaluation),
                _number(row.progress),
                f.tasks,
                f.completed,
                f.due,
                f.tolerated,
                f.scored,
                " ".join(line.notes),
            ]
        )
    return rows


@login_required
@require(rules.can_manage_incentives)
def ranking_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Three sheets: the localities, the units, and the formula they were ranked under."""
    _form, found = _ranking(request)
    headers = [
        _("Rank"),
        _("Tied"),
        "",
        _("Score"),
        _("Completion (%)"),
        _("Evaluation score"),
        pgettext("ranking", "Progress (%)"),
        _("Tasks"),
        _("Closed as completed"),
        _("Tasks due"),
        _("Tolerated failures (not counted)"),
        _("Tasks with a delivered evaluation"),
        _("How it was ranked"),
    ]
    formula = ranking_reads.formula_in_force()
    # The programme ranked (chosen, or the newest by default) is the filter of every sheet.
    applied = [(_("Programme"), found.programme.title)] if found else []
    workbook = Workbook(write_only=True)
    for title, name, lines in (
        (_("Localities"), _("Locality"), _lines(found.localities) if found else []),
        (
            _("Implementing units (lead)"),
            _("Implementing unit"),
            _lines(found.units) if found else [],
        ),
    ):
        write_table(
            workbook.create_sheet(title),
            [*headers[:2], name, *headers[3:]],
            _sheet_rows(lines),
            filters=applied,
        )
    labels = component_labels()
    shares = formula.weights.shares()
    write_table(
        workbook.create_sheet(_("Formula")),
        [_("Component"), _("Weight"), _("Share (%)")],
        [[labels[c], float(formula.weights.of(c)), float(shares[c])] for c in ranking.COMPONENTS],
        after=[[], [_formula_source(formula)]],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return xlsx_response(buffer.getvalue(), f"ranking-{stamp()}.xlsx")


def _formula_source(formula: ranking_reads.Formula) -> str:
    rule = _(
        "The platform's rule: 484号 §三(四) leaves the way of rewarding to “适当方式”; the "
        "weights are set by the national level."
    )
    if formula.row is None:
        return rule + " " + _("Default weights (40/50/10): never changed.")
    assert formula.row is not None
    return (
        rule
        + " "
        + (
            _("Changed on %(date)s by %(who)s: %(reason)s")
            % {
                "date": timezone.localtime(formula.row.changed_at).strftime("%Y-%m-%d %H:%M"),
                "who": formula.row.changed_by or "—",
                "reason": formula.row.note,
            }
        )
    )


@login_required
@require(rules.can_manage_incentives)
def formula_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    formula = ranking_reads.formula_in_force()
    initial = {
        "completion": formula.weights.completion,
        "evaluation": formula.weights.evaluation,
        "progress": formula.weights.progress,
    }
    form = FormulaForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.formula_change(
            by=request.user,
            completion=form.cleaned_data["completion"],
            evaluation=form.cleaned_data["evaluation"],
            progress=form.cleaned_data["progress"],
            reason=form.cleaned_data["reason"],
        ),
        _("Formula changed. The ranking now uses the new weights."),
    ):
        return redirect("evaluation:ranking")
    context = {
        "form": form,
        "history": ranking_reads.formula_history(),
        **_formula_context(formula),
    }
    return render(request, "evaluation/ranking_formula.html", context)
