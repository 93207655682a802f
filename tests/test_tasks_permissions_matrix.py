"""Every role against every action of implementation, as one explicit table.

The rights live in `tasks/rules.py` (and `claims/rules.py` for who speaks for a claimant), on
the role primitives of `accounts/roles.py`. Each (role, action) cell is tested twice by the
shared harness `tests/matrix.py`: at the permission function, and over HTTP, where an allowed
cell must succeed (200 with the page's own text, or 302 with its write done) and a refused one
must fail without writing: 404 when the user may not know the object exists (the scoped reads
of `tasks.selectors`), 403 when they see it but may not act, a redirect to login when
anonymous. A list that is open to the user but does not hold the task answers 200 without it.

The world is `task_world` (Sichuan's first task, implemented by the `implementer` user's
organisation, with an approved plan) plus what each action needs, built with the services.
Building it costs more than an HTTP request, so it is built once for all the cells, and every
cell runs in a transaction that is rolled back: each cell starts from the same world.
"""

import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from openpyxl import load_workbook

from accounts import roles
from accounts.models import Role
from claims import rules as claims_rules
from regions.models import Organisation
from tasks import rules as tasks_rules
from tasks.models import (
    FollowUp,
    HelpRequest,
    Implementer,
    Inspection,
    ProgressReport,
    Task,
    ToleranceFiling,
)
from tasks.services import help as help_services
from tasks.services import plans, reports, supervision, tolerance
from tasks.services.reports import MilestoneFigure
from tests.conftest import make_user
from tests.jobfiles import exported, job_file
from tests.matrix import Act, Matrix, Response, World, shared_world
from tests.test_tasks_fixtures import task_world

# The views' first gate (`require(...)`), before any object is looked at: outside it, 403.
COORDINATORS = frozenset({"national", "sichuan", "guangdong", "region"})
LISTERS = COORDINATORS | {"implementer", "other_implementer"}

# The table. Anything not listed for a role is refused.
ALLOWED: dict[str, set[str]] = {
    # Sees every task, answers what was passed up to it and inspects; approves no plan and
    # decides no filing, and reads no draft report.
    "national": {
        "view_task",
        "list",
        "index_xlsx",
        "view_submitted_report",
        "answer_national_help",
        "dispatch",
        "bulk_update",
        "inspect",
        "follow_up",
        "close_inspection",
        "claimant_list_tasks",
        "claimant_list_responsibility",
        "claimant_list_landmark",
        "progress",
    },
    # Runs its tasks: sets them up, decides plans and filings, answers and passes up help.
    "sichuan": {
        "view_task",
        "list",
        "index_xlsx",
        "setup",
        "add_implementer",
        "edit_plan",
        "submit_plan",
        "approve_plan",
        "return_plan",
        "view_submitted_report",
        "answer_local_help",
        "escalate_help",
        "dispatch",
        "bulk_update",
        "inspect",
        "follow_up",
        "close_inspection",
        "decide_tolerance",
        "claimant_list_tasks",
        "claimant_list_responsibility",
        "claimant_list_landmark",
        "progress",
    },
    # The other province claimed in the same programme: its own pages, none of Sichuan's tasks.
    "guangdong": {"dispatch", "bulk_update", "progress"},
    # A region group eligible in the programme but without a claim: pages open, nothing in them.
    "region": {"dispatch", "bulk_update"},
    "city": set(),
    # Implements Sichuan's tasks: files plans, reports, help requests and filings.
    "implementer": {
        "view_task",
        "list",
        "index_xlsx",
        "edit_plan",
        "submit_plan",
        "start_report",
        "view_submitted_report",
        "view_draft_report",
        "request_help",
        "follow_up",
        "file_tolerance",
    },
    # Implements Guangdong's tasks only.
    "other_implementer": set(),
    "expert": set(),
    "evaluator": set(),
    "innovator": set(),
    "public": set(),
    "county": set(),
    "park": set(),
    "anonymous": set(),
}

