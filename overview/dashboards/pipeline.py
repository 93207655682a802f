"""The blocks about the way from proposal to task: the funnel per cycle, the claims of each
locality against the rule, the late items by region and the 2024 pilot's zones by items.

Every figure is counted in the database, one aggregate query per stage (not per cycle, task
or claimant), so a dashboard costs the same number of queries whatever the data size."""

import datetime
from typing import Any, cast

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Claim, Claimant, Programme, add_months
from claims.reference import pilot_reference
from evaluation.models import TaskEvaluation
from lists.models import ListItem, ListVersion
from merging.models import CandidateMeasure
from overview.dashboards.base import Block, Territory
from promotion.models import PromotedMeasure
from proposals.models import Cycle, Proposal
from regions.models import RegionGroup
from tasks.dispatch import Schedule
from tasks.models import Closure, ProgressReport, Task

# A task's cycle: the cycle of the annual list its programme publishes.
TASK_CYCLE = "programme__list_version__annual_list__cycle"
NOT_CLAIMED = [Claim.Shortlisting.APPLIED, Claim.Shortlisting.NOT_SHORTLISTED]


def _per_cycle(qs: QuerySet[Any], cycle_path: str, count: Count) -> dict[int, int]:
    """One query: the count of `qs` grouped by the cycle at `cycle_path`."""
    rows = qs.order_by().values(cycle_path).annotate(n=count).values_list(cycle_path, "n")
    return {cycle: n for cycle, n in rows if cycle is not None}


def stages(territory: Territory) -> list[tuple[str, dict[int, int]]]:
    """Each stage of the funnel with its count per cycle. A stage counts what reached it,
    including what went further (a closed task is also counted as in progress)."""
    t = territory
    return [
        (
            _("proposals"),
            _per_cycle(
                Proposal.objects.exclude(state=Proposal.State.DRAFT).filter(
                    t.localities("locality")
                ),
                "cycle",
                Count("pk"),
            ),
        ),
        (
            _("candidate measures"),
            _per_cycle(
                CandidateMeasure.objects.filter(t.localities("sources__locality")),
                "cycle",
                Count("pk", distinct=True),
            ),
        ),
        (
            _("listed"),
            _per_cycle(
                ListItem.objects.filter(version__state=ListVersion.State.PUBLISHED).filter(
                    t.localities("candidate__sources__locality")
                ),
                "version__annual_list__cycle",
                Count("candidate", distinct=True),
            ),
        ),
        (
            _("claimed"),
            _per_cycle(
                Claim.objects.exclude(shortlisting__in=NOT_CLAIMED).filter(
                    t.claimants("claimant__")
                ),
                "item__programme__list_version__annual_list__cycle",
                Count("pk"),
            ),
        ),
        (
            _("in progress"),
            _per_cycle(Task.objects.filter(t.claimants("claimant__")), TASK_CYCLE, Count("pk")),
        ),
        (
            _("closed"),
            _per_cycle(
                Task.objects.exclude(closure=Closure.OPEN).filter(t.claimants("claimant__")),
                TASK_CYCLE,
                Count("pk"),
            ),
        ),
        (
            _("evaluated"),
            _per_cycle(
                TaskEvaluation.objects.exclude(rating="").filter(t.claimants("task__claimant__")),
                f"task__{TASK_CYCLE}",
                Count("task", distinct=True),
            ),
        ),
        (
            _("promoted"),
            _per_cycle(
                PromotedMeasure.objects.filter(outcome__isnull=False).filter(
                    t.claimants("outcome__tasks__claimant__")
                ),
                f"outcome__tasks__{TASK_CYCLE}",
                Count("pk", distinct=True),
            ),
        ),
    ]


def funnel(territory: Territory) -> Block:
    cycles = list(Cycle.objects.order_by("year").values_list("pk", "year"))
    counted = stages(territory)
    rows = [[str(year), *(per.get(pk, 0) for _name, per in counted)] for pk, year in cycles]
    return Block(
        key="funnel",
        title=_("From proposal to promotion, per cycle"),
        headers=[_("Cycle"), *(name for name, _per in counted)],
        rows=rows,
        chart={
            "kind": "bar",
            "categories": [name for name, _per in counted],
            "series": [
                {"name": str(year), "data": [per.get(pk, 0) for _name, per in counted]}
                for pk, year in cycles
            ],
        },
        note=_(
            "Each stage counts what reached it, including what went further: proposals "
            "submitted, candidate measures merged from them, candidates on a published list, "
            "claims, tasks, tasks closed, tasks with an evaluation rating, promoted measures "
            "distilled from the tasks."
        ),
    )


