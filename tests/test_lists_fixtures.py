"""Shared makings of the annual-list tests (no tests here): candidates written directly, and
a world with a list in every state, one per cycle, since a cycle has one list. Each test
module declares its own `world` fixture from `build_world`."""

import datetime
from types import SimpleNamespace

from lists.models import ListVersion
from lists.services import drafting, publishing
from merging.models import CandidateMeasure
from proposals.models import Cycle, ReformField


def field(name: str = "促进技术要素市场体系建设") -> ReformField:
    return ReformField.objects.get(name=name)


def make_candidate(cycle: Cycle, by, title: str, **overrides) -> CandidateMeasure:
    data = {
        "cycle": cycle,
        "title": title,
        "content": f"{title}的改革内容。",
        "field": field(),
        "ministries": "",
        "created_by": by,
    }
    data.update(overrides)
    return CandidateMeasure.objects.create(**data)


def make_cycle(year: int, by) -> Cycle:
    return Cycle.objects.create(
        year=year, title=f"{year}年度征集", deadline=datetime.date(year, 4, 30), opened_by=by
    )


def draft_list(cycle: Cycle, by, candidates, **details) -> ListVersion:
    version = drafting.list_create(
        cycle=cycle, by=by, title=f"{cycle.year}年度全面改革创新举措清单", **details
    )
    if candidates:
        drafting.items_add(version=version, by=by, candidates=candidates)
    return version


def consult(version: ListVersion, by) -> ListVersion:
    # 教育部, a department concerned: 科技部 issues the list (发改高技〔2021〕484号 §三（二）).
    version = publishing.version_send_for_opinions(version=version, by=by)
    publishing.consultation_record(
        version=version, by=by, ministry="教育部", asked_at=datetime.date(2099, 5, 6)
    )
    return version


def publish(version: ListVersion, by, number: str = "发改高技〔2099〕12号") -> ListVersion:
    if version.state == ListVersion.State.DRAFT:
        consult(version, by)
    return publishing.version_publish(
        version=version,
        by=by,
        issuing_authority="国家发展改革委",
        doc_number=number,
        issued_on=datetime.date(2099, 6, 1),
    )


def build_world(users, cycle) -> SimpleNamespace:
    """2099: published v1. 2098: a draft. 2097: out for opinions. 2096: no list yet."""
    national = users["national"]
    fin = field("其他（个性化改革举措）")
    c99 = [
        make_candidate(cycle, national, "技术经理人全程参与成果转化"),
        make_candidate(cycle, national, "科技成果赋权改革", ministries="科技部、财政部"),
        make_candidate(cycle, national, "知识产权质押融资", field=fin),
    ]
    published = publish(
        draft_list(cycle, national, c99, issuing_authority="国家发展改革委"), national
    )
    cycle98 = make_cycle(2098, national)
    c98 = [make_candidate(cycle98, national, f"九八候选{i}") for i in range(1, 4)]
    draft = draft_list(cycle98, national, c98[:2])
    cycle97 = make_cycle(2097, national)
    c97 = [make_candidate(cycle97, national, "九七候选")]
    consulting = consult(draft_list(cycle97, national, c97), national)
    cycle96 = make_cycle(2096, national)
    make_candidate(cycle96, national, "九六候选")
    return SimpleNamespace(
        cycle=cycle,
        candidates=c99,
        published=published,
        published_item=published.items.order_by("position").first(),
        cycle98=cycle98,
        candidates98=c98,
        draft=draft,
        draft_item=draft.items.order_by("position").first(),
        cycle97=cycle97,
        consulting=consulting,
        consultation=consulting.consultations.get(),
        cycle96=cycle96,
    )