TODAY = timezone.localdate()


# The world ----------------------------------------------------------------------------------


def _draft_plan(task: Task, by: Any) -> Task:
    return plans.plan_save(
        task=task,
        by=by,
        timetable="年内完成",
        roadmap="先试点",
        milestones=[plans.MilestoneRow("制定方案", TODAY + datetime.timedelta(days=60), "方案")],
        targets=[
            plans.TargetRow("培育机构", "家", Decimal(0), Decimal(10), TODAY.replace(month=12))
        ],
    )


def _report(task: Task, by: Any, period: tuple[int, int], done: str) -> ProgressReport:
    report = reports.report_start(task=task, by=by, period=period)
    return reports.report_save(
        report=report,
        by=by,
        milestones=[
            MilestoneFigure(u.milestone_id, u.status, u.done_on)
            for u in report.milestones.order_by("milestone__position")
        ],
        targets={u.target_id: u.actual for u in report.targets.all()},
        done=done,
        problems="",
        help_needed="",
    )


def build_world(users: dict[str, Any]) -> World:
    sysu = Organisation.objects.get(name="中山大学")
    users = {
        **users,
        "other_implementer": make_user("other_implementer", Role.IMPLEMENTER, organisation=sysu),
    }
    w = task_world(users)
    sichuan, implementer, national = users["sichuan"], users["implementer"], users["national"]
    dept = Organisation.objects.get(name="四川省科学技术厅")  # the `implementer` user's
    task, second, third = w.sichuan_tasks
    # The first task is a landmark item, so that the landmark list holds it.
    plans.task_update(task=task, by=sichuan, responsible_person="李四", landmark=True)
    # Tasks 2 and 3 have the same implementer as the first: whoever sees one sees all three.
    for other in (second, third):
        plans.task_update(task=other, by=sichuan, responsible_person="李四")
        plans.implementer_add(task=other, by=sichuan, organisation=dept, lead=True)
    w.draft_plan = _draft_plan(second, implementer)
    w.submitted_plan = plans.plan_submit(task=_draft_plan(third, implementer), by=implementer)
    # Approved months ago, so that one period has a submitted report, the next a draft, and
    # a later one none yet.
    approved = timezone.now() - datetime.timedelta(days=300)
    Task.objects.filter(pk=task.pk).update(plan_approved_at=approved)
    task = Task.objects.get(pk=task.pk)
    first, following = reports.periods_to_start(task)[-1:-3:-1]
    w.submitted_report = reports.report_submit(
        report=_report(task, implementer, first, "第一期完成了试点"), by=implementer
    )
    w.draft_report = _report(task, implementer, following, "第二期尚未报送的草稿")
    w.start_period = reports.periods_to_start(task)[0]
    w.local_help = help_services.help_request(
        task=task, by=implementer, text="需要协调用地指标", level=HelpRequest.Level.LOCALITY
    )
    w.national_help = help_services.help_request(
        task=task, by=implementer, text="需要国家部委授权", level=HelpRequest.Level.NATIONAL
    )
    w.inspection = supervision.inspection_record(
        task=task,
        by=national,
        kind=Inspection.Kind.VISIT,
        inspected_on=TODAY - datetime.timedelta(days=5),
        findings="试点进度滞后",
        rectification="补齐台账",
        rectify_by=TODAY + datetime.timedelta(days=30),
    )
    w.filing = tolerance.tolerance_file(
        task=task, by=implementer, what_went_wrong="试点亏损", good_faith="集体决策"
    )
    w.task = Task.objects.get(pk=task.pk)
    w.scu = Organisation.objects.get(name="四川大学")
    w.users = users
    return w


built_world, world = shared_world(build_world)


# The actions --------------------------------------------------------------------------------


