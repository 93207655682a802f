"""The national-scale data set of issue #13 (`make scale-data`), on PostgreSQL.

`python -m bench.scale` (re)creates two databases next to SCALE_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jiebang_scale): the data set at SCALE (default 1, the national
scale) in `jiebang_scale`, and at a tenth of it in `jiebang_scale_tenth`, for the query-count
comparison of `make bench`. Each is migrated, then filled by `build` in a process of its own
(the settings read DATABASE_URL once). SCALE=0.1 makes a small one while developing.

At SCALE=1 `build` writes:
- the reference data: every division (3,215), region group, park, reform field and the three
  promotion batches (56 measures), loaded by the apps' own loaders;
- ten cycles, 2018–2027, opened through `proposals.services.cycles.cycle_open` (2027 still
  open); ~5,000 proposals from the 31 provinces (2027's as drafts and submissions, the earlier
  ones merged); ~1,450 candidate measures, ~1,100 of them in 2026, the cycle under review;
- ~3,000 experts with profiles (fields, division, organisation), three reviewers for each
  2026 candidate, most reviews submitted; a published annual list for each of 2018–2025;
- the implementation stage of bench/tasks.py at 3,500 tasks (39 claimants, ~23,000 progress
  reports with their figures, help requests, reminders) and on it the evaluation stage of
  bench/evaluation.py (close-outs, commissions, scores, outcomes, incentives);
- ~20,000 notifications, spread over the users;
- a tracking round over the three batches opened through
  `promotion.services.rounds.round_open` (its ~3,340 returns made by the service), and one
  adoption record for each unit and measure in its scope: ~180,000 records, ~96 % of the
  returns filed.

The services are used where they write one row of a kind (cycles, the tracking round); every
kind counted in thousands (proposals, candidates, experts, assignments and reviews, list items,
tasks and reports, notifications, adoption records) is written with bulk_create, since the
services, one row and its audit trail at a time, would take hours. Every user made here has the
demo's password (`demo.logins.DEMO_PASSWORD`); `LOGINS` says which user plays each role.
"""

import datetime
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiebang_scale"
SEED = 13
YEARS = list(range(2018, 2028))  # ten cycles; the last one open
REVIEW_YEAR = 2026
REVIEWERS = 3
# The full-scale figures (SCALE=1) of issue #13.
FULL = {
    "proposals_open": 500,  # 2027, being written and submitted
    "proposals_review": 2200,  # 2026, merged into the candidates under review
    "proposals_past": 2300,  # 2018–2025
    "candidates_review": 1100,
    "candidates_past": 350,
    "experts": 3000,
    "tasks": 3500,
    "notifications": 20000,
}
# The statuses in the order a measure is taken up: each has the date it was first reached.
PROGRESSIVE = ["not_deployed", "deployed", "landed", "effective"]
# Who plays each role in `make bench` and `make load` (all with the demo password).
LOGINS = {
    "national": "bench-national",
    "locality": "bench-locality-0",
    "implementer": "bench-implementer-0",
    "expert": "bench-expert-0",
    "evaluator": "bench-evaluator-0",
}


def count(full: int, scale: float) -> int:
    """`full` at `scale`, never below one, so that a tiny data set still has every kind."""
    return max(1, round(full * scale))


def build(scale: float) -> dict[str, int]:
    """Fill the configured (migrated, empty) database; the rows of each kind written."""
    from django.conf import settings
    from django.utils import translation

    from bench import evaluation as evaluation_bench
    from bench import tasks as tasks_bench

    rng = random.Random(SEED)  # noqa: S311 (reproducible test data, not security)
    with translation.override(settings.LANGUAGE_CODE):
        national = _reference_and_national()
        built_tasks = tasks_bench.build(count(FULL["tasks"], scale))
        evaluation_bench.build(built_tasks)
        cycles = _cycles(national)
        _proposals_and_candidates(cycles, national, scale)
        _experts_and_reviews(cycles[REVIEW_YEAR], national, scale, rng)
        _lists(cycles, national)
        _notifications(scale, rng)
        _adoption(national, scale, rng)
        _passwords()
    return counts()


