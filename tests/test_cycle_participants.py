"""A cycle's participants: the localities its call is addressed to (issue #9).

发改高技〔2021〕484号, the 主送 line: "北京市、天津市、河北省、辽宁省、上海市、江苏省、浙江省、
安徽省、湖北省、广东省、重庆市、四川省、陕西省发展改革委、科技厅（委、局）". A cycle starts with
these 13 as its participants (GB/T 2260 110000 … 610000); the national coordinator may edit
the list.

发改高技〔2021〕484号 §三(一): "每个地方每年提出3—5项改革举措建议". The range applies to the
participants: their banner shows it and the submit rule enforces its minimum and maximum.

The platform's own rule (its reading of "addressed to", not a rule 484号 states): a province
that is not a participant is told so on its home page and its cycle page, and may not submit
proposals in that cycle. The national cycle page lists the participants first and the others
only if they submitted anything.
"""

import datetime
import importlib
import io
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from proposals.errors import ProposalError
from proposals.models import CALL_484_ADDRESSEES, Cycle, Proposal
from proposals.selectors import cycle_locality_table
from proposals.services.cycles import cycle_open, cycle_update
from proposals.services.proposals import proposal_return, proposals_submit
from tests.conftest import client_for, division, make_proposal, make_user

# 发改高技〔2021〕484号, 主送 line, in the notice's order.
ADDRESSEES_484 = {
    "北京市": "110000",
    "天津市": "120000",
    "河北省": "130000",
    "辽宁省": "210000",
    "上海市": "310000",
    "江苏省": "320000",
    "浙江省": "330000",
    "安徽省": "340000",
    "湖北省": "420000",
    "广东省": "440000",
    "重庆市": "500000",
    "四川省": "510000",
    "陕西省": "610000",
}
GUIZHOU, YUNNAN, SICHUAN = "520000", "530000", "510000"
NOT_ADDRESSED = "This year's call is not addressed to your locality"


def codes(cycle: Cycle) -> set[str]:
    return set(cycle.participants.values_list("code", flat=True))


def english(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def drafts(cycle, by, n):
    return [make_proposal(cycle, by, title=f"草稿{i}") for i in range(n)]


@pytest.fixture
def guizhou(users):
    """The coordinator of a province 484号 is not addressed to."""
    return make_user("guizhou", Role.LOCALITY, division=division(GUIZHOU))


# The default list: 484号's 主送 line ---------------------------------------------------------


def test_the_default_participants_are_the_13_addressees_of_484(db):
    """发改高技〔2021〕484号, 主送: 北京、天津、河北、辽宁、上海、江苏、浙江、安徽、湖北、广东、
    重庆、四川、陕西."""
    assert tuple(ADDRESSEES_484.values()) == CALL_484_ADDRESSEES
    for name, code in ADDRESSEES_484.items():
        assert division(code).name == name
        assert division(code).is_province


def test_a_cycle_starts_with_the_13_however_it_is_created(users, cycle):
    """484号 主送: a cycle created directly (fixtures, demo) or through the service."""
    assert codes(cycle) == set(ADDRESSEES_484.values())
    opened = cycle_open(
        by=users["national"], year=2100, title="2100", deadline=datetime.date(2100, 4, 30)
    )
    assert codes(opened) == set(ADDRESSEES_484.values())
    entry = AuditEntry.objects.get(action="cycle.opened")
    in_code_order = sorted(ADDRESSEES_484, key=ADDRESSEES_484.__getitem__)
    assert entry.changes["participants"] == [None, in_code_order]


def test_the_service_takes_another_list_but_not_an_empty_one(users):
    """The platform's rule: the list is editable, and a cycle has at least one participant."""
    national = users["national"]
    chosen = [division(SICHUAN), division(GUIZHOU)]
    cycle = cycle_open(
        by=national,
        year=2100,
        title="2100",
        deadline=datetime.date(2100, 4, 30),
        participants=chosen,
    )
    assert codes(cycle) == {SICHUAN, GUIZHOU}
    with pytest.raises(ProposalError):
        cycle_update(cycle=cycle, by=national, participants=[])
    with pytest.raises(ProposalError):
        cycle_update(cycle=cycle, by=national, participants=[division("510100")])  # a city
    cycle_update(cycle=cycle, by=national, participants=[division(SICHUAN)])
    assert codes(cycle) == {SICHUAN}
    entry = AuditEntry.objects.get(action="cycle.updated")
    assert entry.changes["participants"] == [["四川省", "贵州省"], ["四川省"]]


def test_the_cycle_form_shows_the_provinces_with_the_13_ticked(users):
    """484号 主送: the 13 are pre-ticked when a cycle is opened; the other provinces are
    offered unticked."""
    response = client_for(users["national"]).get("/cycles/new/")
    boxes = re.findall(
        r'<input type="checkbox" name="participants" value="(\d+)"([^>]*)>',
        response.content.decode(),
    )
    assert len(boxes) == 31  # every province-level division
    ticked = {int(pk) for pk, rest in boxes if "checked" in rest}
    assert ticked == {division(code).pk for code in ADDRESSEES_484.values()}


def test_the_cycle_form_saves_the_ticked_participants(users, cycle):
    data = {
        "title": cycle.title,
        "deadline": "2099-04-30",
        "min_per_locality": 3,
        "max_per_locality": 5,
        "is_open": "on",
        "participants": [division(SICHUAN).pk, division(GUIZHOU).pk],
    }
    response = client_for(users["national"]).post(f"/cycles/{cycle.pk}/edit/", data)
    assert response.status_code == 302
    assert codes(cycle) == {SICHUAN, GUIZHOU}


def test_the_migration_gives_existing_cycles_the_13(users, cycle):
    """484号 主送: migration 0005 adds the 13 to every cycle there was; its frozen list is
    the model's."""
    migration = importlib.import_module("proposals.migrations.0005_cycle_participants")
    assert migration.CALL_484_ADDRESSEES == CALL_484_ADDRESSEES
    cycle.participants.clear()
    migration.add_addressees(apps, None)
    assert codes(cycle) == set(ADDRESSEES_484.values())


# Who submits: participants within the range; nobody else --------------------------------------


@pytest.mark.parametrize("n", [2, 6])
def test_a_participant_submits_within_the_range(users, cycle, n):
    """484号 §三(一) "每个地方每年提出3—5项": Sichuan, a participant, is held to 3–5."""
    with pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=drafts(cycle, users["sichuan"], n), by=users["sichuan"])
    assert "3" in caught.value.message and "5" in caught.value.message
    submitted = proposals_submit(proposals=drafts(cycle, users["sichuan"], 3), by=users["sichuan"])
    assert {p.state for p in submitted} == {Proposal.State.SUBMITTED}


