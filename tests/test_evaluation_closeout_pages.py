"""The pages of close-out (验收): the task page's section, the edit page (prefilled, keeping
what was typed on a rejection), the close-out page and its steps, documents and their
downloads, the index with its filters and its export. The rules are tested on the services in
tests/test_evaluation_closeout.py."""

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role, User
from audit.models import AuditEntry
from claims.models import Programme
from evaluation.models import CloseOut, InstitutionalDocument
from evaluation.services import closeout as services
from evaluation.services import documents
from regions.models import Organisation
from tasks.models import Task
from tests.conftest import client_for
from tests.test_evaluation_fixtures import close_task
from tests.test_tasks_fixtures import task_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def w(users):
    world = task_world(users)
    world.m1, world.m2 = world.task.milestones.order_by("position")
    world.t1 = world.task.targets.get()
    return world


def past_end(w) -> None:
    """The programme's period shortened so the tasks are past their expected end today."""
    Programme.objects.filter(pk=w.programme.pk).update(implementation_months=3)


def get(user, url, **params):
    return client_for(user).get(url, params, **EN)


def post(user, url, data=None):
    return client_for(user).post(url, data or {}, **EN)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def draft(w, users, **kwargs) -> CloseOut:
    kwargs.setdefault("summary", "全面完成改革任务")
    return services.closeout_save(task=w.task, by=users["implementer"], **kwargs)


def filed(w, users) -> CloseOut:
    return services.closeout_submit(close_out=draft(w, users), by=users["implementer"])


def confirmed(w, users) -> CloseOut:
    return services.closeout_confirm(close_out=filed(w, users), by=users["sichuan"])


def edit_data(w, **overrides) -> dict[str, str]:
    data = {
        "result": "completed",
        "summary": "全面完成改革任务，培育技术经理人210名",
        "cases": "成都案例",
        "proposed_outcomes": "技术经理人全程参与",
        "not_completed_reason": "",
        "tolerance_filing": "",
        f"t{w.t1.pk}_achieved": "210",
        f"t{w.t1.pk}_note": "超额完成",
        f"m{w.m1.pk}_status": "done",
        f"m{w.m1.pk}_done_on": "2026-02-28",
        f"m{w.m2.pk}_status": "in_progress",
        f"m{w.m2.pk}_done_on": "",
    }
    data.update(overrides)
    return data


# The task page --------------------------------------------------------------------------------


def test_the_task_page_invites_the_implementer_past_the_expected_end(w, users):
    past_end(w)
    page = get(users["implementer"], reverse("tasks:task", args=[w.task.pk]))
    text = page.content.decode()
    assert 'id="close-out"' in text
    assert "past its expected end and not closed" in text
    assert reverse("evaluation:closeout_edit", args=[w.task.pk]) in text


def test_the_task_page_shows_where_the_close_out_stands(w, users):
    close_out = filed(w, users)
    page = get(users["sichuan"], reverse("tasks:task", args=[w.task.pk]))
    text = page.content.decode()
    assert reverse("evaluation:closeout", args=[close_out.pk]) in text
    assert "Review the close-out report" in text
    # The national level sees it too, but has nothing to do yet.
    text = get(users["national"], reverse("tasks:task", args=[w.task.pk])).content.decode()
    assert reverse("evaluation:closeout", args=[close_out.pk]) in text
    assert "Review the close-out report" not in text


def test_the_task_page_says_a_task_is_closed(w, users):
    close_task(w, users)
    text = get(users["sichuan"], reverse("tasks:task", args=[w.task.pk])).content.decode()
    assert 'data-closure="completed"' in text
    assert timezone.localdate().isoformat() in text


def test_no_section_when_nothing_is_due_and_nothing_filed(w, users):
    # Guangdong's tasks: not past their end, nothing filed, no implementer among the viewers.
    text = get(users["guangdong"], reverse("tasks:task", args=[w.guangdong_tasks[0].pk]))
    assert 'id="close-out"' not in text.content.decode()


# The edit page --------------------------------------------------------------------------------


