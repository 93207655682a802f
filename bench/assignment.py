"""Reviewer assignment (专家论证) at national scale: the solver's time and peak memory.

Each scenario runs in a child process of its own, so that its peak resident memory
(`resource.getrusage(...).ru_maxrss`) is the solver's and not what an earlier benchmark of the
same run left behind. The instance is synthetic but shaped like the national one: 31
provinces, the 5 reform fields, ~600 organisations, finer tags from a vocabulary of reform
terms, candidates merged from one to four provinces, conflicts of interest by province and by
organisation, 5 % of experts unavailable. Scenarios:

- `ample`: 6,000 candidates × 3 reviewers from 3,000 experts with a load cap of 8 (18,000
  places wanted, 22,800 offered): the shortlists serve everyone.
- `short`: the same with a load cap of 5 (14,250 offered): the pool is too small, the
  short candidates are widened and every place in the pool ends up taken.

- `database` (only with BENCH_ASSIGN_DATABASE_URL, e.g. the scale data set of `make
  scale-data`): the preview job's work read from that database (5 reviewers asked for each
  candidate of the cycle under review, which has 3), and the save of its result in a
  transaction that is rolled back.

Goal (issue #13): 6,000 × 3,000 with conflicts of interest in < 60 s and < 1 GB.
Run alone: `.venv/bin/python -m bench.assignment` (BENCH_ASSIGN_CANDIDATES,
BENCH_ASSIGN_EXPERTS change the sizes).
"""

import json
import os
import random
import resource
import subprocess
import sys
import time
from typing import Any

GOAL_SECONDS = 60.0
GOAL_MIB = 1024.0
N_CANDIDATES = int(os.environ.get("BENCH_ASSIGN_CANDIDATES", "6000"))
N_EXPERTS = int(os.environ.get("BENCH_ASSIGN_EXPERTS", "3000"))
REVIEWERS = 3
SCENARIOS = {"ample": 8, "short": 5}  # name → load cap

_VOCABULARY = (
    "知识产权 质押融资 技术经理人 科技成果转化 赋权改革 职务科技成果 概念验证 中试平台 "
    "科技金融 投贷联动 创业投资 揭榜挂帅 首台套 新型研发机构 高新技术企业 专精特新 "
    "产学研 技术转移 数据要素 人才评价 科研经费 包干制 容错纠错 营商环境 跨境研发 "
    "种子基金 知识产权证券化 技术合同登记 科技保险 孵化器 众创空间 外籍人才 "
    "科技特派员 军民融合 绿色技术 碳达峰 标准化 检验检测 大型科研仪器 开放共享"
)
TERMS = tuple(_VOCABULARY.split())


def _instance(n_candidates: int, n_experts: int, cap: int, seed: int = 13) -> tuple[Any, Any]:
    from review.assignment import CandidateSpec, ExpertSpec

    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not security)
    provinces = list(range(1, 32))
    organisations = {o: rng.choice(provinces) for o in range(1, 601)}
    fields = [1, 2, 3, 4, 5]
    experts = []
    for e in range(n_experts):
        org = rng.choice(list(organisations)) if rng.random() < 0.9 else None
        province = organisations[org] if org is not None else rng.choice(provinces)
        experts.append(
            ExpertSpec(
                id=10_000 + e,
                capacity=cap,
                fields=frozenset(rng.sample(fields, rng.choice((1, 1, 2)))),
                tags=tuple(rng.sample(TERMS, rng.randint(0, 3))),
                province=province,
                organisation=org,
                available=rng.random() >= 0.05,
            )
        )
    candidates = []
    for c in range(n_candidates):
        merged = rng.choices((1, 2, 3, 4), weights=(70, 20, 7, 3))[0]
        text = "，".join(rng.sample(TERMS, rng.randint(2, 6))) + "改革举措。" * 20
        candidates.append(
            CandidateSpec(
                id=c + 1,
                needed=REVIEWERS,
                field=rng.choice(fields),
                text=text,
                provinces=frozenset(rng.sample(provinces, merged)),
                organisations=frozenset(rng.sample(list(organisations), rng.randint(0, 2))),
            )
        )
    return candidates, experts


def measure(n_candidates: int, n_experts: int, cap: int) -> dict[str, Any]:
    """Solve one instance in this process: seconds, peak MiB and what was placed."""
    from review.assignment import solve

    candidates, experts = _instance(n_candidates, n_experts, cap)
    start = time.perf_counter()
    solution = solve(candidates, experts)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "candidates": n_candidates,
        "experts": n_experts,
        "cap": cap,
        "seconds": round(seconds, 2),
        "peak_mib": round(peak_kib / 1024, 1),
        "placed": len(solution.pairs),
        "demand": solution.demand,
        "capacity": solution.capacity,
        "short": len(solution.shortfalls),
        "rounds": solution.rounds,
        "arcs": solution.arcs,
    }


