"""The zone pilot's application → shortlisting (入围) step, and the implementation period.

Source 003 (/work/shared/sources/003_6f61899fba091309.txt): "工业和信息化部、科学技术部公布国家
自主创新示范区……2024年4类14项政策试点'揭榜挂帅'入围单位名单,23家国家自创区入围": zones apply for
items, the national level shortlists; only the shortlisted become tasks when the notices are
handed down. The 24-month implementation period is the platform's default, informed by 苏南's
"以两年为实施周期" in the same source; a task is expected to end that long after its notice.
"""

import datetime

import pytest
from django.utils import timezone, translation

from accounts.models import Role
from audit.models import AuditEntry
from claims import rules, selectors, services
from claims.errors import ClaimError
from claims.models import Claim, Programme, add_months
from kernel.errors import Forbidden
from regions.models import RegionGroup
from tasks.dispatch import dispatch
from tasks.models import Task
from tests.conftest import client_for, make_user
from tests.test_tasks_fixtures import task_world

PILOT_ROWS = [
    ("成果转化类", "试点一", ""),
    ("企业创新类", "试点二", ""),
    ("开放合作类", "试点三", ""),
]
NOTICE_DAY = datetime.date(2026, 1, 5)


@pytest.fixture
def pilot(users):
    """An open zone pilot of three items; zone A applies for items 1–2, zone B for 2–3."""
    national = users["national"]
    zone_a, zone_b = RegionGroup.objects.filter(kind=RegionGroup.Kind.DEMONSTRATION_ZONE)[:2]
    users["zone_a"] = make_user("zone_a", Role.LOCALITY, region_group=zone_a)
    users["zone_b"] = make_user("zone_b", Role.LOCALITY, region_group=zone_b)
    programme = services.programme_create(
        by=national, kind=Programme.Kind.ZONE_PILOT, title="2024年政策试点", min_claims=0
    )
    services.items_import(
        programme=programme,
        by=national,
        rows=[
            ("成果转化类", "试点一", ""),
            ("企业创新类", "试点二", ""),
            ("开放合作类", "试点三", ""),
        ],
    )
    services.claimants_set(
        programme=programme, by=national, divisions=[], region_groups=[zone_a, zone_b]
    )
    today = timezone.localdate()
    services.programme_open(
        programme=programme,
        by=national,
        opens_at=today - datetime.timedelta(days=1),
        closes_at=today + datetime.timedelta(days=5),
    )
    items = list(programme.items.order_by("position"))
    a = programme.claimants.get(region_group=zone_a)
    b = programme.claimants.get(region_group=zone_b)
    for item in items[:2]:
        services.item_claim(item=item, claimant=a, by=users["zone_a"])
    for item in items[1:]:
        services.item_claim(item=item, claimant=b, by=users["zone_b"])
    return Programme.objects.get(pk=programme.pk), items, a, b


def close(programme: Programme, national) -> Programme:
    return services.programme_close(programme=programme, by=national)


def claim_of(item, claimant) -> Claim:
    return Claim.objects.get(item=item, claimant=claimant)


def test_a_pilot_claim_is_an_application(pilot):
    programme, items, a, _b = pilot
    assert claim_of(items[0], a).shortlisting == Claim.Shortlisting.APPLIED
    assert selectors.awaiting_shortlisting(programme) == 4
    assert not selectors.is_shortlisted(programme)


def test_an_annual_list_claim_has_no_shortlisting(users):
    world = task_world(users, approved=False)
    shortlisting = set(
        Claim.objects.filter(item__programme=world.programme).values_list("shortlisting", flat=True)
    )
    assert shortlisting == {""}
    assert Task.objects.filter(programme=world.programme).count() == 6


def test_shortlisting_waits_for_the_window_to_close(users, pilot):
    programme, items, a, _b = pilot
    assert not rules.can_shortlist(users["national"], programme)
    with pytest.raises(ClaimError):
        services.applications_shortlist(
            programme=programme,
            by=users["national"],
            decisions={claim_of(items[0], a).pk: "shortlisted"},
            decided_on=datetime.date(2026, 12, 26),
        )


