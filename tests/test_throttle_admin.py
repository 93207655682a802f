"""The login throttle at /admin/login/ and per client address (issue #14: "/admin/login/ is not
throttled, even for an account locked at the main login: the national coordinator (a
superuser) can be brute-forced there").

The limits are platform rules (平台规则, settings LOGIN_FAILURE_LIMIT and
LOGIN_ADDRESS_NAME_LIMIT), stated in the refusal itself."""

import datetime
import html

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from accounts.forms import THROTTLE_MESSAGES
from accounts.models import FailedLogin, Role, User
from tests.conftest import PASSWORD, make_user

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ATTACKER = "203.0.113.7"
NEIGHBOUR = "198.51.100.2"
PROXY = "10.0.0.1"


def refusal(code: str, limit: int) -> str:
    """The refusal as the page shows it, in the site's language: the lock and its rule."""
    params = {"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES, "limit": limit}
    with translation.override(settings.LANGUAGE_CODE):
        text = f"{THROTTLE_MESSAGES[code]} {THROTTLE_MESSAGES[code + '_rule']}" % params
    return html.escape(text)


def account_locked() -> str:
    return refusal("locked", settings.LOGIN_FAILURE_LIMIT)


def address_locked() -> str:
    return refusal("address_locked", settings.LOGIN_ADDRESS_NAME_LIMIT)


def post(client: Client, url: str, username: str, password: str = PASSWORD, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def admin_opens(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture
def chief(db) -> User:
    """The national coordinator with the Django admin, as in the demo."""
    user = make_user("chief", Role.NATIONAL)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return user


# The admin's login ------------------------------------------------------------------------------


def test_the_admin_login_lets_the_right_password_in(chief):
    client = Client()
    response = post(client, ADMIN_LOGIN, "chief")
    assert response.status_code == 302
    assert admin_opens(client)


def test_an_account_locked_at_the_main_login_is_refused_at_the_admin_login(chief):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert post(client, LOGIN, "chief", "wrong-password").status_code == 200
    response = post(client, ADMIN_LOGIN, "chief")
    assert response.status_code == 200
    assert account_locked() in response.content.decode()
    assert response.context["form"].errors.as_data()["__all__"][0].code == "locked"
    assert not admin_opens(client)


def test_failures_at_the_admin_login_lock_the_account_at_both(chief):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert post(client, ADMIN_LOGIN, "chief", "wrong-password").status_code == 200
    assert FailedLogin.objects.filter(username="chief").count() == settings.LOGIN_FAILURE_LIMIT
    assert account_locked() in post(client, LOGIN, "chief").content.decode()
    assert account_locked() in post(client, ADMIN_LOGIN, "CHIEF").content.decode()
    assert not admin_opens(client)


def test_the_right_password_of_an_account_without_the_admin_is_not_counted_as_a_guess(users):
    response = post(Client(), ADMIN_LOGIN, "sichuan")
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["__all__"][0].code == "invalid_login"
    assert not FailedLogin.objects.exists()


# Per client address -----------------------------------------------------------------------------


def try_names(client: Client, count: int, **extra) -> None:
    for i in range(count):
        response = post(client, LOGIN, f"guess{i}", "wrong-password", **extra)
        assert response.status_code == 200


@pytest.mark.parametrize("limit", [None, 3])
def test_many_names_from_one_address_lock_that_address(users, chief, settings, limit):
    if limit is not None:
        settings.LOGIN_ADDRESS_NAME_LIMIT = limit
    attacker = Client(REMOTE_ADDR=ATTACKER)
    try_names(attacker, settings.LOGIN_ADDRESS_NAME_LIMIT)
    # Not one of the names is locked: each failed once; the address is.
    response = post(attacker, LOGIN, "sichuan")
    assert response.status_code == 200
    assert address_locked() in response.content.decode()
    assert response.context["form"].errors.as_data()["__all__"][0].code == "address_locked"
    assert post(attacker, ADMIN_LOGIN, "chief").status_code == 200
    assert not admin_opens(attacker)
    # Someone elsewhere logs in as usual, with the same accounts.
    neighbour = Client(REMOTE_ADDR=NEIGHBOUR)
    assert post(neighbour, LOGIN, "sichuan").status_code == 302
    assert post(Client(REMOTE_ADDR=NEIGHBOUR), ADMIN_LOGIN, "chief").status_code == 302


def test_one_name_short_of_the_limit_leaves_the_address_open(users, settings):
    settings.LOGIN_ADDRESS_NAME_LIMIT = 3
    client = Client(REMOTE_ADDR=ATTACKER)
    try_names(client, 2)
    # The same name again is one person mistyping: it counts for that account only.
    post(client, LOGIN, "guess0", "wrong-password")
    assert post(client, LOGIN, "sichuan").status_code == 302


def test_the_address_lock_ends_with_its_window(users, settings):
    settings.LOGIN_ADDRESS_NAME_LIMIT = 3
    client = Client(REMOTE_ADDR=ATTACKER)
    try_names(client, 3)
    assert post(client, LOGIN, "sichuan").status_code == 200
    long_ago = timezone.now() - datetime.timedelta(
        minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES + 1
    )
    FailedLogin.objects.update(at=long_ago)
    assert post(client, LOGIN, "sichuan").status_code == 302


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(users, settings):
    """By default X-Forwarded-For, which any client can write, changes nothing."""
    settings.LOGIN_ADDRESS_NAME_LIMIT = 3
    client = Client(REMOTE_ADDR=ATTACKER)
    for i in range(3):
        post(client, LOGIN, f"guess{i}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert set(FailedLogin.objects.values_list("ip", flat=True)) == {ATTACKER}
    response = post(client, LOGIN, "sichuan", HTTP_X_FORWARDED_FOR=NEIGHBOUR)
    assert address_locked() in response.content.decode()


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(users, settings):
    """TRUSTED_PROXY_COUNT=1: every request comes from the proxy's address, and the client's is
    the last entry of X-Forwarded-For (the one the proxy appended); entries before it were sent
    by the client and are not believed."""
    settings.LOGIN_ADDRESS_NAME_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    via_proxy = Client(REMOTE_ADDR=PROXY)
    try_names(via_proxy, 3, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert set(FailedLogin.objects.values_list("ip", flat=True)) == {ATTACKER}
    spoofed = f"{NEIGHBOUR}, {ATTACKER}"
    response = post(via_proxy, LOGIN, "sichuan", HTTP_X_FORWARDED_FOR=spoofed)
    assert address_locked() in response.content.decode()
    # Another visitor behind the same proxy is not locked out with the attacker.
    neighbour = Client(REMOTE_ADDR=PROXY)
    assert post(neighbour, LOGIN, "sichuan", HTTP_X_FORWARDED_FOR=NEIGHBOUR).status_code == 302
