"""The close-out pages as a screenshot review found them, fixed: the submit button's own word
(not the documents table's "File"), the edit page checking on "save and file" everything
filing needs at once, the result left to choose unless the plan's figures say "completed",
the "if not completed" part under its own heading, the task page's section (its own field
label, the report's link, why there is no expected end), the claimant's full name on the
index, the tasks one can start a close-out report for, and a history without empty changes
or raw codes. Messages are matched in English (the msgids)."""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from audit.models import AuditEntry
from claims import services as claims
from claims.models import Programme, TaskNotice
from evaluation import rules
from evaluation.models import CloseOut
from evaluation.selectors import closeout as reads
from evaluation.services import closeout as services
from evaluation.services import documents
from regions.models import RegionGroup
from tasks.models import Milestone, Target, Task
from tasks.rules import TASKS
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_evaluation_closeout import tolerated
from tests.test_tasks_fixtures import task_world

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


def get(user, url, **params):
    return client_for(user).get(url, params, **EN)


def post(user, url, data=None):
    return client_for(user).post(url, data or {}, **EN)


def past_end(programme: Programme) -> None:
    """The programme's period shortened so its tasks are past their expected end today."""
    Programme.objects.filter(pk=programme.pk).update(implementation_months=3)


def edit_data(w, **overrides) -> dict[str, str]:
    data = {
        "result": "completed",
        "summary": "全面完成改革任务",
        "cases": "",
        "proposed_outcomes": "",
        "not_completed_reason": "",
        f"t{w.t1.pk}_achieved": "210",
        f"t{w.t1.pk}_note": "",
        f"m{w.m1.pk}_status": "done",
        f"m{w.m1.pk}_done_on": "2026-02-28",
        f"m{w.m2.pk}_status": "in_progress",
        f"m{w.m2.pk}_done_on": "",
    }
    data.update(overrides)
    return data


def part_of(html: str, start: str, end: str) -> str:
    """The page from `start` to the next `end`."""
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def checked_result(html: str) -> list[str]:
    """The values of the result radios that are checked."""
    radios = re.findall(r"<input[^>]*name=\"result\"[^>]*>", html)
    return [re.search(r'value="([^"]*)"', r).group(1) for r in radios if " checked" in r]  # type: ignore[union-attr]


# 1. The submit button -------------------------------------------------------------------------


def test_the_submit_button_has_its_own_word(w, users):
    """Not the msgid "File" of the documents table's column (文件): its own (报送)."""
    close_out = services.closeout_save(task=w.task, by=users["implementer"], summary="总结")
    text = get(users["implementer"], reverse("evaluation:closeout_submit", args=[close_out.pk]))
    html = text.content.decode()
    assert 'class="primary">File the report</button>' in html
    assert ">File</button>" not in html


# 2. Checked when saving to file; the submit page links back --------------------------------------


