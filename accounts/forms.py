from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.services import (
    address_is_locked,
    client_address,
    login_failed,
    login_is_locked,
    login_succeeded,
)

# The refusals, each followed by the platform's rule (平台规则) it applies.
THROTTLE_MESSAGES = {
    "locked": _("Too many failed logins. Try again in %(minutes)s minutes."),
    "locked_rule": _(
        "Platform rule: after %(limit)s failed logins within %(minutes)s minutes an account "
        "cannot log in for %(minutes)s minutes."
    ),
    "address_locked": _(
        "Too many failed logins from your network address. Try again in %(minutes)s minutes."
    ),
    "address_locked_rule": _(
        "Platform rule: after failed logins under %(limit)s different account names within "
        "%(minutes)s minutes from one network address, no one can log in from that address "
        "for %(minutes)s minutes."
    ),
}


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses an account name after repeated failures, even with the right password, and
    every name from a client address that tried many names."""

    error_messages = {**AuthenticationForm.error_messages, **THROTTLE_MESSAGES}

    def _refuse(self, code: str, limit: int) -> forms.ValidationError:
        refusal, rule = self.error_messages[code], self.error_messages[f"{code}_rule"]
        message = f"{refusal} {rule}"  # each translated into the request's language
        params = {"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES, "limit": limit}
        return forms.ValidationError(message, code=code, params=params)

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        ip = client_address(self.request.META) if self.request else None
        if address_is_locked(ip):
            raise self._refuse("address_locked", settings.LOGIN_ADDRESS_NAME_LIMIT)
        if username and login_is_locked(username):
            raise self._refuse("locked", settings.LOGIN_FAILURE_LIMIT)
        try:
            data = super().clean()
        except forms.ValidationError:
            # Only a wrong name or password counts: the admin's refusal of a right password
            # for an account that is not staff is no guess.
            if username and self.user_cache is None:
                login_failed(username, ip)
            raise
        # A form missing its password never authenticated: that must not reset the count.
        if self.user_cache is not None:
            login_succeeded(username)
        return data


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's login (`admin.site.login_form`) under the same throttle as the site's: an
    account locked at one is locked at the other, and failures at either count for both."""

    error_messages = {**AdminAuthenticationForm.error_messages, **THROTTLE_MESSAGES}
