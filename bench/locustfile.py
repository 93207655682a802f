"""The reporting week, for locust (`make load`; bench/load.py starts the server and locust).

Simulated people across the roles, in the proportions of a reporting week: implementers view
their tasks and save their draft progress reports, localities read the dispatch page and
their claimant's task list, experts open their reviews, the national coordinator reads the
dashboards, the dispatch page and the rankings. Who they are and what they may open comes
from the plan bench/load.py writes from the scale data set (BENCH_LOAD_PLAN, a JSON file).

Logging in hashes the password (PBKDF2, deliberately slow): bench/load.py logs each account
in once through the login form before locust starts and puts its session in the plan; every
simulated user of that account uses that session, as people who stay logged in through the
week. A page that answers other than 200, or sends the
user to the login page, is a failure.
"""

import functools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

from bench.server import FormFields


@functools.cache
def plan() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text())
    return result


WAIT = [float(x) for x in os.environ.get("LOAD_WAIT", "5,15").split(",")]


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(WAIT[0], WAIT[1])

    def on_start(self) -> None:
        self.me = random.choice(plan()["roles"][self.role])  # noqa: S311 (simulation)
        self.client.cookies.set("sessionid", self.me["session"])

    def page(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif "/accounts/login/" in response.url:
                response.failure("sent to the login page")
            return response.text

    def pick(self, key: str) -> Any:
        return random.choice(self.me[key]) if self.me.get(key) else None  # noqa: S311


# The reporting week's people: a handful of national coordinators (国家发展改革委's office is
# small), and of the rest, implementing units far outnumbering the 31 provinces' and the
# zones' offices and the experts still reviewing: 4 national, then 15 : 4 : 1, so 147
# implementers, 39 locality officials and 10 experts of 200.
class Implementer(Person):
    role = "implementer"
    weight = 15

    @task(3)
    def task_index(self) -> None:
        self.page("/tasks/", "task index")

    @task(3)
    def task_page(self) -> None:
        self.page(f"/tasks/{self.pick('tasks')}/", "task page")

    @task(1)
    def home(self) -> None:
        self.page("/", "home")

    @task(3)
    def save_draft(self) -> None:
        report = self.pick("drafts")
        if report is None:
            self.page(f"/tasks/{self.pick('tasks')}/", "task page")
            return
        html = self.page(f"/tasks/reports/{report}/edit/", "report form")
        parser = FormFields("done")
        parser.feed(html)
        form = parser.form()
        if form is None:
            return
        fields = [(k, v) for k, v in form["fields"] if k != "done"]
        fields.append(("done", f"本期推进试点，完成阶段任务（{random.randint(1, 999)}）。"))  # noqa: S311
        path = form["action"] or f"/tasks/reports/{report}/edit/"
        with self.client.post(
            path,
            data=fields,
            name="report save",
            headers={"Referer": f"{self.host}{path}"},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Locality(Person):
    role = "locality"
    weight = 4

    @task(3)
    def dispatch(self) -> None:
        self.page("/tasks/dispatch/", "dispatch (locality)")

    @task(2)
    def task_list(self) -> None:
        self.page(f"/tasks/lists/{self.me['claimant']}/tasks/", "claimant task list")

    @task(1)
    def task_index(self) -> None:
        self.page("/tasks/", "task index")

    @task(1)
    def home(self) -> None:
        self.page("/", "home")


class Expert(Person):
    role = "expert"
    weight = 1

    @task(2)
    def mine(self) -> None:
        self.page("/review/mine/", "my reviews")

    @task(2)
    def review(self) -> None:
        assignment = self.pick("assignments")
        if assignment is not None:
            self.page(f"/review/assignments/{assignment}/", "review form")

    @task(1)
    def home(self) -> None:
        self.page("/", "home")


class National(Person):
    role = "national"
    fixed_count = 4

    @task(2)
    def dashboard(self) -> None:
        self.page("/overview/", "overview dashboard")

    @task(2)
    def dispatch(self) -> None:
        self.page(self.me["dispatch"], "national dispatch page")

    @task(1)
    def ranking(self) -> None:
        self.page(self.me["ranking"], "review ranking")

    @task(1)
    def progress(self) -> None:
        self.page(self.me["progress"], "progress overview")

    @task(1)
    def home(self) -> None:
        self.page("/", "home")
