"""What waits on the national level in drawing up the list (发改高技〔2021〕484号 §三（二）:
征求意见, 公布)."""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.actors import Actor
from kernel.todo import TodoItem
from lists import rules
from lists.models import ListVersion


def national_items(user: Actor) -> list[TodoItem]:
    """List versions not yet published (drafts and versions out for opinions), one item per
    state, linking to the oldest such version. Two queries."""
    if not rules.can_manage_lists(user):
        return []
    items = []
    labels = {
        ListVersion.State.DRAFT: _("List versions being drafted"),
        ListVersion.State.CONSULTING: _("List versions out for opinions, to publish"),
    }
    for state, label in labels.items():
        found = ListVersion.objects.filter(state=state).aggregate(first=Min("pk"), n=Count("pk"))
        if found["first"] is None:
            continue
        url = reverse("lists:workspace", args=[found["first"]])
        items.append(TodoItem(f"lists-{state}", label, url, found["n"]))
    return items
