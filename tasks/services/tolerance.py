"""Fault tolerance (容错纠错): an implementer of a task files what went wrong and why it was a
good-faith exploration; the locality that runs the task decides — tolerated or not — and must
say why, name the body deciding, and cite the implementing measures (实施办法) it applies.
The national coordinator, and a province over its zones' tasks, read the filings but decide
none: they are the locality's. Each step is on the task's trail, and the filer is told of the
decision.

Sources: 发改高技〔2021〕484号 §四 ("要研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索");
the evaluation articles (source 000: "研究出台试验区域改革容错纠错机制的实施办法", in step with
discipline inspection and audit, "创新改革政策与纪检审计政策的协调衔接"). So a decision states
the measures it follows and who took it; the platform records it once and calls it no more
than that.

The reads (the index of filings) are in `tasks.selectors.supervision`.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from kernel.errors import Forbidden
from notifications.services import notify
from tasks import rules
from tasks.errors import TaskError
from tasks.models import Task, ToleranceFiling
from tasks.selectors import claimant_coordinators
from tasks.selectors.supervision import default_deciding_body
from tasks.services.core import task_lock

State = ToleranceFiling.State


def _url(task: Task) -> str:
    return reverse("tasks:task", args=[task.pk]) + "#tolerance"


@transaction.atomic
def tolerance_file(
    *, task: Task, by: User, what_went_wrong: str, good_faith: str
) -> ToleranceFiling:
    task = task_lock(task)
    if not rules.can_file_tolerance(by, task):
        raise Forbidden
    what_went_wrong, good_faith = what_went_wrong.strip(), good_faith.strip()
    if not what_went_wrong:
        raise TaskError(_("Say what went wrong."))
    if not good_faith:
        raise TaskError(_("Say why it was a good-faith exploration."))
    filing = ToleranceFiling.objects.create(
        task=task, what_went_wrong=what_went_wrong, good_faith=good_faith, filed_by=by
    )
    record(
        "task.tolerance_filed",
        obj=task,
        by=by,
        changes={"tolerance": [None, str(State.PENDING.label)]},
        note=what_went_wrong,
    )
    notify(
        users=claimant_coordinators(task.claimant),
        subject=_("Fault-tolerance filing to decide: %(task)s") % {"task": task.title},
        body=what_went_wrong,
        url=reverse("tasks:tolerance_decide", args=[filing.pk]),
    )
    return filing


@transaction.atomic
def tolerance_decide(
    *,
    filing: ToleranceFiling,
    by: User,
    accepted: bool,
    reason: str,
    measures_title: str,
    measures_number: str,
    deciding_body: str | None = None,
) -> ToleranceFiling:
    """Tolerated or not tolerated, with the reason, the implementing measures applied (title
    and document number, as the decider enters them) and the body deciding (by default the
    locality running the task, `default_deciding_body`). A filing is decided once."""
    reason = reason.strip()
    if not reason:
        raise TaskError(_("Give the reason for the decision."))
    measures_title, measures_number = measures_title.strip(), measures_number.strip()
    if not measures_title:
        raise TaskError(_("Cite the implementing measures the decision applies."))
    if not measures_number:
        raise TaskError(_("Give the document number of the implementing measures."))
    if deciding_body is not None and not deciding_body.strip():
        raise TaskError(_("Name the body deciding."))
    filing = (
        ToleranceFiling.objects.select_for_update()
        .select_related("task__claimant", "filed_by")
        .get(pk=filing.pk)
    )
    if not rules.runs_task(by, filing.task):
        raise Forbidden
    if filing.state != State.PENDING:
        raise TaskError(_("This filing has already been decided."))
    if not rules.can_decide_tolerance(by, filing):
        raise Forbidden
    body = default_deciding_body(filing.task) if deciding_body is None else deciding_body.strip()
    filing.state = State.ACCEPTED if accepted else State.REJECTED
    filing.decision_reason, filing.decided_by, filing.decided_at = reason, by, timezone.now()
    filing.deciding_body = body
    filing.measures_title, filing.measures_number = measures_title, measures_number
    filing.save(
        update_fields=[
            "state",
            "decision_reason",
            "decided_by",
            "decided_at",
            "deciding_body",
            "measures_title",
            "measures_number",
        ]
    )
    record(
        "task.tolerance_decided",
        obj=filing.task,
        by=by,
        changes={
            "tolerance": [str(State.PENDING.label), filing.get_state_display()],
            "deciding_body": [None, body],
            "measures_title": [None, measures_title],
            "doc_number": [None, measures_number],
        },
        note=reason,
    )
    notify(
        users=[filing.filed_by],
        subject=_("Fault-tolerance filing decided (%(decision)s): %(task)s")
        % {"decision": filing.get_state_display(), "task": filing.task.title},
        body=_("%(reason)s\n\nDecided by %(body)s under %(measures)s.")
        % {"reason": reason, "body": body, "measures": filing.measures},
        url=_url(filing.task),
        email=True,
    )
    return filing
