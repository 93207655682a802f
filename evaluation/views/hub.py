"""The stage's start page (评估激励): what waits on the user in close-out, evaluation,
outcomes and incentives, each a link to where it is done, then the stage's pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor, AuthenticatedHttpRequest
from evaluation import rules
from evaluation.selectors.hub import delivered_evaluations, incentives_for, waiting_for
from kernel.access import require

# What each kind of waiting item reads as, and the page (with its filter) where it is done.
WAITING: dict[str, tuple[Promise, str, str]] = {
    "close_outs_to_file": (
        _("Tasks past their expected end: file the close-out report"),
        "evaluation:closeouts",
        "#past-end",
    ),
    "close_outs_returned": (
        _("Close-out reports returned to you"),
        "evaluation:closeouts",
        "?state=returned",
    ),
    "close_outs_to_confirm": (
        _("Close-out reports to confirm and send up"),
        "evaluation:closeouts",
        "?state=submitted",
    ),
    "tasks_past_end": (
        _("Tasks past their expected end and not closed"),
        "evaluation:closeouts",
        "#past-end",
    ),
    "close_outs_to_accept": (
        _("Close-out reports sent up, awaiting acceptance"),
        "evaluation:closeouts",
        "?state=confirmed",
    ),
    "closed_not_evaluated": (
        _("Closed tasks not yet evaluated: commission an evaluation"),
        "evaluation:commission_new",
        "",
    ),
    "commissions_in_progress": (
        _("Evaluations in progress"),
        "evaluation:commissions",
        "?state=in_progress",
    ),
    "evaluated_without_outcome": (
        _("Evaluated tasks recommended for replication, no outcome distilled yet"),
        "evaluation:outcome_choose",
        "",
    ),
    "outcomes_draft": (
        _("Replicable outcomes being distilled"),
        "evaluation:outcomes",
        "?state=draft",
    ),
    "commissions_to_work_on": (
        _("Your commissioned evaluations in progress"),
        "evaluation:commissions",
        "?state=in_progress",
    ),
    "tasks_to_score": (
        _("Tasks still to score"),
        "evaluation:commissions",
        "?state=in_progress",
    ),
}


def waiting_items(user: Actor) -> list[dict[str, object]]:
    """The waiting items of `waiting_for`, each with its label and link (also the home page's)."""
    items = []
    for waiting in waiting_for(user, timezone.localdate()):
        label, name, query = WAITING[waiting.key]
        items.append(
            {
                "key": waiting.key,
                "label": label,
                "count": waiting.count,
                "url": reverse(name) + query,
            }
        )
    return items


@login_required
@require(rules.can_open_stage)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "waiting": waiting_items(user),
        "results": delivered_evaluations(user),
        "incentives": incentives_for(user),
        "can_commission": rules.can_commission(user),
        "can_list_close_outs": rules.can_list_close_outs(user),
        "can_list_commissions": rules.can_list_commissions(user),
        "can_list_outcomes": rules.can_list_outcomes(user),
        "can_list_incentives": rules.can_list_incentives(user),
        "can_manage_incentives": rules.can_manage_incentives(user),
    }
    return render(request, "evaluation/index.html", context)
