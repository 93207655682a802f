"""Shared makings of the repeated-action tests (no tests here).

A repeated action — a double click, or a colleague of the same role who acted first — must
answer with the page the user lands on showing what already happened (200 after following the
redirect), never a 403 or a 500, and must write nothing a second time. A user without the right
is still refused (403, or 404 when they may not know the object exists).
"""

import html

from django.test import Client

from accounts.models import User
from audit.models import AuditEntry
from tests.conftest import client_for, make_user


def english(user: User) -> Client:
    """A logged-in client whose pages are in English, so the messages read as written."""
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def colleague(user: User, username: str) -> User:
    """Another user of the same role and scope: who may act first."""
    return make_user(
        username,
        user.role,
        division=user.division,
        region_group_id=user.region_group_id,
        organisation=user.organisation,
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def says(response, message: str) -> None:
    """The page the user landed on (redirects followed) answers and shows the message."""
    assert response.status_code == 200, response.status_code
    assert message in text(response), message


def entries(action: str, obj=None) -> int:
    """How many audit entries record `action` (on `obj`, if given)."""
    found = AuditEntry.objects.filter(action=action)
    if obj is not None:
        found = found.filter(object_id=str(obj.pk))
    return found.count()


def refused(client: Client, url: str, data=None, status: int = 403) -> None:
    assert client.post(url, data or {}).status_code == status, url
