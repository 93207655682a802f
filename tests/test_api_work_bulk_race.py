"""A locality's system that sends the same reports twice at once (a retry racing the first
attempt) files each period once: concurrent API requests against PostgreSQL, each on its own
connection, in threads released together."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tasks.models import ProgressReport, Task
from tasks.services import reports
from tests.conftest import make_users
from tests.test_tasks_fixtures import task_world

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(reference_data_back):
    """Transactional tests empty the tables; the reference data comes back after."""


@pytest.mark.django_db(transaction=True)
def test_a_retry_racing_the_first_attempt_files_the_period_once():
    users = make_users()
    w = task_world(users)
    Task.objects.filter(pk=w.task.pk).update(
        plan_approved_at=timezone.now() - datetime.timedelta(days=300)
    )
    task = Task.objects.get(pk=w.task.pk)
    periods = list(reversed(reports.periods_to_start(task)))[:2]
    body = {
        "reports": [
            {"task": task.pk, "year": y, "period": n, "done": "系统报送"} for y, n in periods
        ]
    }
    key = Token.objects.create(user=users["implementer"]).key
    barrier = threading.Barrier(2)
    answers: list[dict] = []

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        try:
            barrier.wait()
            response = client.post("/api/reports/bulk/", body, format="json")
            answers.append(response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 2
    # Each period: one attempt filed it, the other found it filed; nobody was refused.
    for index in range(2):
        results = sorted(a["results"][index]["result"] for a in answers)
        assert results == ["already_submitted", "submitted"]
        assert len({a["results"][index]["report"] for a in answers}) == 1
    filed = ProgressReport.objects.filter(task=task, state=ProgressReport.State.SUBMITTED)
    assert sorted(filed.values_list("year", "period")) == sorted(periods)
