"""Close-out (验收): the implementer files the close-out report (总结报告), prefilled from the
plan and the last progress report; the locality confirms it and sends it up, or returns it;
the national level accepts it — closing the task as completed or not completed — or returns
it. Source: 发改高技〔2021〕484号 §三(四) (evaluation starts "在揭榜改革任务完成后"), §四 (容错纠错)
for a task closed as not completed on a tolerated filing; the steps are the platform's.

The pages, the index and its export, the dispatch and the task index are in
tests/test_evaluation_closeout_pages.py."""

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from accounts.models import Role, User
from audit.models import AuditEntry
from evaluation.errors import EvaluationError
from evaluation.models import CloseOut, CloseOutMilestone, CloseOutTarget, InstitutionalDocument
from evaluation.selectors import closeout as reads
from evaluation.services import closeout as services
from evaluation.services import documents
from kernel.errors import Forbidden
from notifications.models import Notification
from regions.models import Organisation
from tasks.models import Milestone, ProgressReport, Target, Task, ToleranceFiling
from tasks.services import plans, reports, tolerance
from tasks.services.reports import MilestoneFigure
from tests.test_evaluation_fixtures import close_task, implementer_of
from tests.test_tasks_fixtures import task_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the msgids), whatever the catalogs hold."""
    with translation.override("en"):
        yield


@pytest.fixture
def w(users):
    world = task_world(users)
    world.m1, world.m2 = world.task.milestones.order_by("position")
    world.t1 = world.task.targets.get()
    return world


@pytest.fixture
def other_implementer(users) -> User:
    """An implementer user of 中山大学, which implements Guangdong's tasks only."""
    sysu = Organisation.objects.get(name="中山大学")
    return User.objects.create(
        username="other_implementer", role=Role.IMPLEMENTER, organisation=sysu
    )


