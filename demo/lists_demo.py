"""The annual list in the demo, through the same services the coordinator uses.

The 2026 cycle gets a published list (version 1) drawn from its ranked candidates, after a
consultation with one department concerned (not 国家发展改革委 or 科技部, who issue the list:
发改高技〔2021〕484号 §三（二）（三）), and a revision (version 2) that adds a measure and rewords
another, out for opinions with one consultation recorded, so that the public page and the
comparison of versions have something to show. Every document number, date, answer and text
here is demo content and says so: no such list was issued.
"""

import datetime

from django.db import transaction

from accounts.models import Role, User
from lists.models import AnnualList
from lists.selectors import ranked_candidates
from lists.services import drafting, publishing
from merging.models import CandidateMeasure
from proposals.models import Cycle

YEAR = 2026
MARK = "（演示数据）"
TITLE = "2026年度全面改革创新举措清单（演示）"
# The list's issuers are 484号's (§三（三）); the mark says the document is the demo's. The demo
# number reads as a document number (GB/T 9704) under a code of its own, 发改高技（演示）, so it
# takes no number a real 发改高技 document could have.
ISSUER = "国家发展改革委、科技部（演示）"
DOC_NUMBER = "发改高技（演示）〔2026〕1号"
PREAMBLE = (
    f"{MARK}根据全面创新改革工作部署，在各地报送举措建议的基础上，经合并同类项、专家论证和"
    "征求有关部门意见，形成本清单。请各地结合实际揭榜实施。"
)


@transaction.atomic
def build_lists_demo() -> bool:
    """Publish the 2026 list and draft its revision once; False if done already or if the
    cycle has no candidate measures yet."""
    cycle = Cycle.objects.filter(year=YEAR).first()
    national = User.objects.filter(role=Role.NATIONAL).order_by("pk").first()
    if cycle is None or national is None or AnnualList.objects.filter(cycle=cycle).exists():
        return False
    ranking = [row.candidate for row in ranked_candidates(cycle)]
    if not ranking:
        return False
    # Keep the last-ranked candidate back so that the revision has a measure to add.
    first, later = (ranking[:-1], ranking[-1:]) if len(ranking) > 1 else (ranking, [])
    version = drafting.list_create(
        cycle=cycle, by=national, title=TITLE, issuing_authority=ISSUER, preamble=PREAMBLE
    )
    drafting.items_add(version=version, by=national, candidates=first)
    publishing.version_send_for_opinions(version=version, by=national)
    publishing.consultation_record(
        version=version,
        by=national,
        ministry="教育部",
        asked_at=datetime.date(YEAR, 5, 20),
        answer=f"{MARK}原则同意。建议第1项明确先行探索的范围。",
        answered_at=datetime.date(YEAR, 5, 28),
        change_made=f"{MARK}第1项增加“在有条件的地区先行探索”。",
    )
    first_item = version.items.order_by("position").first()
    assert first_item is not None
    drafting.item_update(
        item=first_item,
        by=national,
        data={"content": f"{first_item.content}\n{MARK}在有条件的地区先行探索。"},
    )
    publishing.version_publish(
        version=version,
        by=national,
        issuing_authority=ISSUER,
        doc_number=DOC_NUMBER,
        issued_on=datetime.date(YEAR, 6, 15),
    )
    _revise(version.annual_list, national, later)
    return True


def _revise(annual_list: AnnualList, national: User, later: list[CandidateMeasure]) -> None:
    revision = publishing.list_revise(
        annual_list=annual_list,
        by=national,
        change_note=f"{MARK}增补一项举措，调整一项举措的表述。",
    )
    # Reword a measure carried over from version 1, then add the one held back.
    kept = revision.items.order_by("-position").first()
    assert kept is not None
    drafting.item_update(
        item=kept, by=national, data={"content": f"{kept.content}\n{MARK}明确牵头部门和完成时限。"}
    )
    if later:
        drafting.items_add(version=revision, by=national, candidates=later)
    publishing.version_send_for_opinions(version=revision, by=national)
    publishing.consultation_record(
        version=revision, by=national, ministry="财政部", asked_at=datetime.date(YEAR + 1, 3, 2)
    )
