"""(to be written)"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path


def dispatch_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


urlpatterns: list[URLPattern] = [path("dispatch/", dispatch_page, name="dispatch")]


def task_context(user: Any, task: Any) -> dict[str, Any]:
    """What this part adds to the task page."""
    return {}
