"""The stage's start page (评估激励): what waits on the user in close-out, evaluation,
outcomes and incentives, each a link to where it is done."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.actors import AuthenticatedHttpRequest
from evaluation import rules
from kernel.access import require


@login_required
@require(rules.can_open_stage)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "can_commission": rules.can_commission(user),
        "can_list_close_outs": rules.can_list_close_outs(user),
        "can_list_commissions": rules.can_list_commissions(user),
        "can_list_outcomes": rules.can_list_outcomes(user),
        "can_list_incentives": rules.can_list_incentives(user),
        "can_manage_incentives": rules.can_manage_incentives(user),
    }
    return render(request, "evaluation/index.html", context)
