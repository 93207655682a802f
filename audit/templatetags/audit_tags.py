from typing import Any

from django import template

from audit import presentation
from audit.models import AuditEntry

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return presentation.action_label(action)


@register.filter
def change_rows(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    return presentation.change_rows(entry)


@register.filter
def readable(entries: Any) -> list[AuditEntry]:
    """`{% for entry in entries|readable %}`: each entry's `rows` in words, in bounded queries."""
    return presentation.readable(entries)
