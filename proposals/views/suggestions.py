from typing import Any
from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.actors import Actor, AuthenticatedHttpRequest
from audit.selectors import entries_for
from jobs.services import job_enqueue
from kernel.access import require
from kernel.forms import ReasonForm
from kernel.pages import paginate, querystring_without_page
from proposals import rules, selectors
from proposals.errors import ProposalError
from proposals.forms import SuggestionForm
from proposals.models import Proposal, Suggestion
from proposals.selectors import current_cycle, suggestion_get_for_user
from proposals.services.suggestions import suggestion_decline, suggestion_submit


def _can_see_suggestions(user: Actor) -> bool:
    return roles.is_province_coordinator(user) or rules.can_submit_suggestion(user)


@login_required
@require(_can_see_suggestions)
def suggestion_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    query, state = request.GET.get("q", "").strip(), request.GET.get("state", "")
    qs = selectors.suggestion_list(request.user, {"q": query, "state": state})
    return render(
        request,
        "proposals/suggestion_list.html",
        {
            "page": paginate(request, qs),
            "query": query,
            "state": state,
            "states": Suggestion.State.choices,
            "querystring": querystring_without_page(request),
            "can_submit": rules.can_submit_suggestion(request.user),
            "export_query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
@require(_can_see_suggestions)
def suggestion_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = dict(parse_qsl(request.POST.get("query", "")))
    filters = {"q": query.get("q", ""), "state": query.get("state", "")}
    # The filters as the user chose them, in their language, for the line above the sheet.
    states = dict(Suggestion.State.choices)
    shown = [(str(_("Search")), filters["q"])] if filters["q"] else []
    if filters["state"] in states:
        shown.append((str(_("State")), str(states[filters["state"]])))
    params = {"filters": filters, "shown": shown}
    job = job_enqueue(kind="suggestions.export", by=request.user, params=params)
    return redirect("jobs:job_detail", job.pk)


@login_required
@require(rules.can_submit_suggestion)
def suggestion_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    cycle = current_cycle()
    form = SuggestionForm(request.POST or None)
    if cycle is None:
        messages.error(request, _("No cycle is open for suggestions."))
        return redirect("proposals:suggestion_list")
    if request.method == "POST" and form.is_valid():
        try:
            suggestion = suggestion_submit(by=request.user, cycle=cycle, **form.cleaned_data)
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your suggestion was sent to your locality."))
            return redirect("proposals:suggestion_detail", suggestion.pk)
    return render(request, "proposals/suggestion_form.html", {"form": form, "cycle": cycle})


def _proposals_from(user: Actor, suggestion: Suggestion) -> Any:
    """What became of a suggestion; a locality's drafts stay private to its coordinator."""
    qs = suggestion.proposals.filter(locality_id=suggestion.locality_id)
    if rules.can_handle_suggestion(user, suggestion):
        return qs
    return qs.exclude(state=Proposal.State.DRAFT)


@login_required
def suggestion_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    suggestion = suggestion_get_for_user(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if not rules.can_handle_suggestion(request.user, suggestion):
            raise PermissionDenied
        if form.is_valid():
            try:
                suggestion_decline(
                    suggestion=suggestion, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ProposalError as exc:
                # Declined or adopted meanwhile: the form is gone from the page, so the message
                # goes above it.
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Suggestion declined."))
            return redirect("proposals:suggestion_detail", suggestion.pk)
    return render(
        request,
        "proposals/suggestion_detail.html",
        {
            "suggestion": suggestion,
            "form": form,
            "can_handle": rules.can_handle_suggestion(request.user, suggestion)
            and suggestion.state == Suggestion.State.SUBMITTED,
            "proposals": _proposals_from(request.user, suggestion),
            "entries": entries_for(suggestion),
        },
    )