def claims_rule(territory: Territory) -> Block:
    """Claims per locality against the minimum of its programme. For an annual list the
    minimum is 发改高技〔2021〕484号 §三（三）'s "原则上每个地方年度揭榜改革任务不少于3项",
    addressed to the provinces (claims.selectors.below_minimum): an experiment region added
    as claimant is shown but not held to it."""
    rows_db = (
        Claimant.objects.filter(territory.claimants())
        .exclude(programme__state=Programme.State.DRAFT)
        .values(
            "programme__title",
            "programme__kind",
            "programme__min_claims",
            "division__name",
            "region_group__short_name",
        )
        .annotate(n=Count("claims", filter=~Q(claims__shortlisting__in=NOT_CLAIMED)))
        .order_by("-programme__created_at", "programme_id", "region_group_id", "division__code")
    )
    rows = []
    for row in rows_db:
        held = row["division__name"] is not None or row["programme__kind"] != "annual_list"
        minimum = row["programme__min_claims"]
        if not held or not minimum:
            verdict = _("not held to the rule")
        elif row["n"] >= minimum:
            verdict = _("meets the rule")
        else:
            verdict = _("below the minimum")
        name = row["division__name"] or row["region_group__short_name"]
        rows.append([row["programme__title"], name, row["n"], minimum or "—", verdict])
    return Block(
        key="claims",
        title=_("Claims per locality against the rule"),
        headers=[_("Programme"), _("Locality"), _("Claims"), _("Minimum"), _("Rule")],
        rows=rows,
        chart={
            "kind": "bar",
            "categories": [f"{row[1]} · {row[0]}" for row in rows],
            "series": [
                {"name": _("Claims"), "data": [row[2] for row in rows]},
                {"name": _("Minimum"), "data": [row[3] if row[3] != "—" else 0 for row in rows]},
            ],
            "horizontal": True,
        },
        links=[(_("Programmes and their claims"), reverse("claims:index"))],
        note=_(
            "The minimum of an annual list: 484号 §三（三） "
            '"原则上每个地方年度揭榜改革任务不少于3项", addressed to the provinces.'
        ),
    )


def last_notice_date(months: int, today: datetime.date) -> datetime.date:
    """The latest notice date whose expected end (`Programme.implementation_end`: the date
    plus `months`) is already past today, i.e. before today: `add_months(d, months) < today`
    holds exactly for the dates up to this one (the 31st of a long month ends on the last day
    of a shorter one, hence the month-end case)."""
    yesterday = today - datetime.timedelta(days=1)
    back = add_months(yesterday, -months)
    if (yesterday + datetime.timedelta(days=1)).month != yesterday.month:
        # Yesterday ended its month: every later day of `back`'s month ends on it too.
        following = add_months(back.replace(day=1), 1)
        return following - datetime.timedelta(days=1)
    return back


def _late_conditions(today: datetime.date) -> tuple[Q, Q]:
    """Two filters on tasks, both over every programme at once: the report of the programme's
    last period whose due date has passed is missing (tasks.dispatch's rule: expected once
    the plan was approved by the period's end, not from a task closed by then), and the task
    is past its expected end and not closed."""
    # pk is never null: "no task", the start of an OR over the programmes.
    missing, past_end = Q(pk__isnull=True), Q(pk__isnull=True)
    programmes = Programme.objects.filter(tasks__isnull=False).distinct().order_by("pk")
    for programme in programmes.only(
        "pk", "report_every_months", "report_due_days", "implementation_months"
    ):
        schedule = Schedule.of(programme)
        period = schedule.last_due(today)
        end = schedule.bounds(period)[1]
        after_end = timezone.make_aware(
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())
        )
        submitted = ProgressReport.objects.filter(
            task=OuterRef("pk"),
            year=period[0],
            period=period[1],
            state=ProgressReport.State.SUBMITTED,
        )
        missing |= cast(
            Q,
            Q(programme=programme, plan_approved_at__lt=after_end)
            & (Q(closed_on__isnull=True) | Q(closed_on__gt=end))
            & ~Exists(submitted),
        )
        past_end |= Q(
            programme=programme,
            claimant__notice__issued_on__lte=last_notice_date(
                programme.implementation_months, today
            ),
        )
    return missing, past_end & Q(closure=Closure.OPEN)