def test_a_province_the_call_is_not_addressed_to_may_not_submit(users, cycle, guizhou):
    """The platform's reading of 484号's 主送 line: 贵州 is not addressed, so even 3 drafts,
    within §三(一)'s range, are refused, with a message saying why."""
    batch = drafts(cycle, guizhou, 3)
    with translation.override("en"), pytest.raises(ProposalError) as caught:
        proposals_submit(proposals=batch, by=guizhou)
    assert NOT_ADDRESSED in caught.value.message
    assert "may not submit proposals in this cycle" in caught.value.message
    assert set(
        Proposal.objects.filter(locality=division(GUIZHOU)).values_list("state", flat=True)
    ) == {"draft"}


def test_a_province_taken_off_the_list_may_not_submit_but_may_resubmit(users, cycle):
    """The platform's rule: the list decides; a returned proposal was asked for by the
    centre, so its resubmission is not refused."""
    sichuan, national = users["sichuan"], users["national"]
    first = proposals_submit(proposals=drafts(cycle, sichuan, 3), by=sichuan)
    proposal_return(proposal=first[0], by=national, reason="请补充量化指标")
    cycle_update(cycle=cycle, by=national, participants=[division("440000")])
    with pytest.raises(ProposalError):
        proposals_submit(proposals=drafts(cycle, sichuan, 1), by=sichuan)
    proposals_submit(proposals=[first[0]], by=sichuan)
    first[0].refresh_from_db()
    assert first[0].state == Proposal.State.SUBMITTED


def test_a_participant_sees_the_range_and_others_are_told_the_call_is_not_for_them(
    users, cycle, guizhou
):
    """484号 §三(一) for Sichuan (a participant); the platform's notice for 贵州 on its home
    page and its cycle page."""
    for url in ["/", f"/cycles/{cycle.pk}/"]:
        page = english(users["sichuan"]).get(url).content.decode()
        assert "Your locality submits 3 to 5 proposals this cycle" in page
        assert NOT_ADDRESSED not in page
        page = english(guizhou).get(url).content.decode()
        assert NOT_ADDRESSED in page
        assert "may not submit proposals in this cycle" in page
        assert "Your locality submits 3 to 5" not in page


# The national cycle page ------------------------------------------------------------------


def test_the_national_table_lists_participants_first_and_others_only_if_they_submitted(
    users, cycle
):
    """484号 主送 for who is listed; §三(一)'s range is judged for participants only."""
    make_proposal(cycle, users["sichuan"], state="submitted")
    guizhou = make_user("guizhou", Role.LOCALITY, division=division(GUIZHOU))
    make_proposal(cycle, guizhou, state="submitted")  # before it was off the list, say
    make_proposal(cycle, make_user("yunnan", Role.LOCALITY, division=division(YUNNAN)))  # draft
    rows = cycle_locality_table(cycle)
    listed = [row["locality"].code for row in rows]
    assert listed == [*sorted(ADDRESSEES_484.values()), GUIZHOU]
    guizhou_row = rows[-1]
    assert (guizhou_row["participant"], guizhou_row["total"], guizhou_row["in_range"]) == (
        False,
        1,
        None,
    )
    sichuan_row = next(row for row in rows if row["locality"].code == SICHUAN)
    assert (sichuan_row["participant"], sichuan_row["in_range"]) == (True, False)

    national = english(users["national"])
    page = national.get(f"/cycles/{cycle.pk}/")
    assert [row["locality"].code for row in page.context["rows"]] == listed
    assert "not a participant" in page.content.decode()
    export = national.get(f"/cycles/{cycle.pk}/export/")
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    names = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == [row["locality"].name for row in rows]
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last[0] == division(GUIZHOU).name
    assert last[3:] == ("not a participant", "no")