def counts() -> dict[str, int]:
    from accounts.models import Role, User
    from lists.models import ListItem
    from merging.models import CandidateMeasure
    from notifications.models import Notification
    from promotion.models import AdoptionRecord
    from proposals.models import Cycle, Proposal
    from regions.models import Division
    from review.models import Assignment, Review
    from tasks.models import ProgressReport, Task

    return {
        "divisions": Division.objects.count(),
        "cycles": Cycle.objects.count(),
        "proposals": Proposal.objects.count(),
        "candidates": CandidateMeasure.objects.count(),
        "experts": User.objects.filter(role=Role.EXPERT).count(),
        "assignments": Assignment.objects.count(),
        "reviews": Review.objects.count(),
        "list items": ListItem.objects.count(),
        "tasks": Task.objects.count(),
        "progress reports": ProgressReport.objects.count(),
        "notifications": Notification.objects.count(),
        "adoption records": AdoptionRecord.objects.count(),
    }


def _reference_and_national() -> Any:
    from accounts.models import Role, User
    from promotion.reference import load_promotion
    from proposals.reference import load_fields
    from regions.reference import load_divisions, load_groups, load_parks

    load_divisions()
    load_groups()
    load_parks()
    load_fields()
    load_promotion()
    # bench/tasks.py finds this user by name and makes the programme in its name.
    return User.objects.create(
        username=LOGINS["national"],
        first_name="国家发展改革委创新和高技术发展司（基准）",
        role=Role.NATIONAL,
        is_staff=True,
    )


def _cycles(national: Any) -> dict[int, Any]:
    from proposals.models import Cycle
    from proposals.services.cycles import cycle_open

    cycles = {}
    for year in YEARS:
        cycles[year] = cycle_open(
            by=national,
            year=year,
            title=f"{year}年度全面创新改革举措建议征集",
            deadline=datetime.date(year, 4, 30),
            is_open=year == YEARS[-1],
        )
    assert Cycle.objects.filter(is_open=True).count() == 1
    return cycles


