"""The to-do home (工作台): every stage's items for the user, grouped under a heading each,
oldest (earliest due) first. Each stage builds its items in `<app>/todo.py`; evaluation and
promotion already had their "waiting on you" items, adapted here."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles
from accounts.actors import Actor
from claims import todo as claims_todo
from evaluation import rules as evaluation_rules
from evaluation.views.hub import waiting_items
from kernel.todo import QuickAction, TodoGroup, TodoItem, is_overdue, oldest_first
from lists import todo as lists_todo
from merging import todo as merging_todo
from notifications.selectors import unread_count
from promotion.selectors.hub import waiting_for as promotion_waiting
from proposals import todo as proposals_todo
from proposals.models import Cycle
from review import todo as review_todo
from tasks import rules as tasks_rules
from tasks import todo as tasks_todo


def _implementation(user: Actor, today: datetime.date) -> TodoGroup:
    items: list[TodoItem] = []
    links: tuple[QuickAction, ...] = ()
    if roles.implementer_organisation(user) is not None:
        mine = tasks_todo.implementer_items(user, today)
        items += mine.items
        links = (mine.batch,) if mine.batch else ()
    elif tasks_rules.can_list_tasks(user):
        items += tasks_todo.coordinator_items(user, today)
    return TodoGroup("implementation", _("Implementation: reports, plans and help"), items, links)


def _evaluation(user: Actor) -> list[TodoItem]:
    if not evaluation_rules.can_open_stage(user):
        return []
    return [
        TodoItem(str(w["key"]), str(w["label"]), str(w["url"]), int(str(w["count"])))
        for w in waiting_items(user)
    ]


def todo_groups(user: Actor, cycle: Cycle | None, today: datetime.date) -> list[TodoGroup]:
    """The user's groups that hold something, each oldest first."""
    proposals = proposals_todo.locality_items(user, cycle, today)
    proposals += proposals_todo.national_items(user, cycle)
    proposals += merging_todo.national_items(user)
    review = review_todo.expert_items(user, today) + review_todo.national_items(user)
    claims = lists_todo.national_items(user)
    claims += claims_todo.claimant_items(user, today) + claims_todo.national_items(user, today)
    promotion = [
        TodoItem(w.key, w.label, w.url, w.count, w.due_on, is_overdue(w.due_on, today))
        for w in promotion_waiting(user)
    ]
    unread = unread_count(user)
    messages = (
        [
            TodoItem(
                "messages",
                _("Unread messages"),
                reverse("notifications:index") + "?state=unread",
                unread,
            )
        ]
        if unread
        else []
    )
    groups = [
        _implementation(user, today),
        TodoGroup("proposals", _("Call for proposals and merging"), proposals),
        TodoGroup("review", _("Expert review"), review),
        TodoGroup("claims", _("Lists and claiming"), claims),
        TodoGroup("evaluation", _("Evaluation and incentives"), _evaluation(user)),
        TodoGroup("promotion", _("Promotion"), promotion),
        TodoGroup("messages", _("Messages"), messages),
    ]
    return [TodoGroup(g.key, g.heading, oldest_first(g.items), g.links) for g in groups if g.items]
