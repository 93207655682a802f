"""Logging in and out, the login throttle, password change and the language switch."""

import datetime
import html

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import FailedLogin
from tests.conftest import PASSWORD, client_for

LOGIN = "/accounts/login/"
LOCKED = "Too many failed logins. Try again in %(minutes)s minutes."


def log_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in_as(client: Client):
    """The user the next page is rendered for, or None when it sends us to the login."""
    response = client.get("/")
    return response.context["user"] if response.status_code == 200 else None


def locked_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(LOCKED) % {"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES}
    return html.escape(text)


def fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = log_in(client, username, "wrong-password")
        assert response.status_code == 200


# Logging in ----------------------------------------------------------------------------------


def test_login_with_the_right_password(users):
    client = Client()
    response = log_in(client, "sichuan")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(client) == users["sichuan"]


def test_login_with_a_wrong_password_is_refused_and_counted(users):
    client = Client()
    response = log_in(client, "sichuan", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert logged_in_as(client) is None
    assert FailedLogin.objects.filter(username="sichuan").count() == 1


def test_pages_send_anonymous_users_to_the_login(db):
    response = Client().get("/proposals/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/proposals/"


# The throttle ----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [None, 3])
def test_too_many_failures_lock_the_account_even_with_the_right_password(users, settings, limit):
    if limit is not None:
        settings.LOGIN_FAILURE_LIMIT = limit
    client = Client()
    fail(client, "sichuan", settings.LOGIN_FAILURE_LIMIT)
    response = log_in(client, "sichuan")
    assert response.status_code == 200
    assert locked_message() in response.content.decode()
    assert response.context["form"].errors.as_data()["__all__"][0].code == "locked"
    assert logged_in_as(client) is None


def test_one_failure_below_the_limit_still_lets_the_right_password_in(users, settings):
    client = Client()
    fail(client, "sichuan", settings.LOGIN_FAILURE_LIMIT - 1)
    assert log_in(client, "sichuan").status_code == 302
    assert logged_in_as(client) == users["sichuan"]


def test_success_clears_the_failures(users, settings):
    client = Client()
    fail(client, "sichuan", settings.LOGIN_FAILURE_LIMIT - 1)
    assert log_in(client, "sichuan").status_code == 302
    assert not FailedLogin.objects.filter(username="sichuan").exists()
    # The count starts again from zero: as many failures again do not lock.
    fresh = Client()
    fail(fresh, "sichuan", settings.LOGIN_FAILURE_LIMIT - 1)
    assert log_in(fresh, "sichuan").status_code == 302


def test_the_lock_is_per_account_and_ignores_case(users, settings):
    client = Client()
    fail(client, "SiChuan", settings.LOGIN_FAILURE_LIMIT)
    assert locked_message() in log_in(client, "sichuan").content.decode()
    other = Client()
    assert log_in(other, "guangdong").status_code == 302
    assert logged_in_as(other) == users["guangdong"]


def test_the_lock_ends_with_its_window(users, settings):
    client = Client()
    fail(client, "sichuan", settings.LOGIN_FAILURE_LIMIT)
    assert log_in(client, "sichuan").status_code == 200
    long_ago = timezone.now() - datetime.timedelta(
        minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES + 1
    )
    FailedLogin.objects.update(at=long_ago)
    assert log_in(client, "sichuan").status_code == 302
    assert logged_in_as(client) == users["sichuan"]


# Logging out --------------------------------------------------------------------------------


def test_logout_needs_a_post(users):
    client = client_for(users["sichuan"])
    assert client.get("/accounts/logout/").status_code == 405
    assert logged_in_as(client) == users["sichuan"]
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert logged_in_as(client) is None


# Changing the password ------------------------------------------------------------------------

NEW_PASSWORD = "Another-long-passphrase-42"


def test_password_change_needs_a_login(db):
    response = Client().get("/accounts/password/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_password_change_requires_the_old_password(users):
    client = client_for(users["sichuan"])
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    users["sichuan"].refresh_from_db()
    assert users["sichuan"].check_password(PASSWORD)


def test_password_change_works(users):
    client = client_for(users["sichuan"])
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    assert client.get("/accounts/password/done/").status_code == 200
    assert logged_in_as(client) == users["sichuan"]  # the session survives the change
    assert log_in(Client(), "sichuan", PASSWORD).status_code == 200
    fresh = Client()
    assert log_in(fresh, "sichuan", NEW_PASSWORD).status_code == 302
    assert logged_in_as(fresh) == users["sichuan"]


# The language switch ------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/", LOGIN])
def test_the_language_switch_turns_the_ui_to_english(users, page):
    client = Client() if page == LOGIN else client_for(users["sichuan"])
    before = client.get(page).content.decode()
    assert '<html lang="zh-CN">' in before
    response = client.post("/i18n/setlang/", {"language": "en", "next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    after = client.get(page).content.decode()
    assert '<html lang="en">' in after
    english = "Log out" if page == "/" else "Log in"
    with translation.override("zh-hans"):
        chinese = gettext(english)
    assert english in after
    assert chinese != english, "the Chinese catalogue should translate the UI"
    assert chinese in before and chinese not in after
    assert english not in before


@pytest.mark.parametrize("variant", [" sichuan ", "ｓｉｃｈｕａｎ", "SICHUAN"])
def test_the_lock_cannot_be_sidestepped_by_spelling_the_name_differently(users, settings, variant):
    """The login form strips and NFKC-folds the name, so the lock must count it the same way."""
    client = Client()
    fail(client, "sichuan", settings.LOGIN_FAILURE_LIMIT)
    response = log_in(client, variant)
    assert response.status_code == 200
    assert locked_message() in response.content.decode()
    assert logged_in_as(client) is None


def test_failures_under_another_spelling_count_for_the_account(users, settings):
    client = Client()
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, " " * i + "ｓｉｃｈｕａｎ", "wrong-password")
    assert locked_message() in log_in(client, "sichuan").content.decode()


def test_a_post_without_password_does_not_clear_the_failures(users, settings):
    client = Client()
    fail(client, "sichuan", settings.LOGIN_FAILURE_LIMIT - 1)
    assert log_in(client, "sichuan", "").status_code == 200
    fail(client, "sichuan", 1)
    assert locked_message() in log_in(client, "sichuan").content.decode()
