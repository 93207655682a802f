"""About twenty claims at once on the embedded default, SQLite, answer no server error.

Issue #13 measured 18 of 20 concurrent claims answering HTTP 500 "database is locked" on
`make run`'s server: SQLite's deferred transactions take the write lock only at their first
write, so two claims that both read first deadlock and one fails at once. The real app runs on
a SQLite file (as the browser tests start it) and five provinces each claim four items of the
open 2026 programme at the same moment, over plain HTTP from threads.
"""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from demo.claims_demo import LIST_TITLE
from demo.logins import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOCALITIES = ("sichuan", "guangdong", "anhui", "hubei", "shaanxi")
PER_LOCALITY = 4
CLAIM = re.compile(r'action="(/claims/items/\d+/claim/)"')
WITHDRAW = re.compile(r'href="/claims/items/\d+/withdraw/"')


class Session:
    """One user's cookies and CSRF token, as a browser would keep them."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str] | None = None) -> int:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **(data or {})}).encode()
        request = urllib.request.Request(  # noqa: S310 (the app's own http://127.0.0.1 URL)
            self.base_url + path, data=body, headers={"Referer": self.base_url + path}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def log_in(self, username: str) -> None:
        self.get("/accounts/login/")
        status = self.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert status == 200, (username, status)


def _programme_path(session: Session) -> str:
    index = session.get("/claims/")
    pattern = rf'href="(/claims/\d+/)"[^>]*>{re.escape(LIST_TITLE)}'
    match = re.search(pattern, index)
    assert match, "the demo's open programme is not listed"
    return match.group(1)


def test_claims_at_once_answer_no_server_error(app_url: str) -> None:
    sessions = {name: Session(app_url) for name in LOCALITIES}
    for name, session in sessions.items():
        session.log_in(name)
    programme = _programme_path(sessions["sichuan"])
    claims = [
        (session, path)
        for session in sessions.values()
        for path in CLAIM.findall(session.get(programme))[:PER_LOCALITY]
    ]
    # Some provinces claimed an item in the demo already: what is left is still a crowd.
    assert len(claims) >= 15, len(claims)
    start = Barrier(len(claims))

    def claim(job: tuple[Session, str]) -> int:
        session, path = job
        start.wait()
        return session.post(path)

    with ThreadPoolExecutor(max_workers=len(claims)) as pool:
        statuses = list(pool.map(claim, claims))
    # Every claim answered: taken, or refused with a message on the programme page.
    assert statuses == [200] * len(claims), statuses
    taken = sum(len(WITHDRAW.findall(s.get(programme))) for s in sessions.values())
    assert taken > 0
