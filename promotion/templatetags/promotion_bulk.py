"""For the links to reporting in bulk shown on other pages of a round."""

from typing import Any

from django import template

from promotion.models import TrackingRound
from promotion.services.bulk import may_report_in_bulk

register = template.Library()


@register.filter
def reports_in_bulk(round: TrackingRound | None, user: Any) -> bool:
    """`{% if round|reports_in_bulk:user %}`: may the user report on this open round by sheet?"""
    return round is not None and may_report_in_bulk(user, round)
