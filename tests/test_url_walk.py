"""Every URL of the project, as every role and anonymous: no request may answer 500.

The patterns are read from the resolver, so a new view is walked without touching this file.
Each integer parameter is filled with the ids of real objects of the model it names
(PARAM_MODELS; a parameter it does not know gets the ids of every kind), chosen so that every
role meets objects inside its scope and outside it: Sichuan's and Guangdong's, the Chengdu
zone's, one expert's and another's, one innovator's and another's; and with an id that exists
nowhere. Each URL is asked with GET and with an empty POST. Any status but 200, 302, 400,
403, 404 and 405 (and the API's 201, 204, 401, 409 and 415), or any exception, fails the role's test
with the method, URL and role.

The world is the demo (`demo.builder.build_demo`, as `manage.py load_demo` loads it), whose
logins hold the roles of the `users` fixture (LOGINS), plus what the demo lacks, made with
the shared test builders and the services: a programme claimed by Sichuan and Guangdong with
issued notices (`task_world`), help requests, inspections, fault-tolerance filings, a draft
report, attachments, jobs with result files, the users `other_innovator` and
`other_implementer` (中山大学), and the evaluation stage's objects in each of their states
(`evaluation_objects`: close-outs accepted, filed and drafted, with documents and their files;
commissions of the `evaluator`'s institute in progress and delivered and one of another
institute, with evidence and a signed report; a task's evaluations; outcomes drafted and
confirmed; incentive decisions for a locality and a unit). It is built once for the module
inside a transaction rolled back at the end; every request runs in a savepoint that is rolled
back too, so each request meets the same world (an allowed empty POST that discards a
version, or a logout, leaves nothing behind).
"""

import copy
import datetime
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone, translation

from accounts.models import Role, User
from claims.models import Claimant, Programme, ProgrammeItem, TaskNotice
from demo.builder import build_demo
from demo.claims_demo import PILOT_TITLE
from demo.tasks_demo import ZONE_USER
from evaluation.models import (
    CloseOut,
    Commission,
    Evidence,
    IncentiveDecision,
    InstitutionalDocument,
    Outcome,
    Recommendation,
    TaskEvaluation,
)
from evaluation.services import closeout as closeouts
from evaluation.services import commissions as commissioning
from evaluation.services import documents as closeout_documents
from evaluation.services import incentives, outcomes, scoring
from evaluation.services.outcomes import OutcomeData
from jobs.models import Job
from jobs.services import job_attach_result
from lists.models import AnnualList, Consultation, ListItem, ListVersion
from merging.models import CandidateMeasure, SuggestedGroup
from notifications.models import Notification
from promotion.models import (
    AdoptionRecord,
    GuidanceActivity,
    PromotedMeasure,
    PromotionBatch,
    ReformCase,
    RoundReturn,
    Seminar,
    TrackingRound,
)
from proposals.models import Attachment, Cycle, Proposal, ReformField, Suggestion, Topic
from proposals.services.suggestions import suggestion_submit
from regions.models import Organisation
from review.models import Assignment, ExpertProfile
from tasks.models import (
    Closure,
    HelpRequest,
    Implementer,
    Inspection,
    ProgressReport,
    Task,
    ToleranceFiling,
)
from tasks.services import help as help_services
from tasks.services import reports, supervision, tolerance
from tests.conftest import division, make_proposal, make_user
from tests.test_evaluation_fixtures import close_task, implementer_of
from tests.test_tasks_fixtures import approved_plan, task_world

# admin/: Django's own admin, gated by is_staff and Django's model permissions rather than
# the project's roles, with hundreds of generated URLs; Django's test suite covers it.
# i18n/: Django's set_language view, which only sets a cookie and redirects.
SKIPPED = ("admin/", "i18n/")

