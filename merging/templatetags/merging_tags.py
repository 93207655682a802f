"""What merging adds to the proposal pages: a proposal's fate, and the drafting warning."""

from typing import Any

from django import template

from accounts.actors import Actor
from merging.selectors import drafting_warning, proposal_fate
from proposals import rules as proposals_rules
from proposals.models import Proposal

register = template.Library()


def _warning_context(
    user: Actor, *, title: str, content: str, cycle: Any, proposal: Proposal | None
) -> dict[str, Any]:
    warning = drafting_warning(
        user,
        title=title,
        content=content,
        cycle=cycle,
        exclude=proposal.pk if proposal is not None else None,
    )
    return {
        "warning": warning,
        "cycle": cycle,
        "proposal": proposal,
        "live": False,
    }


@register.inclusion_tag("merging/includes/proposal_merging.html", takes_context=True)
def proposal_merging(context: dict[str, Any], proposal: Proposal) -> dict[str, Any]:
    """On a proposal's page: what it became, or, while it is drafted, what looks alike."""
    user = context["request"].user
    out: dict[str, Any] = {"fate": proposal_fate(user, proposal)}
    if proposals_rules.can_edit_proposal(user, proposal):
        out.update(
            _warning_context(
                user,
                title=proposal.title,
                content=proposal.content,
                cycle=proposal.cycle,
                proposal=proposal,
            )
        )
    return out


@register.inclusion_tag("merging/includes/drafting_warning.html", takes_context=True)
def drafting_warning_for_form(context: dict[str, Any]) -> dict[str, Any]:
    """On the proposal form: what looks like the text typed (or saved) so far, refreshed by
    merging/drafting.js as the locality types."""
    user = context["request"].user
    form, proposal = context.get("form"), context.get("proposal")
    if not proposals_rules.can_create_proposal(user):
        return {}
    if form is not None and form.is_bound:
        title, content = form.data.get("title", ""), form.data.get("content", "")
    elif proposal is not None:
        title, content = proposal.title, proposal.content
    else:
        title = content = ""
    out = _warning_context(
        user, title=title, content=content, cycle=context.get("cycle"), proposal=proposal
    )
    out["live"] = True
    return out
