"""Implementation in the demo, through the services the users use.

The three pilot items Chengdu's zone was shortlisted for (data/pilots2024.csv) become its
tasks. The roles follow the pilot as source 003 tells it: the zone implements and the
province supervises (江苏 "省地协同…按季调度", 广东 "督促指导各有关地市…不定期开展督查";
发改高技〔2021〕484号 §四 "分层推进"). So the zone's management body (成都高新区管理委员会（演示）:
003 has 成都高新区 speak for the zone) is the lead implementer, the zone's coordinator
(`chengdu_zone`) sets the tasks up and approves the plans, and Sichuan's coordinator
(`sichuan`) oversees them: it reviewed the reports after the third quarter of 2026 and asked
for a rectification, which the implementer has answered. One fault-tolerance filing waits for
the zone's decision.

Everything about how the tasks are implemented — implementers named, plans, milestones,
targets, reports, the inspection, the filing — is demo content marked 演示: the sources say
nothing about it. No task notice is issued for the pilot: its real notice is not known to the
project, so the tasks are opened without one. Dates are set back so that the demo has a
history: plans approved in April 2025, quarterly reports filed since, one of them late, and
the report of the third quarter of 2026 missing for one task whose second milestone is
overdue: the dispatch view shows both.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, User
from claims.models import Programme
from demo.claims_demo import PILOT_TITLE
from regions.models import Organisation, RegionGroup
from tasks import periods
from tasks.models import FollowUp, Inspection, ProgressReport, Task, ToleranceFiling
from tasks.services import plans, reports, supervision, tolerance
from tasks.services.core import tasks_open

ZONE_USER = "chengdu_zone"
APPROVED_ON = datetime.date(2025, 4, 15)


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def zone_user() -> User:
    zone = RegionGroup.objects.get(name="成都国家自主创新示范区")
    user = User.objects.filter(username=ZONE_USER).first()
    if user is None:
        from demo.builder import DEMO_PASSWORD

        user = User(
            username=ZONE_USER,
            first_name="成都高新区管委会（演示）",
            role=Role.LOCALITY,
            region_group=zone,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _plan(task: Task, number: int, implementer: User, locality: User) -> Task:
    plans.plan_save(
        task=task,
        by=implementer,
        timetable="（演示）2025年二季度制定细则，2026年完成试点并总结。",
        roadmap="（演示）制定细则 → 遴选试点 → 组织实施 → 评估总结。",
        milestones=[
            plans.MilestoneRow("（演示）出台实施细则", datetime.date(2025, 6, 30), "实施细则文件"),
            plans.MilestoneRow("（演示）完成首批试点", datetime.date(2026, 6, 30), "试点总结报告"),
            plans.MilestoneRow("（演示）形成可复制经验", datetime.date(2026, 12, 31), "经验材料"),
        ],
        targets=[
            plans.TargetRow(
                "（演示）参与试点的企业数",
                "家",
                Decimal(0),
                Decimal(20 + 10 * number),
                datetime.date(2026, 12, 31),
            )
        ],
    )
    task = plans.plan_submit(task=task, by=implementer)
    task = plans.plan_approve(task=task, by=locality)
    Task.objects.filter(pk=task.pk).update(
        plan_submitted_at=_at(APPROVED_ON - datetime.timedelta(days=10)),
        plan_approved_at=_at(APPROVED_ON),
    )
    task.refresh_from_db()
    return task


# The quarters reported, and what each task's lead implementer filed.
QUARTERS = [(2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)]
FIRST_DONE = datetime.date(2025, 6, 20)
SECOND_DONE = datetime.date(2026, 6, 25)


def _reports(task: Task, number: int, implementer: User) -> None:
    """Task 1 on time throughout; task 2 files its last report late; task 3 leaves its second
    milestone undone and its last report unfiled."""
    first, second, _third = task.milestones.order_by("position")
    target = task.targets.get()
    for index, quarter in enumerate(QUARTERS, start=1):
        if number == 3 and quarter == QUARTERS[-1]:
            break
        end = periods.bounds(quarter)[1]
        report = reports.report_start(task=task, by=implementer, period=quarter, today=end)
        figures = [
            reports.MilestoneFigure(first.pk, "done", FIRST_DONE)
            if end >= FIRST_DONE
            else reports.MilestoneFigure(first.pk, "in_progress")
        ]
        if number != 3 and end >= SECOND_DONE:
            figures.append(reports.MilestoneFigure(second.pk, "done", SECOND_DONE))
        elif end >= FIRST_DONE:
            figures.append(reports.MilestoneFigure(second.pk, "in_progress"))
        share = Decimal(index) / Decimal(len(QUARTERS) + 1)
        actual = (target.target_value * share).quantize(Decimal(1))
        reports.report_save(
            report=report,
            by=implementer,
            milestones=figures,
            targets={target.pk: actual},
            done=f"（演示）{periods.label(quarter)}：推进试点，新增参与企业至{actual}家。",
            problems="（演示）中试平台收费标准尚待明确。" if number == 3 else "",
            help_needed="",
            today=end + datetime.timedelta(days=5),
        )
        reports.report_submit(report=report, by=implementer)
        late = number == 2 and quarter == QUARTERS[-1]
        filed = periods.due_on(quarter) + datetime.timedelta(days=12 if late else -5)
        ProgressReport.objects.filter(pk=report.pk).update(submitted_at=_at(filed))


# Sichuan's review of the zone's reports after the third quarter of 2026 (due 2026-10-10).
REVIEWED_ON = datetime.date(2026, 10, 20)


def _supervision(task: Task, implementer: User, province: User) -> None:
    """The province reviews the reports of the task whose report is missing and whose second
    milestone is overdue, and asks for a rectification; the implementer answers, and files
    for fault tolerance, which the zone has still to decide."""
    # Never dated in the future, should the demo be loaded before that day.
    inspected_on = min(REVIEWED_ON, timezone.localdate())
    inspection = supervision.inspection_record(
        task=task,
        by=province,
        kind=Inspection.Kind.REPORT_REVIEW,
        inspected_on=inspected_on,
        findings="（演示）2026年第三季度进展报告未按期报送；第二个节点任务“完成首批试点”逾期未完成。",
        rectification="（演示）补报第三季度进展报告，说明节点任务逾期原因并提出赶进措施。",
        rectify_by=inspected_on + datetime.timedelta(days=70),
    )
    Inspection.objects.filter(pk=inspection.pk).update(created_at=_at(inspected_on))
    follow_up = supervision.follow_up_add(
        inspection=inspection,
        by=implementer,
        note="（演示）逾期原因为中试平台收费标准尚待明确，已报请示范区协调；第三季度报告正在补报。",
    )
    answered = inspected_on + datetime.timedelta(days=14)
    FollowUp.objects.filter(pk=follow_up.pk).update(at=_at(answered))
    filing = tolerance.tolerance_file(
        task=task,
        by=implementer,
        what_went_wrong=(
            "（演示）首批中试平台开放共享试点中，一家合作企业因市场变化中途退出，"
            "已投入的平台改造经费未能按期形成服务能力。"
        ),
        good_faith=(
            "（演示）试点按批准的实施方案推进，合作企业经集体研究遴选，未谋取私利；"
            "发现问题后及时止损并调整了合作方。"
        ),
    )
    ToleranceFiling.objects.filter(pk=filing.pk).update(filed_at=_at(answered))


def build_tasks_demo() -> bool:
    """Open and plan the pilot's tasks once; False if they were there already."""
    pilot = Programme.objects.filter(title=PILOT_TITLE).first()
    national = User.objects.filter(role=Role.NATIONAL).order_by("pk").first()
    implementer = User.objects.filter(username="implementer", role=Role.IMPLEMENTER).first()
    province = User.objects.filter(username="sichuan", role=Role.LOCALITY).first()
    if (
        pilot is None
        or national is None
        or implementer is None
        or province is None
        or pilot.tasks.exists()
    ):
        return False
    lead = implementer.organisation  # the zone's management body
    assert lead is not None  # an implementer always has one (database constraint)
    locality = zone_user()
    tasks = tasks_open(programme=pilot, by=national)
    partner = Organisation.objects.get(name="成都示例科技有限公司（演示）")
    for number, task in enumerate(tasks, start=1):
        plans.task_update(
            task=task,
            by=locality,
            responsible_person="（演示）王主任",
            responsible_post="（演示）处长",
            landmark=number == 1,
        )
        plans.implementer_add(
            task=task,
            by=locality,
            organisation=lead,
            lead=True,
            responsibility="（演示）牵头制定细则并组织实施",
        )
        plans.implementer_add(
            task=task,
            by=locality,
            organisation=partner,
            responsibility="（演示）参与试点，提供中试场景和数据",
        )
        task = _plan(task, number, implementer, locality)
        _reports(task, number, implementer)
        if number == 3:
            _supervision(task, implementer, province)
    return True
