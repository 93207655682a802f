"""Reform fields (改革领域) are the four key tasks of 发改高技〔2021〕484号 §二, plus 其他; the
expert review's criteria are the platform's own (484号 sets no scoring standard)."""

import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse

from audit.models import AuditEntry
from lists.models import ListItem
from proposals import reference
from proposals.forms import ProposalForm, ReformFieldChoice
from proposals.models import Proposal, ReformField
from review.models import Assignment, ExpertProfile
from tests import test_lists_fixtures as lists_fixtures
from tests import test_review_setup as review_setup
from tests.conftest import client_for, make_proposal

MIGRATION = importlib.import_module("proposals.migrations.0004_reform_fields_484")

# 484号 §二: the four 重点任务, then 其他 for the 个性化的改革举措 of its closing paragraph.
EXPECTED = [
    (1, "构建高效运行的科研体系", "鼓励社会以捐赠和建立基金等方式多渠道投入基础研究"),
    (2, "打好关键核心技术攻坚战", "实行关键核心技术“揭榜挂帅”和“赛马”等制度"),
    (3, "促进技术要素市场体系建设", "建设专业化市场化技术转移机构和技术经理人队伍"),
    (4, "包容审慎监管新产业新业态", "加强知识产权司法保护和行政执法"),
    (5, "其他（个性化改革举措）", "个性化改革举措"),
]
OTHER = "其他（个性化改革举措）"


def test_the_five_fields_exist_in_order_after_the_migrations(db):
    """484号 §二 names four key tasks, each with what it "主要包括", and asks each locality to
    plan 个性化的改革举措 (its closing paragraph): the migrations leave exactly these five, in
    that order, each described."""
    fields = list(ReformField.objects.all())
    assert [(f.order, f.name) for f in fields] == [(o, n) for o, n, _part in EXPECTED]
    for field, (_order, _name, part) in zip(fields, EXPECTED, strict=True):
        assert part in field.description
        assert field.source.startswith("发改高技〔2021〕484号 §二")
    assert all(f.description.startswith("主要包括：") for f in fields[:4])


def test_the_seed_and_the_frozen_migration_data_agree():
    """proposals.reference (484号 §二) seeds what migration 0004 froze, word for word."""
    assert [tuple(seed) for seed in reference.FIELDS] == MIGRATION.FIELDS
    assert reference.OTHER == MIGRATION.OTHER == OTHER


def test_the_proposal_form_offers_exactly_the_five_with_their_descriptions(db, users, cycle):
    """484号 §二: a locality files its proposal under one of the four key tasks or 其他, and sees
    what each task mainly covers where it chooses."""
    field = ProposalForm().fields["field"]
    assert isinstance(field, ReformFieldChoice) and field.empty_label is None
    assert field.queryset is not None
    offered = list(field.queryset)
    assert [f.name for f in offered] == [name for _o, name, _part in EXPECTED]
    for obj, (_order, name, part) in zip(offered, EXPECTED, strict=True):
        label = str(field.label_from_instance(obj))
        assert name in label and part in label
    page = client_for(users["sichuan"]).get(reverse("proposals:proposal_create"))
    assert page.status_code == 200
    html = page.content.decode()
    for _order, name, part in EXPECTED:
        assert name in html and part in html
    assert "科技金融创新" not in html
    assert 'type="radio" name="field"' in html


def _move():
    """Run the migration's function on the live tables, as `migrate` would."""
    MIGRATION.move_to_484_fields(apps, SimpleNamespace(connection=connection))


