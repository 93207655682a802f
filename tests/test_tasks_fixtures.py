"""Shared makings of the implementation tests (no tests here).

`task_world(users)`: a closed annual-list programme with issued notices, in which `sichuan`
claimed items 1–3 and `guangdong` items 2–4, so each has three tasks. On Sichuan's first task
the Sichuan science department (the `implementer` user's organisation) is the lead
implementer with a responsible person, and `approved=True` gives it an approved plan of two
milestones and one target, ready for reports. `guangdong`'s tasks have an implementer of
their own (中山大学, the `other_innovator`'s organisation) so `implementer` sees none of them.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from claims import services as claims
from claims.models import Programme
from regions.models import Organisation
from tasks.models import Task
from tasks.services import plans
from tests.test_claims_fixtures import claimant, make_programme

PLAN_START = datetime.date(2026, 1, 1)


def approved_plan(task: Task, locality, implementer, *, start=PLAN_START) -> Task:
    plans.plan_save(
        task=task,
        by=implementer,
        timetable="2026年内完成",
        roadmap="先试点后推广",
        milestones=[
            plans.MilestoneRow("制定实施方案", start + datetime.timedelta(days=60), "实施方案"),
            plans.MilestoneRow("完成首批试点", start + datetime.timedelta(days=240), "试点报告"),
        ],
        targets=[
            plans.TargetRow(
                "培育技术经理人",
                "名",
                Decimal(0),
                Decimal(200),
                start + datetime.timedelta(days=330),
            )
        ],
    )
    task = plans.plan_submit(task=task, by=implementer)
    return plans.plan_approve(task=task, by=locality)


def task_world(users, *, approved: bool = True) -> SimpleNamespace:
    national = users["national"]
    programme = make_programme(users)
    items = list(programme.items.order_by("position"))
    sichuan = claimant(programme, users["sichuan"])
    guangdong = claimant(programme, users["guangdong"])
    for item in items[:3]:
        claims.item_claim(item=item, claimant=sichuan, by=users["sichuan"])
    for item in items[1:]:
        claims.item_claim(item=item, claimant=guangdong, by=users["guangdong"])
    claims.programme_close(programme=programme, by=national, reason="试验区未揭榜")
    programme = Programme.objects.get(pk=programme.pk)
    claims.notices_issue(
        programme=programme,
        by=national,
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=datetime.date(2026, 1, 1),
    )
    programme = Programme.objects.get(pk=programme.pk)
    sichuan_tasks = list(Task.objects.filter(claimant=sichuan).order_by("claim__item__position"))
    guangdong_tasks = list(
        Task.objects.filter(claimant=guangdong).order_by("claim__item__position")
    )
    task = sichuan_tasks[0]
    plans.task_update(task=task, by=users["sichuan"], responsible_person="李四")
    plans.implementer_add(
        task=task, by=users["sichuan"], organisation=users["implementer"].organisation, lead=True
    )
    sysu = Organisation.objects.get(name="中山大学")
    for other in guangdong_tasks:
        plans.task_update(task=other, by=users["guangdong"], responsible_person="王五")
        plans.implementer_add(task=other, by=users["guangdong"], organisation=sysu, lead=True)
    if approved:
        task = approved_plan(task, users["sichuan"], users["implementer"])
    return SimpleNamespace(
        programme=programme,
        items=items,
        sichuan=sichuan,
        guangdong=guangdong,
        sichuan_tasks=sichuan_tasks,
        guangdong_tasks=guangdong_tasks,
        task=Task.objects.get(pk=task.pk),
    )
