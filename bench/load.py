"""`make load`: the reporting week on the production server, with locust on loopback.

Starts the production server (bench/server.py: gunicorn, DEBUG off, WhiteNoise) on the scale
data set of `make scale-data` (SCALE_DATABASE_URL, default jiebang_scale), then runs
bench/locustfile.py headless: LOAD_USERS simulated people (default 200) across the roles for
LOAD_SECONDS (default 60), each waiting LOAD_WAIT seconds between pages (default "5,15": a
person reading each page 5 to 15 s, so 200 people ask about 20 pages a second, the rate of the
issue's run on `make run`'s server). Prints requests per second, the errors and the 95th
percentile of the response times against the goal of issue #13 (0 errors, p95 ≤ 1 s). The
locust run itself is bounded (--run-time, and a timeout of twice that).
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("LOAD_USERS", "200"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
GOAL_P95_MS = 1000.0
# How many accounts of each role the simulated people share.
ACCOUNTS = {"implementer": 12, "locality": 8, "expert": 6, "national": 2}


def plan() -> dict[str, Any]:
    """Who logs in, and what each may open, from the configured scale database."""
    from accounts.models import Role, User
    from bench.scale import REVIEW_YEAR
    from claims.models import Claimant, Programme
    from demo.logins import DEMO_PASSWORD
    from proposals.models import Cycle
    from review.models import Assignment
    from tasks.models import ProgressReport, Task

    programme = Programme.objects.order_by("pk").first()
    assert programme is not None, "no programme: run `make scale-data` first"
    cycle = Cycle.objects.get(year=REVIEW_YEAR)
    bench_users = User.objects.filter(username__startswith="bench-").order_by("pk")
    roles: dict[str, list[dict[str, Any]]] = {}
    implementers = []
    for user in bench_users.filter(role=Role.IMPLEMENTER)[: ACCOUNTS["implementer"]]:
        tasks = Task.objects.filter(implementers__organisation=user.organisation_id)
        # Reports are written only while the task is open (not closed out by evaluation).
        drafts = ProgressReport.objects.filter(
            task__in=tasks.filter(closure="open"), state=ProgressReport.State.DRAFT
        ).values_list("pk", flat=True)
        implementers.append(
            {
                "username": user.username,
                "tasks": list(tasks.values_list("pk", flat=True)[:50]),
                "drafts": list(drafts[:20]),
            }
        )
    roles["implementer"] = implementers
    roles["locality"] = [
        {
            "username": u.username,
            "claimant": Claimant.objects.get(
                programme=programme, division=u.division_id, region_group=u.region_group_id
            ).pk,
        }
        for u in bench_users.filter(role=Role.LOCALITY)[: ACCOUNTS["locality"]]
    ]
    roles["expert"] = [
        {
            "username": u.username,
            "assignments": list(
                Assignment.objects.filter(expert=u).values_list("pk", flat=True)[:20]
            ),
        }
        for u in bench_users.filter(role=Role.EXPERT, assignments__isnull=False).distinct()[
            : ACCOUNTS["expert"]
        ]
    ]
    roles["national"] = [
        {
            "username": u.username,
            "dispatch": f"/tasks/dispatch/?programme={programme.pk}&period=2026-3&status=all",
            "ranking": f"/review/cycles/{cycle.pk}/ranking/",
            "progress": f"/tasks/progress/{programme.pk}/",
        }
        for u in bench_users.filter(role=Role.NATIONAL)[: ACCOUNTS["national"]]
    ]
    return {"password": DEMO_PASSWORD, "roles": roles}


def _plan_for(database_url: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 (this module, fixed arguments)
        [sys.executable, "-m", "bench.load", "--plan"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _logged_in(base: str, found: dict[str, Any]) -> dict[str, Any]:
    """Each account of the plan logged in once through the login form, its session beside it."""
    from concurrent.futures import ThreadPoolExecutor

    from bench.server import Browser

    def log_in(person: dict[str, Any]) -> None:
        browser = Browser(base)
        browser.login(person["username"], found["password"])
        person["session"] = browser.session_cookie()

    people = [p for people in found["roles"].values() for p in people]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(log_in, people))
    return found


def load_run(
    base: str, database_url: str, users: int = USERS, seconds: int = SECONDS
) -> dict[str, Any]:
    """Run locust against the server at `base`; requests/s, failures, p95 and the pages."""
    with tempfile.TemporaryDirectory(prefix="jiebang-load-") as tmp:
        plan_file = Path(tmp) / "plan.json"
        plan_file.write_text(json.dumps(_logged_in(base, _plan_for(database_url))))
        prefix = str(Path(tmp) / "locust")
        subprocess.run(  # noqa: S603 (locust from our venv, fixed arguments)
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(max(1, users // 10)),
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "10",
                "--host",
                base,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "BENCH_LOAD_PLAN": str(plan_file)},
            timeout=seconds * 2 + 120,
            check=False,
        )
        with open(f"{prefix}_stats.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        failures_file = Path(f"{prefix}_failures.csv")
        failures = failures_file.read_text() if failures_file.exists() else ""
    total = next(r for r in rows if r["Name"] == "Aggregated")
    p95 = float(total["95%"]) if total["95%"] not in ("", "N/A") else float("nan")
    result = {
        "users": users,
        "seconds": seconds,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p95_ms": p95,
        "pages": [
            (r["Name"], int(r["Request Count"]), int(r["Failure Count"]), r["95%"])
            for r in rows
            if r["Name"] != "Aggregated"
        ],
        "failures": failures,
    }
    result["holds"] = result["errors"] == 0 and p95 <= GOAL_P95_MS
    return result


def describe(result: dict[str, Any]) -> str:
    lines = [
        f"{result['users']} users for {result['seconds']} s on the production server: "
        f"{result['rps']:.1f} requests/s, {result['requests']} requests, "
        f"{result['errors']} errors (goal 0), p95 {result['p95_ms']:.0f} ms (goal ≤ 1,000 ms): "
        + ("holds" if result["holds"] else "does not hold")
    ]
    for name, n, failed, p95 in result["pages"]:
        lines.append(f"  {name:<28} {n:>6} requests {failed:>4} errors  p95 {p95} ms")
    if result["errors"]:
        lines.append(result["failures"][:2000])
    return "\n".join(lines)


def main() -> None:
    if "--plan" in sys.argv[1:]:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiebang.settings")
        django.setup()
        print(json.dumps(plan()))
        return
    from bench.scale import DEFAULT_URL, ensure
    from bench.server import production_server

    ensure()
    url = os.environ.get("SCALE_DATABASE_URL", DEFAULT_URL)
    with production_server(url) as base:
        print(describe(load_run(base, url)))


if __name__ == "__main__":
    main()
