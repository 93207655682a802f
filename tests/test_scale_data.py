"""`make scale-data`'s builder (bench/scale.py) at a tiny scale, in the test database: it runs
and leaves every kind of record the benchmarks read, the logins of `make bench` and `make
load`, and the pages of bench/pages.py answering with the same query counts as always."""

import pytest

from accounts.models import User
from bench import pages, scale
from bench.production import percentile
from bench.server import FormFields
from demo.logins import DEMO_PASSWORD
from review.models import Review
from tasks.models import ProgressReport

pytestmark = pytest.mark.django_db


def test_a_tiny_data_set_has_every_kind_of_record() -> None:
    counted = scale.build(0.002)

    assert counted["cycles"] == len(scale.YEARS)
    assert counted["divisions"] > 3000  # every division, whatever the scale
    for kind, n in counted.items():
        assert n > 0, kind
    assert Review.objects.filter(state=Review.State.SUBMITTED).exists()
    assert ProgressReport.objects.filter(state=ProgressReport.State.SUBMITTED).exists()
    for username in scale.LOGINS.values():
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)

    found = pages.pages()
    assert {p.role for p in found} == set(scale.LOGINS)
    issue_rows = [p for p in found if p.in_issue]
    assert [p.name for p in issue_rows] == ["national dispatch page", "review ranking"]
    counts = pages.query_counts(issue_rows)
    assert all(isinstance(n, int) and n > 0 for n in counts.values()), counts


def test_the_percentile_is_the_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 21)]
    assert percentile(samples, 50) == 10.0
    assert percentile(samples, 95) == 19.0
    assert percentile([3.0], 95) == 3.0


def test_the_load_run_posts_a_form_as_the_browser_would() -> None:
    parser = FormFields("done")
    parser.feed(
        '<form method="get"><input name="q" value="x"></form>'
        '<form method="post" action="/tasks/reports/7/edit/">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="t">'
        '<textarea name="done">推进试点</textarea>'
        '<select name="m-0-status"><option value="not_started">a</option>'
        '<option value="done" selected>b</option></select>'
        '<input type="checkbox" name="flag"><input type="checkbox" name="on" checked>'
        '<input type="submit" name="submit" value="go"></form>'
    )
    form = parser.form()

    assert form is not None
    assert form["action"] == "/tasks/reports/7/edit/"
    assert form["fields"] == [
        ["csrfmiddlewaretoken", "t"],
        ["done", "推进试点"],
        ["m-0-status", "done"],
        ["on", "on"],
    ]
