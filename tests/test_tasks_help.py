"""Help requests (协调事项): routed to the level that can act, answered or passed up, each step
recorded on the task and told to whoever acts next; listed, filtered and exported per scope."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from kernel.errors import Forbidden
from notifications.models import Notification
from regions.models import Organisation
from tasks.errors import TaskError
from tasks.models import HelpRequest
from tasks.services import help as services
from tests.conftest import client_for, make_user
from tests.test_tasks_fixtures import task_world


@pytest.fixture
def w(users):
    world = task_world(users)
    world.sysu_implementer = make_user(
        "sysu", Role.IMPLEMENTER, organisation=Organisation.objects.get(name="中山大学")
    )
    return world


def ask(w, users, level="locality", text="需要协调用地指标"):
    return services.help_request(task=w.task, by=users["implementer"], text=text, level=level)


def notified(user, request) -> bool:
    return Notification.objects.filter(user=user, url=f"/tasks/help/{request.pk}/").exists()


def test_a_request_goes_to_the_coordinators_of_its_level(w, users):
    local = ask(w, users)
    assert notified(users["sichuan"], local)
    assert not notified(users["national"], local)
    assert not notified(users["guangdong"], local)
    national = ask(w, users, level="national", text="需要国家部委授权")
    assert notified(users["national"], national)
    assert not notified(users["sichuan"], national)
    assert (
        AuditEntry.objects.filter(action="task.help_requested", object_id=str(w.task.pk)).count()
        == 2
    )


def test_only_an_implementer_of_the_task_asks_for_help(w, users):
    for role in ("sichuan", "national", "guangdong"):
        with pytest.raises(Forbidden):
            services.help_request(task=w.task, by=users[role], text="x")
    with pytest.raises(Forbidden):
        services.help_request(task=w.task, by=w.sysu_implementer, text="x")
    with override("en"), pytest.raises(TaskError, match="what help"):
        services.help_request(task=w.task, by=users["implementer"], text="  ")
    assert not HelpRequest.objects.exists()


def test_the_locality_answers_its_own_and_the_raiser_is_told(w, users):
    request = ask(w, users)
    for role in ("national", "guangdong", "implementer"):
        with pytest.raises(Forbidden):
            services.help_answer(request=request, by=users[role], answer="已协调")
    with override("en"), pytest.raises(TaskError, match="answer"):
        services.help_answer(request=request, by=users["sichuan"], answer=" ")
    answered = services.help_answer(
        request=request, by=users["sichuan"], answer="已协调省自然资源厅"
    )
    assert (answered.state, answered.answer, answered.answered_by) == (
        "answered",
        "已协调省自然资源厅",
        users["sichuan"],
    )
    assert notified(users["implementer"], request)
    assert AuditEntry.objects.filter(action="task.help_answered", object_id=str(w.task.pk))
    with override("en"), pytest.raises(TaskError, match="already been answered"):
        services.help_answer(request=answered, by=users["sichuan"], answer="再次回复")


def test_the_locality_passes_up_what_it_cannot_act_on(w, users):
    request = ask(w, users)
    with pytest.raises(Forbidden):
        services.help_escalate(request=request, by=users["implementer"], note="x")
    with pytest.raises(Forbidden):
        services.help_escalate(request=request, by=users["national"], note="x")
    with override("en"), pytest.raises(TaskError, match="Say why"):
        services.help_escalate(request=request, by=users["sichuan"], note="")
    up = services.help_escalate(request=request, by=users["sichuan"], note="涉及国家事权")
    assert up.level == "national"
    assert notified(users["national"], up)
    entry = AuditEntry.objects.get(action="task.help_escalated", object_id=str(w.task.pk))
    assert entry.note == "涉及国家事权"
    # Once passed up, the locality no longer answers it; the national coordinator does.
    with override("en"), pytest.raises(TaskError, match="now with the national coordinator"):
        services.help_answer(request=up, by=users["sichuan"], answer="x")
    with override("en"), pytest.raises(TaskError, match="already with the national"):
        services.help_escalate(request=up, by=users["sichuan"], note="again")
    with pytest.raises(Forbidden):
        services.help_answer(request=up, by=users["guangdong"], answer="x")
    services.help_answer(request=up, by=users["national"], answer="已商国家部委")
    assert HelpRequest.objects.get(pk=up.pk).state == "answered"


def test_answer_and_escalate_pages(w, users):
    request = ask(w, users)
    national = client_for(users["national"])
    assert national.get(f"/tasks/help/{request.pk}/").status_code == 200
    assert national.get(f"/tasks/help/{request.pk}/answer/").status_code == 403
    assert client_for(users["guangdong"]).get(f"/tasks/help/{request.pk}/").status_code == 404
    implementer = client_for(users["implementer"])
    assert implementer.get(f"/tasks/help/{request.pk}/escalate/").status_code == 403
    assert implementer.post(f"/tasks/help/{request.pk}/answer/", {"answer": "x"}).status_code == 403
    sichuan = client_for(users["sichuan"])
    page = sichuan.get(f"/tasks/help/{request.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/tasks/help/{request.pk}/answer/" in page
    assert f"/tasks/help/{request.pk}/escalate/" in page
    # The confirmation: GET shows it and changes nothing; an empty note is refused.
    assert sichuan.get(f"/tasks/help/{request.pk}/escalate/").status_code == 200
    refused = sichuan.post(f"/tasks/help/{request.pk}/escalate/", {"note": ""})
    assert refused.status_code == 200
    assert HelpRequest.objects.get(pk=request.pk).level == "locality"
    done = sichuan.post(f"/tasks/help/{request.pk}/escalate/", {"note": "涉及国家事权"})
    assert done.status_code == 302
    answer = national.post(f"/tasks/help/{request.pk}/answer/", {"answer": "已协调"})
    assert answer.status_code == 302
    page = implementer.get(f"/tasks/help/{request.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "已协调" in page and "涉及国家事权" in page


def test_stale_help_actions_say_what_changed(w, users):
    """Two coordinators on one request: whoever comes second holds a stale copy and gets the
    rule's message (which the pages show), not a refusal (which they answer with 500)."""
    request = ask(w, users)
    stale = HelpRequest.objects.get(pk=request.pk)
    colleague = make_user("sichuan2", Role.LOCALITY, division=users["sichuan"].division)
    services.help_answer(request=request, by=colleague, answer="已协调")
    with override("en"):
        with pytest.raises(TaskError, match="already been answered"):
            services.help_answer(request=stale, by=users["sichuan"], answer="也已协调")
        with pytest.raises(TaskError, match="already been answered"):
            services.help_escalate(request=stale, by=users["sichuan"], note="涉及国家事权")
    # Passed up by one while the other writes an answer.
    second = ask(w, users, text="需要协调资金")
    stale = HelpRequest.objects.get(pk=second.pk)
    services.help_escalate(request=second, by=colleague, note="涉及国家事权")
    with override("en"), pytest.raises(TaskError, match="now with the national coordinator"):
        services.help_answer(request=stale, by=users["sichuan"], answer="省里解决")
    assert HelpRequest.objects.get(pk=request.pk).answer == "已协调"
    assert HelpRequest.objects.get(pk=second.pk).state == "open"


