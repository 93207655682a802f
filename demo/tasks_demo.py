"""Implementation in the demo, through the services the users use.

The three pilot items Chengdu's zone was shortlisted for (data/pilots2024.csv) become its
tasks. Everything about how they are implemented — implementers named, plans, milestones,
targets, reports — is demo content marked 演示: the sources say nothing about it. No task
notice is issued for the pilot: its real notice is not known to the project, so the tasks
are opened without one. Dates are set back so that the demo has a history: plans approved
in April 2025, quarterly reports filed since, one of them late, and the report of the third
quarter of 2026 missing for one task whose second milestone is overdue: the dispatch view
shows both.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, User
from claims.models import Programme
from demo.claims_demo import PILOT_TITLE
from regions.models import Organisation, RegionGroup
from tasks import periods
from tasks.models import ProgressReport, Task
from tasks.services import plans, reports
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
            first_name="成都自创区协调员",
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


def build_tasks_demo() -> bool:
    """Open and plan the pilot's tasks once; False if they were there already."""
    pilot = Programme.objects.filter(title=PILOT_TITLE).first()
    national = User.objects.filter(role=Role.NATIONAL).order_by("pk").first()
    implementer = User.objects.filter(username="implementer", role=Role.IMPLEMENTER).first()
    if pilot is None or national is None or implementer is None or pilot.tasks.exists():
        return False
    lead = implementer.organisation
    assert lead is not None  # an implementer always has one (database constraint)
    locality = zone_user()
    tasks = tasks_open(programme=pilot, by=national)
    partner = Organisation.objects.get(name="四川省科学技术厅")
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
            responsibility="（演示）配合遴选试点、提供政策支持",
        )
        task = _plan(task, number, implementer, locality)
        _reports(task, number, implementer)
    return True
