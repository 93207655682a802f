"""Login throttling (平台规则): too many failures lock an account name for a while, and failures
under many account names from one client address lock that address for a while."""

import datetime
import ipaddress
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import FailedLogin


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _key(username: str) -> str:
    # The login form strips and NFKC-folds the name before authenticating, so " sichuan" and
    # full-width "ｓｉｃｈｕａｎ" reach the same account: they must count against the same lock.
    return unicodedata.normalize("NFKC", username).strip().lower()


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(meta: Mapping[str, Any]) -> str | None:
    """The address a request came from: REMOTE_ADDR, unless the app runs behind
    TRUSTED_PROXY_COUNT reverse proxies that each append the address they were reached from to
    X-Forwarded-For. Then it is that many entries from the header's right end: entries further
    left were written by the client itself and prove nothing."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        return _valid_address(forwarded[-proxies])
    return _valid_address(meta.get("REMOTE_ADDR", ""))


def login_is_locked(username: str) -> bool:
    recent = FailedLogin.objects.filter(username=_key(username), at__gte=_window_start())
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


def address_is_locked(ip: str | None) -> bool:
    """Whether failures under LOGIN_ADDRESS_NAME_LIMIT different account names came from `ip`
    within the window: someone trying names, not a person mistyping their own password (that
    is the account's lock). Every login from the address is refused until the window passes."""
    if ip is None:
        return False
    recent = FailedLogin.objects.filter(ip=ip, at__gte=_window_start())
    return recent.values("username").distinct().count() >= settings.LOGIN_ADDRESS_NAME_LIMIT


def login_failed(username: str, ip: str | None) -> None:
    FailedLogin.objects.create(username=_key(username), ip=ip)


def login_succeeded(username: str) -> None:
    FailedLogin.objects.filter(username=_key(username)).delete()