def test_save_and_file_shows_every_missing_field_on_the_edit_page(w, users):
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    data = edit_data(
        w,
        result="not_completed",
        summary="  ",
        cases="我写的典型案例",
        **{f"t{w.t1.pk}_achieved": "77"},
    )
    page = post(users["implementer"], url, {**data, "submit": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Write the summary of the work done before filing." in html
    assert "Say why the task was not completed." in html
    # What was typed is kept, and nothing was written.
    assert "我写的典型案例" in html and 'value="77"' in html
    assert checked_result(html) == ["not_completed"]
    assert not CloseOut.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="task.closeout_").exists()


def test_a_draft_may_still_be_saved_without_a_summary(w, users):
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    response = post(users["implementer"], url, edit_data(w, summary=""))
    assert response.status_code == 302
    assert CloseOut.objects.get().summary == ""


def test_save_and_file_asks_for_the_result_when_none_was_chosen(w, users):
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    data = edit_data(w, summary="")
    del data["result"]
    page = post(users["implementer"], url, {**data, "submit": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Choose whether the task was completed." in html
    assert "Write the summary of the work done before filing." in html
    assert not CloseOut.objects.exists()


def test_save_and_file_goes_on_to_the_confirmation_when_complete(w, users):
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    response = post(users["implementer"], url, {**edit_data(w), "submit": "1"})
    close_out = CloseOut.objects.get()
    assert response["Location"] == reverse("evaluation:closeout_submit", args=[close_out.pk])


def test_a_refused_filing_links_back_to_the_edit_page(w, users):
    close_out = services.closeout_save(task=w.task, by=users["implementer"], summary="")
    url = reverse("evaluation:closeout_submit", args=[close_out.pk])
    # Before the attempt: no such link.
    assert 'id="fix-first"' not in get(users["implementer"], url).content.decode()
    page = post(users["implementer"], url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Write the summary of the work done before filing." in html
    assert 'id="fix-first"' in html
    assert reverse("evaluation:closeout_edit", args=[w.task.pk]) in html
    assert CloseOut.objects.get().state == CloseOut.State.DRAFT


def test_a_filing_refused_because_it_moved_on_has_no_edit_link(w, users):
    close_out = services.closeout_save(task=w.task, by=users["implementer"], summary="总结")
    services.closeout_submit(close_out=close_out, by=users["implementer"])
    page = post(users["implementer"], reverse("evaluation:closeout_submit", args=[close_out.pk]))
    html = page.content.decode()
    assert "already been filed" in html
    assert 'id="fix-first"' not in html


# 3. The result and the "not completed" part ---------------------------------------------------


def test_the_result_is_left_to_choose_while_the_plan_is_not_done(w, users):
    """The fixture's plan: no milestone done, the target not reached."""
    html = get(users["implementer"], reverse("evaluation:closeout_edit", args=[w.task.pk]))
    text = html.content.decode()
    assert checked_result(text) == []
    assert re.search(r'<input[^>]*name="result"[^>]*required', text)


def test_the_result_starts_as_completed_when_every_milestone_is_done_and_target_reached(w, users):
    Milestone.objects.filter(task=w.task).update(status="done", done_on=datetime.date(2026, 6, 1))
    Target.objects.filter(task=w.task).update(actual=Decimal(200))
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    assert checked_result(get(users["implementer"], url).content.decode()) == ["completed"]
    # One target short: left to choose again.
    Target.objects.filter(task=w.task).update(actual=Decimal(199))
    assert checked_result(get(users["implementer"], url).content.decode()) == []


def test_the_prefill_says_when_everything_is_done(w):
    assert not reads.prefill(w.task).all_done
    Milestone.objects.filter(task=w.task).update(status="done", done_on=datetime.date(2026, 6, 1))
    assert not reads.prefill(w.task).all_done  # the target has no figure yet
    Target.objects.filter(task=w.task).update(actual=Decimal(250))
    assert reads.prefill(w.task).all_done


def test_a_saved_report_keeps_its_result(w, users):
    services.closeout_save(
        task=w.task,
        by=users["implementer"],
        summary="总结",
        result="not_completed",
        not_completed_reason="试点企业退出",
    )
    html = get(users["implementer"], reverse("evaluation:closeout_edit", args=[w.task.pk]))
    assert checked_result(html.content.decode()) == ["not_completed"]


def test_the_result_shows_once_and_the_not_completed_part_has_its_heading(w, users):
    text = get(users["implementer"], reverse("evaluation:closeout_edit", args=[w.task.pk]))
    html = text.content.decode()
    assert html.count(">Result<") == 1
    assert "<legend>Result</legend>" not in html
    part = html[html.index('id="if-not-completed"') :]
    assert part.index("If the task was not completed") < part.index('name="not_completed_reason"')


def test_without_a_tolerated_filing_the_select_is_replaced_by_a_line(w, users):
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    html = get(users["implementer"], url).content.decode()
    assert 'name="tolerance_filing"' not in html
    assert 'id="no-tolerated-filing"' in html
    # Saving without the field still works.
    data = edit_data(w, result="not_completed", not_completed_reason="试点企业退出")
    assert post(users["implementer"], url, data).status_code == 302
    assert CloseOut.objects.get().tolerance_filing is None


def test_with_a_tolerated_filing_the_select_is_offered(w, users):
    filing = tolerated(w, users)
    url = reverse("evaluation:closeout_edit", args=[w.task.pk])
    html = get(users["implementer"], url).content.decode()
    assert 'name="tolerance_filing"' in html
    assert 'id="no-tolerated-filing"' not in html
    data = edit_data(
        w,
        result="not_completed",
        not_completed_reason="试点企业退出",
        tolerance_filing=str(filing.pk),
    )
    assert post(users["implementer"], url, data).status_code == 302
    assert CloseOut.objects.get().tolerance_filing == filing


# 4. The task page's section and the detail page -----------------------------------------------


def test_the_task_page_section_names_the_task_state_and_links_to_the_report(w, users):
    close_out = services.closeout_save(task=w.task, by=users["implementer"], summary="总结")
    close_out = services.closeout_submit(close_out=close_out, by=users["implementer"])
    html = get(users["sichuan"], reverse("tasks:task", args=[w.task.pk])).content.decode()
    section = part_of(html, 'id="close-out"', "</section>")
    assert "<dt>Task state</dt>" in section
    assert "<dt>Close-out</dt>" not in section
    link = reverse("evaluation:closeout", args=[close_out.pk])
    state = escape(close_out.get_state_display())
    assert f'<a href="{link}">See the close-out report</a> · {state}' in section


def test_without_a_task_notice_the_pages_say_why_there_is_no_expected_end(w, users):
    TaskNotice.objects.filter(claimant=w.sichuan).delete()
    task = Task.objects.get(pk=w.task.pk)
    assert task.expected_end is None
    why = "No task notice has been issued, so the task has no expected end"
    html = get(users["implementer"], reverse("tasks:task", args=[task.pk])).content.decode()
    assert why in html
    close_out = services.closeout_save(task=task, by=users["implementer"], summary="总结")
    html = get(users["implementer"], reverse("evaluation:closeout", args=[close_out.pk]))
    assert why in html.content.decode()


def test_with_a_task_notice_the_expected_end_is_a_date(w, users):
    html = get(users["implementer"], reverse("tasks:task", args=[w.task.pk])).content.decode()
    assert "No task notice has been issued" not in html
    assert w.task.expected_end is not None
    assert w.task.expected_end.isoformat() in html


# 5. The claimant's full name ------------------------------------------------------------------


def region_world(users) -> SimpleNamespace:
    """The experiment region (region group 1, the `region` user's) claims three items and has
    its task notice; its tasks never get going and are past their expected end. Its short
    name is made to differ from its name, as a demonstration zone's does (成都)."""
    RegionGroup.objects.filter(pk=1).update(short_name="简称")
    programme = make_programme(users)
    region = claimant(programme, users["region"])
    for item in list(programme.items.order_by("position"))[:3]:
        claims.item_claim(item=item, claimant=region, by=users["region"])
    claims.programme_close(programme=programme, by=users["national"], reason="省份未揭榜")
    claims.notices_issue(
        programme=Programme.objects.get(pk=programme.pk),
        by=users["national"],
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=datetime.date(2026, 1, 1),
    )
    past_end(programme)
    tasks = list(Task.objects.filter(claimant=region).order_by("pk"))
    return SimpleNamespace(programme=programme, claimant=region, tasks=tasks)


def test_the_index_names_the_claimant_in_full(users):
    world = region_world(users)
    full = str(world.claimant)
    assert full and full != world.claimant.short_name
    close_out = services.closeout_save(
        task=world.tasks[0],
        by=users["region"],
        summary="未能启动",
        result="not_completed",
        not_completed_reason="未确定实施主体",
    )
    services.closeout_submit(close_out=close_out, by=users["region"])
    html = get(users["region"], reverse("evaluation:closeouts")).content.decode()
    for table in ("closeouts", "closeout-past-end", "closeout-closable"):
        part = part_of(html, f'id="{table}"', "</table>")
        assert f"<td>{full}</td>" in part, table
        assert "简称" not in part, table
    export = client_for(users["national"]).get(reverse("evaluation:closeouts_export"), **EN)
    assert export.status_code == 200
    row = reads.close_out_list(users["national"], {}).get()
    from evaluation.views.closeout import export_rows

    assert list(export_rows([row]))[0][2] == full


# 6. Tasks one can start a close-out report for -------------------------------------------------


def test_the_implementer_sees_the_tasks_it_can_close_out(w, users):
    url = reverse("evaluation:closeouts")
    html = get(users["implementer"], url).content.decode()
    assert 'id="closeout-closable"' in html
    part = html[html.index('id="closeout-closable"') :]
    assert f'data-task="{w.task.pk}"' in part
    assert reverse("evaluation:closeout_edit", args=[w.task.pk]) in part
    # Once a draft exists the task leaves the list (the draft is in the table above).
    services.closeout_save(task=w.task, by=users["implementer"], summary="")
    html = get(users["implementer"], url).content.decode()
    assert 'id="closeout-closable"' not in html
    assert "None of your tasks awaits a close-out report." in html


def test_the_list_is_what_the_rule_allows(w, users):
    """Every listed task passes `rules.can_file_close_out`; every other task of the user's
    scope without a close-out fails it."""
    past_end(w.programme)
    for name in ("implementer", "sichuan", "guangdong", "national", "region"):
        user = users[name]
        listed = {line.task.pk for line in reads.tasks_to_close_out(user)}
        for task in Task.objects.filter(programme=w.programme):
            if task.pk in listed:
                assert rules.can_file_close_out(user, task), (name, task.pk)
            elif not CloseOut.objects.filter(task=task).exists():
                visible = TASKS.queryset(user).filter(pk=task.pk).exists()
                assert not (visible and rules.can_file_close_out(user, task)), (name, task.pk)
    # Sichuan runs two tasks that never got going, past their end; the implementer has one.
    assert {line.task.pk for line in reads.tasks_to_close_out(users["sichuan"])} == {
        t.pk for t in w.sichuan_tasks[1:]
    }
    assert [line.task.pk for line in reads.tasks_to_close_out(users["implementer"])] == [w.task.pk]


def test_the_list_is_read_in_bounded_queries(w, users, django_assert_max_num_queries):
    past_end(w.programme)
    with django_assert_max_num_queries(6):
        found = reads.tasks_to_close_out(users["sichuan"])
        assert all(line.expected_end for line in found)
        [str(line.task.claimant) for line in found]
    client = client_for(users["sichuan"])
    with django_assert_max_num_queries(25):
        assert client.get(reverse("evaluation:closeouts")).status_code == 200


def test_others_see_no_such_section(w, users):
    for name in ("national", "guangdong"):
        html = get(users[name], reverse("evaluation:closeouts")).content.decode()
        assert 'id="to-close-out"' not in html, name


# 7. The history -------------------------------------------------------------------------------


def test_a_document_without_a_number_records_no_number(w, users):
    close_out = services.closeout_save(task=w.task, by=users["implementer"], summary="总结")
    documents.document_add(
        close_out=close_out,
        by=users["implementer"],
        title="管理办法",
        issuer="四川省科学技术厅",
        issued_on=datetime.date(2026, 6, 1),
    )
    documents.document_add(
        close_out=close_out,
        by=users["implementer"],
        title="实施细则",
        issuer="四川省科学技术厅",
        number="川科发〔2026〕3号",
        issued_on=datetime.date(2026, 6, 2),
    )
    first, second = AuditEntry.objects.filter(action="task.closeout_document_added").order_by("id")
    assert first.changes == {"document": [None, "管理办法"]}
    number = "川科发〔2026〕3号"
    assert second.changes == {"document": [None, "实施细则"], "doc_number": [None, number]}


def test_the_result_is_recorded_by_its_label(w, users):
    """As the other changes are (the close-out's state): the label the page shows, in the
    language of whoever saved, not the stored code."""
    with translation.override("zh-hans"):
        services.closeout_save(task=w.task, by=users["implementer"], summary="总结")
        services.closeout_save(
            task=w.task,
            by=users["implementer"],
            summary="总结",
            result="not_completed",
            not_completed_reason="试点企业退出",
        )
        completed = str(CloseOut.Result.COMPLETED.label)
        not_completed = str(CloseOut.Result.NOT_COMPLETED.label)
    created, changed = AuditEntry.objects.filter(action="task.closeout_saved").order_by("id")
    assert created.changes["result"] == [None, completed]
    assert changed.changes["result"] == [completed, not_completed]
    assert not {"completed", "not_completed"} & set(changed.changes["result"])


def test_an_unchanged_save_records_no_change(w, users):
    services.closeout_save(task=w.task, by=users["implementer"], summary="总结")
    services.closeout_save(task=w.task, by=users["implementer"], summary="总结")
    _created, again = AuditEntry.objects.filter(action="task.closeout_saved").order_by("id")
    assert not again.changes