ALLOWED = {200, 302, 400, 403, 404, 405}
# The API's own answers besides: 201 and 204 (an empty POST claims or withdraws: the body is
# optional), 401 (no token or session), 409 (the object's state refuses the action) and 415
# (the walk's empty POST is a form, the API takes JSON).
API_ALLOWED = ALLOWED | {201, 204, 401, 409, 415}
MISSING = 987_654_321  # the id of no object of any kind

# Role → the demo login that holds it. `region` is the Chengdu zone's coordinator (a region
# group), whose zone claimed the pilot's tasks; `other_innovator` is added below.
LOGINS = {
    "national": "national",
    "sichuan": "sichuan",
    "guangdong": "guangdong",
    "region": ZONE_USER,
    "city": "chengdu",
    "implementer": "implementer",
    "expert": "expert",
    "evaluator": "evaluator",
    "innovator": "innovator",
    "other_innovator": "other_innovator",
    "public": "public",
}
ROLES = [*LOGINS, "anonymous"]

# Which model an integer parameter names: (URL namespace, the path segment just before the
# parameter) → model, read from the urls.py files and the views; "*" for any namespace.
PARAM_MODELS: dict[tuple[str, str], type[models.Model]] = {
    ("*", "cycles"): Cycle,  # proposals, merging, review, and lists' manage/cycles/<cycle_pk>
    ("*", "candidates"): CandidateMeasure,  # merging and review
    ("jobs", "jobs"): Job,
    ("notifications", "notifications"): Notification,
    ("merging", "groups"): SuggestedGroup,
    ("review", "experts"): ExpertProfile,
    ("review", "assignments"): Assignment,
    ("lists", "lists"): AnnualList,  # lists/<pk>/compare/
    ("lists", "manage"): AnnualList,  # lists/manage/<pk>/revise/
    ("lists", "versions"): ListVersion,
    ("lists", "items"): ListItem,
    ("lists", "consultations"): Consultation,
    ("claims", "claims"): Programme,
    ("claims", "items"): ProgrammeItem,
    ("claims", "notices"): TaskNotice,
    ("tasks", "tasks"): Task,
    ("tasks", "implementers"): Implementer,
    ("tasks", "lists"): Claimant,  # tasks/lists/<pk>/<kind>/
    ("tasks", "progress"): Programme,
    ("tasks", "reports"): ProgressReport,
    ("tasks", "help"): HelpRequest,
    ("tasks", "inspections"): Inspection,
    ("tasks", "tolerance"): ToleranceFiling,
    ("proposals", "proposals"): Proposal,
    ("proposals", "suggestions"): Suggestion,
    ("proposals", "attachments"): Attachment,
    ("evaluation", "close-outs"): CloseOut,
    ("evaluation", "close-out-documents"): InstitutionalDocument,
    ("evaluation", "tasks"): Task,  # tasks/<task_pk>/close-out/, commissions/<pk>/tasks/<task_pk>/
    ("evaluation", "documents"): InstitutionalDocument,  # a scoped task's close-out documents
    ("evaluation", "commissions"): Commission,
    ("evaluation", "evidence"): Evidence,
    ("evaluation", "evaluations"): TaskEvaluation,
    ("evaluation", "outcomes"): Outcome,
    ("evaluation", "incentives"): IncentiveDecision,
    ("proposals", "topics"): Topic,
    ("promotion", "batches"): PromotionBatch,
    ("promotion", "measures"): PromotedMeasure,
    ("promotion", "cases"): ReformCase,
    ("promotion", "rounds"): TrackingRound,  # and a unit's pages under a round
    ("promotion", "returns"): RoundReturn,
    ("promotion", "adoption"): AdoptionRecord,
    ("promotion", "guidance"): GuidanceActivity,
    ("promotion", "seminars"): Seminar,
    ("promotion", "jobs"): Job,  # the bulk sheets' jobs
    ("overview", "diffusion"): PromotedMeasure,
    ("overview", "journey"): Task,  # journey/<kind>/<pk>/
    # The API (reviews and claims get the ids of every kind).
    ("api", "proposals"): Proposal,
    ("api", "candidates"): CandidateMeasure,
    ("api", "lists"): AnnualList,
    ("api", "list-versions"): ListVersion,
    ("api", "list-items"): ListItem,
    ("api", "programmes"): Programme,
    ("api", "programme-items"): ProgrammeItem,
    ("api", "tasks"): Task,
    ("api", "reports"): ProgressReport,
    ("api", "evaluations"): TaskEvaluation,
    ("api", "outcomes"): Outcome,
    ("api", "batches"): PromotionBatch,
    ("api", "adoption-records"): AdoptionRecord,
}
# Values of the string parameters, an unknown one included; any other (str, slug, uuid, path
# converters) gets "x".
STR_VALUES = {"kind": ["tasks", "landmark", "responsibility", "no-such-list"]}