def xlsx_rows(response: Response) -> set[str]:
    """`claimant|title` of each row of the task index workbook, which a background job builds:
    the response is the redirect to the job's page (the job is run and its file read), or
    the file already fetched (tests.jobfiles.exported)."""
    content = job_file(response) if response.status_code == 302 else response.content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    # Row 1 is the filter line (筛选条件), row 2 the header.
    return {f"{row[3]}|{row[1]}" for row in sheet.iter_rows(min_row=3, values_only=True)}


def _task_url(suffix: str, attr: str = "task") -> Callable[[World], str]:
    return lambda w: f"/tasks/{getattr(w, attr).pk}/{suffix}"


def _plan_state(task: Task) -> str:
    return Task.objects.get(pk=task.pk).plan_state


def _help(request: HelpRequest) -> HelpRequest:
    return HelpRequest.objects.get(pk=request.pk)


def _plan_post(w: World) -> dict[str, Any]:
    return {
        "timetable": "改过的时间表",
        "roadmap": "先试点后推广",
        "milestones-TOTAL_FORMS": 1,
        "milestones-INITIAL_FORMS": 1,
        "milestones-0-title": "制定方案",
        "milestones-0-due_on": (TODAY + datetime.timedelta(days=60)).isoformat(),
        "milestones-0-deliverable": "方案",
        "milestones-0-weight": "1",
        "targets-TOTAL_FORMS": 1,
        "targets-INITIAL_FORMS": 1,
        "targets-0-indicator": "培育机构",
        "targets-0-unit": "家",
        "targets-0-baseline": "0",
        "targets-0-target_value": "10",
        "targets-0-due_on": TODAY.replace(month=12).isoformat(),
        "targets-0-weight": "1",
    }


def _claimant_list(kind: str) -> Act:
    return Act(
        right=lambda u, w: (
            tasks_rules.can_view_task_lists(u)
            and (roles.is_national(u) or claims_rules.speaks_for_claimant(u, w.sichuan))
        ),
        method="get",
        url=lambda w: f"/tasks/lists/{w.sichuan.pk}/{kind}/",
        shows=lambda w: w.task.title,
        gate=COORDINATORS,
        seen_via=f"claimant_list_{kind}",
    )


