"""Fault tolerance (容错纠错): an implementer files, the locality decides with a reason, naming
the body deciding and citing the implementing measures (实施办法) it applies; the decision shows
in the task's record; the index for the locality (pending first) and the national coordinator
(read-only), with filters and export.

Sources: 发改高技〔2021〕484号 §四 ("研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索");
source 000 ("研究出台试验区域改革容错纠错机制的实施办法", "创新改革政策与纪检审计政策的协调
衔接"): a decision cites the measures it applies, and nothing calls it final."""

import datetime
import io
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from openpyxl import load_workbook

from audit.models import AuditEntry
from kernel.errors import Forbidden
from notifications.models import Notification
from tasks.errors import TaskError
from tasks.models import ToleranceFiling
from tasks.services import tolerance as services
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
State = ToleranceFiling.State


@pytest.fixture
def w(users):
    world = task_world(users, approved=False)
    # Only this test's messages, not those of setting the world up (issue #12's hand-offs).
    Notification.objects.all().delete()
    return world


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def file(task, by, what="首批试点企业退出", why="按批准方案集体决策，未谋私利"):
    return services.tolerance_file(task=task, by=by, what_went_wrong=what, good_faith=why)


MEASURES = {
    "measures_title": "四川省改革容错纠错实施办法（测试）",
    "measures_number": "川测〔2025〕1号",
}


def decide(filing, by, accepted=True, reason="符合", **kw):
    return services.tolerance_decide(
        filing=filing, by=by, accepted=accepted, reason=reason, **{**MEASURES, **kw}
    )


@pytest.fixture
def filing(users, w):
    return file(w.task, users["implementer"])


# Filing -------------------------------------------------------------------------------------


def test_an_implementer_files_and_the_locality_is_told(users, w):
    filing = file(w.task, users["implementer"])
    assert filing.state == State.PENDING and filing.filed_by == users["implementer"]
    entry = AuditEntry.objects.get(object_id=str(w.task.pk), action="task.tolerance_filed")
    assert (
        entry.changes == {"tolerance": [None, "awaiting decision"]} and "试点企业退出" in entry.note
    )
    note = Notification.objects.get(user=users["sichuan"])
    assert note.url == f"/tasks/tolerance/{filing.pk}/decide/"
    assert not Notification.objects.filter(user=users["guangdong"]).exists()


@pytest.mark.parametrize("who", ["sichuan", "guangdong", "national", "other_innovator"])
def test_only_an_implementer_of_the_task_files(users, w, who):
    with pytest.raises(Forbidden):
        file(w.task, users[who])
    assert not ToleranceFiling.objects.exists()


@pytest.mark.parametrize(
    ("what", "why", "message"), [(" ", "善意", "what went wrong"), ("失误", "", "good-faith")]
)
def test_both_accounts_are_required(users, w, what, why, message):
    with pytest.raises(TaskError, match=message):
        file(w.task, users["implementer"], what, why)
    assert not ToleranceFiling.objects.exists()


# Deciding -----------------------------------------------------------------------------------


def test_the_locality_decides_with_a_reason_and_the_filer_is_told(
    users, filing, mailoutbox, django_capture_on_commit_callbacks
):
    users["implementer"].email = "impl@example.org"
    users["implementer"].email_choice = "each"  # one e-mail per message, not the daily digest
    users["implementer"].save()
    with django_capture_on_commit_callbacks(execute=True):
        decided = decide(filing, users["sichuan"], reason="符合容错条件")
    assert decided.state == State.ACCEPTED and decided.decided_by == users["sichuan"]
    assert decided.decided_at is not None and decided.decision_reason == "符合容错条件"
    # The body deciding defaults to the locality running the task (484号 addresses its 发展
    # 改革委、科技厅); the measures are stored as entered.
    assert decided.deciding_body == "四川省发展改革委、科技厅"
    assert (decided.measures_title, decided.measures_number) == tuple(MEASURES.values())
    entry = AuditEntry.objects.get(object_id=str(filing.task_id), action="task.tolerance_decided")
    assert entry.changes == {
        "tolerance": ["awaiting decision", "tolerated"],
        "deciding_body": [None, "四川省发展改革委、科技厅"],
        "measures_title": [None, MEASURES["measures_title"]],
        "doc_number": [None, MEASURES["measures_number"]],
    }
    assert entry.note == "符合容错条件"
    note = Notification.objects.get(user=users["implementer"])
    assert "tolerated" in note.subject and note.body.startswith("符合容错条件")
    assert "四川省发展改革委、科技厅" in note.body
    assert "四川省改革容错纠错实施办法（测试） (document 川测〔2025〕1号)" in note.body
    from notifications.services import mail_send_due  # the worker's e-mail run

    assert mailoutbox == [] and mail_send_due().sent == 1
    assert [m.to for m in mailoutbox] == [["impl@example.org"]]


def test_not_tolerated_is_a_decision_too(users, filing):
    decided = decide(filing, users["sichuan"], accepted=False, reason="未履行决策程序")
    assert decided.state == State.REJECTED


