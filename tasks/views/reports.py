"""(to be written)"""

from typing import Any

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []


def task_context(user: Any, task: Any) -> dict[str, Any]:
    """What this part adds to the task page."""
    return {}