def _proposals_and_candidates(cycles: dict[int, Any], national: Any, scale: float) -> None:
    from django.utils import timezone

    from accounts.models import Role, User
    from demo.builder import PROPOSALS
    from merging.models import CandidateMeasure
    from proposals.models import Proposal, ReformField
    from proposals.services.proposals import build_search_text
    from regions.models import Division

    provinces = list(Division.objects.filter(level=1).order_by("code"))
    writers = {u.division_id: u for u in User.objects.filter(role=Role.LOCALITY, division__level=1)}
    fields = {f.name: f for f in ReformField.objects.all()}
    now = timezone.now()

    def proposal(cycle: Any, i: int, state: str) -> Any:
        code, _year, _state, title, field, problem, content = PROPOSALS[i % len(PROPOSALS)]
        locality = provinces[i % len(provinces)]
        p = Proposal(
            cycle=cycle,
            locality=locality,
            title=f"{title.removesuffix('（演示）')}（{locality.name}，{i}）",
            field=fields[field],
            problem=problem,
            content=content,
            implementing_bodies="省发展改革委、省科技厅会同有关部门",
            expected_results="形成可复制推广的制度经验。",
            targets="一年内出台配套办法1项；覆盖企业不少于100家。",
            timetable="第一季度制定方案；第二、三季度组织实施；第四季度总结评估。",
            contact_name="联系人",
            contact_phone="010-00000000",
            state=state,
            submitted_at=None if state == Proposal.State.DRAFT else now,
            created_by=writers.get(locality.pk, national),
        )
        p.search_text = build_search_text(p)
        return p

    # 2027: open, a third still drafts.
    open_cycle = cycles[YEARS[-1]]
    n_open = count(FULL["proposals_open"], scale)
    Proposal.objects.bulk_create(
        [
            proposal(open_cycle, i, Proposal.State.DRAFT if i % 3 == 0 else "submitted")
            for i in range(n_open)
        ],
        batch_size=1000,
    )
    # The cycle under review and the past ones: every proposal merged into a candidate.
    past_years = [y for y in YEARS if y not in (YEARS[-1], REVIEW_YEAR)]
    plan = [(REVIEW_YEAR, FULL["proposals_review"], FULL["candidates_review"])] + [
        (y, FULL["proposals_past"] // len(past_years), FULL["candidates_past"] // len(past_years))
        for y in past_years
    ]
    for year, n_proposals, n_candidates in plan:
        cycle = cycles[year]
        n_candidates = count(n_candidates, scale)
        n_proposals = max(count(n_proposals, scale), n_candidates)
        proposals = [proposal(cycle, i, Proposal.State.SUBMITTED) for i in range(n_proposals)]
        candidates = CandidateMeasure.objects.bulk_create(
            [
                CandidateMeasure(
                    cycle=cycle,
                    title=proposals[k].title,
                    content=proposals[k].content,
                    field=proposals[k].field,
                    created_by=national,
                )
                for k in range(n_candidates)
            ],
            batch_size=1000,
        )
        for i, p in enumerate(proposals):
            p.state, p.merged_into = Proposal.State.MERGED, candidates[i % n_candidates]
        Proposal.objects.bulk_create(proposals, batch_size=1000)


def _experts_and_reviews(cycle: Any, national: Any, scale: float, rng: random.Random) -> None:
    from django.utils import timezone

    from accounts.models import Role, User
    from merging.models import CandidateMeasure
    from proposals.models import ReformField
    from regions.models import Division, Organisation
    from review.models import Assignment, ExpertProfile, Review

    n = max(count(FULL["experts"], scale), REVIEWERS * 2)
    places = list(Division.objects.filter(level__lte=2).order_by("code"))
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"{place.name}创新发展研究院（基准）",
            kind=Organisation.Kind.INSTITUTE,
            division=place,
        )
        for place in places[: max(1, n // 10)]
    )
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench-expert-{i}",
                first_name=f"专家{i}（基准）",
                role=Role.EXPERT,
                email=f"expert{i}@bench.invalid",
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    profiles = ExpertProfile.objects.bulk_create(
        [
            ExpertProfile(
                user=u,
                division=organisations[i % len(organisations)].division,
                organisation=organisations[i % len(organisations)],
                tags="成果转化, 科技金融" if i % 2 else "知识产权, 人才",
                available=i % 20 != 0,
                max_load=8,
            )
            for i, u in enumerate(users)
        ],
        batch_size=1000,
    )
    fields = list(ReformField.objects.all())
    through = ExpertProfile.fields.through
    through.objects.bulk_create(
        [
            through(expertprofile_id=p.pk, reformfield_id=fields[(i + k) % len(fields)].pk)
            for i, p in enumerate(profiles)
            for k in range(2)
        ],
        batch_size=5000,
    )
    candidates = list(CandidateMeasure.objects.filter(cycle=cycle).order_by("pk"))
    assignments = []
    for candidate in candidates:
        chosen = rng.sample(range(n), REVIEWERS) if n > REVIEWERS else list(range(n))
        assignments += [
            Assignment(
                candidate=candidate,
                expert=users[e],
                source=Assignment.Source.SOLVER,
                assigned_by=national,
            )
            for e in chosen
        ]
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    now = timezone.now()
    reviews = []
    recommendations = list(Review.Recommendation)
    for i, a in enumerate(assignments):
        if i % 10 == 9:
            continue  # not started
        submitted = i % 10 != 8
        reviews.append(
            Review(
                assignment=a,
                value=rng.randint(2, 5),
                operability=rng.randint(2, 5),
                assessability=rng.randint(2, 5),
                replicability=rng.randint(2, 5),
                comments="改革举措针对性强，建议细化考核指标。",
                recommendation=rng.choice(recommendations) if submitted else "",
                state=Review.State.SUBMITTED if submitted else Review.State.DRAFT,
                submitted_at=now if submitted else None,
            )
        )
    Review.objects.bulk_create(reviews, batch_size=2000)


def _lists(cycles: dict[int, Any], national: Any) -> None:
    """A published list for each past cycle, of its candidates."""
    from django.utils import timezone

    from lists.models import AnnualList, ListItem, ListVersion
    from merging.models import CandidateMeasure

    now = timezone.now()
    for year, cycle in cycles.items():
        if year >= REVIEW_YEAR:
            continue
        annual = AnnualList.objects.create(
            cycle=cycle, title=f"{year}年度全面创新改革举措清单", created_by=national
        )
        version = ListVersion.objects.create(
            annual_list=annual,
            number=1,
            issuing_authority="国家发展改革委、科技部",
            doc_number=f"发改高技〔{year}〕{900 + year % 100}号",
            issued_on=datetime.date(year, 9, 30),
            no_consultation_reason="（基准数据）",
        )
        ListItem.objects.bulk_create(
            ListItem(
                version=version,
                position=k + 1,
                candidate=c,
                title=c.title,
                content=c.content,
                field_id=c.field_id,
            )
            for k, c in enumerate(CandidateMeasure.objects.filter(cycle=cycle).order_by("pk"))
        )
        # Published once its items are in: the database refuses to change a published one.
        ListVersion.objects.filter(pk=version.pk).update(
            state=ListVersion.State.PUBLISHED, published_at=now, published_by=national
        )


def _notifications(scale: float, rng: random.Random) -> None:
    """Messages across the users, a tenth of them to the national coordinator; a third read."""
    from django.utils import timezone

    from accounts.models import User
    from notifications.models import Notification

    users = list(User.objects.order_by("pk").values_list("pk", flat=True))
    national = User.objects.get(username=LOGINS["national"]).pk
    now = timezone.now()
    n = count(FULL["notifications"], scale)
    rows = []
    for i in range(n):
        to = national if i % 10 == 0 else users[rng.randrange(len(users))]
        rows.append(
            Notification(
                user_id=to,
                subject=f"进展报告催报提醒（{i}）",
                body="请于报送期内提交本期进展报告。",
                url="/tasks/",
                read_at=now if i % 3 == 0 else None,
                about=f"bench:{i}",
                is_reminder=i % 2 == 0,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=5000)


def _adoption(national: Any, scale: float, rng: random.Random) -> None:
    """The tracking round over the three batches (the service makes its returns) and each
    filed unit's record of every measure in its scope."""
    from django.utils import timezone

    from promotion.models import (
        AdoptionRecord,
        AdoptionStatus,
        PromotedMeasure,
        PromotionBatch,
        RoundReturn,
    )
    from promotion.services import rounds
    from promotion.territory import divisions_in_scope, parks_in_scope

    opened = datetime.date(2026, 10, 8)
    round = rounds.round_open(
        by=national,
        data=rounds.RoundData(
            title="2026年三批改革举措推广落实情况全国摸查（基准）",
            batches=list(PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED)),
            deadline=datetime.date(2026, 12, 31),
            note="（基准数据）",
        ),
        today=opened,
    )
    measures = list(PromotedMeasure.objects.filter(batch__in=round.batches.all()).order_by("pk"))
    regional = next((m for m in measures if m.scope == PromotedMeasure.Scope.REGIONS), None)
    in_regions_divisions: set[int] = set()
    in_regions_parks: set[int] = set()
    if regional is not None:
        in_regions_divisions = set(divisions_in_scope(regional).values_list("pk", flat=True))
        in_regions_parks = set(parks_in_scope(regional).values_list("pk", flat=True))
    filed_share = 0.96 * min(1.0, scale)
    now = timezone.now()
    statuses = [
        (AdoptionStatus.NOT_DEPLOYED, 0.15),
        (AdoptionStatus.DEPLOYED, 0.30),
        (AdoptionStatus.LANDED, 0.30),
        (AdoptionStatus.EFFECTIVE, 0.20),
        (AdoptionStatus.NOT_APPLICABLE, 0.05),
    ]
    names = [s for s, _w in statuses]
    weights = [w for _s, w in statuses]
    filed = []
    batch: list[Any] = []
    for ret in RoundReturn.objects.filter(round=round).order_by("pk").iterator():
        if rng.random() >= filed_share:
            continue
        filed.append(ret.pk)
        inside = (
            ret.park_id in in_regions_parks
            if ret.park_id
            else ret.division_id in in_regions_divisions
        )
        for m in measures:
            if m.scope == PromotedMeasure.Scope.REGIONS and not inside:
                continue
            status = rng.choices(names, weights)[0]
            day = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(2500))
            dates = {
                "deployed_on": day if status in PROGRESSIVE[1:] else None,
                "landed_on": day if status in PROGRESSIVE[2:] else None,
                "effective_on": day if status == AdoptionStatus.EFFECTIVE else None,
            }
            batch.append(
                AdoptionRecord(
                    division_id=ret.division_id,
                    park_id=ret.park_id,
                    level=ret.level,
                    province_id=ret.province_id,
                    prefecture_id=ret.prefecture_id,
                    measure=m,
                    status=status,
                    status_on=None if status == AdoptionStatus.NOT_DEPLOYED else day,
                    reason="本地无相关产业" if status == AdoptionStatus.NOT_APPLICABLE else "",
                    contact="改革办 010-00000000",
                    round=round,
                    updated_by=national,
                    **dates,
                )
            )
        if len(batch) >= 10000:
            AdoptionRecord.objects.bulk_create(batch, batch_size=5000)
            batch = []
    AdoptionRecord.objects.bulk_create(batch, batch_size=5000)
    RoundReturn.objects.filter(pk__in=filed).update(filed_at=now, filed_by=national)