ACTIONS: dict[str, Act] = {
    "view_task": Act(
        right=lambda u, w: tasks_rules.can_view_task(u, w.task),
        method="get",
        url=_task_url(""),
        shows=lambda w: f"<h1>{w.task.title}",
        seen_via="view_task",
    ),
    "list": Act(
        right=lambda u, w: tasks_rules.can_list_tasks(u) and tasks_rules.can_view_task(u, w.task),
        method="get",
        url=lambda w: "/tasks/",
        shows=lambda w: f'<a href="/tasks/{w.task.pk}/">{w.task.title}</a>',
        gate=LISTERS,
        hides=True,
    ),
    "index_xlsx": Act(
        right=lambda u, w: tasks_rules.can_list_tasks(u) and tasks_rules.can_view_task(u, w.task),
        method="get",
        url=lambda w: "/tasks/xlsx/",
        shows=lambda w: f"{w.task.claimant.short_name}|{w.task.title}",
        status=302,  # to the export job's page
        gate=LISTERS,
        hides=True,
        read=xlsx_rows,
    ),
    "setup": Act(
        right=lambda u, w: tasks_rules.can_manage_task(u, w.task),
        method="post",
        url=_task_url("setup/"),
        data=lambda w: {"responsible_person": "赵六", "weight": "1", "landmark": "on"},
        done=lambda w: Task.objects.get(pk=w.task.pk).responsible_person == "赵六",
        seen_via="view_task",
    ),
    "add_implementer": Act(
        right=lambda u, w: tasks_rules.can_manage_task(u, w.task),
        method="post",
        url=_task_url("implementers/add/"),
        data=lambda w: {"organisation": w.scu.pk, "responsibility": "提供智力支持"},
        done=lambda w: Implementer.objects.filter(task=w.task, organisation=w.scu).exists(),
        seen_via="view_task",
    ),
    # Tasks 2 and 3 have the implementers of the first: `view_task` says who sees them.
    "edit_plan": Act(
        right=lambda u, w: tasks_rules.can_edit_plan(u, w.draft_plan),
        method="post",
        url=_task_url("plan/", "draft_plan"),
        data=_plan_post,
        done=lambda w: Task.objects.get(pk=w.draft_plan.pk).timetable == "改过的时间表",
        seen_via="view_task",
    ),
    "submit_plan": Act(
        right=lambda u, w: tasks_rules.can_edit_plan(u, w.draft_plan),
        method="post",
        url=_task_url("plan/submit/", "draft_plan"),
        done=lambda w: _plan_state(w.draft_plan) == Task.PlanState.SUBMITTED,
        seen_via="view_task",
    ),
    "approve_plan": Act(
        right=lambda u, w: tasks_rules.can_decide_plan(u, w.submitted_plan),
        method="post",
        url=_task_url("plan/approve/", "submitted_plan"),
        done=lambda w: _plan_state(w.submitted_plan) == Task.PlanState.APPROVED,
        seen_via="view_task",
    ),
    "return_plan": Act(
        right=lambda u, w: tasks_rules.can_decide_plan(u, w.submitted_plan),
        method="post",
        url=_task_url("plan/return/", "submitted_plan"),
        data=lambda w: {"reason": "目标不够量化"},
        done=lambda w: _plan_state(w.submitted_plan) == Task.PlanState.RETURNED,
        seen_via="view_task",
    ),
    "start_report": Act(
        right=lambda u, w: tasks_rules.can_report(u, w.task),
        method="post",
        url=_task_url("reports/new/"),
        data=lambda w: {"period": "{}-{}".format(*w.start_period)},
        done=lambda w: ProgressReport.objects.filter(
            task=w.task, year=w.start_period[0], period=w.start_period[1]
        ).exists(),
        seen_via="view_task",
    ),
    "view_submitted_report": Act(
        right=lambda u, w: tasks_rules.can_view_report(u, w.submitted_report),
        method="get",
        url=lambda w: f"/tasks/reports/{w.submitted_report.pk}/",
        shows=lambda w: w.submitted_report.done,
        seen_via="view_submitted_report",
    ),
    # A draft is the implementer's: for everybody else it does not exist yet.
    "view_draft_report": Act(
        right=lambda u, w: tasks_rules.can_view_report(u, w.draft_report),
        method="get",
        url=lambda w: f"/tasks/reports/{w.draft_report.pk}/",
        shows=lambda w: w.draft_report.done,
        seen_via="view_draft_report",
    ),
    "request_help": Act(
        right=lambda u, w: tasks_rules.can_request_help(u, w.task),
        method="post",
        url=_task_url("help/new/"),
        data=lambda w: {"text": "需要协调资金", "level": HelpRequest.Level.LOCALITY},
        done=lambda w: HelpRequest.objects.filter(task=w.task, text="需要协调资金").exists(),
        seen_via="view_task",
    ),
    "answer_local_help": Act(
        right=lambda u, w: tasks_rules.can_answer_help(u, w.local_help),
        method="post",
        url=lambda w: f"/tasks/help/{w.local_help.pk}/answer/",
        data=lambda w: {"answer": "已协调解决"},
        done=lambda w: _help(w.local_help).state == HelpRequest.State.ANSWERED,
        seen_via="view_task",
    ),
    "escalate_help": Act(
        right=lambda u, w: tasks_rules.can_escalate_help(u, w.local_help),
        method="post",
        url=lambda w: f"/tasks/help/{w.local_help.pk}/escalate/",
        data=lambda w: {"note": "超出省级权限"},
        done=lambda w: _help(w.local_help).level == HelpRequest.Level.NATIONAL,
        seen_via="view_task",
    ),
    "answer_national_help": Act(
        right=lambda u, w: tasks_rules.can_answer_help(u, w.national_help),
        method="post",
        url=lambda w: f"/tasks/help/{w.national_help.pk}/answer/",
        data=lambda w: {"answer": "已商有关部委"},
        done=lambda w: _help(w.national_help).state == HelpRequest.State.ANSWERED,
        seen_via="view_task",
    ),
    "dispatch": Act(
        right=lambda u, w: tasks_rules.can_view_dispatch(u),
        method="get",
        url=lambda w: "/tasks/dispatch/",
        shows=lambda w: "<h1>Dispatch</h1>",
        gate=COORDINATORS,
    ),
    "bulk_update": Act(
        right=lambda u, w: tasks_rules.can_bulk_update_tasks(u),
        method="get",
        url=lambda w: "/tasks/bulk/",
        shows=lambda w: "<h1>Update tasks from Excel</h1>",
        gate=COORDINATORS,
    ),
    "inspect": Act(
        right=lambda u, w: tasks_rules.can_inspect(u, w.task),
        method="post",
        url=_task_url("inspections/new/"),
        data=lambda w: {
            "kind": Inspection.Kind.REPORT_REVIEW,
            "inspected_on": TODAY.isoformat(),
            "findings": "台账不全",
        },
        done=lambda w: Inspection.objects.filter(task=w.task, findings="台账不全").exists(),
        seen_via="view_task",
    ),
    "follow_up": Act(
        right=lambda u, w: tasks_rules.can_follow_up(u, w.inspection),
        method="post",
        url=lambda w: f"/tasks/inspections/{w.inspection.pk}/",
        data=lambda w: {"note": "台账已补齐"},
        done=lambda w: FollowUp.objects.filter(inspection=w.inspection, note="台账已补齐").exists(),
        seen_via="view_task",
    ),
    "close_inspection": Act(
        right=lambda u, w: tasks_rules.can_close_inspection(u, w.inspection),
        method="post",
        url=lambda w: f"/tasks/inspections/{w.inspection.pk}/close/",
        data=lambda w: {"note": "整改到位"},
        done=lambda w: Inspection.objects.get(pk=w.inspection.pk).state == Inspection.State.CLOSED,
        seen_via="view_task",
    ),
    "file_tolerance": Act(
        right=lambda u, w: tasks_rules.can_file_tolerance(u, w.task),
        method="post",
        url=_task_url("tolerance/new/"),
        data=lambda w: {"what_went_wrong": "采购失误", "good_faith": "按批准的方案执行"},
        done=lambda w: ToleranceFiling.objects.filter(
            task=w.task, what_went_wrong="采购失误"
        ).exists(),
        seen_via="view_task",
    ),
    "decide_tolerance": Act(
        right=lambda u, w: tasks_rules.can_decide_tolerance(u, w.filing),
        method="post",
        url=lambda w: f"/tasks/tolerance/{w.filing.pk}/decide/",
        data=lambda w: {
            "decision": ToleranceFiling.State.ACCEPTED,
            "reason": "属于探索性失误",
            "deciding_body": "四川省发展改革委、科技厅",
            "measures_title": "容错纠错实施办法（测试）",
            "measures_number": "测〔2025〕1号",
        },
        done=lambda w: (
            ToleranceFiling.objects.get(pk=w.filing.pk).state == ToleranceFiling.State.ACCEPTED
        ),
        seen_via="view_task",
    ),
    "claimant_list_tasks": _claimant_list("tasks"),
    "claimant_list_responsibility": _claimant_list("responsibility"),
    "claimant_list_landmark": _claimant_list("landmark"),
    "progress": Act(
        right=lambda u, w: (
            tasks_rules.can_view_task_lists(u)
            and any(
                tasks_rules.can_view_task(u, t) for t in Task.objects.filter(programme=w.programme)
            )
        ),
        method="get",
        url=lambda w: f"/tasks/progress/{w.programme.pk}/",
        shows=lambda w: f"<h1>Progress · {w.programme.title}</h1>",
        gate=COORDINATORS,
        seen_via="progress",
    ),
}


