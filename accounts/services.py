"""Login throttling: too many failures lock an account name for a while."""

import datetime
import unicodedata

from django.conf import settings
from django.utils import timezone

from accounts.models import FailedLogin


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _key(username: str) -> str:
    # The login form strips and NFKC-folds the name before authenticating, so " sichuan" and
    # full-width "ｓｉｃｈｕａｎ" reach the same account: they must count against the same lock.
    return unicodedata.normalize("NFKC", username).strip().lower()


def login_is_locked(username: str) -> bool:
    recent = FailedLogin.objects.filter(username=_key(username), at__gte=_window_start())
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


def login_failed(username: str, ip: str | None) -> None:
    FailedLogin.objects.create(username=_key(username), ip=ip)


def login_succeeded(username: str) -> None:
    FailedLogin.objects.filter(username=_key(username)).delete()
