"""The implementation stage (实施) at national scale, as ratios against baselines of this run.

`build` writes, with bulk_create and no service calls, one closed programme with the 31
provinces and the 8 experiment regions as claimants and BENCH_TASKS tasks (default 2,000:
items × claims spread over the claimants), each with 2 implementers, 4 milestones and
2 targets, its plan approved on 2025-01-15 and its progress reports for the 7 quarters
2025 Q1 … 2026 Q3 with their milestone and target figures: about 5 % of the reports are
missing, 2 % left as drafts and 10 % submitted late. Milestones are done on time, late or
not at all; the task progress is tasks.progress.task_progress of the stored figures. One task
in 12 has an open help request, one in 12 an answered one. Reminders are recorded as sent for
everything that fell due before 2026-10-01, as if the runner last ran on 2026-09-30.

`run` times, as the national coordinator through django.test.Client:
- against the start page: the task index, the dispatch page of 2026 Q3 (all claimants, all
  tasks), the progress overview, the help-request index; and the SQL queries of the dispatch
  page;
- against reading every task row: the task index .xlsx, the dispatch .xlsx, the bulk-update
  sheet, the selection of reminders (reminders_due) and a whole run of reminders_send, both
  for 2026-11-22; the send runs in a transaction rolled back after each repeat, so every
  repeat sends the same reminders (the backlog since 2026-10-01), e-mails never leave.
"""

import datetime
import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

N_TASKS = int(os.environ.get("BENCH_TASKS", "2000"))
REPEAT_EXPORT = 3
SEED = 7
QUARTERS = [(2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)]
APPROVED_ON = datetime.date(2025, 1, 15)
LAST_END = datetime.date(2026, 9, 30)  # the last quarter reported; the stored figures are its
REMINDED_UNTIL = datetime.date(2026, 10, 1)  # reminders falling due before were sent
TODAY = datetime.date(2026, 11, 22)
MILESTONES_DUE = [
    datetime.date(2025, 6, 30),
    datetime.date(2025, 12, 31),
    datetime.date(2026, 6, 30),
    datetime.date(2026, 12, 31),
]
TARGET_DUE = datetime.date(2026, 12, 31)
# (indicator, unit, baseline, target value): one rising, one falling target per task.
TARGETS = [
    ("参与试点的企业数", "家", Decimal(0), Decimal(100)),
    ("企业开办时间", "天", Decimal(30), Decimal(10)),
]
ORGANISATIONS = [
    ("发展改革委", "government"),
    ("科技厅", "government"),
    ("高新技术企业集团", "enterprise"),
    ("理工大学", "university"),
]
CATEGORIES = ["科技成果转化", "科技金融", "人才发展", "开放创新", "知识产权"]

Median = Callable[..., float]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@dataclass
class Outline:
    """What happens to one task: when each milestone is done (None: not by LAST_END), how
    far its targets get, and the fate of each quarter's report."""

    done_on: list[datetime.date | None]
    target_pace: list[float]
    reports: list[str]  # per quarter: "on_time", "late", "draft" or "missing"


def _outline(rng: random.Random) -> Outline:
    done_on: list[datetime.date | None] = []
    for due in MILESTONES_DUE[:3]:
        r = rng.random()
        if r < 0.80:
            done_on.append(due - datetime.timedelta(days=rng.randint(0, 30)))
        elif r < 0.92:
            done_on.append(due + datetime.timedelta(days=rng.randint(10, 60)))
        else:
            done_on.append(None)
    done_on.append(datetime.date(2026, 9, 15) if rng.random() < 0.1 else None)
    reports = []
    for _quarter in QUARTERS:
        r = rng.random()
        reports.append(
            "missing" if r < 0.05 else "draft" if r < 0.07 else "late" if r < 0.17 else "on_time"
        )
    return Outline(done_on, [rng.uniform(0.5, 1.3), rng.uniform(0.5, 1.3)], reports)


def _status(outline: Outline, index: int, day: datetime.date) -> tuple[str, datetime.date | None]:
    """A milestone's status and done date as of `day`."""
    done = outline.done_on[index]
    if done is not None and done <= day:
        return "done", done
    started = APPROVED_ON if index == 0 else MILESTONES_DUE[index - 1]
    return ("in_progress" if day >= started else "not_started"), None