MATRIX = Matrix(ALLOWED, ACTIONS, headers={"Accept-Language": "en"})


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, "other_implementer", "anonymous"} - {"other_innovator"})
    for act in ACTIONS.values():
        if act.method == "get":
            assert act.shows is not None and act.done is None
        else:
            assert act.done is not None and act.shows is None


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    @MATRIX.each_role()
    def test_view_gates(self, world, role):
        """The gates of the views, as the table above names them."""
        user = world.users[role]
        assert tasks_rules.can_list_tasks(user) is (role in LISTERS)
        for gate in (
            tasks_rules.can_view_task_lists,
            tasks_rules.can_view_dispatch,
            tasks_rules.can_bulk_update_tasks,
            tasks_rules.can_list_tolerance_filings,
        ):
            assert gate(user) is (role in COORDINATORS), gate.__name__
        # The plan tasks are seen by exactly who sees the first task (`seen_via="view_task"`).
        seen = tasks_rules.can_view_task(user, world.task)
        assert tasks_rules.can_view_task(user, world.draft_plan) is seen
        assert tasks_rules.can_view_task(user, world.submitted_plan) is seen

    def test_the_cells_left_the_world_as_it_was(self, world):
        """Every cell ran on the same world: the writes of the allowed ones were rolled back."""
        assert Task.objects.get(pk=world.task.pk).responsible_person == "李四"
        assert _plan_state(world.submitted_plan) == Task.PlanState.SUBMITTED