def test_a_second_answer_on_the_page_shows_the_message(w, users):
    request = ask(w, users)
    sichuan = client_for(users["sichuan"])
    url = f"/tasks/help/{request.pk}/answer/"
    assert sichuan.post(url, {"answer": "已协调"}).status_code == 302
    again = sichuan.post(url, {"answer": "再答一次"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200
    assert "This request for help has already been answered." in again.content.decode()
    escalate = sichuan.post(
        f"/tasks/help/{request.pk}/escalate/", {"note": "涉及国家事权"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert escalate.status_code == 200
    assert "This request for help has already been answered." in escalate.content.decode()
    assert HelpRequest.objects.get(pk=request.pk).answer == "已协调"
    # The pages themselves are not offered for an answered request.
    assert sichuan.get(url).status_code == 403


def test_asking_for_help_from_the_task_page(w, users):
    client = client_for(users["implementer"])
    task_page = client.get(f"/tasks/{w.task.pk}/").content.decode()
    assert f"/tasks/{w.task.pk}/help/new/" in task_page
    rejected = client.post(f"/tasks/{w.task.pk}/help/new/", {"text": "", "level": "national"})
    assert rejected.status_code == 200
    response = client.post(
        f"/tasks/{w.task.pk}/help/new/", {"text": "需要协调资金", "level": "national"}
    )
    assert response.status_code == 302
    request = HelpRequest.objects.get()
    assert (request.level, request.raised_by) == ("national", users["implementer"])
    page = client_for(users["sichuan"]).get(f"/tasks/{w.task.pk}/").content.decode()
    assert "需要协调资金" in page and f"/tasks/help/{request.pk}/" in page
    for role, status in (("sichuan", 403), ("guangdong", 404), ("public", 404)):
        assert client_for(users[role]).get(f"/tasks/{w.task.pk}/help/new/").status_code == status


def test_the_index_is_scoped_to_the_user(w, users):
    mine = ask(w, users)
    theirs = services.help_request(
        task=w.guangdong_tasks[0], by=w.sysu_implementer, text="广东的协调事项"
    )
    seen = {
        role: {r.pk for r in client_for(users[role]).get("/tasks/help/").context["page"]}
        for role in ("national", "sichuan", "guangdong", "implementer")
    }
    assert seen == {
        "national": {mine.pk, theirs.pk},
        "sichuan": {mine.pk},
        "guangdong": {theirs.pk},
        "implementer": {mine.pk},
    }
    for role in ("expert", "public", "innovator", "city"):
        assert client_for(users[role]).get("/tasks/help/").status_code == 403, role
        assert client_for(users[role]).get("/tasks/help/xlsx/").status_code == 403, role


def test_the_index_filters_and_exports(w, users):
    a = ask(w, users, text="用地指标")
    b = ask(w, users, level="national", text="数据共享")
    services.help_answer(request=b, by=users["national"], answer="已协调数据部门")
    client = client_for(users["national"])

    def ids(query):
        return {r.pk for r in client.get(f"/tasks/help/?{query}").context["page"]}

    assert ids("state=open") == {a.pk}
    assert ids("level=national") == {b.pk}
    assert ids("q=数据部门") == {b.pk}
    assert ids(f"programme={w.programme.pk}") == {a.pk, b.pk}
    empty = client.get("/tasks/help/?q=没有这个", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No help request matches these filters." in empty
    response = client.get("/tasks/help/xlsx/?state=answered", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:3] == ("No.", "Task", "Claimant")
    assert [row[0] for row in rows[1:]] == [b.pk]
    assert rows[1][6] == "数据共享" and rows[1][9] == "已协调数据部门"


@pytest.mark.parametrize("url", ["/tasks/help/", "/tasks/help/xlsx/"])
@pytest.mark.parametrize("role", ["national", "sichuan", "implementer"])
def test_the_index_costs_the_same_queries_for_more_rows(
    w, users, url, role, django_assert_max_num_queries
):
    client = client_for(users[role])
    ask(w, users)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(15):
        ask(w, users, text=f"事项{n}")
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
    assert len(few) <= 15
