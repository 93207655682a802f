from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.services import login_failed, login_is_locked, login_succeeded


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses an account name after repeated failures, even with the right password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed logins. Try again in %(minutes)s minutes."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        if username and login_is_locked(username):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            )
        try:
            data = super().clean()
        except forms.ValidationError:
            if username:
                login_failed(
                    username, self.request.META.get("REMOTE_ADDR") if self.request else None
                )
            raise
        # A form missing its password never authenticated: that must not reset the count.
        if self.user_cache is not None:
            login_succeeded(username)
        return data