pytestmark = pytest.mark.django_db


# The patterns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the full route, e.g. "tasks/<int:pk>/implementers/<int:implementer_pk>/"
    namespace: str
    name: str


def routes(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> list[Route]:
    """Every URL pattern under `resolver`, includes followed."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED):
            continue
        if not isinstance(entry.pattern, RoutePattern):
            raise AssertionError(f"{route!r} is a regex: teach the walk its parameters")
        if isinstance(entry, URLResolver):
            found += routes(entry, route, entry.namespace or namespace)
        else:
            assert isinstance(entry, URLPattern)
            found.append(Route(route, namespace, entry.name or ""))
    return found


PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def param_values(route: Route, reps: dict[type[models.Model], list[int]]) -> list[list[Any]]:
    """For each parameter of the route, in order, the values to put in it."""
    values: list[list[Any]] = []
    for match in PARAM.finditer(route.route):
        if match["converter"] != "int":
            values.append(STR_VALUES.get(match["name"], ["x"]))
            continue
        literal = [s for s in route.route[: match.start()].split("/") if s and "<" not in s]
        before = literal[-1] if literal else ""
        model = PARAM_MODELS.get((route.namespace, before)) or PARAM_MODELS.get(("*", before))
        # A parameter not understood gets the ids of every kind.
        ids = sorted({pk for pks in reps.values() for pk in pks}) if model is None else reps[model]
        values.append([*ids, MISSING])
    return values


def fill(route: str, values: tuple[Any, ...]) -> str:
    given = iter(values)
    return "/" + PARAM.sub(lambda _m: str(next(given)), route)


def urls_of(route: Route, reps: dict[type[models.Model], list[int]]) -> list[str]:
    """One URL per value of a single parameter. With several parameters: the values side by
    side (a task with its own implementer), shifted by one (a task with another's), and each
    parameter missing in turn."""
    values = param_values(route, reps)
    if not values:
        return [fill(route.route, ())]
    if len(values) == 1:
        return [fill(route.route, (v,)) for v in values[0]]
    combos: set[tuple[Any, ...]] = set(zip(*values, strict=False))
    shifted = [values[0], *(v[1:] + v[:1] for v in values[1:])]
    combos |= set(zip(*shifted, strict=False))
    for index in range(len(values)):
        combos.add(tuple(MISSING if i == index else v[0] for i, v in enumerate(values)))
    return [fill(route.route, c) for c in sorted(combos, key=str)]


# The world ----------------------------------------------------------------------------------


def _first(qs: models.QuerySet) -> list[int]:
    pk = qs.order_by("pk").values_list("pk", flat=True).first()
    return [] if pk is None else [pk]


def _all(qs: models.QuerySet, most: int = 3) -> list[int]:
    return list(qs.order_by("pk").values_list("pk", flat=True)[:most])


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _commission(national: User, evaluator: Organisation, task: Task, title: str) -> Commission:
    return commissioning.commission_create(
        by=national,
        title=title,
        evaluator=evaluator,
        scope=Commission.Scope.TASKS,
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 9, 30),
        terms_of_reference="评估任务书（遍历测试）",
        independence=commissioning.standard_independence(),
        tasks=[task],
    )


def _delivered(commission: Commission, by: User) -> TaskEvaluation:
    evaluation = commission.evaluations.get()
    scoring.task_score(
        evaluation=evaluation,
        by=by,
        scores=[
            scoring.ScoreRow(i.pk, Decimal(80), "调研记录")
            for i in commission.indicators.order_by("position")
        ],
        findings="成效明显",
        recommendation=Recommendation.NATIONWIDE,
    )
    scoring.commission_report(commission=commission, by=by, findings="总体成效明显")
    scoring.report_upload(commission=commission, by=by, upload=_pdf("签字报告.pdf"))
    return TaskEvaluation.objects.get(pk=evaluation.pk)


def evaluation_objects(
    users: dict[str, User], tw: SimpleNamespace, tasks: list[Task], other_implementer: User
) -> tuple[dict[type[models.Model], list[int]], dict[str, int], list[Any]]:
    """The evaluation stage's objects over `tasks` (Sichuan's, Guangdong's, the pilot's), in the
    order of the tasks wherever an object belongs to one, so that the walk's URLs with several
    parameters meet a commission with a task of its scope and that task's document:

    - close-outs: Sichuan's task accepted (closed), Guangdong's filed, Sichuan's second task's
      a draft; each of the first two with a document and its file;
    - commissions: the `evaluator`'s over Sichuan's task, in progress, with a visit and
      evidence; another institute's over Guangdong's task, in progress, with evidence; the
      `evaluator`'s over the pilot's task, delivered, with a signed report;
    - outcomes (a draft, a confirmed one) and incentive decisions (Sichuan, 中山大学) from the
      delivered evaluation.
    Returns the ids to walk, the objects `test_scopes` names, and the stored files."""
    national, evaluator = users["national"], users["evaluator"]
    sichuan_task, guangdong_task, pilot_task = tasks
    institute = evaluator.organisation
    assert institute is not None
    other_institute = Organisation.objects.create(
        name="另一评估机构（遍历测试）",
        kind=Organisation.Kind.EVALUATOR,
        division=division("440000"),
    )
    other_evaluator = make_user("other_evaluator", Role.EVALUATOR, organisation=other_institute)
    day = timezone.localdate() - datetime.timedelta(days=5)

    # Close-outs.
    implementer = implementer_of(sichuan_task, users)
    draft = closeouts.closeout_save(task=sichuan_task, by=implementer, summary="总结")
    closed_document = closeout_documents.document_add(
        close_out=draft,
        by=implementer,
        title="制度文件（遍历测试）",
        issuer="四川省科学技术厅",
        issued_on=day,
        upload=_pdf("制度文件.pdf"),
    )
    accepted = close_task(tw, users, sichuan_task)
    filing = closeouts.closeout_save(task=guangdong_task, by=other_implementer, summary="总结")
    filed_document = closeout_documents.document_add(
        close_out=filing,
        by=other_implementer,
        title="广东的制度文件（遍历测试）",
        issuer="中山大学",
        issued_on=day,
        upload=_pdf("广东制度文件.pdf"),
    )
    submitted = closeouts.closeout_submit(close_out=filing, by=other_implementer)
    second = tw.sichuan_tasks[1]
    drafted = closeouts.closeout_save(task=second, by=implementer_of(second, users), summary="草稿")

    # Commissions, with their evidence and a delivered report.
    mine = _commission(national, institute, sichuan_task, "遍历测试：进行中的评估")
    theirs = _commission(national, other_institute, guangdong_task, "遍历测试：另一机构的评估")
    delivered = _commission(national, institute, pilot_task, "遍历测试：已交付的评估")
    commissioning.visit_record(
        commission=mine, by=evaluator, visited_on=day, place="成都", notes="座谈", task=sichuan_task
    )
    evidence = [
        commissioning.evidence_add(
            commission=commission, by=by, title="佐证材料", upload=_pdf("佐证.pdf"), task=task
        )
        for commission, by, task in (
            (mine, evaluator, sichuan_task),
            (theirs, other_evaluator, guangdong_task),
        )
    ]
    evaluation = _delivered(delivered, evaluator)

    # Outcomes and incentives.
    def outcome(title: str) -> Outcome:
        return outcomes.outcome_create(
            by=national,
            tasks=[pilot_task],
            data=OutcomeData(
                title=title,
                field=ReformField.objects.order_by("pk")[0],
                summary="概述",
                institutional_change="制度创新",
                origin="成都",
                evidence="",
                recommended_scope=Recommendation.NATIONWIDE,
            ),
        )

    draft_outcome = outcome("遍历测试：凝练中的成果")
    confirmed = outcomes.outcome_confirm(outcome=outcome("遍历测试：已确认的成果"), by=national)
    decisions = [
        incentives.incentive_decide(
            by=national,
            claimant=tw.sichuan,
            form=IncentiveDecision.Form.COMMENDATION,
            reason="完成较好（遍历测试）",
            approving_authority="国家发展改革委、科技部",
            decided_on=day,
            document_number="遍历〔2027〕1号",
        ),
        incentives.incentive_decide(
            by=national,
            organisation=other_implementer.organisation,
            form=IncentiveDecision.Form.PRIORITY,
            form_detail="重大项目",
            reason="完成较好（遍历测试）",
            approving_authority="国家发展改革委、科技部",
            decided_on=day,
            document_number="遍历〔2027〕2号",
        ),
    ]
    reps: dict[type[models.Model], list[int]] = {
        CloseOut: [accepted.pk, submitted.pk, drafted.pk],
        InstitutionalDocument: [closed_document.pk, filed_document.pk],
        Commission: [mine.pk, theirs.pk, delivered.pk],
        Evidence: [e.pk for e in evidence],
        TaskEvaluation: [
            mine.evaluations.get().pk,
            theirs.evaluations.get().pk,
            evaluation.pk,
        ],
        Outcome: [draft_outcome.pk, confirmed.pk],
        IncentiveDecision: [d.pk for d in decisions],
    }
    named = {
        "sichuan_closeout": accepted.pk,
        "guangdong_closeout": submitted.pk,
        "evaluator_commission": mine.pk,
        "delivered_evaluation": evaluation.pk,
        "confirmed_outcome": confirmed.pk,
        "locality_decision": decisions[0].pk,
    }
    delivered.refresh_from_db()
    files = [
        closed_document.file,
        filed_document.file,
        *(e.file for e in evidence),
        delivered.report_file,
    ]
    return reps, named, files


def build_world() -> SimpleNamespace:
    with translation.override(settings.LANGUAGE_CODE):  # as `manage.py load_demo` does
        assert build_demo()
    sysu = Organisation.objects.create(
        name="中山大学", kind=Organisation.Kind.UNIVERSITY, division=division("440105")
    )
    make_user("other_innovator", Role.INNOVATION_BODY, organisation=sysu)
    # Implements Guangdong's task; not walked, it only makes Guangdong's objects.
    other_implementer = make_user("other_implementer", Role.IMPLEMENTER, organisation=sysu)
    users = {role: User.objects.get(username=login) for role, login in LOGINS.items()}
    national, sichuan, guangdong = users["national"], users["sichuan"], users["guangdong"]
    implementer, expert = users["implementer"], users["expert"]

    # Proposals: a draft of Sichuan's with an attachment, one on Guangdong's returned one.
    open_cycle = Cycle.objects.get(year=2027)
    draft = make_proposal(open_cycle, sichuan, title="四川的草稿（遍历测试）")
    returned = Proposal.objects.get(locality=guangdong.division, state=Proposal.State.RETURNED)
    files = []
    for proposal, by in ((draft, sichuan), (returned, guangdong)):
        attachment = Attachment(proposal=proposal, name="附件.pdf", size=9, uploaded_by=by)
        attachment.file.save("附件.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        attachment.save()
        files.append(attachment.file)
    own_suggestion = Suggestion.objects.get(submitted_by=users["innovator"])
    other_suggestion = suggestion_submit(
        by=users["other_innovator"], cycle=open_cycle, title="中山大学的建议", content="建议内容"
    )

    # Implementation: Sichuan's and Guangdong's tasks, with their notices (`task_world`),
    # beside the demo's pilot tasks of the Chengdu zone, implemented by `implementer`.
    tw = task_world(users)
    pilot_task = Task.objects.filter(programme__title=PILOT_TITLE).order_by("pk").first()
    assert pilot_task is not None
    guangdong_task = approved_plan(tw.guangdong_tasks[0], guangdong, other_implementer)
    tasks = [tw.task, guangdong_task, pilot_task]
    draft_report = reports.report_start(task=tw.task, by=implementer)
    helps, inspections, filings = [], [], []
    today = timezone.localdate()
    for task, by, level in (
        (tw.task, implementer, HelpRequest.Level.LOCALITY),
        (guangdong_task, other_implementer, HelpRequest.Level.NATIONAL),
    ):
        helps.append(help_services.help_request(task=task, by=by, text="求助", level=level))
        inspections.append(
            supervision.inspection_record(
                task=task,
                by=national,
                kind=Inspection.Kind.VISIT,
                inspected_on=today - datetime.timedelta(days=3),
                findings="进度滞后",
                rectification="补齐台账",
                rectify_by=today + datetime.timedelta(days=30),
            )
        )
        filings.append(
            tolerance.tolerance_file(
                task=task, by=by, what_went_wrong="亏损", good_faith="集体决策"
            )
        )
    # Help is asked while a task is implemented: on the pilot's first task still open (the
    # demo closes its first one).
    open_pilot_task = (
        Task.objects.filter(programme=pilot_task.programme, closure=Closure.OPEN)
        .order_by("pk")
        .first()
    )
    assert open_pilot_task is not None
    helps.append(help_services.help_request(task=open_pilot_task, by=implementer, text="求助"))

    # Jobs: Sichuan's and Guangdong's, finished with a file, and one of Sichuan's still queued.
    jobs = []
    for by in (sichuan, guangdong):
        job = Job.objects.create(kind="proposals.export", created_by=by)
        job_attach_result(job, "建议.xlsx", b"PK\x03\x04")
        job.state, job.finished_at = Job.State.DONE, timezone.now()
        job.save()
        files.append(job.result_file)
        jobs.append(job)
    jobs.append(Job.objects.create(kind="proposals.export", created_by=sichuan))

    # The ids each parameter is filled with, besides MISSING: objects of different owners,
    # so that each role meets some inside its scope and some outside it.
    reps: dict[type[models.Model], list[int]] = {
        Cycle: _all(Cycle.objects.all()),  # 2026, closed, reviewed and listed; 2027, open
        Proposal: [
            draft.pk,
            *_first(Proposal.objects.filter(locality=sichuan.division, state="submitted")),
            returned.pk,
        ],
        Attachment: _all(Attachment.objects.all()),
        Suggestion: [own_suggestion.pk, other_suggestion.pk],
        Job: [j.pk for j in jobs],
        Notification: _first(Notification.objects.filter(user=sichuan))
        + _first(Notification.objects.filter(user=guangdong)),
        SuggestedGroup: _all(SuggestedGroup.objects.all()),
        CandidateMeasure: _first(
            CandidateMeasure.objects.filter(sources__locality=sichuan.division)
        )
        + _first(CandidateMeasure.objects.exclude(sources__locality=sichuan.division)),
        ExpertProfile: _first(ExpertProfile.objects.filter(user=expert))
        + _first(ExpertProfile.objects.exclude(user=expert)),
        Assignment: _first(Assignment.objects.filter(expert=expert, review__state="draft"))
        + _first(Assignment.objects.filter(expert=expert, review__state="submitted"))
        + _first(Assignment.objects.filter(expert=expert, review__isnull=True))
        + _first(Assignment.objects.exclude(expert=expert)),
        AnnualList: _all(AnnualList.objects.all()),
        ListVersion: _all(ListVersion.objects.all()),
        ListItem: [pk for v in ListVersion.objects.order_by("pk") for pk in _first(v.items.all())],
        Consultation: _all(Consultation.objects.all()),
        Programme: _all(Programme.objects.all()),  # the pilot, the demo's open one, task_world's
        ProgrammeItem: [
            pk
            for programme in Programme.objects.order_by("pk")
            for pk in _first(programme.items.filter(claims__isnull=False))
            + _first(programme.items.filter(claims__isnull=True))
        ],
        TaskNotice: [tw.sichuan.notice.pk, tw.guangdong.notice.pk],
        Claimant: [tw.sichuan.pk, tw.guangdong.pk, pilot_task.claimant_id],
        Task: [t.pk for t in tasks],
        # Each task's lead, in the order of the tasks: zipped, a task with its own implementer.
        Implementer: [t.implementers.get(lead=True).pk for t in tasks],
        ProgressReport: [draft_report.pk]
        + _first(ProgressReport.objects.filter(task=pilot_task, state="submitted")),
        HelpRequest: [h.pk for h in helps],
        Inspection: [i.pk for i in inspections],
        ToleranceFiling: [f.pk for f in filings],
    }
    evaluation_reps, evaluation_named, evaluation_files = evaluation_objects(
        users, tw, tasks, other_implementer
    )
    reps.update(evaluation_reps)
    reps.update(promotion_reps())
    files += evaluation_files
    reps = {model: list(dict.fromkeys(ids)) for model, ids in reps.items()}
    # Objects whose owner must see them, and another role must not (see test_scopes).
    named = {
        "sichuan_draft": draft.pk,
        "guangdong_returned": returned.pk,
        "sichuan_task": tw.task.pk,
        "guangdong_task": guangdong_task.pk,
        "pilot_task": pilot_task.pk,
        "own_assignment": reps[Assignment][0],
        "other_assignment": reps[Assignment][-1],
        "own_suggestion": own_suggestion.pk,
        "sichuan_job": jobs[0].pk,
        **evaluation_named,
    }
    saved = [(f.path, f.read()) for f in files]
    for f in files:
        f.close()
    return SimpleNamespace(users=users, reps=reps, named=named, files=saved)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SimpleNamespace]:
    with (
        django_db_blocker.unblock(),
        # Sessions in signed cookies spare every request a query; no view keeps anything but
        # the login and messages in the session.
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        ),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


def promotion_reps() -> dict[type[models.Model], list[int]]:
    """The demo's promotion objects (demo/promotion_demo.py): the batches (three reference, one
    draft), two measures, last year's round, two returns and records, and the rest."""
    return {
        Topic: _all(Topic.objects.all()),
        PromotionBatch: _all(PromotionBatch.objects.all()),
        PromotedMeasure: _first(PromotedMeasure.objects.filter(batch__number=1))
        + _first(PromotedMeasure.objects.filter(batch__state="draft")),
        ReformCase: _all(ReformCase.objects.all()),
        TrackingRound: _all(TrackingRound.objects.all()),
        RoundReturn: _first(RoundReturn.objects.filter(division__code="510107"))
        + _first(RoundReturn.objects.filter(division__code="340000")),
        AdoptionRecord: _first(AdoptionRecord.objects.filter(division__code="510107"))
        + _first(AdoptionRecord.objects.filter(division__code="340000")),
        GuidanceActivity: _all(GuidanceActivity.objects.all()),
        Seminar: _all(Seminar.objects.all()),
    }


