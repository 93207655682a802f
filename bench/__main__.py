"""Benchmarks at national scale, reported as ratios against a baseline from the same run.

`make bench` (no BENCH_ONLY) measures the table of issue #13 on the data set of
`make scale-data`, through the production server, and writes docs/benchmarks.md: see
bench/production.py.

`BENCH_ONLY=... make bench` runs the earlier parts, which build a throwaway database (the
configured engine, test database name) with N proposals across all 31 provinces and time, as
median of repeated runs:
- the proposal list page as the national coordinator, plain and with a segmented search,
  against the baseline of the start page;
- the Excel export of every proposal, against the baseline of reading the same rows.
Times vary with the machine; the ratios are what to compare between runs.
Before those, bench/similarity.py measures zhtext (segmentation, pair decisions on the
labelled set, clustering 10,000 proposals against an all-pairs baseline). After them, in the
same throwaway database, bench/tasks.py measures the implementation stage: BENCH_TASKS tasks
(default 2,000) of the 31 provinces and 8 experiment regions with 7 quarters of progress
reports; the task index, dispatch, progress overview and help-request pages against the start
page, the SQL queries of the dispatch page, and the task index and dispatch workbooks, the
bulk-update sheet and the reminders against reading every task row. Last, on the same tasks,
bench/evaluation.py measures the evaluation and incentive stage: task notices, close-outs
(half the tasks closed), commissions of ~100 closed tasks with their indicators and scores,
outcomes and incentive decisions; the stage's start page, the close-out index, the ranking,
the commission list, one commission and its scores, the outcome and incentive indexes against
the start page, the SQL queries of the ranking and the close-out index (at the built size and
a tenth of it), and the ranking workbook against reading every task row.

Sizes: BENCH_PROPOSALS (default 5000), BENCH_TASKS (default 2000, also the evaluation's),
BENCH_SIMILAR_PROPOSALS and BENCH_SIMILAR_SUBSET (see bench/similarity.py). BENCH_ONLY runs
the parts named, comma-separated, of `similarity`, `proposals`, `tasks` and `evaluation`:
`BENCH_ONLY=tasks make bench`. `evaluation` needs the tasks' data, so it builds it even when
`tasks` is not named (without timing the tasks' pages).
"""

import os
import statistics
import sys
import time
from collections.abc import Callable

import django

N_PROPOSALS = int(os.environ.get("BENCH_PROPOSALS", "5000"))
ONLY = {part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()}
REPEAT = 7


def median_seconds(func: Callable[[], object], repeat: int = REPEAT) -> float:
    func()  # warm caches and the segmenter's dictionary
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def build(n: int) -> None:
    import datetime

    from django.utils import timezone

    from accounts.models import Role, User
    from demo.builder import _titles
    from proposals.models import Cycle, Proposal, ReformField
    from proposals.reference import load_fields
    from proposals.services.proposals import build_search_text
    from regions.models import Division
    from regions.reference import load_divisions, load_groups

    load_divisions()
    load_groups()
    load_fields()
    national = User.objects.create(username="bench-national", role=Role.NATIONAL)
    cycle = Cycle.objects.create(year=2099, title="bench", deadline=datetime.date(2099, 4, 30))
    provinces = list(Division.objects.filter(level=1))
    fields = list(ReformField.objects.all())
    titles = [t for t, _c in _titles()]
    batch = []
    for i in range(n):
        title = f"{titles[i % len(titles)]}（{i}）"
        p = Proposal(
            cycle=cycle,
            locality=provinces[i % len(provinces)],
            title=title,
            field=fields[i % len(fields)],
            problem="科技成果转化链条长，中小企业融资难。",
            content=f"探索{title}，推进制度创新。",
            implementing_bodies="省发展改革委、省科技厅",
            expected_results="形成可复制推广经验",
            targets="覆盖企业不少于100家",
            timetable="一年内完成",
            contact_name="联系人",
            contact_phone="010-00000000",
            state=Proposal.State.SUBMITTED,
            submitted_at=timezone.now(),
            created_by=national,
        )
        p.search_text = build_search_text(p)
        batch.append(p)
    Proposal.objects.bulk_create(batch, batch_size=1000)


def run() -> None:
    from django.test import Client

    from accounts.models import User
    from proposals import excel
    from proposals.selectors import proposal_list

    user = User.objects.get(username="bench-national")
    client = Client()
    client.force_login(user)

    def page(url: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    home = median_seconds(page("/"))
    listing = median_seconds(page("/proposals/"))
    search = median_seconds(page("/proposals/?q=成果转化"))
    filtered = median_seconds(page("/proposals/?q=专利权质押&state=submitted&sort=title"))
    read_rows = median_seconds(lambda: list(proposal_list(user, {}).iterator()), 3)
    export = median_seconds(lambda: excel.export_bytes(proposal_list(user, {}).iterator()), 3)

    def line(name: str, seconds: float, base: float, base_name: str) -> None:
        print(f"{name:<30} {seconds * 1000:9.1f} ms  {seconds / base:6.2f} x {base_name}")

    print(f"proposals: {N_PROPOSALS}")
    line("baseline: start page", home, home, "start page")
    line("proposal list page", listing, home, "start page")
    line("segmented search 成果转化", search, home, "start page")
    line("search + filter + sort", filtered, home, "start page")
    line("baseline: read all rows", read_rows, read_rows, "reading")
    line("Excel export of all rows", export, read_rows, "reading")


PARTS = ("similarity", "proposals", "tasks", "evaluation")


def wanted(part: str) -> bool:
    return not ONLY or part in ONLY


def main() -> None:
    from bench import evaluation, similarity
    from bench import tasks as implementation

    if not ONLY:
        from bench import production

        production.main()
        return
    if ONLY - set(PARTS):
        sys.exit(f"BENCH_ONLY: unknown part {', '.join(sorted(ONLY - set(PARTS)))}; parts: {PARTS}")
    if wanted("similarity"):
        similarity.main()
    if not (wanted("proposals") or wanted("tasks") or wanted("evaluation")):
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiebang.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if wanted("proposals"):
            print("== pages and exports ==")
            start = time.perf_counter()
            build(N_PROPOSALS)
            print(f"built in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            run()
        if wanted("tasks") or wanted("evaluation"):
            if wanted("tasks"):
                print("== implementation: tasks, reports, dispatch ==")
            start = time.perf_counter()
            built = implementation.build(implementation.N_TASKS)
            print(f"built in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            if wanted("tasks"):
                implementation.run(built, median_seconds)
            if wanted("evaluation"):
                print("== evaluation: close-outs, commissions, ranking, incentives ==")
                start = time.perf_counter()
                assessed = evaluation.build(built)
                print(f"built in {time.perf_counter() - start:.1f} s", file=sys.stderr)
                evaluation.run(assessed, median_seconds)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