def test_the_decider_names_another_body(users, filing):
    decided = decide(filing, users["sichuan"], deciding_body=" 四川省纪委监委驻省发展改革委纪检组 ")
    assert decided.deciding_body == "四川省纪委监委驻省发展改革委纪检组"


@pytest.mark.parametrize("who", ["implementer", "guangdong", "national", "region"])
def test_only_the_locality_decides(users, filing, who):
    """The implementer never decides its own filing; the national coordinator reads only."""
    with pytest.raises(Forbidden):
        decide(filing, users[who], reason="理由")
    filing.refresh_from_db()
    assert filing.state == State.PENDING


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"reason": " "}, "reason"),
        ({"measures_title": " "}, "implementing measures"),
        ({"measures_number": ""}, "document number"),
        ({"deciding_body": "  "}, "body deciding"),
    ],
)
def test_a_decision_needs_its_reason_measures_and_body(users, filing, kw, message):
    with pytest.raises(TaskError, match=message):
        decide(filing, users["sichuan"], **kw)
    filing.refresh_from_db()
    assert filing.state == State.PENDING and filing.measures_title == ""


def test_a_filing_is_decided_once(users, filing):
    decide(filing, users["sichuan"])
    with pytest.raises(TaskError, match="already been decided"):
        decide(filing, users["sichuan"], accepted=False, reason="改")
    filing.refresh_from_db()
    assert filing.state == State.ACCEPTED


def test_the_database_refuses_a_decision_without_reason(users, filing):
    with pytest.raises(IntegrityError), transaction.atomic():
        ToleranceFiling.objects.filter(pk=filing.pk).update(
            state=State.ACCEPTED, decided_at=timezone.now(), decision_reason=""
        )


# Pages --------------------------------------------------------------------------------------


def test_filing_over_http_keeps_what_was_typed(users, w):
    client = client_for(users["implementer"])
    url = f"/tasks/{w.task.pk}/tolerance/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"what_went_wrong": "试点企业退出", "good_faith": ""}, **EN)
    assert response.status_code == 200 and "试点企业退出" in response.content.decode()
    assert not ToleranceFiling.objects.exists()
    response = client.post(url, {"what_went_wrong": "试点企业退出", "good_faith": "集体决策"})
    assert response.status_code == 302 and response["Location"] == f"/tasks/{w.task.pk}/#tolerance"
    assert ToleranceFiling.objects.get().good_faith == "集体决策"


@pytest.mark.parametrize(("who", "status"), [("sichuan", 403), ("guangdong", 404)])
def test_filing_refused_over_http(users, w, who, status):
    client = client_for(users[who])
    url = f"/tasks/{w.task.pk}/tolerance/new/"
    assert client.get(url).status_code == status
    assert client.post(url, {"what_went_wrong": "x", "good_faith": "y"}).status_code == status
    assert not ToleranceFiling.objects.exists()


def test_deciding_over_http_and_the_task_record_shows_it(users, filing):
    url = f"/tasks/tolerance/{filing.pk}/decide/"
    assert client_for(users["implementer"]).get(url).status_code == 403
    assert client_for(users["national"]).get(url).status_code == 403
    assert client_for(users["guangdong"]).get(url).status_code == 404
    sichuan = client_for(users["sichuan"])
    response = sichuan.get(url, **EN)
    page = response.content.decode()
    assert "首批试点企业退出" in page and "按批准方案集体决策" in page
    # The body deciding is offered as the locality running the task; nothing says "final".
    assert response.context["form"]["deciding_body"].value() == "四川省发展改革委、科技厅"
    assert "final" not in page and "follows the implementing measures you cite" in page
    data = {"decision": "rejected", "reason": "程序不全", "deciding_body": "四川省发展改革委"}
    for missing in ("reason", "measures_title", "measures_number", "deciding_body"):
        refused = sichuan.post(url, {**data, **MEASURES, missing: ""}, **EN)
        assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    filing.refresh_from_db()
    assert filing.state == State.PENDING
    assert sichuan.post(url, {**data, **MEASURES}).status_code == 302
    filing.refresh_from_db()
    assert filing.state == State.REJECTED and filing.decision_reason == "程序不全"
    assert filing.deciding_body == "四川省发展改革委"
    assert sichuan.get(url).status_code == 302  # decided: back to the task with a message

    task_page = client_for(users["implementer"]).get(f"/tasks/{filing.task_id}/", **EN)
    html = task_page.content.decode()
    assert "not tolerated" in html and "程序不全" in html
    assert "fault-tolerance decision" in html  # the history entry's label
    # Shown with the decision, and kept in the history under their own labels.
    assert '<dd data-field="deciding_body">四川省发展改革委</dd>' in html
    measures = "四川省改革容错纠错实施办法（测试） (document 川测〔2025〕1号)"
    assert f'<dd data-field="measures">{measures}</dd>' in html
    assert "<strong>deciding body</strong>" in html
    assert "<strong>implementing measures applied</strong>" in html
    assert "<strong>document number</strong>" in html


