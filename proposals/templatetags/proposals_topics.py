"""The topics (出题) of a cycle, on the cycle's page."""

from typing import Any

from django import template

from proposals import rules
from proposals.models import Cycle, Proposal
from proposals.topic_selectors import topic_list

register = template.Library()

SHOWN = 10


@register.inclusion_tag("proposals/topic_cycle_panel.html", takes_context=True)
def cycle_topics(context: dict[str, Any], cycle: Cycle) -> dict[str, Any]:
    """The first topics of the cycle the user sees, with their answers; nothing for a user
    who does not see topics."""
    user = context["request"].user
    if not rules.can_list_topics(user):
        return {"shown": False}
    topics = list(topic_list(user, cycle, {})[: SHOWN + 1])
    return {
        "shown": True,
        "cycle": cycle,
        "topics": topics[:SHOWN],
        "more": len(topics) > SHOWN,
        "can_add": cycle.is_open and (rules.sets_topics(user) or rules.proposes_topics(user)),
    }


@register.inclusion_tag("proposals/topic_answered.html", takes_context=True)
def proposal_topic(context: dict[str, Any], proposal: Proposal) -> dict[str, Any]:
    """The topic a proposal answers, linked when the user sees the topic."""
    topic = proposal.topic
    user = context["request"].user
    return {"topic": topic, "linked": topic is not None and rules.can_view_topic(user, topic)}
