"""The one way a view runs a workflow action from a form."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from kernel.errors import DomainError


def form_action(
    request: HttpRequest, form: forms.BaseForm, action: Callable[[], object], success: str
) -> bool:
    """Run `action` when the form was posted and is valid. A broken rule lands on the form, so
    the page shows it beside what the user typed; True when the action was done."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        action()
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, success)
    return True