def test_only_the_national_level_shortlists(users, pilot):
    programme, items, a, _b = pilot
    programme = close(programme, users["national"])
    assert rules.can_shortlist(users["national"], programme)
    assert not rules.can_shortlist(users["zone_a"], programme)
    with pytest.raises(Forbidden):
        services.applications_shortlist(
            programme=programme,
            by=users["zone_a"],
            decisions={claim_of(items[0], a).pk: "shortlisted"},
            decided_on=datetime.date(2026, 12, 26),
        )


def test_an_annual_list_is_not_shortlisted(users):
    world = task_world(users, approved=False)
    assert not rules.can_shortlist(users["national"], world.programme)
    with pytest.raises(ClaimError):
        services.applications_shortlist(
            programme=world.programme,
            by=users["national"],
            decisions={},
            decided_on=datetime.date(2026, 12, 26),
        )


def test_notices_wait_for_every_decision(users, pilot):
    programme, items, a, _b = pilot
    programme = close(programme, users["national"])
    services.applications_shortlist(
        programme=programme,
        by=users["national"],
        decisions={claim_of(items[0], a).pk: "shortlisted"},
        decided_on=datetime.date(2026, 12, 26),
    )
    with pytest.raises(ClaimError, match="3"):
        services.notices_issue(
            programme=programme, by=users["national"], issued_on=NOTICE_DAY, doc_code="工信部联科"
        )


def test_only_shortlisted_applications_become_tasks(users, pilot):
    """Source 003: only the 入围 applications are implemented."""
    national = users["national"]
    programme, items, a, b = pilot
    programme = close(programme, national)
    decided = datetime.date(2026, 12, 26)
    services.applications_shortlist(
        programme=programme,
        by=national,
        decisions={
            claim_of(items[0], a).pk: "shortlisted",
            claim_of(items[1], a).pk: "not_shortlisted",
            claim_of(items[1], b).pk: "not_shortlisted",
            claim_of(items[2], b).pk: "not_shortlisted",
        },
        decided_on=decided,
    )
    first = claim_of(items[0], a)
    assert (first.shortlisting, first.decided_on) == ("shortlisted", decided)
    assert claim_of(items[2], b).decided_on == decided
    entry = AuditEntry.objects.filter(action="programme.shortlisted").get()
    assert entry.changes["decided_on"] == [None, "2026-12-26"]
    assert "试点一" in entry.note and "试点三" in entry.note
    assert [c.pk for c in selectors.participants(programme)] == [a.pk]
    notices = services.notices_issue(
        programme=programme, by=national, issued_on=NOTICE_DAY, doc_code="工信部联科"
    )
    assert [n.claimant_id for n in notices] == [a.pk]  # zone B has nothing shortlisted
    tasks = list(Task.objects.filter(programme=programme))
    assert [(t.claimant_id, t.claim_id) for t in tasks] == [(a.pk, first.pk)]
    assert [i.title for i in selectors.claimant_items(a)] == ["试点一"]
    # Once the notices are out, the decisions stand.
    with pytest.raises(ClaimError):
        services.applications_shortlist(
            programme=programme,
            by=national,
            decisions={claim_of(items[1], a).pk: "shortlisted"},
            decided_on=decided,
        )


def test_nothing_shortlisted_means_no_notice(users, pilot):
    programme, items, a, b = pilot
    programme = close(programme, users["national"])
    refused = {c.pk: "not_shortlisted" for c in Claim.objects.filter(item__programme=programme)}
    services.applications_shortlist(
        programme=programme, by=users["national"], decisions=refused, decided_on=NOTICE_DAY
    )
    with translation.override("en"), pytest.raises(ClaimError, match="shortlisted"):
        services.notices_issue(
            programme=programme, by=users["national"], issued_on=NOTICE_DAY, doc_code="工信部联科"
        )


def test_a_decision_can_be_taken_back_before_the_notices(users, pilot):
    programme, items, a, _b = pilot
    programme = close(programme, users["national"])
    claim = claim_of(items[0], a)
    for value in ("shortlisted", "applied"):
        services.applications_shortlist(
            programme=programme,
            by=users["national"],
            decisions={claim.pk: value},
            decided_on=NOTICE_DAY,
        )
    claim.refresh_from_db()
    assert (claim.shortlisting, claim.decided_on) == ("applied", None)
    assert AuditEntry.objects.filter(action="programme.shortlisted").count() == 2


