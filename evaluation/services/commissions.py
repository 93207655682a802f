"""Writes of commissioned evaluations (委托评估): the national level commissions a third-party
evaluator over a scope of tasks; the evaluator records field visits and evidence.

Sources: 发改高技〔2021〕484号 §三(四) ("在揭榜改革任务完成后，国家发展改革委、科技部及时委托
第三方机构评估"): the commissioning is the national level's and the evaluator is a third party.
Source 000 ("从3年的跟踪评估看"; "建立……跟踪调研与评估反馈机制"): an evaluation can follow
tasks over several years, so a task may be in several commissions, and a commission may take
tasks still being implemented (a mid-term or follow-up evaluation).

The platform's own rules (no source sets them):
- Independence: an organisation that implements a task in the scope cannot evaluate it, and
  the commission keeps the independence declaration the evaluator gave, which the national
  level records as received (the history says it was recorded, not declared, by the national
  level's user). A third party is by definition not a party; the platform enforces it and
  names the tasks in conflict.
- A scope of a locality, a programme or an experiment region takes its closed tasks unless
  the open ones are asked for too; an empty scope is refused.
- The same evaluation (title, evaluator and start date) is commissioned once, and the same
  field visit or evidence file is recorded once: a repeated click says so instead of doubling.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.actors import Actor
from accounts.models import User
from accounts.visibility import EVALUATOR
from audit.services import record, snapshot
from claims.models import Claimant, Programme
from evaluation import rules
from evaluation.errors import EvaluationError
from evaluation.indicators import create_default_indicators
from evaluation.models import Commission, Evidence, FieldVisit, TaskEvaluation
from evaluation.selectors.commissions import evaluator_choices
from kernel.errors import DomainError, Forbidden
from kernel.uploads import check_upload, file_saved, limited_name
from notifications.services import notify
from regions.models import Organisation, RegionGroup
from tasks.models import Closure, Implementer, Task

Scope = Commission.Scope

# The longest stored file name: the model's column, and the storage path
# (evaluations/<commission>/<name>) must fit the FileField's default 100 characters.


def standard_independence() -> str:
    """The platform's standard wording of the independence declaration (no source gives one):
    the form starts from it and the national level replaces it with the text the evaluator
    gave."""
    return _(
        "The evaluating organisation declares that it takes no part in implementing any task "
        "in the scope of this evaluation, has no interest in its result, and will evaluate it "
        "independently, objectively and impartially."
    )


def _url(commission: Commission) -> str:
    return reverse("evaluation:commission", args=[commission.pk])


def can_change_commission(user: Actor, commission: Commission) -> bool:
    """The commissioning level changes the title, dates and terms until the report is
    delivered (the platform's rule, on top of `evaluation.rules.can_commission`)."""
    return commission.state == Commission.State.IN_PROGRESS and rules.can_commission(user)


def commission_lock(commission: Commission) -> Commission:
    return Commission.objects.select_for_update().get(pk=commission.pk)


# Scope ------------------------------------------------------------------------------------------


def scope_tasks(
    *,
    scope: str,
    tasks: Iterable[Task] = (),
    claimant: Claimant | None = None,
    programme: Programme | None = None,
    region_group: RegionGroup | None = None,
    all_programmes: bool = False,
    closed_only: bool = True,
) -> QuerySet[Task]:
    """The tasks a scope stands for (without checking rights: the national level sees all).

    - TASKS: the tasks chosen, as chosen (the form offers closed tasks first).
    - LOCALITY: the claimant's tasks; with `all_programmes`, those of every claimant that is
      the same locality (the same province or region group) in any programme.
    - PROGRAMME: every task of the programme.
    - REGION: the tasks of the claimants that are the experiment region, of `programme` if
      one is given, else of every programme.
    The last three keep closed tasks only unless `closed_only` is False."""
    qs = Task.objects.all()
    if scope == Scope.TASKS:
        return qs.filter(pk__in=[task.pk for task in tasks])
    if scope == Scope.LOCALITY:
        if claimant is None:
            raise EvaluationError(_("Choose the locality whose tasks are evaluated."))
        if not all_programmes:
            qs = qs.filter(claimant=claimant)
        elif claimant.division_id is not None:
            qs = qs.filter(claimant__division_id=claimant.division_id)
        else:
            qs = qs.filter(claimant__region_group_id=claimant.region_group_id)
    elif scope == Scope.PROGRAMME:
        if programme is None:
            raise EvaluationError(_("Choose the programme whose tasks are evaluated."))
        qs = qs.filter(programme=programme)
    elif scope == Scope.REGION:
        if region_group is None:
            raise EvaluationError(_("Choose the experiment region evaluated as a whole."))
        if region_group.kind != RegionGroup.Kind.EXPERIMENT_REGION:
            raise EvaluationError(
                _("%(name)s is not a comprehensive innovation reform experiment region.")
                % {"name": region_group.name}
            )
        qs = qs.filter(claimant__region_group=region_group)
        if programme is not None:
            qs = qs.filter(programme=programme)
    else:
        raise EvaluationError(_("Choose what the evaluation covers."))
    if closed_only:
        qs = qs.exclude(closure=Closure.OPEN)
    return qs


def conflicts(evaluator: Organisation, task_ids: Iterable[int]) -> list[Task]:
    """The tasks among `task_ids` that `evaluator` implements (it cannot evaluate them)."""
    implemented = Implementer.objects.filter(organisation=evaluator, task_id__in=list(task_ids))
    return list(
        Task.objects.filter(pk__in=implemented.values("task_id"))
        .select_related("claimant__division", "claimant__region_group")
        .order_by("pk")
    )


def _check_independence(evaluator: Organisation, task_ids: list[int]) -> None:
    found = conflicts(evaluator, task_ids)
    if found:
        raise EvaluationError(
            _(
                "%(evaluator)s implements tasks in this scope and cannot evaluate them: "
                "%(tasks)s. Choose another evaluator or leave these tasks out."
            )
            % {"evaluator": evaluator.name, "tasks": "；".join(str(task) for task in found)}
        )


def _check_terms(title: str, starts_on: datetime.date, ends_on: datetime.date, terms: str) -> None:
    if not title:
        raise EvaluationError(_("Give the evaluation a title."))
    if ends_on < starts_on:
        raise EvaluationError(_("The end date cannot be before the start date."))
    if not terms:
        raise EvaluationError(_("Give the terms of reference."))


# Commissioning ----------------------------------------------------------------------------------


@transaction.atomic
def commission_create(
    *,
    by: User,
    title: str,
    evaluator: Organisation,
    scope: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    terms_of_reference: str,
    independence: str,
    tasks: Iterable[Task] = (),
    claimant: Claimant | None = None,
    programme: Programme | None = None,
    region_group: RegionGroup | None = None,
    all_programmes: bool = False,
    closed_only: bool = True,
) -> Commission:
    """Commission `evaluator` over a scope (see `scope_tasks`): one `TaskEvaluation` per task
    of the resolved scope, the default indicator system (`evaluation.indicators`), and a
    notice to the evaluator's users. 484号 §三(四)."""
    if not rules.can_commission(by):
        raise Forbidden
    title, terms, independence = title.strip(), terms_of_reference.strip(), independence.strip()
    # Serialise the commissions of one evaluator, so that a repeated click meets the first.
    evaluator = Organisation.objects.select_for_update().get(pk=evaluator.pk)
    if not evaluator_choices().filter(pk=evaluator.pk).exists():
        raise EvaluationError(
            _("%(name)s is not a third-party evaluator.") % {"name": evaluator.name}
        )
    _check_terms(title, starts_on, ends_on, terms)
    if not independence:
        raise EvaluationError(_("Give the evaluator's independence declaration."))
    task_ids = list(
        scope_tasks(
            scope=scope,
            tasks=tasks,
            claimant=claimant,
            programme=programme,
            region_group=region_group,
            all_programmes=all_programmes,
            closed_only=closed_only,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not task_ids:
        if scope != Scope.TASKS and closed_only:
            raise EvaluationError(
                _(
                    "No closed task in this scope. To evaluate tasks still being implemented "
                    "(a mid-term or follow-up evaluation), include them."
                )
            )
        raise EvaluationError(_("No task in this scope: there is nothing to evaluate."))
    _check_independence(evaluator, task_ids)
    if Commission.objects.filter(title=title, evaluator=evaluator, starts_on=starts_on).exists():
        raise EvaluationError(
            _("This evaluation was already commissioned (same title, evaluator and start date).")
        )
    commission = Commission.objects.create(
        title=title,
        evaluator=evaluator,
        scope=scope,
        programme=_programme_of(scope, claimant, programme, all_programmes),
        claimant=claimant if scope == Scope.LOCALITY else None,
        region_group=region_group if scope == Scope.REGION else None,
        starts_on=starts_on,
        ends_on=ends_on,
        terms_of_reference=terms,
        independence=independence,
        created_by=by,
    )
    TaskEvaluation.objects.bulk_create(
        TaskEvaluation(commission=commission, task_id=pk) for pk in task_ids
    )
    create_default_indicators(commission)
    values = snapshot(commission, ["title", "evaluator", "scope", "starts_on", "ends_on"])
    record(
        "commission.created",
        obj=commission,
        by=by,
        changes={name: [None, value] for name, value in values.items()},
        note=ngettext("%(count)d task in scope.", "%(count)d tasks in scope.", len(task_ids))
        % {"count": len(task_ids)},
    )
    # The evaluator's declaration, recorded as received by the national level's user.
    record(
        "commission.independence_declared",
        obj=commission,
        by=by,
        changes={"independence": [None, independence]},
        note=_("Given by %(evaluator)s; recorded as received.") % {"evaluator": evaluator.name},
    )
    notify(
        users=rules.COMMISSIONS.audience(commission, EVALUATOR),
        subject=_("Evaluation commissioned: %(title)s") % {"title": title},
        body=ngettext(
            "%(count)d task, from %(start)s to %(end)s.",
            "%(count)d tasks, from %(start)s to %(end)s.",
            len(task_ids),
        )
        % {"count": len(task_ids), "start": starts_on.isoformat(), "end": ends_on.isoformat()},
        url=_url(commission),
        email=True,
    )
    return commission


def _programme_of(
    scope: str, claimant: Claimant | None, programme: Programme | None, all_programmes: bool
) -> Programme | None:
    if scope == Scope.PROGRAMME or scope == Scope.REGION:
        return programme
    if scope == Scope.LOCALITY and claimant is not None and not all_programmes:
        return claimant.programme
    return None


@transaction.atomic
def commission_update(
    *,
    commission: Commission,
    by: User,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    terms_of_reference: str,
) -> Commission:
    """The title, dates and terms of reference, while the evaluation is in progress. The
    evaluator and the scope stay as commissioned (a new scope is a new commission)."""
    commission = commission_lock(commission)
    if not rules.can_commission(by):
        raise Forbidden
    if commission.state != Commission.State.IN_PROGRESS:
        raise EvaluationError(_("The report of this evaluation is delivered: it cannot change."))
    title, terms = title.strip(), terms_of_reference.strip()
    _check_terms(title, starts_on, ends_on, terms)
    fields = ["title", "starts_on", "ends_on", "terms_of_reference"]
    before = snapshot(commission, fields)
    commission.title, commission.terms_of_reference = title, terms
    commission.starts_on, commission.ends_on = starts_on, ends_on
    after = snapshot(commission, fields)
    changed = [name for name in fields if before[name] != after[name]]
    if changed:
        commission.save(update_fields=changed)
        record(
            "commission.updated",
            obj=commission,
            by=by,
            changes={name: [before[name], after[name]] for name in changed},
        )
        notify(
            users=rules.COMMISSIONS.audience(commission, EVALUATOR),
            subject=_("Commission changed: %(title)s") % {"title": commission.title},
            body=_("%(start)s to %(end)s.")
            % {"start": starts_on.isoformat(), "end": ends_on.isoformat()},
            url=_url(commission),
        )
    return commission


# The evaluator's work ---------------------------------------------------------------------------


def _lock_for_work(commission: Commission, by: User) -> Commission:
    """The commission locked; Forbidden unless `by` works for its evaluator, and an error
    once the report is delivered (the work is over)."""
    commission = commission_lock(commission)
    if not rules.evaluates(by, commission):
        raise Forbidden
    if not rules.can_work_on(by, commission):
        raise EvaluationError(
            _("The report of this evaluation is delivered: nothing more can be recorded.")
        )
    return commission


def _in_scope(commission: Commission, task: Task | None) -> None:
    if task is not None and not commission.evaluations.filter(task=task).exists():
        raise EvaluationError(_("This task is not in the scope of the evaluation."))


@transaction.atomic
def visit_record(
    *,
    commission: Commission,
    by: User,
    visited_on: datetime.date,
    place: str,
    notes: str,
    met: str = "",
    task: Task | None = None,
) -> FieldVisit:
    """A field visit (实地调研) to a task of the scope, or to the scope as a whole."""
    commission = _lock_for_work(commission, by)
    place, notes, met = place.strip(), notes.strip(), met.strip()
    if not place:
        raise EvaluationError(_("Say where the visit took place."))
    if not notes:
        raise EvaluationError(_("Write down what the visit found."))
    _in_scope(commission, task)
    same = commission.visits.filter(visited_on=visited_on, place=place, notes=notes, task=task)
    if same.exists():
        raise EvaluationError(_("This visit is already recorded."))
    visit = FieldVisit.objects.create(
        commission=commission,
        task=task,
        visited_on=visited_on,
        place=place,
        met=met,
        notes=notes,
        by=by,
    )
    record(
        "commission.visit_recorded",
        obj=commission,
        by=by,
        note=f"{visited_on.isoformat()} {place}" + (f" · {task.title}" if task else ""),
    )
    return visit


@transaction.atomic
def evidence_add(
    *,
    commission: Commission,
    by: User,
    title: str,
    upload: Any,
    task: Task | None = None,
    visit: FieldVisit | None = None,
) -> Evidence:
    """A file the evaluator collected (佐证材料), checked as every uploaded file is
    (`kernel.uploads`). The file is written last and removed again if the row cannot be
    saved, so no file is left without its record."""
    commission = _lock_for_work(commission, by)
    title = title.strip()
    if not title:
        raise EvaluationError(_("Give the evidence a title."))
    try:
        name = limited_name(check_upload(upload))
    except DomainError as exc:
        raise EvaluationError(exc.message) from exc
    _in_scope(commission, task)
    if visit is not None and visit.commission_id != commission.pk:
        raise EvaluationError(_("This visit is not one of this evaluation."))
    same = commission.evidence.filter(title=title, name=name, size=upload.size, task=task)
    if same.exists():
        raise EvaluationError(_("This file is already among the evidence."))
    evidence = Evidence(
        commission=commission,
        task=task,
        visit=visit,
        title=title,
        name=name,
        size=upload.size,
        uploaded_by=by,
    )
    with file_saved(evidence.file, name, upload):
        evidence.save()
        record(
            "commission.evidence_added",
            obj=commission,
            by=by,
            changes={"attachment": [None, name]},
            note=title,
        )
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, by: User) -> None:
    """Remove a piece of evidence while the evaluation is in progress; the file goes once the
    removal is committed."""
    _lock_for_work(evidence.commission, by)
    found = Evidence.objects.filter(pk=evidence.pk).first()
    if found is None:
        raise EvaluationError(_("This evidence was already removed."))
    record(
        "commission.evidence_removed",
        obj=evidence.commission,
        by=by,
        changes={"attachment": [found.name, None]},
        note=found.title,
    )
    stored, storage = found.file.name, found.file.storage
    found.delete()
    transaction.on_commit(lambda: storage.delete(stored))
