"""One-time entry (一表多用, 信息一次填报): what the system already knows about a task, read
back from the stages below it so the implementer edits rather than retypes.

A task's plan starts from the claimant's own proposal for the measure — the proposal of the
claimant's province (or of a region group's provinces) among the sources of the list item's
candidate — and from the list item's text. Everything here is a suggestion: nothing is
written; the plan is saved only when the user saves it.

The parsing never invents: a milestone needs a date that can be read from its line, a target
a number; a baseline is never suggested.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q

from lists.models import ListItem
from proposals.models import Proposal
from tasks.models import Task

# Dates ---------------------------------------------------------------------------------------

_FULL_DATE = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?")
_MONTH = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*(?:月份|月)\s*(底|末|中旬|上旬|下旬|前|以前|之前)?"
)
_QUARTER = re.compile(r"(\d{4})\s*年\s*(?:第\s*)?([一二三四1-4])\s*季度")
_HALF = re.compile(r"(\d{4})\s*年\s*(上|下)半年")
_YEAR_END = re.compile(r"(\d{4})\s*年\s*(?:底|末|年底|年末|内|全年)")
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _date_match(text: str) -> tuple[datetime.date, re.Match[str]] | None:
    """The first date the text states, with the words that state it; None when it pins none.

    "2027-06-30" and "2027年6月30日" are that day; "2027年6月底", "2027年6月" and
    "2027年6月底前" the last day of June; "2027年6月前" (before June) the last day of May;
    a quarter, a half year or "2027年底" their last day.
    """
    found: list[tuple[int, datetime.date, re.Match[str]]] = []
    try:
        for m in _FULL_DATE.finditer(text):
            found.append((m.start(), datetime.date(int(m[1]), int(m[2]), int(m[3])), m))
            break
        for m in _MONTH.finditer(text):
            if any(start <= m.start() < f.end() for start, _d, f in found):
                continue
            year, month = int(m[1]), int(m[2])
            if m[3] in ("前", "以前", "之前"):
                due = datetime.date(year, month, 1) - datetime.timedelta(days=1)
            elif m[3] == "上旬":
                due = datetime.date(year, month, 10)
            elif m[3] == "中旬":
                due = datetime.date(year, month, 20)
            else:
                due = _month_end(year, month)
            found.append((m.start(), due, m))
            break
    except ValueError:
        return None
    for m in _QUARTER.finditer(text):
        found.append((m.start(), _month_end(int(m[1]), _QUARTERS[m[2]] * 3), m))
        break
    for m in _HALF.finditer(text):
        found.append((m.start(), _month_end(int(m[1]), 6 if m[2] == "上" else 12), m))
        break
    for m in _YEAR_END.finditer(text):
        found.append((m.start(), datetime.date(int(m[1]), 12, 31), m))
        break
    if not found:
        return None
    _start, due, match = min(found, key=lambda f: f[0])
    return due, match


def parse_date(text: str) -> datetime.date | None:
    """The date a line of a timetable or of targets states, or None (never a guess)."""
    found = _date_match(text)
    return found[0] if found else None


# Lines ---------------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"[\n\r；;。]+")
_CLAUSE_BREAKS = re.compile(r"(?:[，、]|,(?!\d{3}))+")
_EDGE = " \t，,、：:；;。.（）()—-"
_LEAD_IN = re.compile(r"^(?:到|至|在|于|截至|截止|截止到)")
_DUE_WORDS = re.compile(r"^(?:以前|之前|前|底前|末前|内|期间|完成前)")


def lines_of(text: str) -> list[str]:
    """The lines of a text, split at line breaks and sentence ends (；。), without numbering
    such as "1." or "（一）"."""
    lines = []
    for raw in _LINE_BREAKS.split(text or ""):
        line = re.sub(
            r"^\s*(?:\d{1,2}[.、)）]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)",
            "",
            raw,
        )
        line = line.strip(_EDGE)
        if line:
            lines.append(line)
    return lines


@dataclass
class MilestoneSuggestion:
    title: str
    due_on: datetime.date


def milestones_from(timetable: str) -> list[MilestoneSuggestion]:
    """A milestone for each line of the timetable that states a date; lines without one
    stay in the timetable only."""
    rows = []
    for line in lines_of(timetable):
        found = _date_match(line)
        if found is None:
            continue
        due, match = found
        rest = line[: match.start()] + line[match.end() :]
        rest = _LEAD_IN.sub("", rest.strip(_EDGE))
        rest = _DUE_WORDS.sub("", rest.strip(_EDGE)).strip(_EDGE)
        # Too little left to name the step ("完成"): the line itself says more.
        title = rest if len(rest) >= 3 else line
        rows.append(MilestoneSuggestion(title=title[:200], due_on=due))
    return rows


# Targets -------------------------------------------------------------------------------------

# Units as proposals write them, longest first so that 亿元 wins over 亿.
UNITS = sorted(
    [
        "个百分点",
        "万平方米",
        "平方米",
        "万人次",
        "人次",
        "万人",
        "亿元",
        "万元",
        "千元",
        "元",
        "名",
        "人",
        "个",
        "家",
        "项",
        "件",
        "所",
        "座",
        "台",
        "套",
        "条",
        "篇",
        "批",
        "次",
        "支",
        "户",
        "款",
        "部",
        "册",
        "场",
        "期",
        "倍",
        "亩",
        "公顷",
        "吨",
        "%",
        "％",
        "亿",
        "万",
    ],
    key=len,
    reverse=True,
)
_NUMBER = re.compile(
    r"(?<![\d.])(\d+(?:,\d{3})*(?:\.\d+)?)(?!\d|\.\d)\s*("
    + "|".join(re.escape(u) for u in UNITS)
    + r")?"
)
_NOT_A_QUANTITY = re.compile(r"\s*(?:年|月|日|号|季度|[-/.]\d)")
_VERB_TAIL = re.compile(
    r"(?:达到|达|超过|突破|不少于|不低于|不超过|提高到|提高至|提升到|提升至|增加到|增至|增长到|"
    r"降低到|降至|控制在|保持在|累计|新增到|为|是)+$"
)
_AFTER_TAIL = re.compile(r"^(?:以上|左右|以内|上下|及以上|余)")


@dataclass
class TargetSuggestion:
    indicator: str
    unit: str
    target_value: Decimal
    due_on: datetime.date | None = None


def _without_dates(text: str) -> str:
    while (found := _date_match(text)) is not None:
        text = text[: found[1].start()] + " " + text[found[1].end() :]
    return text


def _target_of(clause: str, due: datetime.date | None) -> TargetSuggestion | None:
    clause = _without_dates(clause)
    for m in _NUMBER.finditer(clause):
        if _NOT_A_QUANTITY.match(clause, m.end(1)):
            continue  # a year, a month or a day left over
        try:
            value = Decimal(m[1].replace(",", ""))
        except InvalidOperation:
            continue
        before = clause[: m.start()]
        before = _DUE_WORDS.sub("", _LEAD_IN.sub("", before.strip(_EDGE)).strip(_EDGE))
        before = _VERB_TAIL.sub("", before.strip(_EDGE)).strip(_EDGE)
        after = _AFTER_TAIL.sub("", clause[m.end() :].strip(_EDGE)).strip(_EDGE)
        indicator = (before + after).strip(_EDGE)
        if not indicator:
            return None
        unit = {"％": "%"}.get(m[2] or "", m[2] or "")
        return TargetSuggestion(indicator[:200], unit, value, due)
    return None


def targets_from(text: str) -> list[TargetSuggestion]:
    """A target for each clause of the targets that states a number: the indicator is the
    clause's words, the unit the one written after the number (empty when none is), the
    target value the number, the due date one the line states. No baseline: the proposal
    does not give it."""
    rows = []
    for line in lines_of(text):
        due = parse_date(line)
        for clause in _CLAUSE_BREAKS.split(line):
            target = _target_of(clause.strip(_EDGE), due)
            if target is not None:
                rows.append(target)
    return rows


# The task's sources --------------------------------------------------------------------------


def task_list_item(task: Task) -> ListItem | None:
    """The list item the task's programme item was claimed from (None for a programme whose
    items were imported from a sheet)."""
    item_id = task.claim.item.list_item_id
    if item_id is None:
        return None
    return ListItem.objects.select_related("candidate").get(pk=item_id)


def _claimant_localities(task: Task) -> set[int]:
    claimant = task.claimant
    if claimant.division_id is not None:
        return {claimant.division_id}
    if claimant.region_group_id is None:
        return set()
    ids: set[int] = set()
    for division_id, province_id in claimant.region_group.divisions.values_list(  # type: ignore[union-attr]
        "pk", "province_id"
    ):
        ids.add(division_id)
        if province_id is not None:
            ids.add(province_id)
    return ids


def claimant_proposal(task: Task, list_item: ListItem | None = None) -> Proposal | None:
    """The claimant's own proposal behind the measure: among the sources of the list item's
    candidate, the one its locality (a region group: one of its provinces) submitted; the
    first submitted when there are several."""
    list_item = list_item or task_list_item(task)
    if list_item is None:
        return None
    return (
        Proposal.objects.filter(
            merged_into_id=list_item.candidate_id, locality_id__in=_claimant_localities(task)
        )
        .order_by("submitted_at", "pk")
        .first()
    )


def plan_is_empty(task: Task) -> bool:
    """A task with no plan yet: nothing written in it, never submitted."""
    return (
        task.plan_state == Task.PlanState.DRAFT
        and task.plan_submitted_at is None
        and not task.timetable
        and not task.roadmap
        and not task.milestones.exists()
        and not task.targets.exists()
    )


@dataclass
class PlanPrefill:
    """What the plan form of a task with no plan yet starts from."""

    proposal: Proposal | None
    list_item: ListItem | None
    timetable: str = ""
    roadmap: str = ""
    milestones: list[MilestoneSuggestion] = field(default_factory=list)
    targets: list[TargetSuggestion] = field(default_factory=list)

    @property
    def filled(self) -> bool:
        """Whether anything was suggested (a sheet-imported item may have nothing)."""
        return bool(self.proposal or self.list_item or self.roadmap)

    def milestone_initial(self) -> list[dict[str, Any]]:
        return [{"title": m.title, "due_on": m.due_on} for m in self.milestones]

    def target_initial(self) -> list[dict[str, Any]]:
        return [
            {
                "indicator": t.indicator,
                "unit": t.unit,
                "target_value": t.target_value,
                "due_on": t.due_on,
            }
            for t in self.targets
        ]


def plan_prefill(task: Task) -> PlanPrefill:
    """The suggested plan: the timetable, its dated lines as milestones and the numbered
    targets from the claimant's proposal; the roadmap from the list item's content (the
    proposal's content, the programme item's description when there is no list item)."""
    list_item = task_list_item(task)
    proposal = claimant_proposal(task, list_item)
    if list_item is not None:
        roadmap = list_item.content
    elif proposal is not None:
        roadmap = proposal.content
    else:
        roadmap = task.claim.item.description
    if proposal is None:
        return PlanPrefill(proposal=None, list_item=list_item, roadmap=roadmap)
    return PlanPrefill(
        proposal=proposal,
        list_item=list_item,
        timetable=proposal.timetable,
        roadmap=roadmap,
        milestones=milestones_from(proposal.timetable),
        targets=targets_from(proposal.targets),
    )


@dataclass
class ContactSuggestion:
    proposal: Proposal
    person: str
    phone: str


def responsible_suggestion(task: Task) -> ContactSuggestion | None:
    """The proposal's contact, suggested as the task's responsible person when none is set."""
    if task.responsible_person:
        return None
    proposal = claimant_proposal(task)
    if proposal is None or not proposal.contact_name.strip():
        return None
    return ContactSuggestion(
        proposal, proposal.contact_name.strip(), proposal.contact_phone.strip()
    )


def responsible_people_used(task: Task) -> dict[str, list[str]]:
    """The responsible persons, posts and phones already named on the tasks of the task's
    locality (any programme), most recent first: offered so they are picked, not retyped
    (信息一次填报). One query."""
    claimant = task.claimant
    same = (
        Q(claimant__division_id=claimant.division_id)
        if claimant.division_id is not None
        else Q(claimant__region_group_id=claimant.region_group_id)
    )
    rows = (
        Task.objects.filter(same)
        .exclude(pk=task.pk)
        .exclude(responsible_person="")
        .order_by("-pk")
        .values_list("responsible_person", "responsible_post", "responsible_phone")[:200]
    )
    used: dict[str, list[str]] = {"person": [], "post": [], "phone": []}
    for row in rows:
        for key, value in zip(used, row, strict=True):
            value = value.strip()
            if value and value not in used[key]:
                used[key].append(value)
    return used
