"""Pages of an evaluation's indicators, scores, ratings and report: the national level sets
the indicator system; the evaluator scores each task with evidence, delivers the report and
may replace the generated report by its own signed file; the scores list with its export; a
task's evaluation; and the section of the task page listing its evaluations round by round.

A commission or an evaluation outside the user's scope is 404 (scoped reads); an action the
user may not take is 403; an action the state no longer allows says so and leads back.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor, AuthenticatedHttpRequest
from accounts.roles import is_national
from evaluation import documents, rules
from evaluation.exports import scoring as exports
from evaluation.forms.scoring import (
    DeliverForm,
    IndicatorFormSet,
    ReportUploadForm,
    ScoreFilterForm,
    ScoreForm,
    indicator_initial,
)
from evaluation.models import Commission, TaskEvaluation
from evaluation.selectors import scoring as reads
from evaluation.services import scoring as services
from kernel.access import object_for
from kernel.actions import form_action
from kernel.downloads import DOCX, download, stored_file
from kernel.errors import DomainError
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, xlsx_response
from tasks.forms.plans import kept_rows
from tasks.models import Task
from tasks.rules import TASKS


def _commission_url(commission: Commission) -> str:
    return reverse("evaluation:commission", args=[commission.pk])


Right = Callable[[Actor, Commission], bool]


def _commission(
    request: HttpRequest, pk: int, check: Right | None = None, *, posted: Right | None = None
) -> Commission:
    """The commission within the user's scope (404 outside), checked with `check` (403)."""
    allowed = check if check is not None else rules.can_view_commission
    return object_for(request, reads.commission_get_for_user, pk, allowed, posted=posted)


def _national(user: Actor, commission: Commission) -> bool:
    return is_national(user)


def _evaluator(user: Actor, commission: Commission) -> bool:
    return rules.evaluates(user, commission)


# The indicator system ------------------------------------------------------------------------


@login_required
def indicators_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The indicator system as rows (dimension, name, what to look at, weight); the national
    level changes it until the first score is entered. What was typed stays on an error."""
    commission = _commission(request, pk, _national)
    if request.method == "GET" and not rules.can_set_indicators(request.user, commission):
        if commission.state != Commission.State.IN_PROGRESS:
            messages.info(request, _("The report has been delivered: the indicators are final."))
        else:
            messages.info(
                request, _("Scoring has started: the indicator system can no longer be changed.")
            )
        return redirect(_commission_url(commission))
    indicators = reads.indicators_of(commission)
    data = request.POST if request.method == "POST" else None
    formset = IndicatorFormSet(data, prefix="indicators", initial=indicator_initial(indicators))
    error = ""
    if data is not None:
        if formset.is_valid():
            try:
                services.indicators_set(
                    commission=commission, by=request.user, rows=kept_rows(formset)
                )
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, _("Indicator system saved; the evaluator is told."))
                return redirect(_commission_url(commission))
        else:
            error = _("Some rows need correcting; see the messages beside them.")
    context = {"commission": commission, "formset": formset, "error": error}
    return render(request, "evaluation/scoring_indicators.html", context)


# One task's evaluation -----------------------------------------------------------------------


def _task_link(user: Actor, task: Task) -> str:
    return reverse("tasks:task", args=[task.pk]) if TASKS.allows(user, task) else ""


@login_required
def task_evaluation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A task's evaluation as it stands: each indicator's score and evidence, the findings,
    the rating and the recommendation, beside the close-out's planned and achieved targets."""
    user = request.user
    evaluation = reads.evaluation_get_for_user(user, pk)
    commission = evaluation.commission
    context = {
        "evaluation": evaluation,
        "commission": commission,
        "sheet": reads.sheet(evaluation),
        "task_url": _task_link(user, evaluation.task),
        "can_view_commission": rules.can_view_commission(user, commission),
        "can_score": rules.can_work_on(user, commission),
        "rules_text": documents.rule_lines(),
    }
    return render(request, "evaluation/scoring_evaluation.html", context)


