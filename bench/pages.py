"""The pages `make bench` times, found in the scale data set of bench/scale.py, and their SQL
query counts through Django's test client.

`python -m bench.pages` (DATABASE_URL set to a scale database) prints, as JSON, each page with
the role that opens it and its path; with `--queries`, also the number of SQL queries each
page issues, read in this process (django.test.Client, CaptureQueriesContext).
"""

import json
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any

# The goal of every page, as a ratio of its p95 to the login page's p95 (issue #13: the
# dispatch page and the review ranking ≤ 10× the login page; the same bar for the others).
GOAL_RATIO = 10.0


@dataclass
class Page:
    name: str
    role: str  # a key of bench.scale.LOGINS
    path: str
    in_issue: bool = False  # a row of the issue's table


def pages() -> list[Page]:
    """Every page timed, each with a path into the configured scale database."""
    from accounts.models import User
    from bench.scale import LOGINS, REVIEW_YEAR
    from claims.models import Programme
    from evaluation.models import Commission
    from lists.models import ListVersion
    from merging.models import CandidateMeasure
    from promotion.models import PromotedMeasure, TrackingRound
    from proposals.models import Cycle
    from review.models import Assignment
    from tasks.models import Claimant, ProgressReport, Task

    programme = Programme.objects.order_by("pk").first()
    assert programme is not None, "no programme: run `make scale-data` first"
    review_cycle = Cycle.objects.get(year=REVIEW_YEAR)
    open_cycle = Cycle.objects.filter(is_open=True).order_by("-year").first()
    round = TrackingRound.objects.order_by("-pk").first()
    assert round is not None and open_cycle is not None
    version = ListVersion.objects.filter(state=ListVersion.State.PUBLISHED).order_by("-pk").first()
    commission = Commission.objects.order_by("pk").first()
    measure = PromotedMeasure.objects.order_by("pk").first()
    locality = User.objects.get(username=LOGINS["locality"])
    claimant = Claimant.objects.filter(programme=programme, division=locality.division).first()
    implementer = User.objects.get(username=LOGINS["implementer"])
    task = Task.objects.filter(implementers__organisation=implementer.organisation).first()
    report = ProgressReport.objects.filter(task=task).order_by("-year", "-period").first()
    expert = User.objects.get(username=LOGINS["expert"])
    assignment = Assignment.objects.filter(expert=expert).first()
    candidate = CandidateMeasure.objects.filter(cycle=review_cycle).order_by("pk").first()
    assert task and report and claimant and candidate and measure and version
    dispatch = f"/tasks/dispatch/?programme={programme.pk}&period=2026-3&status=all"
    found = [
        Page("national dispatch page", "national", dispatch, True),
        Page("review ranking", "national", f"/review/cycles/{review_cycle.pk}/ranking/", True),
        # The main pages of each role.
        Page("home (national)", "national", "/"),
        Page("proposal list", "national", "/proposals/"),
        Page("proposal search", "national", "/proposals/?q=%E6%88%90%E6%9E%9C%E8%BD%AC%E5%8C%96"),
        Page("cycle page", "national", f"/cycles/{open_cycle.pk}/"),
        Page("merging: groups of the cycle", "national", f"/merging/cycles/{open_cycle.pk}/"),
        Page("candidates", "national", "/merging/candidates/"),
        Page("candidate page", "national", f"/merging/candidates/{candidate.pk}/"),
        Page("review: cycle overview", "national", f"/review/cycles/{review_cycle.pk}/"),
        Page("review: expert pool", "national", "/review/experts/"),
        Page("lists: published", "national", "/lists/"),
        Page("lists: a published version", "national", f"/lists/versions/{version.pk}/"),
        Page("lists: drafting", "national", "/lists/manage/"),
        Page("claims: programmes", "national", "/claims/"),
        Page("claims: programme page", "national", f"/claims/{programme.pk}/"),
        Page("claims: results", "national", f"/claims/{programme.pk}/results/"),
        Page("task index", "national", "/tasks/"),
        Page("progress overview", "national", f"/tasks/progress/{programme.pk}/"),
        Page("help requests", "national", "/tasks/help/"),
        Page("task lists", "national", "/tasks/lists/"),
        Page("evaluation: start", "national", "/evaluation/"),
        Page("evaluation: close-outs", "national", "/evaluation/close-outs/"),
        Page("evaluation ranking", "national", f"/evaluation/ranking/?programme={programme.pk}"),
        Page("evaluation: commissions", "national", "/evaluation/commissions/"),
        Page("promotion: start", "national", "/promotion/"),
        Page("promotion: batches", "national", "/promotion/batches/"),
        Page("promotion: tracking rounds", "national", "/promotion/rounds/"),
        Page("promotion: round page", "national", f"/promotion/rounds/{round.pk}/"),
        Page("promotion: round units", "national", f"/promotion/rounds/{round.pk}/units/"),
        Page("promotion: round roll-up", "national", f"/promotion/rounds/{round.pk}/rollup/"),
        Page("overview dashboard", "national", "/overview/"),
        Page("diffusion of the measures", "national", "/overview/diffusion/"),
        Page("diffusion of one measure", "national", f"/overview/diffusion/{measure.pk}/"),
        Page("burden monitor", "national", "/overview/burden/"),
        Page("notifications (national)", "national", "/notifications/"),
        Page("home (locality)", "locality", "/"),
        Page("proposal list (locality)", "locality", "/proposals/"),
        Page("dispatch (locality)", "locality", "/tasks/dispatch/"),
        Page("task index (locality)", "locality", "/tasks/"),
        Page(
            "claimant's task list (locality)",
            "locality",
            f"/tasks/lists/{claimant.pk}/tasks/",
        ),
        Page("promotion round (locality)", "locality", f"/promotion/rounds/{round.pk}/units/"),
        Page("home (implementer)", "implementer", "/"),
        Page("task index (implementer)", "implementer", "/tasks/"),
        Page("task page (implementer)", "implementer", f"/tasks/{task.pk}/"),
        Page("progress report (implementer)", "implementer", f"/tasks/reports/{report.pk}/"),
        Page("home (expert)", "expert", "/"),
        Page("my reviews (expert)", "expert", "/review/mine/"),
        Page("home (evaluator)", "evaluator", "/"),
    ]
    if assignment is not None:
        found.append(
            Page("review form (expert)", "expert", f"/review/assignments/{assignment.pk}/")
        )
    if commission is not None:
        found.append(
            Page("commission page", "national", f"/evaluation/commissions/{commission.pk}/")
        )
    return found


def query_counts(found: list[Page]) -> dict[str, int | str]:
    """SQL queries of each page in the configured database (a page that does not answer 200
    is reported by its status)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.scale import LOGINS

    clients: dict[str, Any] = {}
    counted: dict[str, int | str] = {}
    for page in found:
        if page.role not in clients:
            clients[page.role] = Client()
            clients[page.role].force_login(User.objects.get(username=LOGINS[page.role]))
        client = clients[page.role]
        client.get(page.path)  # the first view fills the caches a later one would find
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path)
        counted[page.name] = (
            len(queries) if response.status_code == 200 else f"HTTP {response.status_code}"
        )
    return counted


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiebang.settings")
    django.setup()
    found = pages()
    from bench.scale import counts

    out: dict[str, Any] = {"pages": [asdict(p) for p in found], "counts": counts()}
    if "--queries" in sys.argv[1:]:
        out["queries"] = query_counts(found)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
