"""The records of one measure's journey, whoever may see them: from the record the journey is
opened on, back to the candidate measures it came from (候选举措, the measure as the national
level wrote it after merging), then forward from them through every stage.

The walk is the platform's own: it goes back once and forward once, so an outcome distilled
from the tasks of two candidates brings both candidates' stories, while a candidate brings
the outcomes of its own tasks without going back up through another candidate. It reads ids
only, in a fixed number of queries whatever the size of the journey; what the user may see
of it is decided stage by stage afterwards (overview.journey.origin and .delivery).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404

from accounts.actors import Actor
from accounts.visibility import Visibility
from claims.models import Claim, ProgrammeItem, TaskNotice
from evaluation.models import Outcome
from evaluation.rules import OUTCOMES
from lists.models import ListItem
from lists.rules import ITEMS
from merging.rules import CANDIDATES
from promotion.models import PromotedMeasure
from promotion.rules import MEASURES
from proposals.models import Proposal, Suggestion
from proposals.rules import PROPOSALS
from tasks.models import Task
from tasks.rules import TASKS

# The records a journey can be opened on (/overview/journey/<kind>/<pk>/), each with the
# visibility of its own stage: a user who may not see the record gets a 404.
STARTS: dict[str, Visibility[Any]] = {
    "proposal": PROPOSALS,
    "candidate": CANDIDATES,
    "item": ITEMS,
    "task": TASKS,
    "outcome": OUTCOMES,
    "measure": MEASURES,
}
# The kind of step that tells of each kind of starting record.
STEP_OF = {
    "proposal": "proposal",
    "candidate": "candidate",
    "item": "list_item",
    "task": "task",
    "outcome": "outcome",
    "measure": "measure",
}


@dataclass
class Chain:
    """The ids of the records connected to the starting one."""

    suggestions: set[int] = field(default_factory=set)
    proposals: set[int] = field(default_factory=set)
    candidates: set[int] = field(default_factory=set)
    list_items: set[int] = field(default_factory=set)
    programmes: set[int] = field(default_factory=set)
    claims: set[int] = field(default_factory=set)
    notices: set[int] = field(default_factory=set)
    tasks: set[int] = field(default_factory=set)
    outcomes: set[int] = field(default_factory=set)
    measures: set[int] = field(default_factory=set)


def start_for(user: Actor, kind: str, pk: int) -> Model:
    """The record the journey opens on, if the user may see it; 404 otherwise (and for a kind
    the journey does not know)."""
    visibility = STARTS.get(kind)
    if visibility is None:
        raise Http404
    found = visibility.queryset(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _ids(qs: QuerySet[Any], name: str = "pk") -> set[int]:
    return {value for value in qs.values_list(name, flat=True) if value is not None}


def _candidates_of_tasks(task_ids: set[int]) -> set[int]:
    if not task_ids:
        return set()
    rows = Task.objects.filter(pk__in=task_ids)
    return _ids(rows, "claim__item__list_item__candidate_id")


def _back(kind: str, record: Any, chain: Chain) -> None:
    """From the starting record to the candidates (and the later records) it stands for."""
    if kind == "measure":
        chain.measures.add(record.pk)
        if record.outcome_id is None:
            return  # a measure of a reference batch: its story starts with the batch
        kind, record = "outcome", Outcome(pk=record.outcome_id)
    if kind == "proposal":
        chain.proposals.add(record.pk)
        if record.merged_into_id is not None:
            chain.candidates.add(record.merged_into_id)
    elif kind == "candidate":
        chain.candidates.add(record.pk)
    elif kind == "item":
        chain.candidates.add(record.candidate_id)
    elif kind == "task":
        chain.tasks.add(record.pk)
        chain.candidates |= _candidates_of_tasks({record.pk})
    elif kind == "outcome":
        chain.outcomes.add(record.pk)
        chain.tasks |= _ids(Outcome.tasks.through.objects.filter(outcome_id=record.pk), "task_id")
        chain.candidates |= _candidates_of_tasks(chain.tasks)


def _forward(chain: Chain) -> None:
    """From the candidates to everything that became of them."""
    candidates = chain.candidates
    if candidates:
        chain.proposals |= _ids(Proposal.objects.filter(merged_into__in=candidates))
        chain.list_items |= _ids(ListItem.objects.filter(candidate__in=candidates))
    if chain.proposals:
        chain.suggestions |= _ids(Suggestion.objects.filter(proposals__in=chain.proposals))
    if chain.list_items:
        offered = ProgrammeItem.objects.filter(list_item__in=chain.list_items)
        chain.programmes |= _ids(offered, "programme_id")
        chain.claims |= _ids(Claim.objects.filter(item__list_item__in=chain.list_items))
    if chain.claims:
        chain.tasks |= _ids(Task.objects.filter(claim__in=chain.claims))
    if chain.tasks:
        # A task of a zone pilot has no list item: its claim and programme come from it.
        rows = Task.objects.filter(pk__in=chain.tasks).values_list("claim_id", "programme_id")
        for claim_id, programme_id in rows:
            chain.claims.add(claim_id)
            chain.programmes.add(programme_id)
        chain.outcomes |= _ids(Outcome.objects.filter(tasks__in=chain.tasks))
    if chain.claims:
        chain.notices |= _ids(TaskNotice.objects.filter(claimant__claims__in=chain.claims))
    if chain.outcomes:
        chain.measures |= _ids(PromotedMeasure.objects.filter(outcome__in=chain.outcomes))


def walk(kind: str, record: Any) -> Chain:
    chain = Chain()
    _back(kind, record, chain)
    _forward(chain)
    return chain