def test_the_migration_moves_what_was_filed_under_an_old_category_to_other(db, users, cycle):
    """Migration 0004 (484号 §二): a proposal, a candidate measure, the items of a draft list
    and an expert's field of expertise under a promotion category (科技金融创新) move to 其他;
    no task of 484号 is guessed. A published version never changes: its item keeps the field
    it was published under, which is kept but retired (offered nowhere)."""
    national = users["national"]
    old = ReformField.objects.create(name="科技金融创新", name_en="Sci-tech finance innovation")
    unused = ReformField.objects.create(name="外籍人才引进", name_en="Attracting foreign talent")
    proposal = make_proposal(cycle, users["sichuan"], "submitted", field=old)
    kept = make_proposal(
        cycle, users["sichuan"], title="另一建议", field=ReformField.objects.get(order=3)
    )
    candidate = lists_fixtures.make_candidate(cycle, national, "科技金融投贷联动", field=old)
    published = lists_fixtures.publish(
        lists_fixtures.draft_list(cycle, national, [candidate]), national
    )
    cycle98 = lists_fixtures.make_cycle(2098, national)
    draft_candidate = lists_fixtures.make_candidate(cycle98, national, "九八候选", field=old)
    draft = lists_fixtures.draft_list(cycle98, national, [draft_candidate])
    expert = review_setup.make_expert("finance_expert", fields=("科技金融创新",))

    _move()

    other = ReformField.objects.get(name=OTHER)
    # The category a published list still names is kept, retired; an unused one is deleted.
    assert ReformField.all_fields.get(pk=old.pk).retired
    assert not ReformField.all_fields.filter(pk=unused.pk).exists()
    assert ReformField.objects.count() == 5  # what forms offer
    proposal.refresh_from_db()
    candidate.refresh_from_db()
    assert proposal.field == other and candidate.field == other
    kept_field = Proposal.objects.get(pk=kept.pk).field
    assert kept_field is not None and kept_field.order == 3  # a field of 484号 stays
    assert {i.field for i in ListItem.objects.filter(version=draft)} == {other}
    assert published.items.get().field.name == "科技金融创新"  # as it was published
    assert [f.name for f in ExpertProfile.objects.get(user=expert).fields.all()] == [OTHER]
    entry = AuditEntry.objects.get(action="proposal.updated", object_id=str(proposal.pk))
    assert entry.changes == {"field": ["科技金融创新", OTHER]}
    assert "未对应到任何重点任务" in entry.note
    assert not AuditEntry.objects.filter(
        action="list.item_updated", object_id=str(published.items.get().pk)
    ).exists()


def test_the_migration_does_nothing_when_only_the_five_exist(db):
    """Run again on a database that already holds 484号 §二's five fields, it changes nothing."""
    before = list(ReformField.objects.values_list("pk", "name", "description", "order"))
    _move()
    after = list(ReformField.objects.values_list("pk", "name", "description", "order"))
    assert after == before
    assert not AuditEntry.objects.exists()


# The review's criteria: the platform's own, derived from 484号 §一 and §三(二). -----------------

CLAIMS = [
    re.compile(r"criteri\w* of 发改高技"),
    re.compile(r"484号\S{0,4}(?:规定|确定|设定)的\S{0,4}标准"),
]


def _claims_scores(text: str) -> bool:
    return any(pattern.search(text) for pattern in CLAIMS)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_review_pages_say_the_criteria_are_the_platforms_own(db, users, cycle, language):
    """484号 §三(二) asks for 专家论证 and puts the measures of high value (含金量高) on the list;
    it sets no scoring standard. The expert's page says the four criteria are the platform's,
    derived from §一's principles and §三(二), and never that 484号 sets them."""
    world = review_setup.build_world(users, cycle)
    assignment = Assignment.objects.create(
        candidate=world.tech,
        expert=users["expert"],
        source=Assignment.Source.SOLVER,
        assigned_by=users["national"],
    )
    expert_page = client_for(users["expert"]).get(
        reverse("review:review_edit", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    index = client_for(users["national"]).get(
        reverse("review:index"), HTTP_ACCEPT_LANGUAGE=language
    )
    for response in (expert_page, index):
        assert response.status_code == 200
        assert not _claims_scores(response.content.decode())
    html = expert_page.content.decode()
    for principle in ("大胆闯、自主改", "小切口、大作为", "易操作、可考核", "出经验、做示范"):
        assert principle in html
    assert "含金量高" in html
    if language == "en":
        assert "The criteria are the platform's own" in html
        assert "484号 sets no scoring standard" in index.content.decode()


def test_no_review_template_or_label_claims_484_sets_the_criteria():
    """Nothing the review shows attributes its scoring criteria to 484号 (§三(二) only asks for
    专家论证 and 含金量高 measures)."""
    base = Path(settings.BASE_DIR)
    paths = [*sorted((base / "templates" / "review").rglob("*.html")), base / "review/labels.py"]
    offending = [str(p) for p in paths if _claims_scores(p.read_text(encoding="utf-8"))]
    assert offending == []
