from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts import permissions
from notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which main menu entries the user may open: a link is shown only where a page answers."""
    user = getattr(request, "user", None)
    return {
        "nav_suggestions": permissions.is_province_coordinator(user)
        or permissions.can_submit_suggestion(user),
        "nav_proposals": permissions.can_list_proposals(user),
        "nav_lists": permissions.can_manage_lists(user),
        "nav_merging": permissions.can_merge(user),
        "nav_review": permissions.can_assign_reviewers(user),
        "nav_my_reviews": permissions.can_list_own_reviews(user),
        "nav_claims": permissions.can_list_programmes(user),
        "nav_tasks": permissions.can_list_tasks(user),
        "nav_help": permissions.can_view_dispatch(user),
        "nav_dispatch": permissions.can_view_dispatch(user),
        # One COUNT, and only on pages that show the header.
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