def test_the_world_has_objects_of_every_kind(world):
    empty = [model.__name__ for model in set(PARAM_MODELS.values()) if not world.reps[model]]
    assert not empty, f"the world has no {', '.join(empty)} to walk with"


def logged_in(world: SimpleNamespace, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# Objects that lie inside one role's scope and outside another's: the walk meets both.
SCOPES = [
    ("proposals:proposal_detail", "sichuan_draft", "sichuan", "guangdong"),
    ("proposals:proposal_detail", "guangdong_returned", "guangdong", "sichuan"),
    ("proposals:suggestion_detail", "own_suggestion", "innovator", "other_innovator"),
    ("tasks:task", "sichuan_task", "sichuan", "guangdong"),
    ("tasks:task", "sichuan_task", "implementer", "region"),
    ("tasks:task", "guangdong_task", "guangdong", "implementer"),
    ("tasks:task", "pilot_task", "region", "guangdong"),
    # Sichuan oversees the Chengdu zone's tasks (tasks.rules.OVERSEEN_BY), Guangdong does not.
    ("tasks:task", "pilot_task", "sichuan", "guangdong"),
    ("tasks:task", "pilot_task", "implementer", "guangdong"),
    ("review:review_edit", "own_assignment", "expert", "evaluator"),
    ("review:review_edit", "other_assignment", "national", "expert"),
    ("jobs:job_detail", "sichuan_job", "sichuan", "guangdong"),
    ("evaluation:closeout", "sichuan_closeout", "sichuan", "guangdong"),
    ("evaluation:closeout", "guangdong_closeout", "guangdong", "evaluator"),
    ("evaluation:commission", "evaluator_commission", "evaluator", "implementer"),
    ("evaluation:commission", "evaluator_commission", "national", "sichuan"),
    # The pilot's task, evaluated and delivered: its zone reads it, Guangdong does not.
    ("evaluation:task_evaluation", "delivered_evaluation", "region", "guangdong"),
    ("evaluation:outcome", "confirmed_outcome", "implementer", "guangdong"),
    ("evaluation:incentive", "locality_decision", "sichuan", "guangdong"),
]


@pytest.mark.parametrize(("url_name", "obj", "inside", "outside"), SCOPES)
def test_scopes(world, url_name, obj, inside, outside):
    url = reverse(url_name, args=[world.named[obj]])
    assert logged_in(world, inside).get(url).status_code == 200
    assert logged_in(world, outside).get(url).status_code in (403, 404)


# The walk -----------------------------------------------------------------------------------


def restore_files(world: SimpleNamespace) -> None:
    """An allowed delete removes the file, which the rollback does not bring back."""
    for path, content in world.files:
        try:
            with open(path, "xb") as f:
                f.write(content)
        except FileExistsError:
            pass


def ask(client: Client, method: str, url: str) -> str | None:
    """What went wrong with the request, or None."""
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            response = getattr(client, method)(url)
            transaction.set_rollback(True)
    except Exception as exc:  # any exception is the failure to report
        return f"raised {type(exc).__name__}: {exc}"
    finally:
        client.cookies = cookies  # a logout answers with a new session: keep the login
    # No response.close() here: the test client closed it already, with Django's
    # close_old_connections unhooked; closing again would send request_finished, and on
    # PostgreSQL close the connection of the walk's open transaction.
    allowed = API_ALLOWED if url.startswith("/api/") else ALLOWED
    if response.status_code not in allowed:
        return f"answered {response.status_code}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500(world, role):
    client = logged_in(world, role)
    started, count, failures = time.monotonic(), 0, []
    for route in routes():
        for url in urls_of(route, world.reps):
            for method in ("get", "post"):
                count += 1
                problem = ask(client, method, url)
                if method == "post":
                    restore_files(world)
                if problem:
                    failures.append(f"{method.upper()} {url} as {role}: {problem}")
    print(f"{role}: {count} requests in {time.monotonic() - started:.1f}s")
    assert not failures, f"{len(failures)} failed:\n" + "\n".join(failures)
    # Still logged in at the end: the walk was not done as anonymous after a logout.
    expected = 302 if role == "anonymous" else 200
    assert client.get(reverse("notifications:index")).status_code == expected