def test_a_municipality_keeps_the_notices_wording_for_its_science_body(users, w):
    """484号 addresses "发展改革委、科技厅（委、局）": for a municipality the data does not say
    which, so the default keeps the notice's wording."""
    from regions.models import Division
    from tasks.selectors.supervision import default_deciding_body

    task = w.task
    task.claimant.division = Division.objects.get(code="110000")
    assert default_deciding_body(task) == "北京市发展改革委、科技厅（委、局）"


def test_the_task_page_offers_each_side_its_action(users, filing):
    task_url = f"/tasks/{filing.task_id}/"
    decide = f"/tasks/tolerance/{filing.pk}/decide/"
    new = f"/tasks/{filing.task_id}/tolerance/new/"
    sichuan = client_for(users["sichuan"]).get(task_url).content.decode()
    assert decide in sichuan and new not in sichuan
    implementer = client_for(users["implementer"]).get(task_url).content.decode()
    assert decide not in implementer and new in implementer
    national = client_for(users["national"]).get(task_url).content.decode()
    assert decide not in national and new not in national and "首批试点企业退出" in national


# Index --------------------------------------------------------------------------------------


@pytest.fixture
def many(users, w):
    decided = file(w.task, users["implementer"], what="旧失误")
    decide(decided, users["sichuan"])
    pending = file(w.task, users["implementer"], what="新失误")
    from tasks.services import plans

    sichuan2 = w.sichuan_tasks[1]
    plans.implementer_add(
        task=sichuan2, by=users["sichuan"], organisation=users["implementer"].organisation
    )
    other_task = file(sichuan2, users["implementer"], what="第二项失误")
    # An older pending filing still comes before a newer decision.
    ToleranceFiling.objects.filter(pk=other_task.pk).update(
        filed_at=timezone.now() - datetime.timedelta(days=30)
    )
    return {"decided": decided, "pending": pending, "older_pending": other_task}


def test_the_locality_sees_pending_first(users, many):
    page = client_for(users["sichuan"]).get("/tasks/tolerance/").context["page"]
    assert [f.pk for f in page.object_list] == [
        many["pending"].pk,
        many["older_pending"].pk,
        many["decided"].pk,
    ]


def test_the_national_reads_without_deciding_and_others_see_nothing(users, many):
    html = client_for(users["national"]).get("/tasks/tolerance/", **EN).content.decode()
    assert "新失误" in html and "/decide/" not in html
    sichuan = client_for(users["sichuan"]).get("/tasks/tolerance/", **EN).content.decode()
    assert sichuan.count("/decide/") == 2
    guangdong = client_for(users["guangdong"]).get("/tasks/tolerance/").context["page"]
    assert list(guangdong.object_list) == []
    for who in ("implementer", "expert", "public"):
        assert client_for(users[who]).get("/tasks/tolerance/").status_code == 403
        assert client_for(users[who]).get("/tasks/tolerance/xlsx/").status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=pending", {"pending", "older_pending"}),
        ("state=accepted", {"decided"}),
        ("state=rejected", set()),
        ("q=第二项", {"older_pending"}),
        ("q=符合", {"decided"}),  # the reason is searched too
    ],
)
def test_index_filters(users, many, query, expected):
    page = client_for(users["national"]).get(f"/tasks/tolerance/?{query}").context["page"]
    assert {f.pk for f in page.object_list} == {many[k].pk for k in expected}


def test_export_reads_back(users, many, w):
    response = client_for(users["sichuan"]).get(
        f"/tasks/tolerance/xlsx/?state=accepted&programme={w.programme.pk}", **EN
    )
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    )
    header = rows[0]
    assert len(rows) == 2 and rows[1][0] == many["decided"].pk
    assert rows[1][header.index("Decision")] == "tolerated"
    assert rows[1][header.index("Reason for the decision")] == "符合"
    assert rows[1][header.index("Deciding body")] == "四川省发展改革委、科技厅"
    assert rows[1][header.index("Implementing measures applied")] == MEASURES["measures_title"]
    assert rows[1][header.index("Document number of the measures")] == "川测〔2025〕1号"
    assert rows[1][header.index("What went wrong")] == "旧失误"
    guangdong = client_for(users["guangdong"]).get("/tasks/tolerance/xlsx/")
    # The filter line and the header, no rows.
    assert len(list(load_workbook(io.BytesIO(guangdong.content)).worksheets[0].iter_rows())) == 2


@pytest.mark.parametrize("url", ["/tasks/tolerance/", "/tasks/tolerance/xlsx/"])
def test_index_query_count_does_not_grow(users, w, url, django_assert_max_num_queries):
    client = client_for(users["sichuan"])
    counts = []
    for n in (2, 10):
        for _ in range(n):
            f = file(w.task, users["implementer"])
            decide(f, users["sichuan"])
        client.get(url)
        with django_assert_max_num_queries(12) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