# The lists hold exactly the tasks the role may see ------------------------------------------

# Of the six tasks of `task_world` (Sichuan's first three items, Guangdong's last three):
# which each role finds in the task index and its workbook; None: the index is refused.
VISIBLE: dict[str, tuple[str, ...] | None] = {
    "national": ("sichuan", "guangdong"),
    "sichuan": ("sichuan",),
    "guangdong": ("guangdong",),
    "region": (),  # eligible but without a claim
    "city": None,
    "implementer": ("first",),
    "other_implementer": ("guangdong",),
    "expert": None,
    "evaluator": None,
    "innovator": None,
    "public": None,
    "county": None,
    "park": None,
    "anonymous": None,
}


@MATRIX.each_role()
def test_index_and_workbook_hold_exactly_the_visible_tasks(users, role):
    assert set(VISIBLE) == set(ALLOWED)
    w = task_world(users)
    user = {
        **users,
        "other_implementer": make_user(
            "other_implementer",
            Role.IMPLEMENTER,
            organisation=Organisation.objects.get(name="中山大学"),
        ),
        "anonymous": AnonymousUser(),
    }[role]
    groups = {"sichuan": w.sichuan_tasks, "guangdong": w.guangdong_tasks, "first": [w.task]}
    client = MATRIX.client(user)
    page, sheet = client.get("/tasks/"), exported(client, "/tasks/xlsx/")
    if role == "anonymous":
        assert page.status_code == sheet.status_code == 302
        assert page["Location"].startswith("/accounts/login/?next=")
        assert sheet["Location"].startswith("/accounts/login/?next=")
        return
    if VISIBLE[role] is None:
        assert page.status_code == sheet.status_code == 403
        return
    expected = [t for name in VISIBLE[role] or () for t in groups[name]]
    assert len(expected) == {"national": 6, "implementer": 1, "region": 0}.get(role, 3)
    assert page.status_code == sheet.status_code == 200
    shown = [t.pk for t in page.context["page"].object_list]
    assert sorted(shown) == sorted(t.pk for t in expected)
    html = page.content.decode()
    for task in Task.objects.all():
        assert (f'<a href="/tasks/{task.pk}/">' in html) is (task in expected), task
    assert xlsx_rows(sheet) == {f"{t.claimant.short_name}|{t.title}" for t in expected}
