"""Login throttling: too many failures lock an account name for a while."""

import datetime

from django.conf import settings
from django.utils import timezone

from accounts.models import FailedLogin


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def login_is_locked(username: str) -> bool:
    recent = FailedLogin.objects.filter(username=username.lower(), at__gte=_window_start())
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


def login_failed(username: str, ip: str | None) -> None:
    FailedLogin.objects.create(username=username.lower(), ip=ip)


def login_succeeded(username: str) -> None:
    FailedLogin.objects.filter(username=username.lower()).delete()