def late(territory: Territory, today: datetime.date) -> Block:
    missing, past_end = _late_conditions(today)
    rows_db = (
        Task.objects.filter(territory.claimants("claimant__"))
        .values("claimant__division__name", "claimant__region_group__short_name")
        .annotate(
            tasks=Count("pk", filter=Q(closure=Closure.OPEN)),
            missing=Count("pk", filter=missing),
            past_end=Count("pk", filter=past_end),
        )
        .order_by("claimant__region_group_id", "claimant__division__code")
    )
    rows = [
        [
            row["claimant__division__name"] or row["claimant__region_group__short_name"],
            row["tasks"],
            row["missing"],
            row["past_end"],
        ]
        for row in rows_db
    ]
    return Block(
        key="late",
        title=_("Late items by region"),
        headers=[
            _("Region"),
            _("Tasks being implemented"),
            _("Progress reports missing"),
            _("Tasks past their expected end"),
        ],
        rows=rows,
        chart={
            "kind": "bar",
            "stack": False,
            "categories": [row[0] for row in rows],
            "series": [
                {"name": _("Progress reports missing"), "data": [row[2] for row in rows]},
                {"name": _("Tasks past their expected end"), "data": [row[3] for row in rows]},
            ],
        },
        links=[(_("Dispatch of the tasks"), reverse("tasks:dispatch"))],
        note=_(
            "A report is missing when the last period whose report is due has none submitted "
            "(as in the dispatch); a task is past its expected end when the date of its notice "
            "plus the programme's implementation period has passed and it is not closed."
        ),
    )


BUCKETS = [("3+", 3), ("2", 2), ("1", 1)]


def pilot(territory: Territory) -> Block:
    """The 2024 policy pilot of the demonstration zones: zones by the number of items they
    were shortlisted for, as the sources give it (claims.reference, source 003) and as
    recorded on the platform (claims of the zone-pilot programmes, shortlisted or entered
    as announced)."""
    reference = pilot_reference()
    recorded_rows = (
        Claimant.objects.filter(programme__kind=Programme.Kind.ZONE_PILOT)
        .filter(territory.claimants())
        .annotate(
            n=Count(
                "claims",
                filter=Q(
                    claims__shortlisting__in=[
                        Claim.Shortlisting.NONE,
                        Claim.Shortlisting.SHORTLISTED,
                    ]
                ),
            )
        )
        .filter(n__gt=0)
        .values_list("n", flat=True)
    )
    recorded = {label: 0 for label, _n in BUCKETS}
    for n in recorded_rows:  # one number per zone claimant: at most the 23 zones
        recorded["3+" if n >= 3 else str(n)] += 1
    if territory.national:
        zones = reference.zones
        stated = dict(reference.distribution)
    else:
        names = set(
            RegionGroup.objects.filter(pk__in=territory.group_ids).values_list("name", flat=True)
        )
        zones = [zone for zone in reference.zones if zone.name in names]
        stated = {label: 0 for label, _n in BUCKETS}
        for zone in zones:
            if zone.items:
                stated["3+" if zone.items >= 3 else str(zone.items)] += 1
    labels = {"3+": _("3 items or more"), "2": _("2 items"), "1": _("1 item")}
    rows: list[list[Any]] = [
        [labels[label], stated.get(label, 0), recorded[label]] for label, _n in BUCKETS
    ]
    return Block(
        key="pilot",
        title=_("2024 demonstration zone pilot: zones by items"),
        headers=[_("Items"), _("Zones (as the sources give it)"), _("Zones (on the platform)")],
        rows=rows,
        chart={
            "kind": "bar",
            "categories": [row[0] for row in rows],
            "series": [
                {"name": _("Zones (as the sources give it)"), "data": [row[1] for row in rows]},
                {"name": _("Zones (on the platform)"), "data": [row[2] for row in rows]},
            ],
        },
        note=_("Announced on %(date)s by %(issuer)s; zones named in the sources: %(zones)s.")
        % {
            "date": reference.announced_on,
            "issuer": reference.issuer,
            "zones": "、".join(
                f"{zone.name_in_source}（{zone.items if zone.items is not None else '?'}）"
                for zone in zones
            )
            or "—",
        },
    )