@login_required
def task_score(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The evaluator's scoring page: a score and its evidence per indicator, the findings and
    the recommendation. Indicators left blank stay unscored."""
    user = request.user
    evaluation = reads.evaluation_get_for_user(user, pk)
    commission = evaluation.commission
    if request.method == "POST":
        # The state is the service's to check under its lock, and to explain.
        if not rules.evaluates(user, commission):
            raise PermissionDenied
    elif not rules.can_work_on(user, commission):
        if rules.evaluates(user, commission):
            messages.info(request, _("The report has been delivered: the scores are final."))
            return redirect("evaluation:task_evaluation", evaluation.pk)
        raise PermissionDenied
    sheet = reads.sheet(evaluation)
    scores = {line.indicator.pk: line.score for line in sheet.lines if line.score is not None}
    form = ScoreForm(
        request.POST or None,
        indicators=[line.indicator for line in sheet.lines],
        evaluation=evaluation,
        scores=scores,
    )
    done: list[TaskEvaluation] = []
    if form_action(
        request,
        form,
        lambda: done.append(
            services.task_score(
                evaluation=evaluation,
                by=user,
                scores=form.rows(),
                findings=form.cleaned_data["findings"],
                recommendation=form.cleaned_data["recommendation"],
            )
        ),
        _("Scores saved."),
    ):
        return redirect("evaluation:task_evaluation", evaluation.pk)
    context = {
        "evaluation": evaluation,
        "commission": commission,
        "sheet": sheet,
        "form": form,
        "rules_text": documents.rule_lines(),
    }
    return render(request, "evaluation/scoring_score.html", context)


# The commission's scores -----------------------------------------------------------------------


def _filters(request: HttpRequest, commission: Commission) -> ScoreFilterForm:
    return ScoreFilterForm(request.GET or None, claimants=reads.claimants_of(commission))


@login_required
def scores(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every task of the commission with its figures, filtered, a page at a time."""
    commission = _commission(request, pk)
    filters = _filters(request, commission)
    page = paginate(request, reads.evaluation_list(commission, filters.params()))
    context = {
        "commission": commission,
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "indicator_count": commission.indicators.count(),
        "can_score": rules.can_work_on(request.user, commission),
    }
    return render(request, "evaluation/scoring_scores.html", context)


@login_required
def scores_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    commission = _commission(request, pk)
    filters = _filters(request, commission)
    content = exports.scores_xlsx(commission, filters.params(), form_filters(filters))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(content, f"evaluation-scores-{commission.pk}-{stamp}.xlsx")


# The report ----------------------------------------------------------------------------------


@login_required
def report_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The report: the evaluator's signed file once uploaded, else the generated .docx."""
    commission = _commission(request, pk)
    if commission.report_file:
        return stored_file(commission.report_file, commission.report_file_name)
    return download(documents.report_docx(commission), documents.file_name(commission), DOCX)


@login_required
def report_generated(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The generated .docx, even when a signed file replaced it (to print and sign anew)."""
    commission = _commission(request, pk)
    return download(documents.report_docx(commission), documents.file_name(commission), DOCX)


@login_required
def report_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The evaluator's signed report, once the report is delivered (the platform's rule:
    `services.can_upload_report`); before, the evaluator is told and led back."""
    commission = _commission(request, pk, _evaluator)
    if request.method == "GET" and not services.can_upload_report(request.user, commission):
        messages.info(
            request,
            _(
                "The signed report can be uploaded once the evaluation report is delivered: "
                "score every task and deliver the report first."
            ),
        )
        return redirect(_commission_url(commission))
    form = ReportUploadForm(request.POST or None, request.FILES or None)
    if form_action(
        request,
        form,
        lambda: services.report_upload(
            commission=commission, by=request.user, upload=form.cleaned_data["file"]
        ),
        _("Signed report uploaded: it replaces the generated one."),
    ):
        return redirect(_commission_url(commission))
    return render(
        request, "evaluation/scoring_upload.html", {"commission": commission, "form": form}
    )


@login_required
def report_deliver(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page with the overall findings: after delivery the scores are final."""
    user = request.user
    commission = _commission(request, pk, _evaluator)
    if request.method == "GET" and commission.state == Commission.State.REPORTED:
        messages.info(request, _("The report has already been delivered."))
        return redirect(_commission_url(commission))
    form = DeliverForm(request.POST or None, initial={"findings": commission.findings})
    if form_action(
        request,
        form,
        lambda: services.commission_report(
            commission=commission, by=user, findings=form.cleaned_data["findings"]
        ),
        _("Report delivered. The national level and the localities are told."),
    ):
        return redirect(_commission_url(commission))
    context = {
        "commission": commission,
        "form": form,
        "gaps": services.delivery_gaps(commission),
        "summary": reads.summary(commission),
    }
    return render(request, "evaluation/scoring_deliver.html", context)


# The task page ------------------------------------------------------------------------------


def task_panel(user: Actor, task: Task) -> dict[str, Any] | None:
    """The task's evaluations the user sees, oldest commission first (the rounds of a
    follow-up over the years: source 000, "从3年的跟踪评估看"); None when there is none."""
    rounds = reads.task_rounds(user, task)
    if not rounds:
        return None
    return {
        "template": "evaluation/includes/evaluations_panel.html",
        "evaluations": rounds,
    }
