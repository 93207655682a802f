from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import roles
from accounts.actors import Actor
from claims import rules as claims_rules
from evaluation import rules as evaluation_rules
from lists import rules as lists_rules
from merging import rules as merging_rules
from notifications.selectors import unread_count
from promotion import rules as promotion_rules
from proposals import rules as proposals_rules
from review import rules as review_rules
from tasks import rules as tasks_rules


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which main menu entries the user may open: a link is shown only where a page answers."""
    user: Actor = getattr(request, "user", None)
    return {
        "nav_suggestions": roles.is_province_coordinator(user)
        or proposals_rules.can_submit_suggestion(user),
        "nav_proposals": proposals_rules.can_list_proposals(user),
        "nav_lists": lists_rules.can_manage_lists(user),
        "nav_merging": merging_rules.can_merge(user),
        "nav_review": review_rules.can_assign_reviewers(user),
        "nav_my_reviews": review_rules.can_list_own_reviews(user),
        "nav_claims": claims_rules.can_list_programmes(user),
        "nav_tasks": tasks_rules.can_list_tasks(user),
        "nav_help": tasks_rules.can_view_dispatch(user),
        "nav_dispatch": tasks_rules.can_view_dispatch(user),
        "nav_evaluation": evaluation_rules.can_open_stage(user),
        "nav_promotion": promotion_rules.can_open_stage(user),
        "nav_overview": promotion_rules.sees_dashboards(user),
        # One COUNT, and only on pages that show the header.
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
