"""Excel exports of the suggestion list and of the cycle's submissions-by-locality table."""

import io

from openpyxl import load_workbook

from jobs.models import Job
from proposals.models import Suggestion
from proposals.services.suggestions import suggestion_decline, suggestion_submit
from tests.conftest import client_for, make_proposal


def _sheet_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def _job_rows(job: Job) -> list[tuple]:
    with job.result_file.open("rb") as f:
        return _sheet_rows(f.read())[1:]  # row 1: the filters applied


def _suggest(users, cycle, title, who="innovator") -> Suggestion:
    return suggestion_submit(by=users[who], cycle=cycle, title=title, content="内容")


def test_suggestion_export_has_the_filtered_rows_of_the_locality_only(users, cycle, inline_jobs):
    kept = _suggest(users, cycle, "高校仪器开放共享")
    declined = _suggest(users, cycle, "另一条建议")
    suggestion_decline(suggestion=declined, by=users["sichuan"], reason="已有类似政策")
    _suggest(users, cycle, "广东的建议", who="other_innovator")
    client = client_for(users["sichuan"])
    response = inline_jobs(
        lambda: client.post("/suggestions/export/", {"query": "state=submitted"})
    )
    job = Job.objects.get(kind="suggestions.export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.state == Job.State.DONE, job.message
    rows = _job_rows(job)
    assert [row[0] for row in rows[1:]] == [kept.pk]
    assert rows[1][4] == "高校仪器开放共享"


def test_innovation_body_exports_only_its_own_suggestions(users, cycle, inline_jobs):
    own = _suggest(users, cycle, "我们的建议")
    _suggest(users, cycle, "别人的建议", who="other_innovator")
    client = client_for(users["innovator"])
    inline_jobs(lambda: client.post("/suggestions/export/", {"query": ""}))
    rows = _job_rows(Job.objects.get(kind="suggestions.export"))
    assert [row[0] for row in rows[1:]] == [own.pk]


def test_suggestion_export_refused_to_roles_without_suggestions(users):
    for role in ("national", "public", "expert", "city"):
        response = client_for(users[role]).post("/suggestions/export/", {"query": ""})
        assert response.status_code == 403, role
    assert not Job.objects.exists()


def test_cycle_table_export_counts_each_province(users, cycle):
    for i in range(3):
        make_proposal(cycle, users["sichuan"], state="submitted", title=f"四川{i}")
    make_proposal(cycle, users["guangdong"], state="returned", title="广东")
    make_proposal(cycle, users["guangdong"], title="广东草稿")
    response = client_for(users["national"]).get(
        f"/cycles/{cycle.pk}/export/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    rows = {row[0]: row[1:4] for row in _sheet_rows(response.content)[1:]}
    # The 13 participants of the cycle (484号's addressees), each with its counts.
    assert len(rows) == 13
    assert rows["四川省"] == (3, 0, "yes")
    assert rows["广东省"] == (1, 1, "no")
    assert rows["北京市"] == (0, 0, "no")


def test_cycle_table_export_is_for_the_national_coordinator_only(users, cycle):
    for role in ("sichuan", "innovator", "public"):
        assert client_for(users[role]).get(f"/cycles/{cycle.pk}/export/").status_code == 403
