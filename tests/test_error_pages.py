"""A refusal or a missing page answers with the project's own page, in the user's language, with
a way back home; a service refused for a missing right answers 403, never 500."""

import pytest
from django.test import Client

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
