"""What waits on the national level in merging (合并同类项, 发改高技〔2021〕484号 §三（二）)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.actors import Actor
from kernel.todo import TodoItem
from merging import rules
from proposals.models import Proposal


def national_items(user: Actor) -> list[TodoItem]:
    """Submitted proposals of any cycle not yet merged into a candidate measure. One query."""
    if not rules.can_merge(user):
        return []
    waiting = Proposal.objects.filter(state=Proposal.State.SUBMITTED).count()
    if not waiting:
        return []
    return [
        TodoItem(
            "merging-waiting",
            _("Submitted proposals awaiting merging"),
            reverse("merging:index"),
            waiting,
        )
    ]