def test_the_shortlisting_page(users, pilot):
    national = users["national"]
    programme, items, a, b = pilot
    client = client_for(national)
    url = f"/claims/{programme.pk}/shortlist/"
    assert client.get(url).status_code == 403  # the window is still open
    programme = close(programme, national)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "试点一" in page.content.decode()
    data = {"decided_on": "2026-12-26"}
    for claim in Claim.objects.filter(item__programme=programme):
        data[f"claim_{claim.pk}"] = "not_shortlisted"
    data[f"claim_{claim_of(items[0], a).pk}"] = "shortlisted"
    assert client.post(url, data).status_code == 302
    assert claim_of(items[0], a).shortlisting == "shortlisted"
    assert claim_of(items[2], b).shortlisting == "not_shortlisted"
    zone_page = client_for(users["zone_a"]).get(
        f"/claims/{programme.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    text = zone_page.content.decode()
    assert "shortlisted unit" in text
    assert client_for(users["zone_a"]).get(url).status_code in (403, 404)


# The implementation period ----------------------------------------------------------------


def test_the_default_implementation_period_is_24_months(users, pilot):
    programme, *_ = pilot
    assert programme.implementation_months == 24
    annual = services.programme_create(
        by=users["national"],
        kind=Programme.Kind.ANNUAL_LIST,
        title="年度",
        implementation_months=12,
    )
    assert annual.implementation_months == 12
    with pytest.raises(ClaimError):
        services.programme_create(
            by=users["national"],
            kind=Programme.Kind.ANNUAL_LIST,
            title="年度",
            implementation_months=0,
        )
    changed = services.programme_update(
        programme=annual, by=users["national"], title="年度", implementation_months=18
    )
    assert changed.implementation_months == 18
    kept = services.programme_update(programme=changed, by=users["national"], title="年度")
    assert kept.implementation_months == 18


def test_add_months():
    assert add_months(datetime.date(2026, 1, 1), 24) == datetime.date(2028, 1, 1)
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)


def test_a_task_is_expected_to_end_after_the_period(users):
    world = task_world(users, approved=False)  # notices of 2026-01-01
    task = Task.objects.get(pk=world.task.pk)
    assert task.expected_end == datetime.date(2028, 1, 1)
    Programme.objects.filter(pk=world.programme.pk).update(implementation_months=3)
    assert Task.objects.get(pk=task.pk).expected_end == datetime.date(2026, 4, 1)


def test_dispatch_counts_tasks_past_their_expected_end(users):
    world = task_world(users, approved=False)
    Programme.objects.filter(pk=world.programme.pk).update(implementation_months=3)
    programme = Programme.objects.get(pk=world.programme.pk)
    tasks = Task.objects.filter(programme=programme)
    # Q1: the expected end, 1 April, is after the period.
    q1 = dispatch(tasks, programme, (2026, 1), datetime.date(2026, 4, 20))
    assert q1.total.past_end == 0 and q1.past_end == []
    # Q2, as of 1 April: due today is not past yet; as of 2 April it is.
    assert dispatch(tasks, programme, (2026, 2), datetime.date(2026, 4, 1)).total.past_end == 0
    q2 = dispatch(tasks, programme, (2026, 2), datetime.date(2026, 4, 2))
    assert q2.total.past_end == 6
    by_claimant = {c.claimant.pk: c.past_end for c in q2.claimants if c.claimant}
    assert by_claimant == {world.sichuan.pk: 3, world.guangdong.pk: 3}
    assert {line.expected_end for line in q2.past_end} == {datetime.date(2026, 4, 1)}
    # Apart from the tasks needing attention.
    assert all(not line.has_problem for line in q2.past_end)


def test_the_dispatch_page_lists_tasks_past_their_end(users):
    world = task_world(users, approved=False)
    Programme.objects.filter(pk=world.programme.pk).update(implementation_months=3)
    page = client_for(users["national"]).get(
        "/tasks/dispatch/",
        {"programme": world.programme.pk, "period": "2026-3", "status": "all"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="dispatch-past-end"' in text
    assert "6 tasks are past their expected end" in text
    assert "2026-04-01" in text