def measure_database(reviewers: int = 5) -> dict[str, Any]:
    """The preview job's work and the save of its result on the database DATABASE_URL names
    (the scale data set): its cycle under review already has 3 reviewers per candidate, so
    `reviewers` above 3 asks for more. The save runs in a transaction rolled back at the end:
    the data set is left as it was."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiebang.settings")
    django.setup()
    from django.db import transaction

    from accounts.models import User
    from bench.scale import LOGINS, REVIEW_YEAR
    from jobs.models import Job
    from proposals.models import Cycle
    from review.services import assignments as services

    class _RolledBack(Exception):
        pass

    cycle = Cycle.objects.get(year=REVIEW_YEAR)
    national = User.objects.get(username=LOGINS["national"])
    start = time.perf_counter()
    preview = services.assignment_preview_build(cycle=cycle, by=national, reviewers=reviewers)
    preview_seconds = time.perf_counter() - start
    start = time.perf_counter()
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=services.PREVIEW_KIND,
                created_by=national,
                params={"cycle": cycle.pk, "reviewers": reviewers, "preview": preview},
                state=Job.State.DONE,
            )
            created = services.assignments_save(preview_job=job, by=national, accept_partial=True)
            raise _RolledBack
    except _RolledBack:
        pass
    save_seconds = time.perf_counter() - start
    return {
        "candidates": len(preview["order"]),
        "experts": preview["pool_size"],
        "reviewers": reviewers,
        "preview_seconds": round(preview_seconds, 2),
        "phases": preview["seconds"],
        "save_seconds": round(save_seconds, 2),
        "saved": len(created),
        "short": len(preview["shortfalls"]),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _run(code: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(  # noqa: S603 (this interpreter, on our own module)
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _child(n_candidates: int, n_experts: int, cap: int) -> dict[str, Any]:
    return _run(
        "import json; from bench.assignment import measure; "
        f"print(json.dumps(measure({n_candidates}, {n_experts}, {cap})))"
    )


def main_database(url: str) -> dict[str, Any]:
    """measure_database on the data set at `url`, in a child process; printed and returned."""
    figures = _run(
        "import json; from bench.assignment import measure_database; "
        "print(json.dumps(measure_database()))",
        {"DATABASE_URL": url},
    )
    figures["seconds"] = figures["preview_seconds"]
    figures["holds"] = figures["seconds"] < GOAL_SECONDS and figures["peak_mib"] < GOAL_MIB
    print(
        f"  database: preview of {figures['candidates']} candidates × {figures['experts']} "
        f"experts ({figures['reviewers']} reviewers each) {figures['preview_seconds']:.1f} s "
        f"(loading {figures['phases']['loading']:.1f} s, solving "
        f"{figures['phases']['solving']:.1f} s), peak {figures['peak_mib']:.0f} MiB "
        f"{'holds' if figures['holds'] else 'DOES NOT HOLD'}; saving its "
        f"{figures['saved']} assignments {figures['save_seconds']:.1f} s (rolled back)"
    )
    return figures


def main(n_candidates: int = N_CANDIDATES, n_experts: int = N_EXPERTS) -> list[dict[str, Any]]:
    """Run every scenario, print one line each with the goal, and return the figures (each
    with `name`, `seconds`, `peak_mib`, `holds` and the counts above)."""
    results = []
    print(f"Reviewer assignment, {n_candidates} candidates × {n_experts} experts:")
    for name, cap in SCENARIOS.items():
        figures = {"name": name, **_child(n_candidates, n_experts, cap)}
        figures["holds"] = figures["seconds"] < GOAL_SECONDS and figures["peak_mib"] < GOAL_MIB
        results.append(figures)
        print(
            f"  {name:<6} load cap {cap}: {figures['seconds']:.1f} s "
            f"(goal < {GOAL_SECONDS:.0f} s), "
            f"peak {figures['peak_mib']:.0f} MiB (goal < {GOAL_MIB:.0f} MiB) "
            f"{'holds' if figures['holds'] else 'DOES NOT HOLD'}; "
            f"{figures['placed']} of {figures['demand']} places filled "
            f"(pool room {figures['capacity']}), {figures['short']} candidates short, "
            f"{figures['rounds']} solve(s), {figures['arcs']} candidate→expert arcs"
        )
    url = os.environ.get("BENCH_ASSIGN_DATABASE_URL", "")
    if url:
        results.append({"name": "database", **main_database(url)})
    return results


if __name__ == "__main__":
    main()