def pdf(name: str = "管理办法.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submitted_report(w, users, done: str = "本季度培育技术经理人120名") -> ProgressReport:
    """A report of the current period that moves the first milestone to done and the target
    to 120."""
    implementer = users["implementer"]
    report = reports.report_start(task=w.task, by=implementer)
    updates = list(report.milestones.order_by("milestone__position"))
    figures = [
        MilestoneFigure(updates[0].milestone_id, "done", datetime.date(2026, 2, 20)),
        MilestoneFigure(updates[1].milestone_id, "in_progress", None),
    ]
    target = report.targets.get()
    report = reports.report_save(
        report=report,
        by=implementer,
        milestones=figures,
        targets={target.target_id: Decimal(120)},
        done=done,
        problems="",
        help_needed="",
    )
    return reports.report_submit(report=report, by=implementer)


def draft(w, users, **kwargs) -> CloseOut:
    kwargs.setdefault("summary", "全面完成改革任务")
    return services.closeout_save(task=w.task, by=users["implementer"], **kwargs)


def filed(w, users, **kwargs) -> CloseOut:
    return services.closeout_submit(close_out=draft(w, users, **kwargs), by=users["implementer"])


def confirmed(w, users, **kwargs) -> CloseOut:
    return services.closeout_confirm(close_out=filed(w, users, **kwargs), by=users["sichuan"])


def notified(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def tolerated(w, users, accepted: bool = True) -> ToleranceFiling:
    filing = tolerance.tolerance_file(
        task=w.task, by=users["implementer"], what_went_wrong="试点企业退出", good_faith="依规探索"
    )
    return tolerance.tolerance_decide(
        filing=filing,
        by=users["sichuan"],
        accepted=accepted,
        reason="符合容错情形",
        measures_title="四川省容错纠错实施办法",
        measures_number="川办发〔2025〕1号",
    )


# Prefill --------------------------------------------------------------------------------------


def test_the_report_starts_from_the_plan_and_the_last_report(w, users):
    report = submitted_report(w, users)
    start = reads.prefill(w.task)
    (target,) = start.targets
    assert (target.planned, target.achieved) == (Decimal(200), Decimal(120))
    assert [(m.status, m.done_on) for m in start.milestones] == [
        ("done", datetime.date(2026, 2, 20)),
        ("in_progress", None),
    ]
    # The summary is carried over from the last submitted report, marked as such.
    assert start.summary == "本季度培育技术经理人120名"
    assert start.carried_from is not None and start.carried_from.pk == report.pk


def test_without_a_report_nothing_is_carried_over(w, users):
    start = reads.prefill(w.task)
    assert (start.summary, start.carried_from) == ("", None)
    assert start.targets[0].achieved is None


def test_a_draft_report_is_not_carried_over(w, users):
    reports.report_start(task=w.task, by=users["implementer"])
    assert reads.prefill(w.task).carried_from is None


def test_lines_not_given_start_from_the_plan(w, users):
    submitted_report(w, users)
    close_out = draft(w, users)
    row = CloseOutTarget.objects.get(close_out=close_out)
    assert (row.planned, row.achieved) == (Decimal(200), Decimal(120))
    statuses = list(
        CloseOutMilestone.objects.filter(close_out=close_out)
        .order_by("milestone__position")
        .values_list("status", flat=True)
    )
    assert statuses == ["done", "in_progress"]


# The whole flow -------------------------------------------------------------------------------


def test_the_whole_flow_closes_the_task_as_completed(w, users):
    implementer, locality, national = users["implementer"], users["sichuan"], users["national"]
    close_out = draft(
        w,
        users,
        cases="成都案例",
        proposed_outcomes="技术经理人全程参与成果转化",
        targets=[services.TargetRow(w.t1.pk, Decimal(210), "超额完成")],
        milestones=[
            services.MilestoneRow(w.m1.pk, "done", datetime.date(2026, 2, 28)),
            services.MilestoneRow(w.m2.pk, "done", datetime.date(2026, 8, 1)),
        ],
    )
    assert close_out.state == CloseOut.State.DRAFT
    close_out = services.closeout_submit(close_out=close_out, by=implementer)
    assert close_out.state == CloseOut.State.SUBMITTED and close_out.submitted_at
    assert any("Close-out report to confirm" in s for s in notified(locality))
    close_out = services.closeout_confirm(close_out=close_out, by=locality, note="情况属实")
    assert (close_out.state, close_out.confirmed_by) == (CloseOut.State.CONFIRMED, locality)
    assert any("Close-out to accept" in s for s in notified(national))
    close_out = services.closeout_accept(close_out=close_out, by=national)
    assert close_out.state == CloseOut.State.ACCEPTED and close_out.decided_by == national
    task = Task.objects.get(pk=w.task.pk)
    assert (task.closure, task.closed_on) == ("completed", timezone.localdate())
    assert any("Close-out accepted" in s for s in notified(implementer))
    assert any("Close-out accepted" in s for s in notified(locality))
    # The accepted figures become the task's final figures, and its progress follows.
    assert Target.objects.get(pk=w.t1.pk).actual == Decimal(210)
    assert set(Milestone.objects.filter(task=task).values_list("status", flat=True)) == {"done"}
    assert task.progress == Decimal(100)
    actions = list(
        AuditEntry.objects.filter(object_id=str(task.pk), action__startswith="task.closeout_")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "task.closeout_saved",
        "task.closeout_submitted",
        "task.closeout_confirmed",
        "task.closeout_accepted",
    ]


def test_a_closed_task_takes_no_more_reports_or_close_out(w, users):
    close_task(w, users)
    task = Task.objects.get(pk=w.task.pk)
    assert task.is_closed
    with pytest.raises(EvaluationError):
        services.closeout_save(task=task, by=users["implementer"], summary="再次提交")


def test_the_locality_returns_a_report_to_the_implementer(w, users):
    close_out = filed(w, users)
    close_out = services.closeout_return(
        close_out=close_out, by=users["sichuan"], reason="请补充案例"
    )
    assert (close_out.state, close_out.returned_by) == ("returned", "locality")
    assert close_out.return_reason == "请补充案例"
    assert any("returned" in s for s in notified(users["implementer"]))
    # The implementer corrects it and files it again.
    close_out = draft(w, users, cases="补充的案例")
    assert close_out.state == CloseOut.State.RETURNED
    close_out = services.closeout_submit(close_out=close_out, by=users["implementer"])
    assert close_out.state == CloseOut.State.SUBMITTED


def test_the_national_level_returns_to_the_implementer_and_the_locality(w, users):
    close_out = confirmed(w, users)
    Notification.objects.all().delete()
    close_out = services.closeout_return(
        close_out=close_out, by=users["national"], reason="指标完成情况需佐证"
    )
    assert (close_out.state, close_out.returned_by) == ("returned", "national")
    assert notified(users["implementer"]) and notified(users["sichuan"])
    assert not Task.objects.get(pk=w.task.pk).is_closed
    # Filed again, it goes to the locality again, which confirms it again.
    close_out = services.closeout_submit(close_out=close_out, by=users["implementer"])
    assert close_out.state == CloseOut.State.SUBMITTED
    close_out = services.closeout_confirm(close_out=close_out, by=users["sichuan"])
    services.closeout_accept(close_out=close_out, by=users["national"])
    assert Task.objects.get(pk=w.task.pk).closure == "completed"


def test_a_return_needs_a_reason(w, users):
    close_out = filed(w, users)
    with pytest.raises(EvaluationError):
        services.closeout_return(close_out=close_out, by=users["sichuan"], reason="  ")
    assert CloseOut.objects.get(pk=close_out.pk).state == CloseOut.State.SUBMITTED


# Not completed --------------------------------------------------------------------------------


def test_not_completed_needs_a_reason(w, users):
    with pytest.raises(EvaluationError):
        draft(w, users, result="not_completed", not_completed_reason="")
    assert not CloseOut.objects.exists()


def test_a_task_closed_as_not_completed_on_a_tolerated_filing(w, users):
    """484号 §四: 容错纠错. The filing must be the task's own and decided as tolerated."""
    filing = tolerated(w, users)
    close_out = confirmed(
        w,
        users,
        result="not_completed",
        not_completed_reason="试点企业退出，未能完成",
        tolerance_filing=filing,
    )
    services.closeout_accept(close_out=close_out, by=users["national"])
    task = Task.objects.get(pk=w.task.pk)
    assert task.closure == "not_completed" and task.closed_on == timezone.localdate()
    assert CloseOut.objects.get(pk=close_out.pk).tolerance_filing == filing


def test_a_pending_or_refused_filing_is_no_ground(w, users):
    pending = tolerance.tolerance_file(
        task=w.task, by=users["implementer"], what_went_wrong="延误", good_faith="探索"
    )
    with pytest.raises(EvaluationError):
        draft(
            w, users, result="not_completed", not_completed_reason="延误", tolerance_filing=pending
        )
    refused = tolerated(w, users, accepted=False)
    with pytest.raises(EvaluationError):
        draft(
            w, users, result="not_completed", not_completed_reason="延误", tolerance_filing=refused
        )
    assert not CloseOut.objects.exists()


def test_another_tasks_filing_is_refused(w, users, other_implementer):
    other = w.guangdong_tasks[0]
    filing = tolerance.tolerance_file(
        task=other, by=other_implementer, what_went_wrong="延误", good_faith="探索"
    )
    filing = tolerance.tolerance_decide(
        filing=filing,
        by=users["guangdong"],
        accepted=True,
        reason="符合",
        measures_title="广东省容错办法",
        measures_number="粤办〔2025〕2号",
    )
    with pytest.raises(EvaluationError):
        draft(
            w, users, result="not_completed", not_completed_reason="延误", tolerance_filing=filing
        )


def test_a_completed_task_drops_the_reason_and_filing(w, users):
    filing = tolerated(w, users)
    draft(w, users, result="not_completed", not_completed_reason="延误", tolerance_filing=filing)
    close_out = draft(
        w, users, result="completed", not_completed_reason="延误", tolerance_filing=filing
    )
    assert (close_out.not_completed_reason, close_out.tolerance_filing) == ("", None)


# Validation -----------------------------------------------------------------------------------


def test_filing_needs_a_summary(w, users):
    close_out = draft(w, users, summary="")
    with pytest.raises(EvaluationError):
        services.closeout_submit(close_out=close_out, by=users["implementer"])
    assert CloseOut.objects.get(pk=close_out.pk).state == CloseOut.State.DRAFT


def test_a_done_milestone_needs_a_date_in_the_past(w, users):
    with pytest.raises(EvaluationError):
        draft(w, users, milestones=[services.MilestoneRow(w.m1.pk, "done", None)])
    future = timezone.localdate() + datetime.timedelta(days=3)
    with pytest.raises(EvaluationError):
        draft(w, users, milestones=[services.MilestoneRow(w.m1.pk, "done", future)])
    assert not CloseOut.objects.exists()


def test_a_line_of_another_plan_is_refused(w, users):
    other = w.guangdong_tasks[0]
    plans.plan_save(
        task=other,
        by=users["guangdong"],
        timetable="",
        roadmap="",
        milestones=[plans.MilestoneRow("节点", datetime.date(2026, 6, 1), "")],
        targets=[],
    )
    foreign = Milestone.objects.get(task=other)
    with pytest.raises(EvaluationError):
        draft(w, users, milestones=[services.MilestoneRow(foreign.pk, "not_started", None)])


def test_a_task_without_an_approved_plan_cannot_be_closed(users):
    world = task_world(users, approved=False)
    with pytest.raises(EvaluationError):
        services.closeout_save(task=world.task, by=users["implementer"], summary="完成")
    assert not CloseOut.objects.exists()


# Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sichuan", "guangdong", "evaluator", "public", "national"])
def test_only_an_implementer_of_the_task_files(w, users, who):
    with pytest.raises(Forbidden):
        services.closeout_save(task=w.task, by=users[who], summary="完成")
    assert not CloseOut.objects.exists()


def test_another_implementer_neither_writes_nor_files(w, users, other_implementer):
    with pytest.raises(Forbidden):
        services.closeout_save(task=w.task, by=other_implementer, summary="完成")
    close_out = draft(w, users)
    with pytest.raises(Forbidden):
        services.closeout_submit(close_out=close_out, by=other_implementer)
    with pytest.raises(Forbidden):
        documents.document_add(
            close_out=close_out,
            by=other_implementer,
            title="办法",
            issuer="中山大学",
            issued_on=datetime.date(2026, 5, 1),
        )
    assert CloseOut.objects.get(pk=close_out.pk).state == CloseOut.State.DRAFT


@pytest.mark.parametrize("who", ["guangdong", "national", "evaluator", "public", "implementer"])
def test_only_the_locality_running_the_task_confirms(w, users, who):
    close_out = filed(w, users)
    with pytest.raises(Forbidden):
        services.closeout_confirm(close_out=close_out, by=users[who])
    assert CloseOut.objects.get(pk=close_out.pk).state == CloseOut.State.SUBMITTED


@pytest.mark.parametrize("who", ["guangdong", "evaluator", "public", "implementer"])
def test_outsiders_do_not_return(w, users, who):
    close_out = filed(w, users)
    with pytest.raises(Forbidden):
        services.closeout_return(close_out=close_out, by=users[who], reason="不行")
    assert CloseOut.objects.get(pk=close_out.pk).state == CloseOut.State.SUBMITTED


@pytest.mark.parametrize("who", ["sichuan", "guangdong", "evaluator", "public", "implementer"])
def test_only_the_national_level_accepts(w, users, who):
    close_out = confirmed(w, users)
    with pytest.raises(Forbidden):
        services.closeout_accept(close_out=close_out, by=users[who])
    assert CloseOut.objects.get(pk=close_out.pk).state == CloseOut.State.CONFIRMED
    assert not Task.objects.get(pk=w.task.pk).is_closed


# Repeat actions -------------------------------------------------------------------------------


def test_filing_twice_says_so(w, users):
    close_out = filed(w, users)
    with pytest.raises(EvaluationError, match="already been filed"):
        services.closeout_submit(close_out=close_out, by=users["implementer"])
    with pytest.raises(EvaluationError):
        draft(w, users, summary="改动")
    assert CloseOut.objects.get(pk=close_out.pk).summary == "全面完成改革任务"


def test_confirming_twice_says_so(w, users):
    close_out = confirmed(w, users)
    entries = AuditEntry.objects.count()
    with pytest.raises(EvaluationError, match="already been confirmed"):
        services.closeout_confirm(close_out=close_out, by=users["sichuan"])
    # The locality cannot return what it already sent up.
    with pytest.raises(EvaluationError):
        services.closeout_return(close_out=close_out, by=users["sichuan"], reason="撤回")
    assert AuditEntry.objects.count() == entries


def test_accepting_twice_says_so(w, users):
    close_out = close_task(w, users)
    entries = AuditEntry.objects.count()
    with pytest.raises(EvaluationError, match="already been accepted"):
        services.closeout_accept(close_out=close_out, by=users["national"])
    with pytest.raises(EvaluationError):
        services.closeout_return(close_out=close_out, by=users["national"], reason="重新")
    assert AuditEntry.objects.count() == entries


def test_returning_twice_says_so(w, users):
    close_out = filed(w, users)
    services.closeout_return(close_out=close_out, by=users["sichuan"], reason="补充")
    with pytest.raises(EvaluationError, match="already been returned"):
        services.closeout_return(close_out=close_out, by=users["sichuan"], reason="补充")
    # A stale copy of the filed report confirms nothing once it was returned.
    with pytest.raises(EvaluationError):
        services.closeout_confirm(close_out=close_out, by=users["sichuan"])
    assert AuditEntry.objects.filter(action="task.closeout_returned").count() == 1


def test_the_national_level_waits_for_the_locality(w, users):
    close_out = filed(w, users)
    with pytest.raises(EvaluationError):
        services.closeout_accept(close_out=close_out, by=users["national"])
    with pytest.raises(EvaluationError):
        services.closeout_return(close_out=close_out, by=users["national"], reason="不行")


# Institutional documents ----------------------------------------------------------------------


def add_document(close_out, users, **kwargs) -> InstitutionalDocument:
    values: dict[str, Any] = {
        "title": "四川省技术经理人管理办法",
        "issuer": "四川省科学技术厅",
        "number": "川科发〔2026〕3号",
        "issued_on": datetime.date(2026, 6, 1),
    }
    values.update(kwargs)
    return documents.document_add(close_out=close_out, by=users["implementer"], **values)


def test_documents_are_added_with_their_file_and_removed(
    w, users, media_root, django_capture_on_commit_callbacks
):
    close_out = draft(w, users)
    document = add_document(close_out, users, upload=pdf())
    assert document.file_name == "管理办法.pdf"
    stored = Path(document.file.path)
    assert stored.read_bytes() == PDF
    assert AuditEntry.objects.filter(action="task.closeout_document_added").exists()
    with django_capture_on_commit_callbacks(execute=True):
        documents.document_remove(document=document, by=users["implementer"])
    assert not InstitutionalDocument.objects.exists()
    assert not stored.exists()
    with pytest.raises(EvaluationError, match="already removed"):
        documents.document_remove(document=document, by=users["implementer"])


def test_a_document_without_a_file(w, users, media_root):
    document = add_document(draft(w, users), users, number="")
    assert not document.file and document.file_name == ""


def test_a_bad_file_is_refused_and_nothing_is_written(w, users, media_root):
    close_out = draft(w, users)
    fake = SimpleUploadedFile("办法.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    with pytest.raises(EvaluationError, match="does not look like"):
        add_document(close_out, users, upload=fake)
    exe = SimpleUploadedFile("办法.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(EvaluationError, match="not accepted"):
        add_document(close_out, users, upload=exe)
    assert not InstitutionalDocument.objects.exists()
    assert not Path(media_root).exists() or not [
        p for p in Path(media_root).rglob("*") if p.is_file()
    ]


def test_a_long_file_name_is_shortened_keeping_its_extension(w, users, media_root):
    close_out = draft(w, users)
    document = add_document(close_out, users, upload=pdf("很" * 90 + ".pdf"))
    assert document.file_name == "很" * 76 + ".pdf"
    assert document.file.name.endswith(".pdf")


def test_a_document_needs_title_issuer_and_a_past_date(w, users, media_root):
    close_out = draft(w, users)
    with pytest.raises(EvaluationError):
        add_document(close_out, users, title=" ")
    with pytest.raises(EvaluationError):
        add_document(close_out, users, issuer="")
    with pytest.raises(EvaluationError):
        add_document(close_out, users, issued_on=None)
    with pytest.raises(EvaluationError):
        add_document(close_out, users, issued_on=timezone.localdate() + datetime.timedelta(days=1))
    assert not InstitutionalDocument.objects.exists()


def test_documents_are_fixed_once_filed(w, users, media_root):
    close_out = draft(w, users)
    document = add_document(close_out, users)
    services.closeout_submit(close_out=close_out, by=users["implementer"])
    with pytest.raises(EvaluationError):
        add_document(close_out, users)
    with pytest.raises(EvaluationError):
        documents.document_remove(document=document, by=users["implementer"])
    with pytest.raises(Forbidden):
        documents.document_remove(document=document, by=users["sichuan"])
    assert InstitutionalDocument.objects.count() == 1


# Reads ----------------------------------------------------------------------------------------


def test_a_draft_is_the_implementers_and_a_filed_report_whoever_sees_the_task(w, users):
    close_out = draft(w, users)
    seen = {name for name, user in users.items() if reads.close_out_of_task(user, w.task)}
    assert seen == {"implementer"}
    services.closeout_submit(close_out=close_out, by=users["implementer"])
    seen = {name for name, user in users.items() if reads.close_out_of_task(user, w.task)}
    assert seen == {"implementer", "sichuan", "national"}


def test_what_waits_on_each_comes_first(w, users):
    close_out = filed(w, users)
    other = close_task(w, users, task=w.sichuan_tasks[1])
    listed: list[Any]  # annotated with how much it waits on the user
    for who in ("sichuan",):
        listed = list(reads.close_out_list(users[who], {}))
        assert listed[0].pk == close_out.pk and listed[0].waiting == 0
        assert {c.pk: c.waiting for c in listed}[other.pk] == 1
    services.closeout_confirm(close_out=close_out, by=users["sichuan"])
    listed = list(reads.close_out_list(users["national"], {}))
    assert listed[0].pk == close_out.pk and listed[0].waiting == 0
    assert list(reads.close_out_list(users["national"], {"result": "not_completed"})) == []
    assert len(reads.close_out_list(users["national"], {"state": "accepted"})) == 1
    assert len(reads.close_out_list(users["national"], {"q": "全面完成"})) == 1


def test_past_end_tasks_leave_the_list_once_closed(w, users):
    today = w.task.expected_end + datetime.timedelta(days=1)
    late, _count = reads.past_end_tasks(users["sichuan"], today=today)
    assert {line.task.pk for line in late} == {t.pk for t in w.sichuan_tasks}
    close_task(w, users)
    late, _count = reads.past_end_tasks(users["sichuan"], today=today)
    assert w.task.pk not in {line.task.pk for line in late}
    assert reads.past_end_tasks(users["sichuan"], today=w.task.expected_end) == ([], 0)


# The helper other tests use --------------------------------------------------------------------


def test_close_task_closes_any_task_once(w, users):
    first = close_task(w, users)
    assert close_task(w, users).pk == first.pk  # a second call is harmless
    assert close_task(w.sichuan_tasks[1], users, result="not_completed").task.closure == (
        "not_completed"
    )
    assert close_task(w, users, task=w.guangdong_tasks[0]).task.closure == "completed"
    # A close-out under way is carried on from where it stands.
    task = w.sichuan_tasks[2]
    implementer = implementer_of(task, users)
    under_way = services.closeout_save(task=task, by=implementer, summary="已完成")
    services.closeout_submit(close_out=under_way, by=implementer)
    assert close_task(w, users, task=task).pk == under_way.pk
    assert Task.objects.get(pk=task.pk).closure == "completed"
