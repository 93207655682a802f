"""A refusal or a missing page answers with the project's own page, in the user's language, with
a way back home; a service refused for a missing right answers 403, never 500."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils import translation

from jiebang import urls as project_urls
from kernel.errors import Forbidden
from tests.conftest import client_for


def test_a_refusal_is_the_projects_page(users, cycle):
    # A province may not open cycles: the refusal keeps the site's layout and a way home.
    response = client_for(users["sichuan"]).get("/cycles/new/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权进行此操作" in html and 'href="/"' in html and "揭榜" in html


def test_a_missing_page_is_the_projects_page(users):
    response = client_for(users["sichuan"]).get("/proposals/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'href="/"' in html


def test_forbidden_is_a_403_not_a_500(users, rf):
    """A view that forgot its own check and lets the service refuse still answers 403."""
    from django.core.handlers.exception import response_for_exception

    request = rf.get("/")
    request.user = users["public"]
    response = response_for_exception(request, Forbidden())
    assert response.status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_error_page_speaks_the_users_language(users, language):
    client = Client(headers={"accept-language": language})
    client.force_login(users["public"])
    response = client.get("/proposals/999999/")
    text = "页面不存在" if language == "zh-hans" else "Page not found"
    assert text in response.content.decode()


# --- Every error page with DEBUG off, as production serves it (issue #12: "Chinese error pages
# (403, 404, 500, CSRF failure) in the site's layout with a way home"). The views below exist
# only in this module's URLconf, which also carries the project's own URLs and handlers.


def _refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [
    path("test-errors/refuse/", _refuse),
    path("test-errors/boom/", _boom),
    *project_urls.urlpatterns,
]
handler500 = project_urls.handler500

LAYOUT = ('<header class="top">', 'class="brand"', "<nav", '<footer class="foot">')


def _assert_site_page(html: str) -> None:
    """The site's header, menu and footer, and a link to the start page."""
    for part in LAYOUT:
        assert part in html, part
    assert 'class="button primary" href="/"' in html


def _client(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def debug_off(settings):
    settings.DEBUG = False
    return settings


@pytest.mark.urls(__name__)
def test_403_page_with_debug_off(users, debug_off):
    response = _client(users["sichuan"]).get("/test-errors/refuse/")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_site_page(html)
    assert "无权进行此操作" in html and "返回首页" in html
    # The user's own menu: the header is rendered with the request's context.
    assert 'id="messages-link"' in html
    with translation.override("en"):
        english = _client(users["sichuan"], HTTP_ACCEPT_LANGUAGE="en").get("/test-errors/refuse/")
    assert "What to do next: go back to the start page" in english.content.decode()


@pytest.mark.urls(__name__)
def test_404_page_with_debug_off(users, debug_off):
    response = _client(users["sichuan"]).get("/no-such-page/at-all/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_site_page(html)
    assert "页面不存在" in html and "返回首页" in html
    english = _client(users["sichuan"], HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/at-all/")
    assert "What to do next: check the address" in english.content.decode()


@pytest.mark.urls(__name__)
def test_404_page_for_a_visitor_not_logged_in(debug_off, db):
    response = _client().get("/no-such-page/at-all/")
    assert response.status_code == 404
    _assert_site_page(response.content.decode())


@pytest.mark.urls(__name__)
def test_500_page_with_debug_off(users, debug_off):
    response = _client(users["sichuan"], raise_request_exception=False).get("/test-errors/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    _assert_site_page(html)
    assert "系统出现错误" in html and "返回首页" in html
    # No request context: no personal menu, so nothing that needs the database.
    assert 'id="messages-link"' not in html
    english = _client(
        users["sichuan"], raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en"
    ).get("/test-errors/boom/")
    assert "not because of anything you did" in english.content.decode()


def test_the_500_page_renders_without_the_database(rf, debug_off):
    """When the database is what failed, the 500 page must still render: without the `db`
    fixture any query here would raise, so passing shows it runs none."""
    from jiebang.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert '<header class="top">' in response.content.decode()


@pytest.mark.urls(__name__)
def test_csrf_failure_page_with_debug_off(users, debug_off):
    """A form sent from a page that expired: the site's page, telling to reload and resend."""
    client = _client(users["sichuan"], enforce_csrf_checks=True)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_site_page(html)
    assert "返回首页" in html and "CSRF verification failed" not in html
    english = _client(users["sichuan"], enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    text = english.post("/accounts/logout/").content.decode()
    assert "The page has expired or the form is no longer valid" in text
    assert "reload the page and submit it again" in text


def test_debug_is_off_unless_asked_for(monkeypatch):
    """Production never runs with DEBUG: the default, with no DEBUG in the environment, is off."""
    import importlib

    import jiebang.settings as project_settings

    monkeypatch.delenv("DEBUG", raising=False)
    try:
        assert importlib.reload(project_settings).DEBUG is False
        monkeypatch.setenv("DEBUG", "1")
        assert importlib.reload(project_settings).DEBUG is True
    finally:
        monkeypatch.delenv("DEBUG", raising=False)
        importlib.reload(project_settings)
