"""Merging in the demo, through the same services the coordinator uses.

The closed 2026 cycle is merged so that expert review can follow: Guangdong proposed the same
measure as Sichuan (技术经理人全程参与的科技成果转化服务模式, in its own words), the suggestion
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
ORIGINAL = "技术经理人全程参与的科技成果转化服务模式"
DUPLICATE = "推行技术经理人全程参与科技成果转化的服务模式"
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
        problem=f"{MARK}高校院所科技成果多、转化少，缺少懂技术、懂市场的专业转化服务人员。",
        content=f"{MARK}在本地区推行“技术经理人全程参与的科技成果转化服务模式”，"
        "明确牵头部门、配套政策和推进步骤。",
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