def test_the_edit_page_is_prefilled_and_marks_what_is_carried_over(w, users):
    from tests.test_evaluation_closeout import submitted_report

    submitted_report(w, users)
    page = get(users["implementer"], reverse("evaluation:closeout_edit", args=[w.task.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="carried-over"' in text
    assert "本季度培育技术经理人120名" in text
    assert 'value="120.00"' in text


@pytest.mark.parametrize("who", ["sichuan", "national", "evaluator"])
def test_only_the_implementer_opens_the_edit_page(w, users, who):
    page = get(users[who], reverse("evaluation:closeout_edit", args=[w.task.pk]))
    assert page.status_code in (403, 404)
    response = post(users[who], reverse("evaluation:closeout_edit", args=[w.task.pk]), edit_data(w))
    assert response.status_code in (403, 404)
    assert not CloseOut.objects.exists()


def test_guangdong_and_the_public_do_not_see_the_task(w, users):
    for who in ("guangdong", "public"):
        url = reverse("evaluation:closeout_edit", args=[w.task.pk])
        assert get(users[who], url).status_code in (403, 404)


def test_saving_and_filing_from_the_edit_page(w, users):
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    response = post(users["implementer"], url, edit_data(w))
    close_out = CloseOut.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:closeout", args=[close_out.pk])
    assert close_out.targets.get().achieved == Decimal(210)
    # Save and file: the confirmation step follows.
    response = post(users["implementer"], url, {**edit_data(w), "submit": "1"})
    assert response["Location"] == reverse("evaluation:closeout_submit", args=[close_out.pk])
    confirm = get(users["implementer"], response["Location"])
    assert confirm.status_code == 200 and "File the close-out report" in confirm.content.decode()
    response = post(users["implementer"], response["Location"])
    assert response.status_code == 302
    assert CloseOut.objects.get().state == CloseOut.State.SUBMITTED


def test_a_rejected_form_keeps_what_was_typed(w, users):
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    data = edit_data(
        w,
        result="not_completed",
        not_completed_reason="",
        summary="我写的总结",
        **{
            f"t{w.t1.pk}_achieved": "88",
            f"m{w.m2.pk}_status": "done",
        },
    )
    page = post(users["implementer"], url, data)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Say why the task was not completed." in text
    assert "Give the date the milestone was done." in text
    assert "我写的总结" in text and 'value="88"' in text
    assert not CloseOut.objects.exists()


def test_a_repeat_filing_from_a_stale_page_says_so(w, users):
    close_out = filed(w, users)
    page = post(users["implementer"], reverse("evaluation:closeout_submit", args=[close_out.pk]))
    assert page.status_code == 200
    assert "already been filed" in page.content.decode()
    assert AuditEntry.objects.filter(action="task.closeout_submitted").count() == 1
    # The edit page, opened again, points to the report.
    response = get(users["implementer"], reverse("evaluation:closeout_edit", args=[w.task.pk]))
    assert response.status_code == 302


# The close-out page and its steps -------------------------------------------------------------


def test_the_close_out_page_shows_every_fact(w, users, media_root):
    close_out = draft(w, users, cases="成都案例", proposed_outcomes="技术经理人模式")
    documents.document_add(
        close_out=close_out,
        by=users["implementer"],
        title="四川省技术经理人管理办法",
        issuer="四川省科学技术厅",
        number="川科发〔2026〕3号",
        issued_on=datetime.date(2026, 6, 1),
        upload=SimpleUploadedFile("办法.pdf", PDF),
    )
    services.closeout_submit(close_out=close_out, by=users["implementer"])
    page = get(users["sichuan"], reverse("evaluation:closeout", args=[close_out.pk]))
    text = page.content.decode()
    for fact in (
        "全面完成改革任务",
        "成都案例",
        "技术经理人模式",
        "川科发〔2026〕3号",
        "四川省科学技术厅",
    ):
        assert fact in text
    assert reverse("evaluation:closeout_confirm", args=[close_out.pk]) in text
    assert reverse("evaluation:closeout_return", args=[close_out.pk]) in text
    assert 'id="history"' in text


@pytest.mark.parametrize("who", ["guangdong", "public", "evaluator", "innovator"])
def test_outsiders_do_not_see_a_close_out(w, users, who):
    close_out = filed(w, users)
    assert get(users[who], reverse("evaluation:closeout", args=[close_out.pk])).status_code in (
        403,
        404,
    )


def test_a_draft_is_hidden_from_the_locality(w, users):
    close_out = draft(w, users)
    assert (
        get(users["sichuan"], reverse("evaluation:closeout", args=[close_out.pk])).status_code
        == 404
    )
    assert (
        get(users["implementer"], reverse("evaluation:closeout", args=[close_out.pk])).status_code
        == 200
    )


def test_confirm_return_and_accept_through_the_pages(w, users):
    close_out = filed(w, users)
    url = reverse("evaluation:closeout_return", args=[close_out.pk])
    assert post(users["sichuan"], url, {"reason": ""}).status_code == 200  # the reason is required
    assert post(users["sichuan"], url, {"reason": "请补充"}).status_code == 302
    assert CloseOut.objects.get().returned_by == "locality"
    services.closeout_submit(close_out=close_out, by=users["implementer"])
    confirm_url = reverse("evaluation:closeout_confirm", args=[close_out.pk])
    assert get(users["sichuan"], confirm_url).status_code == 200
    assert post(users["guangdong"], confirm_url).status_code == 404
    assert post(users["national"], confirm_url).status_code == 403
    assert post(users["sichuan"], confirm_url, {"note": "属实"}).status_code == 302
    # A second click says what happened.
    again = post(users["sichuan"], confirm_url)
    assert "already been confirmed" in again.content.decode()
    accept_url = reverse("evaluation:closeout_accept", args=[close_out.pk])
    assert post(users["sichuan"], accept_url).status_code == 403
    page = get(users["national"], accept_url)
    assert page.status_code == 200 and "This cannot be undone." in page.content.decode()
    assert post(users["national"], accept_url).status_code == 302
    assert Task.objects.get(pk=w.task.pk).closure == "completed"
    again = post(users["national"], accept_url)
    assert "already been accepted" in again.content.decode()
    assert AuditEntry.objects.filter(action="task.closeout_accepted").count() == 1
    # Opening a step page after it was done goes back to the report.
    assert get(users["national"], accept_url).status_code == 302


def test_the_national_level_returns_through_the_page(w, users):
    close_out = confirmed(w, users)
    url = reverse("evaluation:closeout_return", args=[close_out.pk])
    assert post(users["national"], url, {"reason": "佐证不足"}).status_code == 302
    assert CloseOut.objects.get().returned_by == "national"


# Documents ------------------------------------------------------------------------------------


def test_documents_through_the_pages(w, users, media_root):
    close_out = draft(w, users)
    url = reverse("evaluation:closeout_document_add", args=[close_out.pk])
    assert get(users["implementer"], url).status_code == 200
    data = {
        "title": "管理办法",
        "issuer": "四川省科学技术厅",
        "number": "川科发〔2026〕3号",
        "issued_on": "2026-06-01",
    }
    bad = post(users["implementer"], url, {**data, "file": SimpleUploadedFile("a.pdf", b"nope")})
    assert bad.status_code == 200 and "does not look like" in bad.content.decode()
    assert not InstitutionalDocument.objects.exists()
    good = post(users["implementer"], url, {**data, "file": SimpleUploadedFile("办法.pdf", PDF)})
    assert good.status_code == 302
    document = InstitutionalDocument.objects.get()
    download = reverse("evaluation:closeout_document_download", args=[document.pk])
    response = client_for(users["implementer"]).get(download)
    assert response.status_code == 200 and body(response) == PDF
    # The locality reads a draft's document only once the report is filed.
    assert client_for(users["sichuan"]).get(download).status_code == 404
    services.closeout_submit(close_out=close_out, by=users["implementer"])
    assert client_for(users["sichuan"]).get(download).status_code == 200
    for who in ("guangdong", "public", "evaluator"):
        assert client_for(users[who]).get(download).status_code == 404
    # Filed: no more removal.
    remove = reverse("evaluation:closeout_document_remove", args=[document.pk])
    assert post(users["implementer"], remove).status_code == 200
    assert InstitutionalDocument.objects.count() == 1


def test_removing_a_document_through_the_page(w, users, media_root):
    close_out = draft(w, users)
    document = documents.document_add(
        close_out=close_out,
        by=users["implementer"],
        title="管理办法",
        issuer="四川省科学技术厅",
        issued_on=datetime.date(2026, 6, 1),
    )
    remove = reverse("evaluation:closeout_document_remove", args=[document.pk])
    assert get(users["implementer"], remove).status_code == 200
    assert post(users["implementer"], remove).status_code == 302
    assert not InstitutionalDocument.objects.exists()


def test_another_implementer_cannot_touch_documents(w, users, media_root):
    sysu = Organisation.objects.get(name="中山大学")
    other = User.objects.create(
        username="other_implementer", role=Role.IMPLEMENTER, organisation=sysu
    )
    close_out = draft(w, users)
    url = reverse("evaluation:closeout_document_add", args=[close_out.pk])
    response = post(other, url, {"title": "x", "issuer": "y", "issued_on": "2026-06-01"})
    assert response.status_code == 404
    assert not InstitutionalDocument.objects.exists()


# The index ------------------------------------------------------------------------------------


def test_the_index_lists_filters_and_exports(w, users):
    filed(w, users)
    close_task(w, users, task=w.sichuan_tasks[1], result="not_completed")
    page = get(users["sichuan"], reverse("evaluation:closeouts"))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index(w.sichuan_tasks[0].title) < text.index(w.sichuan_tasks[1].title)
    assert "to confirm" in text
    only = get(users["sichuan"], reverse("evaluation:closeouts"), result="not_completed")
    assert w.sichuan_tasks[0].title not in only.content.decode()
    empty = get(users["sichuan"], reverse("evaluation:closeouts"), q="没有这个")
    assert "No close-out report matches these filters." in empty.content.decode()
    export = client_for(users["sichuan"]).get(reverse("evaluation:closeouts_export"), **EN)
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "Task"
    assert {row[0] for row in rows[1:]} == {w.sichuan_tasks[0].title, w.sichuan_tasks[1].title}
    assert {row[4] for row in rows[1:]} == {"completed", "not completed"}
    # Filters apply to the export too.
    export = client_for(users["sichuan"]).get(
        reverse("evaluation:closeouts_export"), {"state": "accepted"}, **EN
    )
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows[1:]] == [w.sichuan_tasks[1].title]


def test_the_index_is_scoped(w, users):
    filed(w, users)
    text = get(users["guangdong"], reverse("evaluation:closeouts")).content.decode()
    assert w.sichuan_tasks[0].title not in text
    assert get(users["public"], reverse("evaluation:closeouts")).status_code == 403
    assert get(users["evaluator"], reverse("evaluation:closeouts")).status_code == 403


def test_the_index_lists_tasks_past_their_end_and_not_closed(w, users):
    past_end(w)
    close_task(w, users)
    text = get(users["sichuan"], reverse("evaluation:closeouts")).content.decode()
    assert 'id="closeout-past-end"' in text
    assert f'data-task="{w.sichuan_tasks[1].pk}"' in text
    assert f'data-task="{w.task.pk}"' not in text


def test_the_pages_cost_a_bounded_number_of_queries(
    w, users, django_assert_max_num_queries, media_root
):
    past_end(w)
    for task in w.sichuan_tasks[1:]:
        close_task(w, users, task=task)
    close_out = draft(w, users)
    for n in range(5):
        documents.document_add(
            close_out=close_out,
            by=users["implementer"],
            title=f"办法{n}",
            issuer="四川省科学技术厅",
            issued_on=datetime.date(2026, 6, 1),
        )
    services.closeout_submit(close_out=close_out, by=users["implementer"])
    client = client_for(users["sichuan"])
    with django_assert_max_num_queries(25):
        assert client.get(reverse("evaluation:closeouts")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("evaluation:closeout", args=[close_out.pk])).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("evaluation:closeouts_export")).status_code == 200


def test_every_user_gets_an_answer_not_an_error(w, users):
    """The index, the task page and the close-out page for every role: a page or a refusal."""
    past_end(w)
    close_out = filed(w, users)
    for name, user in users.items():
        index = get(user, reverse("evaluation:closeouts"))
        assert index.status_code in (200, 403), name
        task_page = get(user, reverse("tasks:task", args=[w.task.pk]))
        assert task_page.status_code in (200, 403, 404), name
        page = get(user, reverse("evaluation:closeout", args=[close_out.pk]))
        assert page.status_code in (200, 404), name
        assert (page.status_code == 200) == (name in ("implementer", "sichuan", "national")), name
