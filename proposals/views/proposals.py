from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.actors import AuthenticatedHttpRequest
from audit.selectors import entries_for
from kernel.access import object_for, require
from kernel.actions import form_action
from kernel.forms import ReasonForm
from kernel.pages import paginate, querystring_without_page
from proposals import rules, selectors
from proposals.errors import ProposalError
from proposals.forms import AttachmentForm, ProposalFilterForm, ProposalForm
from proposals.models import Proposal, Suggestion, Topic
from proposals.selectors import (
    current_cycle,
    locality_counts,
    proposal_get_for_user,
    proposal_list,
    proposals_visible_to,
    submission_window,
)
from proposals.services import proposals as services
from proposals.services.attachments import attachment_add
from proposals.topic_selectors import topics_to_answer
from regions.models import Division


@login_required
@require(rules.can_list_proposals)
def proposal_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = ProposalFilterForm(request.GET or None, localities=_localities_in_scope(request))
    params = filters.params()
    page = paginate(request, proposal_list(request.user, params))
    context: dict[str, object] = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "is_locality": roles.is_province_coordinator(request.user),
    }
    cycle = current_cycle()
    locality = roles.province_of(request.user)
    if cycle and locality is not None:
        context["cycle"] = cycle
        context["counts"] = locality_counts(cycle, locality.pk)
        context["window"] = submission_window(cycle, locality.pk)
    return render(request, "proposals/proposal_list.html", context)


def _localities_in_scope(request: AuthenticatedHttpRequest) -> list[Division] | None:
    """None for the centre, which sees every locality's submitted proposals; a locality sees
    its own only (`rules.PROPOSALS`)."""
    if roles.is_national(request.user):
        return None
    own = roles.province_of(request.user)
    return [own] if own is not None else []


def _suggestions_for(request: HttpRequest, cycle_id: int) -> QuerySet[Suggestion]:
    return selectors.suggestions_to_adopt(request.user, cycle_id)


def _topic_preset(topics: QuerySet[Topic], request: HttpRequest) -> dict[str, object]:
    """ "以此题提出建议书": the topic named in the link, chosen, and its title as the proposal's
    first title, if it is one the locality may answer."""
    pk = request.GET.get("topic", "")
    topic = topics.filter(pk=int(pk)).first() if pk.isdigit() else None
    return {"topic": topic.pk, "title": topic.title} if topic is not None else {}


@login_required
@require(rules.can_create_proposal)
def proposal_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    cycle = current_cycle()
    if cycle is None:
        messages.error(request, _("No cycle is open for proposals."))
        return redirect("proposals:proposal_list")
    suggestions = _suggestions_for(request, cycle.pk)
    topics = topics_to_answer(request.user, cycle.pk)
    picked = request.GET.getlist("from")
    # Facts entered once are carried over (信息一次填报, source 001): the contact from the
    # locality's last proposal, title, content and organisation from the suggestion(s).
    initial = {
        "sources": picked,
        **selectors.contact_to_carry(request.user),
        **selectors.suggestion_draft(suggestions, picked),
        **_topic_preset(topics, request),
    }
    form = ProposalForm(
        request.POST or None, suggestions=suggestions, topics=topics, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_create(
                by=request.user, cycle=cycle, data=data, sources=data.get("sources", [])
            )
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Draft saved. It stays private to your locality until submitted.")
            )
            return redirect("proposals:proposal_detail", proposal.pk)
    return render(request, "proposals/proposal_form.html", {"form": form, "cycle": cycle})


@login_required
def proposal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = object_for(
        request,
        proposal_get_for_user,
        pk,
        rules.can_edit_proposal,
        posted=rules.speaks_for_proposal,
    )
    suggestions = _suggestions_for(request, proposal.cycle_id)
    form = ProposalForm(
        request.POST or None,
        instance=proposal,
        suggestions=suggestions,
        topics=topics_to_answer(request.user, proposal.cycle_id, keep=proposal.topic_id),
        initial={
            "sources": list(proposal.sources.values_list("pk", flat=True)),
            "topic": proposal.topic_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal.refresh_from_db()
            services.proposal_update(
                proposal=proposal, by=request.user, data=data, sources=data.get("sources", [])
            )
        except ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Proposal saved."))
            return redirect("proposals:proposal_detail", proposal.pk)
    return render(
        request,
        "proposals/proposal_form.html",
        {"form": form, "proposal": proposal, "cycle": proposal.cycle},
    )


@login_required
def proposal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get_for_user(request.user, pk)
    user = request.user
    return render(
        request,
        "proposals/proposal_detail.html",
        {
            "proposal": proposal,
            "sources": proposal.sources.select_related("organisation"),
            "attachments": proposal.attachments.all(),
            "entries": entries_for(proposal),
            "can_edit": rules.can_edit_proposal(user, proposal),
            "can_delete": rules.can_delete_proposal(user, proposal),
            "can_submit": rules.can_submit_proposal(user, proposal),
            # A draft may be incomplete (platform rule): say what submission still needs.
            "missing": (
                proposal.missing_to_submit() if proposal.state != Proposal.State.MERGED else []
            ),
            "can_return": rules.can_return_proposal(user, proposal),
            "return_form": ReasonForm(),
            "upload_form": AttachmentForm(),
        },
    )


@login_required
@require_POST
def proposal_submit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Submit the selected drafts together (or resubmit returned ones)."""
    ids = [int(i) for i in request.POST.getlist("proposal") if i.isdigit()]
    chosen = list(proposals_visible_to(request.user).filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        raise PermissionDenied
    try:
        done = services.proposals_submit(proposals=chosen, by=request.user)
    except ProposalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s proposal(s) submitted.") % {"count": len(done)})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "proposals:proposal_list"  # never send the user off to another site
    return redirect(back)


@login_required
def proposal_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = object_for(
        request,
        proposal_get_for_user,
        pk,
        rules.can_return_proposal,
        posted=rules.returns_proposals,
    )
    form = ReasonForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.proposal_return(
            proposal=proposal, by=request.user, reason=form.cleaned_data["reason"]
        ),
        _("Proposal returned to the locality."),
    ):
        return redirect("proposals:proposal_detail", proposal.pk)
    return render(request, "proposals/proposal_return.html", {"proposal": proposal, "form": form})


@login_required
def proposal_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = object_for(
        request,
        proposal_get_for_user,
        pk,
        rules.can_delete_proposal,
        posted=rules.speaks_for_proposal,
    )
    if request.method == "POST":
        try:
            services.proposal_delete(proposal=proposal, by=request.user)
        except ProposalError as exc:
            messages.error(request, exc.message)
            return _back_to(proposal)
        messages.success(request, _("Draft deleted."))
        return redirect("proposals:proposal_list")
    return render(request, "proposals/proposal_delete.html", {"proposal": proposal})


@login_required
@require_POST
def attachment_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = object_for(request, proposal_get_for_user, pk, rules.speaks_for_proposal)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(proposal=proposal, by=request.user, upload=form.cleaned_data["file"])
        except ProposalError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Attachment added."))
    elif "file" in request.FILES:  # a file the form refused (its name too long): say why
        for error in form["file"].errors:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Choose a file to upload."))
    return redirect("proposals:proposal_detail", proposal.pk)


def _back_to(proposal: Proposal) -> HttpResponse:
    """After a refused write: the proposal's page, or the list when it is gone."""
    if selectors.proposal_exists(proposal.pk):
        return redirect("proposals:proposal_detail", proposal.pk)
    return redirect("proposals:proposal_list")