def _actual(outline: Outline, index: int, quarter_number: int) -> Decimal:
    """A target's actual value after the `quarter_number`-th quarter (1–7)."""
    _indicator, _unit, baseline, target = TARGETS[index]
    covered = (target - baseline) * Decimal(quarter_number * outline.target_pace[index] / 8)
    return (baseline + covered).quantize(Decimal("0.1"))


def build(n: int) -> dict[str, Any]:
    """Write the programme and its tasks; what `run` needs to find them."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import Role, User
    from claims.models import Claim, Claimant, Programme, ProgrammeItem
    from demo.builder import _titles
    from regions.models import Division, Organisation, RegionGroup
    from regions.reference import load_divisions, load_groups
    from tasks import periods
    from tasks.models import (
        HelpRequest,
        Implementer,
        Milestone,
        MilestoneUpdate,
        ProgressReport,
        Reminder,
        Target,
        TargetUpdate,
        Task,
    )
    from tasks.progress import task_progress

    rng = random.Random(SEED)  # noqa: S311 (reproducible test data, not security)
    load_divisions()
    load_groups()
    national, _created = User.objects.get_or_create(
        username="bench-national", defaults={"role": Role.NATIONAL}
    )
    with transaction.atomic():
        programme = Programme.objects.create(
            kind=Programme.Kind.ANNUAL_LIST,
            title="bench: implementation at national scale",
            state=Programme.State.CLOSED,
            opens_at=datetime.date(2024, 10, 1),
            closes_at=datetime.date(2024, 11, 30),
            created_by=national,
        )
        provinces = list(Division.objects.filter(level=1).order_by("code"))
        regions = list(
            RegionGroup.objects.filter(kind=RegionGroup.Kind.EXPERIMENT_REGION)
            .prefetch_related("divisions")
            .order_by("id")
        )
        claimants = Claimant.objects.bulk_create(
            [Claimant(programme=programme, division=d) for d in provinces]
            + [Claimant(programme=programme, region_group=g) for g in regions]
        )
        # Where each claimant's organisations sit, and what to call them.
        homes = [(d, d.name) for d in provinces] + [
            (min(g.divisions.all(), key=lambda d: d.code), g.short_name) for g in regions
        ]
        organisations = Organisation.objects.bulk_create(
            Organisation(name=f"{label}{suffix}", kind=kind, division=home)
            for home, label in homes
            for suffix, kind in ORGANISATIONS
        )
        per_claimant = len(ORGANISATIONS)
        unusable = make_password(None)
        locality_users = [
            User(
                username=f"bench-locality-{i}",
                role=Role.LOCALITY,
                division=c.division,
                region_group=c.region_group,
                email=f"locality{i}@bench.invalid",
                password=unusable,
            )
            for i, c in enumerate(claimants)
        ]
        implementer_users = [
            User(
                username=f"bench-implementer-{i}",
                role=Role.IMPLEMENTER,
                organisation=o,
                email=f"implementer{i}@bench.invalid",
                password=unusable,
            )
            for i, o in enumerate(organisations)
        ]
        User.objects.bulk_create(locality_users + implementer_users)

        titles = [t for t, _c in _titles()]
        n_items = math.ceil(n / len(claimants))
        items = ProgrammeItem.objects.bulk_create(
            ProgrammeItem(
                programme=programme,
                position=i + 1,
                category=CATEGORIES[i % len(CATEGORIES)],
                title=titles[i % len(titles)][:190],
            )
            for i in range(n_items)
        )
        # Item i // claimants for claimant i % claimants: every claimant claims about as many.
        claims = Claim.objects.bulk_create(
            Claim(
                item=items[i // len(claimants)],
                claimant=claimants[i % len(claimants)],
                claimed_by=national,
            )
            for i in range(n)
        )

        outlines = [_outline(rng) for _i in range(n)]
        milestones: list[list[Milestone]] = []
        targets: list[list[Target]] = []
        tasks = []
        for i, (claim, outline) in enumerate(zip(claims, outlines, strict=True)):
            ms = []
            for m, due in enumerate(MILESTONES_DUE):
                status, done_on = _status(outline, m, LAST_END)
                ms.append(
                    Milestone(
                        position=m + 1,
                        title=f"节点任务{m + 1}",
                        due_on=due,
                        deliverable="阶段成果材料",
                        status=status,
                        done_on=done_on,
                        weight=Decimal(1),
                    )
                )
            ts = [
                Target(
                    position=t + 1,
                    indicator=indicator,
                    unit=unit,
                    baseline=baseline,
                    target_value=target_value,
                    due_on=TARGET_DUE,
                    actual=_actual(outline, t, len(QUARTERS)),
                    weight=Decimal(1),
                )
                for t, (indicator, unit, baseline, target_value) in enumerate(TARGETS)
            ]
            milestones.append(ms)
            targets.append(ts)
            tasks.append(
                Task(
                    claim=claim,
                    programme=programme,
                    claimant=claim.claimant,
                    title=claim.item.title,
                    responsible_person=f"负责人{i}",
                    responsible_post="处长",
                    responsible_phone="010-00000000",
                    landmark=i % 10 == 0,
                    weight=Decimal(2) if i % 10 == 0 else Decimal(1),
                    timetable="2025年制定细则，2026年完成试点并总结。",
                    roadmap="制定细则 → 遴选试点 → 组织实施 → 评估总结。",
                    plan_state=Task.PlanState.APPROVED,
                    plan_submitted_at=_at(APPROVED_ON - datetime.timedelta(days=10)),
                    plan_approved_at=_at(APPROVED_ON),
                    progress=task_progress(ms, ts),
                )
            )
        Task.objects.bulk_create(tasks, batch_size=1000)
        claimant_index = {c.pk: k for k, c in enumerate(claimants)}
        implementers = []
        leads = []
        for i, task in enumerate(tasks):
            base = claimant_index[task.claimant_id] * per_claimant
            lead, partner = base + i % per_claimant, base + (i + 1) % per_claimant
            leads.append(implementer_users[lead])
            implementers += [
                Implementer(
                    task=task,
                    organisation=organisations[lead],
                    lead=True,
                    responsibility="牵头制定细则并组织实施",
                ),
                Implementer(
                    task=task,
                    organisation=organisations[partner],
                    responsibility="配合遴选试点、提供政策支持",
                ),
            ]
            for milestone in milestones[i]:
                milestone.task = task
            for target in targets[i]:
                target.task = task
        Implementer.objects.bulk_create(implementers, batch_size=2000)
        Milestone.objects.bulk_create([m for ms in milestones for m in ms], batch_size=2000)
        Target.objects.bulk_create([t for ts in targets for t in ts], batch_size=2000)

        reports = []
        owners: list[tuple[int, int]] = []  # (task index, quarter number) of each report
        for i, (task, outline) in enumerate(zip(tasks, outlines, strict=True)):
            for k, (quarter, fate) in enumerate(zip(QUARTERS, outline.reports, strict=True)):
                if fate == "missing":
                    continue
                due = periods.due_on(quarter)
                submitted = None
                if fate != "draft":
                    late = fate == "late"
                    submitted = _at(due + datetime.timedelta(days=12 if late else -5))
                reports.append(
                    ProgressReport(
                        task=task,
                        year=quarter[0],
                        period=quarter[1],
                        state="draft" if submitted is None else "submitted",
                        done=f"{periods.label(quarter)}：推进试点，完成阶段任务。",
                        problems="中试平台收费标准尚待明确。" if i % 7 == 0 else "",
                        created_by=leads[i],
                        submitted_at=submitted,
                    )
                )
                owners.append((i, k + 1))
        ProgressReport.objects.bulk_create(reports, batch_size=2000)
        milestone_updates = []
        target_updates = []
        for report, (i, k) in zip(reports, owners, strict=True):
            if report.state == "draft":
                continue
            end = periods.bounds((report.year, report.period))[1]
            for m, milestone in enumerate(milestones[i]):
                status, done_on = _status(outlines[i], m, end)
                milestone_updates.append(
                    MilestoneUpdate(
                        report=report, milestone=milestone, status=status, done_on=done_on
                    )
                )
            for t, target in enumerate(targets[i]):
                target_updates.append(
                    TargetUpdate(report=report, target=target, actual=_actual(outlines[i], t, k))
                )
        MilestoneUpdate.objects.bulk_create(milestone_updates, batch_size=5000)
        TargetUpdate.objects.bulk_create(target_updates, batch_size=5000)

        help_requests = []
        now = _at(TODAY)
        for i, task in enumerate(tasks):
            if i % 12 not in (0, 6):
                continue
            answered = i % 12 == 6
            help_requests.append(
                HelpRequest(
                    task=task,
                    level=HelpRequest.Level.NATIONAL if i % 24 < 12 else HelpRequest.Level.LOCALITY,
                    text="请协调省级部门明确中试平台收费标准。",
                    state=HelpRequest.State.ANSWERED if answered else HelpRequest.State.OPEN,
                    answer="已协调省发展改革委研究办理。" if answered else "",
                    raised_by=leads[i],
                    answered_by=national if answered else None,
                    answered_at=now if answered else None,
                )
            )
        HelpRequest.objects.bulk_create(help_requests)

        # What the runner sent up to 2026-09-30: overdue reports and milestones due before.
        reminders = []
        for i, (task, outline) in enumerate(zip(tasks, outlines, strict=True)):
            for quarter, fate in zip(QUARTERS, outline.reports, strict=True):
                if fate in ("missing", "draft") and periods.due_on(quarter) < REMINDED_UNTIL:
                    key = f"report-overdue:{quarter[0]}:{quarter[1]}"
                    reminders.append(Reminder(task=task, key=key, recipients=3))
            for milestone in milestones[i]:
                if milestone.status != "done" and milestone.due_on < REMINDED_UNTIL:
                    key = f"milestone-overdue:{milestone.pk}"
                    reminders.append(Reminder(task=task, key=key, recipients=3))
        Reminder.objects.bulk_create(reminders, batch_size=5000)

    fates = [fate for outline in outlines for fate in outline.reports]
    return {
        "programme": programme.pk,
        "national": national.pk,
        "claimants": len(claimants),
        "reports": len(reports),
        "late": fates.count("late"),
        "missing": fates.count("missing") + fates.count("draft"),
        "help": len(help_requests),
    }


def run(built: dict[str, Any], median_seconds: Median) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.exports import via_job
    from tasks.models import Task
    from tasks.services.reminders import reminders_due, reminders_send

    client = Client()
    client.force_login(User.objects.get(pk=built["national"]))

    def page(url: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    programme = built["programme"]
    dispatch_query = f"?programme={programme}&period=2026-3&status=all"
    home = median_seconds(page("/"))
    index = median_seconds(page("/tasks/"))
    dispatch = median_seconds(page(f"/tasks/dispatch/{dispatch_query}"))
    overview = median_seconds(page(f"/tasks/progress/{programme}/"))
    help_index = median_seconds(page("/tasks/help/"))
    with CaptureQueriesContext(connection) as queries:
        page(f"/tasks/dispatch/{dispatch_query}")()

    columns = ("pk", "title", "claimant_id", "responsible_person", "plan_state", "progress")
    reading = median_seconds(lambda: list(Task.objects.values_list(*columns)), REPEAT_EXPORT)
    # Background jobs since issue #13: queued by the link, run as the worker runs them.
    index_xlsx = median_seconds(via_job(client, "/tasks/xlsx/"), REPEAT_EXPORT)
    dispatch_xlsx = median_seconds(
        via_job(client, f"/tasks/dispatch/xlsx/{dispatch_query}"), REPEAT_EXPORT
    )
    bulk_sheet = median_seconds(via_job(client, "/tasks/bulk/sheet/"), REPEAT_EXPORT)
    due = median_seconds(lambda: reminders_due(TODAY), REPEAT_EXPORT)
    sent = []

    def send_rolled_back() -> None:
        with transaction.atomic():
            sent.append(reminders_send(today=TODAY))
            transaction.set_rollback(True)

    send = median_seconds(send_rolled_back, REPEAT_EXPORT)

    def line(name: str, seconds: float, base: float, base_name: str) -> None:
        print(f"{name:<30} {seconds * 1000:9.1f} ms  {seconds / base:6.2f} x {base_name}")

    n = Task.objects.count()
    print(
        f"tasks: {n} ({built['claimants']} claimants; {built['reports']} reports, "
        f"{built['late']} late, {built['missing']} missing or draft; "
        f"{built['help']} help requests)"
    )
    line("baseline: start page", home, home, "start page")
    line("task index page", index, home, "start page")
    line("dispatch page 2026 Q3, all", dispatch, home, "start page")
    line("progress overview page", overview, home, "start page")
    line("help-request index page", help_index, home, "start page")
    print(f"{'dispatch page SQL queries':<30} {len(queries):9d}")
    line("baseline: read all task rows", reading, reading, "reading")
    line("task index .xlsx", index_xlsx, reading, "reading")
    line("dispatch .xlsx 2026 Q3, all", dispatch_xlsx, reading, "reading")
    line("bulk-update sheet", bulk_sheet, reading, "reading")
    line("reminders_due 2026-11-22", due, reading, "reading")
    line(f"reminders_send ({sent[-1]} sent)", send, reading, "reading")
