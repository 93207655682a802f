from typing import Any

from django import template

from lists.selectors import placement_for_proposal
from proposals.models import Proposal

register = template.Library()


@register.inclusion_tag("lists/includes/placement.html")
def list_placement(proposal: Proposal) -> dict[str, Any]:
    """Whether the candidate a proposal became made the published list, and as which item."""
    return {"placement": placement_for_proposal(proposal)}
