"""Pages of tracking rounds (跟踪调研, 全国摸查): the list, opening one, the round's page (each
province's progress for the national level; the user's own part for the others), closing it
after a confirmation, and the feedback (评估反馈) to each province once it is closed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from kernel.access import require
from kernel.actions import form_action
from kernel.errors import Forbidden
from kernel.pages import paginate, querystring_without_page
from promotion import rules
from promotion.forms.rounds import ConfirmForm, FeedbackForm, RoundFilterForm, RoundForm
from promotion.models import TrackingRound
from promotion.selectors import adoption as units
from promotion.selectors import rounds as reads
from promotion.services import rounds as services
from regions.models import Division


@login_required
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not rules.can_open_stage(request.user):
        raise Forbidden
    filters = RoundFilterForm(request.GET or None)
    page = paginate(request, reads.round_list(request.user, filters.params()))
    context = {
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "can_manage": rules.manages_promotion(request.user),
    }
    return render(request, "promotion/round_list.html", context)


@login_required
@require(rules.manages_promotion)
def round_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    done: list[TrackingRound] = []
    if form_action(
        request,
        form,
        lambda: done.append(services.round_open(by=request.user, data=form.data_for_service())),
        _("Tracking round opened; the provinces have been told."),
    ):
        return redirect("promotion:round", done[0].pk)
    return render(request, "promotion/round_form.html", {"form": form})


@login_required
def round_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = reads.round_get_for_user(request.user, pk)
    manages = rules.manages_promotion(request.user)
    own = []
    for unit in units.own_units(request.user):
        ret = units.return_of(round, unit)
        if ret is not None:
            own.append(ret)
    context = {
        "round": round,
        "batches": round.batches.order_by("number"),
        "can_manage": manages,
        "progress": reads.province_progress(round) if manages else [],
        "own": own,
        "feedback": reads.feedback_for(request.user, round),
        "can_chase_all": units.chase_targets(request.user, round).exists(),
        "sees_rollup": units.sees_rollup(request.user),
    }
    return render(request, "promotion/round_page.html", context)


@login_required
@require(rules.manages_promotion)
def round_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round = reads.round_get_for_user(request.user, pk)
    if request.method != "POST" and round.state != TrackingRound.State.OPEN:
        messages.info(request, _("This tracking round is already closed."))
        return redirect("promotion:round", round.pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form_action(
        request,
        form,
        lambda: services.round_close(by=request.user, round=round),
        _("Tracking round closed. Send each province its feedback."),
    ):
        return redirect("promotion:round", round.pk)
    context = {"round": round, "form": form, "progress": reads.province_progress(round)}
    return render(request, "promotion/round_close.html", context)


@login_required
@require(rules.manages_promotion)
def round_feedback(request: AuthenticatedHttpRequest, pk: int, province: int) -> HttpResponse:
    """The feedback form, prefilled with the province's figures (or the feedback sent)."""
    round = reads.round_get_for_user(request.user, pk)
    target = get_object_or_404(Division, pk=province, level=Division.Level.PROVINCE)
    if round.state != TrackingRound.State.CLOSED:
        messages.info(request, _("Close the round before sending feedback."))
        return redirect("promotion:round", round.pk)
    sent = round.feedback.filter(province=target).first()
    initial = {"text": sent.text if sent else reads.feedback_summary(round, target)}
    form = FeedbackForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.feedback_send(
            by=request.user, round=round, province=target, text=form.cleaned_data["text"]
        ),
        _("Feedback sent to %(province)s.") % {"province": target.name},
    ):
        return redirect("promotion:round", round.pk)
    context = {"round": round, "province": target, "form": form, "sent": sent}
    return render(request, "promotion/round_feedback.html", context)
