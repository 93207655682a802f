"""Merging in the demo, through the same services the coordinator uses.

The closed 2026 cycle is merged so that expert review can follow: Guangdong proposed the same
demo measure as Sichuan (科技成果转化尽职免责负面清单和容错机制, in its own words), the suggestion
run groups the two, the coordinator accepts that group, ignores any other suggestion (the
other measures are different ones), and promotes every remaining proposal on its own. The
2027 cycle is left unmerged so that the coordinator can try the suggestions.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from merging import services
from merging.models import CandidateMeasure, SuggestedGroup
from merging.selectors import candidate_draft, remaining_proposals
from proposals.models import Cycle, Proposal
from proposals.services.proposals import proposal_create

YEAR = 2026
ORIGINAL = "科技成果转化尽职免责负面清单和容错机制（演示）"
DUPLICATE = "制定科技成果转化尽职免责负面清单并建立容错机制（演示）"
MARK = "（演示数据）"


def _duplicate(cycle: Cycle, original: Proposal, by: User) -> Proposal:
    """Guangdong's proposal of the same measure. The 2026 cycle is closed, so it is reopened
    for the moment of the draft, and submitted as the builder submits: past the deadline."""
    existing = Proposal.objects.filter(cycle=cycle, title=DUPLICATE).first()
    if existing is not None:
        return existing
    data = {
        name: getattr(original, name)
        for name in Proposal.CONTENT_FIELDS
        if name not in ("title", "content", "problem")
    }
    data.update(
        title=DUPLICATE,
        problem=f"{MARK}科技成果转化中怕担责、不敢转，单位负责人宁可不转也不愿冒险。",
        content=f"{MARK}制定科技成果转化尽职免责负面清单，建立容错机制，"
        "明确免责情形、认定程序和牵头部门。",
    )
    cycle.is_open = True
    cycle.save(update_fields=["is_open"])
    proposal = proposal_create(by=by, cycle=cycle, data=data)
    cycle.is_open = False
    cycle.save(update_fields=["is_open"])
    proposal.state, proposal.submitted_at = Proposal.State.SUBMITTED, timezone.now()
    proposal.save(update_fields=["state", "submitted_at"])
    return proposal


def _accept_pair(cycle: Cycle, pair: list[Proposal], national: User) -> CandidateMeasure:
    """Accept the suggested group holding the pair, after splitting off anything else; if the
    text analysis did not group them, the coordinator merges the two by hand."""
    data = candidate_draft(pair)
    wanted = {p.pk for p in pair}
    for group in SuggestedGroup.objects.filter(cycle=cycle, state=SuggestedGroup.State.OPEN):
        members = list(group.proposals.all())
        if not wanted <= {p.pk for p in members}:
            continue
        others = [p for p in members if p.pk not in wanted]
        if others:
            services.group_split(group=group, by=national, move=others)
        return services.group_accept(group=group, by=national, data=data)
    return services.proposals_merge(cycle=cycle, proposals=pair, by=national, data=data)


@transaction.atomic
def build_merging_demo() -> bool:
    """Merge the 2026 cycle once; False if it was already merged (or has no proposals)."""
    cycle = Cycle.objects.filter(year=YEAR).first()
    original = Proposal.objects.filter(cycle__year=YEAR, title=ORIGINAL).first()
    if cycle is None or original is None or CandidateMeasure.objects.filter(cycle=cycle).exists():
        return False
    national = User.objects.get(username="national")
    duplicate = _duplicate(cycle, original, User.objects.get(username="guangdong"))
    services.suggestions_run(cycle=cycle, by=national)
    _accept_pair(cycle, [original, duplicate], national)
    for group in SuggestedGroup.objects.filter(cycle=cycle, state=SuggestedGroup.State.OPEN):
        services.group_ignore(group=group, by=national)
    services.proposals_promote(cycle=cycle, proposals=list(remaining_proposals(cycle)), by=national)
    return True
