from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import roles
from accounts.actors import AuthenticatedHttpRequest
from evaluation import rules as evaluation_rules
from evaluation.selectors.hub import delivered_evaluations, incentives_for
from jiebang.todo import todo_groups
from proposals import rules as proposals_rules
from proposals.selectors import current_cycle, locality_counts, submission_window


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's to-do home (工作台): what waits on them, grouped and oldest first, and the
    buttons of their role."""
    user = request.user
    cycle = current_cycle()
    context: dict[str, object] = {"cycle": cycle}
    locality = roles.province_of(user)
    if cycle and locality is not None:
        context["counts"] = locality_counts(cycle, locality.pk)
        # The locality's own last day (an extension included): the one deadline it sees.
        context["window"] = submission_window(cycle, locality.pk)
    context["is_national"] = roles.is_national(user)
    context["is_locality"] = locality is not None
    context["is_innovation_body"] = proposals_rules.can_submit_suggestion(user)
    if evaluation_rules.can_open_stage(user):
        context["results"] = delivered_evaluations(user)
        context["incentives"] = incentives_for(user)
    context["groups"] = todo_groups(user, cycle, timezone.localdate())
    return render(request, "home.html", context)
