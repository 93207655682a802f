"""Merging pages: one view per verb; the rules live in merging.services."""

from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actors import AuthenticatedHttpRequest
from audit.selectors import entries_for
from jobs.services import job_enqueue
from kernel.access import require
from kernel.actions import form_action
from kernel.downloads import download
from kernel.forms import ReasonForm
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters
from merging import excel, rules, selectors, services
from merging.errors import MergeError
from merging.forms import (
    CandidateFilterForm,
    CandidateForm,
    GroupFilterForm,
    JoinForm,
    RemainingFilterForm,
    SplitForm,
)
from merging.models import CandidateMeasure, SuggestedGroup
from proposals import rules as proposals_rules
from proposals.models import Cycle
from zhtext.groups import MAX_GROUP


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


# Cycles and suggested groups -----------------------------------------------------------------


@login_required
@require(rules.can_merge)
def merging_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    cycles = selectors.cycles_for_merging()
    return render(request, "merging/index.html", {"cycles": cycles})


@login_required
@require(rules.can_merge)
def group_index(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    filters = GroupFilterForm(request.GET or None)
    page = paginate(request, selectors.group_list(cycle, filters.params()))
    context = {
        "cycle": cycle,
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "remaining": selectors.remaining_proposals(cycle).count(),
        "entries": entries_for(cycle).filter(action="merge.suggested")[:5],
        "group_cap": MAX_GROUP,
    }
    return render(request, "merging/group_list.html", context)


@login_required
@require_POST
@require(rules.can_merge)
def suggestions_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    job = services.suggestions_enqueue(cycle=cycle, by=request.user)
    return redirect("jobs:job_detail", job.pk)


@login_required
@require(rules.can_merge)
def group_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The groups of one cycle: a few hundred rows at most, small enough to send at once."""
    cycle = get_object_or_404(Cycle, pk=pk)
    form = GroupFilterForm(request.GET or None)
    groups = selectors.group_list(cycle, form.params())
    return download(excel.groups_bytes(groups, form_filters(form)), f"groups-{cycle.year}.xlsx")


def _closed(request: HttpRequest, group: SuggestedGroup) -> HttpResponse | None:
    """A group already accepted or ignored is not worked on any more."""
    if group.state == SuggestedGroup.State.OPEN:
        return None
    messages.error(request, services.closed_message(group))
    return redirect("merging:group_list", group.cycle_id)


def _render_candidate_form(
    request: HttpRequest, form: CandidateForm, context: dict[str, object]
) -> HttpResponse:
    return render(request, "merging/candidate_form.html", {"form": form, **context})


@login_required
def group_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(request.user, pk)
    if (closed := _closed(request, group)) is not None:
        return closed
    members = list(group.proposals.all())
    if request.method == "POST":
        form = CandidateForm(request.POST)
        if form.is_valid():
            try:
                candidate = services.group_accept(
                    group=group, by=request.user, data=form.cleaned_data
                )
            except MergeError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Group accepted: the candidate measure is saved."))
                return redirect("merging:candidate_detail", candidate.pk)
    else:
        form = CandidateForm(initial=selectors.candidate_draft(members))
    context = {"group": group, "cycle": group.cycle, "members": members}
    return _render_candidate_form(request, form, context)


@login_required
def group_split(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(request.user, pk)
    if (closed := _closed(request, group)) is not None:
        return closed
    form = SplitForm(request.POST or None, group=group)
    if form_action(
        request,
        form,
        lambda: services.group_split(group=group, by=request.user, move=form.cleaned_data["move"]),
        _("Group split."),
    ):
        return redirect("merging:group_list", group.cycle_id)
    return render(request, "merging/group_split.html", {"group": group, "form": form})


@login_required
def group_join(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(request.user, pk)
    if (closed := _closed(request, group)) is not None:
        return closed
    form = JoinForm(request.POST or None, group=group)
    if form_action(
        request,
        form,
        lambda: services.group_join(group=group, other=form.cleaned_data["other"], by=request.user),
        _("Groups joined."),
    ):
        return redirect("merging:group_list", group.cycle_id)
    return render(request, "merging/group_join.html", {"group": group, "form": form})


@login_required
@require_POST
def group_ignore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(request.user, pk)
    try:
        services.group_ignore(group=group, by=request.user)
    except MergeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Group ignored: it will not be suggested again."))
    return redirect("merging:group_list", group.cycle_id)


@login_required
@require_POST
def group_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(request.user, pk)
    try:
        services.group_restore(group=group, by=request.user)
    except MergeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Group brought back among the suggestions."))
    return redirect(reverse("merging:group_list", args=[group.cycle_id]) + "?state=ignored")


# Proposals outside any group -----------------------------------------------------------------


@login_required
@require(rules.can_merge)
def remaining_index(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    filters = RemainingFilterForm(request.GET or None)
    page = paginate(request, selectors.remaining_proposals(cycle, filters.params()))
    context = {
        "cycle": cycle,
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
    }
    return render(request, "merging/remaining_list.html", context)


@login_required
@require(rules.can_merge)
def proposals_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Merge proposals chosen by hand: the chosen ones come as `proposal` ids, GET or POST."""
    cycle = get_object_or_404(Cycle, pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    ids = _ids(data.getlist("proposal"))
    chosen = selectors.mergeable_proposals(cycle, ids)
    if not chosen or len(chosen) != len(set(ids)):
        # A second click, or a colleague who merged them first: say which one went.
        gone = selectors.first_no_longer_mergeable(cycle, ids)
        if gone is not None:
            messages.error(
                request,
                _("“%(title)s” is no longer waiting to be merged (it is %(state)s).")
                % {"title": gone.title, "state": gone.get_state_display()},
            )
        else:
            messages.error(
                request, _("Choose proposals of this cycle that are waiting to be merged.")
            )
        return redirect("merging:remaining_list", cycle.pk)
    if request.method == "POST":
        form = CandidateForm(request.POST)
        if form.is_valid():
            try:
                candidate = services.proposals_merge(
                    cycle=cycle, proposals=chosen, by=request.user, data=form.cleaned_data
                )
            except MergeError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Merged: the candidate measure is saved."))
                return redirect("merging:candidate_detail", candidate.pk)
    else:
        form = CandidateForm(initial=selectors.candidate_draft(chosen))
    return _render_candidate_form(request, form, {"cycle": cycle, "members": chosen})


@login_required
@require(rules.can_merge)
def proposals_promote(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, then make each remaining proposal a candidate of its own. Only the proposals
    shown on the confirmation page are promoted, never one that arrived since."""
    cycle = get_object_or_404(Cycle, pk=pk)
    remaining = list(selectors.remaining_proposals(cycle))
    if request.method == "POST":
        confirmed = set(_ids(request.POST.getlist("proposal")))
        chosen = [p for p in remaining if p.pk in confirmed]
        try:
            done = services.proposals_promote(cycle=cycle, proposals=chosen, by=request.user)
        except MergeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s candidate measure(s) created.") % {"n": len(done)})
            return redirect(reverse("merging:candidate_list") + f"?cycle={cycle.pk}")
    grouped = selectors.grouped_count(cycle)
    context = {"cycle": cycle, "remaining": remaining, "grouped": grouped}
    return render(request, "merging/promote_confirm.html", context)


# Candidates ----------------------------------------------------------------------------------


@login_required
@require(rules.can_list_candidates)
def candidate_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = CandidateFilterForm(request.GET or None)
    page = paginate(request, selectors.candidate_list(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "merging/candidate_list.html", context)


@login_required
@require_POST
@require(rules.can_list_candidates)
def candidate_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = dict(parse_qsl(request.POST.get("query", "")))
    filters = CandidateFilterForm(query).params()
    job = job_enqueue(
        kind="merging.candidates_export", by=request.user, params={"filters": filters}
    )
    return redirect("jobs:job_detail", job.pk)


def _locked_reason(candidate: CandidateMeasure) -> str:
    if candidate.assignments.exists():
        return _("Experts are already assigned to review this candidate; it cannot be unmerged.")
    if candidate.list_items.exists():
        return _("This candidate is on an annual list; it cannot be unmerged.")
    return ""


@login_required
def candidate_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = selectors.candidate_get_for_user(request.user, pk)
    can_merge = rules.can_merge(request.user)
    context = {
        "candidate": candidate,
        "sources": selectors.candidate_sources_for(request.user, candidate),
        "can_merge": can_merge,
        "locked": _locked_reason(candidate) if can_merge else "",
        # The trail names every source: only the centre reads it.
        "entries": entries_for(candidate) if can_merge else None,
    }
    return render(request, "merging/candidate_detail.html", context)


@login_required
def candidate_undo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = selectors.candidate_get_for_user(request.user, pk)
    if not rules.can_merge(request.user):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.merge_undo(
                candidate=candidate, by=request.user, reason=form.cleaned_data["reason"]
            )
        except MergeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Merge undone: the proposals are submitted again."))
            return redirect("merging:remaining_list", candidate.cycle_id)
    context = {
        "candidate": candidate,
        "form": form,
        "sources": selectors.candidate_sources_for(request.user, candidate),
        "locked": _locked_reason(candidate),
    }
    return render(request, "merging/candidate_undo.html", context)


# The drafting warning ------------------------------------------------------------------------


@login_required
@require_POST
@require(proposals_rules.can_create_proposal)
def similar_fragment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The drafting warning for what is typed in the proposal form, refreshed as one types."""
    exclude = _ids([request.POST.get("proposal", "")])
    cycle = Cycle.objects.filter(pk__in=_ids([request.POST.get("cycle", "")])).first()
    warning = selectors.drafting_warning(
        request.user,
        title=request.POST.get("title", ""),
        content=request.POST.get("content", ""),
        cycle=cycle,
        exclude=exclude[0] if exclude else None,
    )
    return render(request, "merging/includes/drafting_warning_body.html", {"warning": warning})