def _passwords() -> None:
    """One hash of the demo's password for every user made here (hashing once, not per user)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from demo.logins import DEMO_PASSWORD

    User.objects.filter(username__startswith="bench-").update(password=make_password(DEMO_PASSWORD))


def _database_urls() -> list[tuple[str, float]]:
    url = os.environ.get("SCALE_DATABASE_URL", DEFAULT_URL)
    scale = float(os.environ.get("SCALE", "1"))
    return [(url, scale), (f"{url}_tenth", scale / 10)]


def libpq(url: str) -> str:
    """A Django-style postgres:// URL as libpq takes it."""
    return url.replace("postgres://", "postgresql://", 1)


def _recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = libpq(url).rsplit("/", 1)
    try:
        conn = psycopg.connect(f"{base}/postgres", autocommit=True)
    except psycopg.OperationalError as exc:
        sys.exit(
            f"PostgreSQL does not answer at {base}/ ({exc}); start it or set SCALE_DATABASE_URL."
        )
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _built(url: str) -> bool:
    """Whether the database at `url` holds a data set of this module (its tasks)."""
    import psycopg

    try:
        with psycopg.connect(libpq(url)) as conn:
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM tasks_task)").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def ensure() -> None:
    """Build both databases unless they hold a data set already, else migrate them (`make
    bench`, `make load`)."""
    if not all(_built(url) for url, _scale in _database_urls()):
        print("The scale data set is missing: building it (make scale-data).", flush=True)
        build_all()
        return
    for url, _scale in _database_urls():  # the code may have moved on since it was built
        _migrate(url)
        _analyze(url)


def _analyze(url: str) -> None:
    """Give PostgreSQL's planner the statistics of the rows just written: with autovacuum off
    (as on this machine) or not yet run, it would plan for 7 tasks where there are 3,500."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def _migrate(url: str) -> None:
    subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def build_all() -> None:
    for url, scale in _database_urls():
        start = time.perf_counter()
        print(f"{url} at scale {scale:g}", flush=True)
        _recreate(url)
        _migrate(url)
        env = {**os.environ, "DATABASE_URL": url, "SCALE": repr(scale)}
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.scale", "--build"], cwd=ROOT, env=env, check=True
        )
        _analyze(url)
        print(f"  built in {time.perf_counter() - start:.0f} s", flush=True)


def main() -> None:
    if sys.argv[1:] == ["--build"]:  # in the database of DATABASE_URL, at SCALE
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiebang.settings")
        django.setup()
        for kind, n in build(float(os.environ.get("SCALE", "1"))).items():
            print(f"  {kind:<18} {n:>8,}")
        return
    build_all()


if __name__ == "__main__":
    main()
