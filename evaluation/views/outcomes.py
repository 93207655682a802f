"""Pages of replicable outcomes (可复制推广的改革成果): the list with its filters and export, the
national level's two steps to distil one (choose the evaluated tasks, then the prefilled draft),
the outcome's page, changing a draft and confirming it for promotion.

An outcome outside the user's scope is 404 (a draft is the national level's alone); an action
the user may not take is 403."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from evaluation import rules
from evaluation.forms.outcomes import (
    ConfirmForm,
    EvaluatedTaskFilterForm,
    OutcomeFilterForm,
    OutcomeForm,
)
from evaluation.models import Outcome
from evaluation.selectors import outcomes as reads
from evaluation.services import outcomes as services
from kernel.access import object_for, require
from kernel.actions import form_action
from kernel.downloads import stamp
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes, xlsx_response
from tasks.models import Task
from tasks.selectors import programmes_with_tasks


def _filters(request: HttpRequest) -> OutcomeFilterForm:
    return OutcomeFilterForm(request.GET or None, programmes=programmes_with_tasks(request.user))


@login_required
@require(rules.can_list_outcomes)
def outcome_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = paginate(request, reads.outcome_list(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_manage": rules.can_manage_outcomes(request.user),
    }
    return render(request, "evaluation/outcome_index.html", context)


def _local(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


@login_required
@require(rules.can_list_outcomes)
def outcome_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filters(request)
    outcomes = reads.outcome_list(request.user, form.params())
    headers = [
        _("No."),
        _("Title"),
        _("Reform field"),
        _("State"),
        _("Recommended scope"),
        _("Where it came from"),
        _("Tasks behind it"),
        _("Summary"),
        _("Institutional change made"),
        _("Evidence"),
        _("Drafted at"),
        _("Confirmed at"),
    ]
    rows = (
        [
            o.pk,
            o.title,
            str(o.field),
            o.get_state_display(),
            o.get_recommended_scope_display(),
            o.origin,
            "；".join(f"{t.claimant} · {t.title}" for t in o.tasks.all()),
            o.summary,
            o.institutional_change,
            o.evidence,
            _local(o.created_at),
            _local(o.confirmed_at),
        ]
        for o in outcomes
    )
    content = table_bytes(_("Replicable outcomes"), headers, rows, filters=form_filters(form))
    return xlsx_response(content, f"outcomes-{stamp()}.xlsx")


@login_required
@require(rules.can_manage_outcomes)
def outcome_choose(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 1: the evaluated tasks (a delivered evaluation each), to tick those the outcome is
    distilled from."""
    filters = EvaluatedTaskFilterForm(
        request.GET or None, programmes=programmes_with_tasks(request.user)
    )
    page = paginate(request, reads.evaluated_tasks(filters.params()))
    context = {"filters": filters, "page": page, "querystring": querystring_without_page(request)}
    return render(request, "evaluation/outcome_choose.html", context)


def _chosen_ids(request: HttpRequest) -> list[int]:
    source = request.POST if request.method == "POST" else request.GET
    return sorted({int(v) for v in source.getlist("tasks") if v.isdigit()})


@login_required
@require(rules.can_manage_outcomes)
def outcome_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 2: the draft, prefilled from the chosen tasks (GET), saved on POST."""
    chosen = _chosen_ids(request)
    if not chosen:
        messages.error(request, _("Choose at least one evaluated task."))
        return redirect("evaluation:outcome_choose")
    lacking = reads.tasks_without_delivered_evaluation(chosen)
    if lacking and request.method != "POST":
        messages.error(
            request,
            _(
                "%(tasks)s has no delivered evaluation yet: an outcome is distilled from "
                "evaluated tasks."
            )
            % {"tasks": "、".join(t.title for t in lacking)},
        )
        return redirect("evaluation:outcome_choose")
    prefill = reads.outcome_prefill(chosen)
    form = OutcomeForm(request.POST or None, initial=prefill.initial, tasks=Task.objects.all())
    done: list[Outcome] = []
    if form_action(
        request,
        form,
        lambda: done.append(
            services.outcome_create(
                by=request.user, tasks=form.cleaned_data["tasks"], data=form.data_for_service()
            )
        ),
        _("Outcome drafted. Check it, then confirm it for promotion."),
    ):
        return redirect("evaluation:outcome", done[0].pk)
    context = {
        "form": form,
        "prefill": prefill,
        "tasks": reads.evaluated_tasks().filter(pk__in=chosen),
        "heading": _("Distil a replicable outcome"),
    }
    return render(request, "evaluation/outcome_form.html", context)


@login_required
def outcome_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outcome = reads.outcome_get_for_user(request.user, pk)
    context = {
        "outcome": outcome,
        "tasks": reads.outcome_tasks(request.user, outcome),
        "entries": reads.outcome_history(outcome),
        "can_edit": reads.can_edit_outcome(request.user, outcome),
    }
    return render(request, "evaluation/outcome_page.html", context)


def _draft_for(request: AuthenticatedHttpRequest, pk: int) -> Outcome | HttpResponse:
    """The outcome for a step that needs it still a draft: 404 outside the user's scope, 403
    without the right; a confirmed one (a colleague confirmed it, an old link) leads to its
    page, which says so. A POST goes on to the service, which says what changed."""
    outcome = object_for(request, reads.outcome_get_for_user, pk, reads.manages_outcome)
    if request.method != "POST" and not reads.can_edit_outcome(request.user, outcome):
        messages.info(request, _("This outcome is confirmed and can no longer be changed."))
        return redirect("evaluation:outcome", outcome.pk)
    return outcome


@login_required
def outcome_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    outcome = _draft_for(request, pk)
    if isinstance(outcome, HttpResponse):
        return outcome
    initial = {
        "title": outcome.title,
        "field": outcome.field_id,
        "summary": outcome.summary,
        "institutional_change": outcome.institutional_change,
        "origin": outcome.origin,
        "evidence": outcome.evidence,
        "recommended_scope": outcome.recommended_scope,
    }
    form = OutcomeForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.outcome_update(
            outcome=outcome, by=request.user, data=form.data_for_service()
        ),
        _("Outcome saved."),
    ):
        return redirect("evaluation:outcome", outcome.pk)
    context = {
        "form": form,
        "outcome": outcome,
        "tasks": reads.outcome_tasks(request.user, outcome),
        "heading": _("Change the replicable outcome"),
    }
    return render(request, "evaluation/outcome_form.html", context)


@login_required
def outcome_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the confirmation (POST)."""
    outcome = _draft_for(request, pk)
    if isinstance(outcome, HttpResponse):
        return outcome
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form_action(
        request,
        form,
        lambda: services.outcome_confirm(outcome=outcome, by=request.user),
        _("Outcome confirmed for promotion."),
    ):
        return redirect("evaluation:outcome", outcome.pk)
    context = {
        "form": form,
        "outcome": outcome,
        "tasks": reads.outcome_tasks(request.user, outcome),
    }
    return render(request, "evaluation/outcome_confirm.html", context)
