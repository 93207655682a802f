"""Expert review in the demo, through the same services the coordinator and experts use.

A small pool of experts (one in Sichuan, whose province and university make conflicts of
interest visible; one on leave; each with a distinct made-up person's name), reviewers solved
for every candidate of the 2026 cycle, and
most reviews submitted so that the ranking has figures. The `expert` login keeps one draft and
one review not yet started, to try the form. One candidate's reviewers disagree on purpose, so
the flag shows. Names marked （演示） are made up; the scores are demo data.
"""

import hashlib

from django.db import transaction

from accounts.models import Role, User
from jobs.services import job_run
from merging.models import CandidateMeasure
from proposals.models import Cycle, ReformField
from regions.models import Division, Organisation
from review.models import Assignment, ExpertProfile
from review.services.assignments import assignment_preview_enqueue, assignments_save
from review.services.experts import expert_profile_create
from review.services.reviews import review_save, review_submit

YEAR = 2026
REVIEWERS = 3

# username, display name, division code, organisation (name, kind, division code) or None,
# fields of expertise (the reform fields of 484号 §二; which expert knows which is demo content),
# tags, available, load cap
EXPERTS = [
    (
        "expert",
        "李明（演示）",
        "110000",
        None,
        ["促进技术要素市场体系建设", "包容审慎监管新产业新业态"],
        "技术经理人, 知识产权",
        True,
        6,
    ),
    (
        "expert_shanghai",
        "王芳（演示）",
        "310000",
        ("上海示例科技政策研究院（演示）", Organisation.Kind.INSTITUTE, "310000"),
        ["打好关键核心技术攻坚战", "其他（个性化改革举措）"],
        "科技金融, 投贷联动",
        True,
        6,
    ),
    (
        "expert_hubei",
        "陈志强（演示）",
        "420100",
        ("湖北示例创新发展研究中心（演示）", Organisation.Kind.INSTITUTE, "420100"),
        ["促进技术要素市场体系建设", "构建高效运行的科研体系"],
        "成果转化, 职务科技成果",
        True,
        6,
    ),
    (
        "expert_zhejiang",
        "周晓燕（演示）",
        "330100",
        ("浙江示例大学（演示）", Organisation.Kind.UNIVERSITY, "330100"),
        ["构建高效运行的科研体系", "其他（个性化改革举措）"],
        "人才, 签证",
        True,
        6,
    ),
    (
        "expert_sichuan",
        "刘洋（演示）",
        "510000",
        ("四川大学", Organisation.Kind.UNIVERSITY, "510107"),
        ["促进技术要素市场体系建设", "其他（个性化改革举措）"],
        "",
        True,
        6,
    ),
    (
        "expert_leave",
        "赵磊（演示，休假中）",
        "110000",
        None,
        ["包容审慎监管新产业新业态", "构建高效运行的科研体系"],
        "",
        False,
        6,
    ),
]

COMMENT = "（演示数据）举措针对性较强，建议细化量化考核指标，明确推广条件。"


def _experts(national: User) -> list[User]:
    from demo.builder import DEMO_PASSWORD  # here: the builder imports this module

    fields = {f.name: f for f in ReformField.objects.all()}
    experts = []
    for username, name, code, org, field_names, tags, available, cap in EXPERTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=name, role=Role.EXPERT)
            user.set_password(DEMO_PASSWORD)
            user.save()
        if not ExpertProfile.objects.filter(user=user).exists():
            organisation = None
            if org is not None:
                organisation = Organisation.objects.get_or_create(
                    name=org[0],
                    division=Division.objects.get(code=org[2]),
                    defaults={"kind": org[1]},
                )[0]
            data = {
                "division": Division.objects.get(code=code),
                "organisation": organisation,
                "fields": [fields[n] for n in field_names if n in fields],
                "tags": tags,
                "available": available,
                "max_load": cap,
            }
            expert_profile_create(by=national, user=user, data=data)
        experts.append(user)
    return experts


def _score(*parts: object) -> int:
    """A stable demo number from 2 to 5."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return 2 + digest[0] % 4


def _scores(assignment: Assignment, disputed: bool, low: bool) -> dict[str, object]:
    criteria = ["value", "operability", "assessability", "replicability"]
    if disputed:
        scores = dict.fromkeys(criteria, 1 if low else 5)
    else:
        # Reviewers of one candidate stay within a point of each other: the candidate's own
        # level, plus 0 or 1 per reviewer and criterion.
        title, username = assignment.candidate.title, assignment.expert.username
        scores = {c: min(5, _score(title, c) + _score(title, username, c) % 2) for c in criteria}
    if disputed:
        recommendation = "exclude" if low else "include"
    else:
        total = sum(scores.values())
        recommendation = "include" if total >= 14 else "exclude" if total <= 8 else "revise"
    return {**scores, "recommendation": recommendation, "comments": COMMENT}


def _reviews(cycle: Cycle) -> None:
    assignments = list(
        Assignment.objects.filter(candidate__cycle=cycle)
        .select_related("candidate", "expert")
        .order_by("candidate_id", "id")
    )
    disputed = assignments[0].candidate_id if assignments else None
    own = [a for a in assignments if a.expert.username == "expert"]
    left_alone = own[-1:]  # the `expert` login finds one review not yet started...
    drafts = own[-2:-1]  # ...and one draft
    first_of_disputed = True
    for a in assignments:
        if a in left_alone:
            continue
        is_disputed = a.candidate_id == disputed
        data = _scores(a, is_disputed, low=is_disputed and first_of_disputed)
        if is_disputed:
            first_of_disputed = False
        if a in drafts:
            review_save(assignment=a, by=a.expert, data={**data, "recommendation": ""})
        else:
            review_submit(assignment=a, by=a.expert, data=data)


@transaction.atomic
def build_review_demo() -> bool:
    """Review the 2026 cycle once; False if there is nothing to review or it was done."""
    cycle = Cycle.objects.filter(year=YEAR).first()
    if cycle is None or not CandidateMeasure.objects.filter(cycle=cycle).exists():
        return False
    if Assignment.objects.filter(candidate__cycle=cycle).exists():
        return False
    national = User.objects.get(username="national")
    _experts(national)
    # The preview and its save, as the coordinator's two background jobs do them.
    preview = assignment_preview_enqueue(cycle=cycle, by=national, reviewers=REVIEWERS)
    job_run(job_id=preview.pk)
    assignments_save(preview_job=preview, by=national, accept_partial=True)
    _reviews(cycle)
    return True
