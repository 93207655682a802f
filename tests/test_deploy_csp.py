"""The Content-Security-Policy (issue #14: "no Content-Security-Policy"; "a Content-Security-Policy
that forbids outside hosts"), sent by django-csp on every answer.

Nothing may come from another host, no script may be inline (the pages' scripts are files
under static/, their data JSON blocks that do not run), no plugin, no framing, no form posted
elsewhere. The browser tests (tests/browser/, tests/test_overview_dashboards_browser.py) fail
on any breach Chromium reports, so the charts, the job page's reload and the rest are proven to
work under it; here the header itself and the templates are checked."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client

from accounts.models import Role, User
from tests.conftest import client_for, make_user

# Script types a browser does not run: data for the scripts (json_script).
DATA_TYPES = {"application/json", "application/ld+json"}


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def assert_strict(directives: dict[str, list[str]]) -> None:
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    # No directive lets anything in from another host, or run inline or evaluated script.
    for name, values in directives.items():
        for value in values:
            assert value in ("'self'", "'none'", "data:") or (
                name == "style-src-attr" and value == "'unsafe-inline'"
            ), f"{name} {value}"


@pytest.fixture
def chief(db) -> User:
    user = make_user("chief", Role.NATIONAL)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/lists/published/", "/admin/login/", "/no-such-page/"]
)
def test_anonymous_pages_carry_the_policy(db, path):
    response = Client().get(path)
    assert response.status_code in (200, 404)
    assert_strict(policy(response))


def test_signed_in_pages_carry_the_policy(users, chief):
    for user in users.values():
        response = client_for(user).get("/")
        assert response.status_code == 200, user
        assert_strict(policy(response))
    assert_strict(policy(client_for(chief).get("/admin/")))
    assert_strict(policy(client_for(users["national"]).get("/overview/")))


# The templates -----------------------------------------------------------------------------------


class Scripts(HTMLParser):
    """Inline scripts, inline style elements and event-handler attributes in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and named.get("type") not in DATA_TYPES:
            self.inline.append(self.get_starttag_text() or tag)
        if tag == "style":
            self.inline.append("<style>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.inline.append(f"{tag} {name}={value!r}")


def inline_code(html: str) -> list[str]:
    parser = Scripts()
    parser.feed(html)
    return parser.inline


def project_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    folders = [
        Path(folder)
        for folder in engines["django"].template_dirs
        if Path(folder).is_relative_to(base) and ".venv" not in Path(folder).parts
    ]
    return [path for folder in folders for path in folder.rglob("*.html")]


def test_the_parser_finds_what_the_policy_blocks():
    """The check below can fail: each kind of inline code is found."""
    page = (
        '<script>alert(1)</script><style>p{}</style><a href="javascript:x()">a</a>'
        '<button onclick="x()">b</button><script src="/static/js/job.js"></script>'
        '<script type="application/json">{}</script>'
    )
    assert len(inline_code(page)) == 4


def test_no_template_holds_inline_script_or_style_elements():
    templates = project_templates()
    assert len(templates) > 100
    found = {
        str(path.relative_to(settings.BASE_DIR)): code
        for path in templates
        if (code := inline_code(path.read_text()))
    }
    assert found == {}


def test_rendered_pages_hold_no_inline_script(users, chief):
    """The pages as served, with the data blocks of the dashboards (json_script) and the
    admin's own templates."""
    pages = [
        (users["national"], "/"),
        (users["national"], "/overview/"),
        (users["sichuan"], "/"),
        (chief, "/admin/"),
        (chief, "/admin/accounts/user/"),
    ]
    for user, path in pages:
        response = client_for(user).get(path)
        assert response.status_code == 200, path
        assert inline_code(response.content.decode()) == [], path
    login = Client().get("/accounts/login/")
    assert inline_code(login.content.decode()) == []


def test_the_api_docs_run_under_the_policy(users):
    """/api/docs/ (Swagger UI from drf-spectacular-sidecar) loads its scripts from files: the
    policy allows no inline script for it either."""
    response = client_for(users["national"]).get("/api/docs/")
    assert response.status_code == 200
    assert_strict(policy(response))
    assert inline_code(response.content.decode()) == []
    sources = re.findall(r'<script src="([^"]+)"', response.content.decode())
    assert sources, "Swagger UI's scripts"
    assert all(src.startswith("/") for src in sources), sources
