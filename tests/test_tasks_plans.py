"""A task's set-up and plan: services (implementers, new organisations, plan rules and
states) and the plan pages, with the users who must be refused."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import override

from accounts.models import Role
from audit.models import AuditEntry
from claims.models import Claim, Claimant
from kernel.errors import Forbidden
from notifications.models import Notification
from regions.models import Division, Organisation, RegionGroup
from tasks.errors import TaskError
from tasks.models import Implementer, Task
from tasks.services import plans
from tests.conftest import client_for, make_user
from tests.test_tasks_fixtures import task_world

D = datetime.date(2026, 6, 30)


@pytest.fixture
def w(users):
    world = task_world(users, approved=False)
    # Only this test's messages, not those of setting the world up (issue #12's hand-offs).
    Notification.objects.all().delete()
    return world


def actions(task):
    return list(
        AuditEntry.objects.filter(object_id=str(task.pk), action__startswith="task.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def rows():
    return (
        [plans.MilestoneRow("制定方案", D, "方案")],
        [plans.TargetRow("培育技术经理人", "名", Decimal(0), Decimal(100), D)],
    )


# Implementers ------------------------------------------------------------------------------


def test_implementer_add_makes_one_lead_and_is_audited(users, w):
    task = w.sichuan_tasks[1]
    scu = Organisation.objects.get(name="四川大学")
    dept = users["implementer"].organisation
    plans.implementer_add(task=task, by=users["sichuan"], organisation=dept, lead=True)
    plans.implementer_add(
        task=task, by=users["sichuan"], organisation=scu, lead=True, responsibility="人才培养"
    )
    leads = list(task.implementers.filter(lead=True).values_list("organisation__name", flat=True))
    assert leads == ["四川大学"]
    assert actions(task).count("task.implementer_added") == 2
    with override("en"), pytest.raises(TaskError, match="already an implementer"):
        plans.implementer_add(task=task, by=users["sichuan"], organisation=scu)


def test_implementer_outside_the_claimants_area_is_refused(users, w):
    sysu = Organisation.objects.get(name="中山大学")
    with override("en"), pytest.raises(TaskError, match="not in the area of"):
        plans.implementer_add(task=w.sichuan_tasks[1], by=users["sichuan"], organisation=sysu)
    evaluator = users["evaluator"].organisation
    with pytest.raises(TaskError):
        plans.implementer_add(task=w.sichuan_tasks[1], by=users["sichuan"], organisation=evaluator)


@pytest.mark.parametrize("role", ["guangdong", "national", "implementer", "region", "public"])
def test_only_the_claimants_locality_names_implementers(users, w, role):
    with pytest.raises(Forbidden):
        plans.implementer_add(
            task=w.sichuan_tasks[1],
            by=users[role],
            organisation=Organisation.objects.get(name="四川大学"),
        )


def test_new_organisation_is_registered_in_the_province_and_reused(users, w):
    task = w.sichuan_tasks[1]
    first = plans.implementer_add_new(
        task=task, by=users["sichuan"], name=" 成都高新区管委会 ", kind="government", lead=True
    )
    org = first.organisation
    assert (org.name, org.kind, org.division.code) == ("成都高新区管委会", "government", "510000")
    assert "task.organisation_created" in actions(task)
    again = plans.implementer_add_new(
        task=w.sichuan_tasks[2], by=users["sichuan"], name="成都高新区管委会", kind="enterprise"
    )
    assert again.organisation_id == org.pk
    assert Organisation.objects.filter(name="成都高新区管委会").count() == 1


def test_new_organisation_rules(users, w):
    task = w.sichuan_tasks[1]
    with override("en"):
        with pytest.raises(TaskError, match="Give the name"):
            plans.implementer_add_new(task=task, by=users["sichuan"], name=" ", kind="government")
        with pytest.raises(TaskError, match="Choose the kind"):
            plans.implementer_add_new(
                task=task, by=users["sichuan"], name="某单位", kind="evaluator"
            )
        with pytest.raises(TaskError, match="within your area"):
            plans.implementer_add_new(
                task=task,
                by=users["sichuan"],
                name="某单位",
                kind="enterprise",
                division=Division.objects.get(code="440000"),
            )
    assert not Organisation.objects.filter(name="某单位").exists()


def test_region_group_claimant_names_bodies_of_its_member_divisions(users, w):
    """Group 1 (京津冀) is Beijing, Tianjin and Hebei: its bodies come from there."""
    claimant = w.programme.claimants.get(region_group_id=1)
    claim = Claim.objects.create(item=w.items[0], claimant=claimant, claimed_by=users["region"])
    task = Task.objects.create(
        claim=claim, programme=w.programme, claimant=claimant, title="区域协同任务"
    )
    region = users["region"]
    tianjin = Division.objects.get(code="120000")
    with override("en"), pytest.raises(TaskError, match="within your area"):
        plans.implementer_add_new(task=task, by=region, name="津企", kind="enterprise")
    added = plans.implementer_add_new(
        task=task, by=region, name="津企", kind="enterprise", division=tianjin
    )
    assert added.organisation.division == tianjin
    hebei_county = Division.objects.filter(province__code="130000", level=3).first()
    assert hebei_county is not None
    county_body = Organisation.objects.create(
        name="县级单位", kind="government", division=hebei_county
    )
    plans.implementer_add(task=task, by=region, organisation=county_body)
    with pytest.raises(TaskError):
        plans.implementer_add(
            task=task, by=region, organisation=Organisation.objects.get(name="四川大学")
        )
    with pytest.raises(Forbidden):
        plans.implementer_add(task=task, by=users["sichuan"], organisation=county_body)
    assert set(task.implementers.values_list("organisation__name", flat=True)) == {
        "津企",
        "县级单位",
    }


def test_implementer_update_and_remove(users, w):
    task = w.sichuan_tasks[0]
    lead = task.implementers.get()
    scu = plans.implementer_add(
        task=task, by=users["sichuan"], organisation=Organisation.objects.get(name="四川大学")
    )
    plans.implementer_update(implementer=scu, by=users["sichuan"], lead=True, responsibility="评估")
    lead.refresh_from_db()
    scu.refresh_from_db()
    assert (lead.lead, scu.lead, scu.responsibility) == (False, True, "评估")
    assert "task.implementer_changed" in actions(task)
    with pytest.raises(Forbidden):
        plans.implementer_remove(implementer=scu, by=users["guangdong"])
    plans.implementer_remove(implementer=scu, by=users["sichuan"])
    assert list(task.implementers.values_list("pk", flat=True)) == [lead.pk]
    assert "task.implementer_removed" in actions(task)


def test_a_filed_plan_keeps_its_last_implementer(users):
    w = task_world(users, approved=True)
    only = w.task.implementers.get()
    with override("en"), pytest.raises(TaskError, match="last one"):
        plans.implementer_remove(implementer=only, by=users["sichuan"])
    assert Implementer.objects.filter(pk=only.pk).exists()


def test_task_update_checks_weight_and_right(users, w):
    task = w.sichuan_tasks[1]
    with override("en"), pytest.raises(TaskError, match="greater than zero"):
        plans.task_update(
            task=task, by=users["sichuan"], responsible_person="甲", weight=Decimal(0)
        )
    with pytest.raises(Forbidden):
        plans.task_update(task=task, by=users["implementer"], responsible_person="甲")
    plans.task_update(
        task=task, by=users["sichuan"], responsible_person="甲", landmark=True, weight=Decimal(2)
    )
    task.refresh_from_db()
    assert (task.responsible_person, task.landmark, task.weight) == ("甲", True, Decimal(2))


# Plan rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milestone", "target", "message"),
    [
        (plans.MilestoneRow("", D), None, "Milestone 1 needs a title and a due date."),
        (plans.MilestoneRow("x", D, weight=Decimal(0)), None, "Milestone 1: the weight"),
        (
            None,
            plans.TargetRow("x", "", Decimal(0), Decimal(1), D),
            "Target 1 needs an indicator, a unit and a due date.",
        ),
        (
            None,
            plans.TargetRow("x", "个", Decimal(5), Decimal(5), D),
            "Target 1: the target value must differ from the baseline.",
        ),
    ],
)
def test_plan_save_validation_names_the_row(users, w, milestone, target, message):
    task = w.task
    with override("en"), pytest.raises(TaskError, match=message):
        plans.plan_save(
            task=task,
            by=users["implementer"],
            timetable="",
            roadmap="",
            milestones=[milestone] if milestone else [],
            targets=[target] if target else [],
        )
    assert not task.milestones.exists()


def test_plan_save_replaces_rows_and_refreshes_progress(users, w):
    milestones, targets = rows()
    task = plans.plan_save(
        task=w.task,
        by=users["implementer"],
        timetable=" 年内 ",
        roadmap="路线",
        milestones=milestones * 2,
        targets=targets,
    )
    assert task.timetable == "年内"
    assert list(task.milestones.values_list("position", flat=True)) == [1, 2]
    plans.plan_save(
        task=task,
        by=users["implementer"],
        timetable="",
        roadmap="",
        milestones=milestones,
        targets=[],
    )
    assert task.milestones.count() == 1 and not task.targets.exists()
    assert actions(task).count("task.plan_saved") == 2


def test_submit_preconditions(users, w):
    task = w.sichuan_tasks[1]  # no implementer, no responsible person yet
    milestones, targets = rows()
    with override("en"):
        with pytest.raises(TaskError, match="at least one milestone"):
            plans.plan_submit(task=task, by=users["sichuan"])
        plans.plan_save(
            task=task,
            by=users["sichuan"],
            timetable="",
            roadmap="",
            milestones=milestones,
            targets=[],
        )
        with pytest.raises(TaskError, match="quantifiable target"):
            plans.plan_submit(task=task, by=users["sichuan"])
        plans.plan_save(
            task=task,
            by=users["sichuan"],
            timetable="",
            roadmap="",
            milestones=milestones,
            targets=targets,
        )
        with pytest.raises(TaskError, match="name the implementers and the responsible person"):
            plans.plan_submit(task=task, by=users["sichuan"])
    assert Task.objects.get(pk=task.pk).plan_state == "draft"


def test_submit_approve_return_states(users, w):
    task, implementer, sichuan = w.task, users["implementer"], users["sichuan"]
    milestones, targets = rows()
    plans.plan_save(
        task=task, by=implementer, timetable="", roadmap="", milestones=milestones, targets=targets
    )
    with override("en"), pytest.raises(TaskError, match="Only a submitted plan can be approved"):
        plans.plan_approve(task=task, by=sichuan)
    task = plans.plan_submit(task=task, by=implementer)
    assert task.plan_state == "submitted" and task.plan_submitted_at
    with override("en"), pytest.raises(TaskError, match="only before it is submitted"):
        plans.plan_save(
            task=task,
            by=implementer,
            timetable="",
            roadmap="",
            milestones=milestones,
            targets=targets,
        )
    for outsider in ("implementer", "guangdong", "national"):
        with pytest.raises(Forbidden):
            plans.plan_return(task=task, by=users[outsider], reason="不行")
    with override("en"), pytest.raises(TaskError, match="Say why"):
        plans.plan_return(task=task, by=sichuan, reason="  ")
    task = plans.plan_return(task=task, by=sichuan, reason="目标不够具体")
    assert (task.plan_state, task.plan_return_reason) == ("returned", "目标不够具体")
    note = Notification.objects.get(user=implementer)
    assert "目标不够具体" in note.body and note.url == f"/tasks/{task.pk}/"
    plans.plan_save(
        task=task,
        by=implementer,
        timetable="改",
        roadmap="",
        milestones=milestones,
        targets=targets,
    )
    task = plans.plan_submit(task=task, by=implementer)
    task = plans.plan_approve(task=task, by=sichuan)
    assert (task.plan_state, task.plan_return_reason) == ("approved", "")
    assert task.plan_approved_at is not None
    with override("en"), pytest.raises(TaskError, match="already been submitted"):
        plans.plan_submit(task=task, by=implementer)
    assert actions(task)[-4:] == [
        "task.plan_returned",
        "task.plan_saved",
        "task.plan_submitted",
        "task.plan_approved",
    ]


# Pages ------------------------------------------------------------------------------------


def formset_data(milestones, targets, initial_m=0, initial_t=0, **extra):
    data = {
        "timetable": extra.get("timetable", "2026年完成"),
        "roadmap": extra.get("roadmap", "先试点"),
        "milestones-TOTAL_FORMS": str(len(milestones)),
        "milestones-INITIAL_FORMS": str(initial_m),
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "50",
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": str(initial_t),
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "50",
    }
    for n, row in enumerate(milestones):
        data.update({f"milestones-{n}-{k}": v for k, v in row.items()})
    for n, row in enumerate(targets):
        data.update({f"targets-{n}-{k}": v for k, v in row.items()})
    return data


M = {"title": "制定方案", "due_on": "2026-03-01", "deliverable": "方案", "weight": "1"}
T = {
    "indicator": "培育技术经理人",
    "unit": "名",
    "baseline": "0",
    "target_value": "200",
    "due_on": "2026-12-01",
    "weight": "2",
}
BLANK_M = {"title": "", "due_on": "", "deliverable": "", "weight": "1"}


def test_plan_page_saves_rows_and_skips_blank_ones(users, w):
    client = client_for(users["implementer"])
    url = f"/tasks/{w.task.pk}/plan/"
    page = client.get(url)
    assert page.status_code == 200 and b'name="milestones-TOTAL_FORMS"' in page.content
    response = client.post(url, formset_data([M, BLANK_M], [T]))
    assert response.status_code == 302
    task = Task.objects.get(pk=w.task.pk)
    assert task.timetable == "2026年完成"
    assert list(task.milestones.values_list("title", flat=True)) == ["制定方案"]
    assert task.targets.get().weight == Decimal(2)
    # The page comes back filled from the plan; deleting a row drops it.
    again = client.get(url)
    assert "培育技术经理人" in again.content.decode()
    data = formset_data([M, {**M, "title": "第二"}], [T], initial_m=2, initial_t=1)
    data["milestones-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert list(task.milestones.values_list("title", flat=True)) == ["第二"]


def test_plan_page_keeps_typed_input_on_error(users, w):
    client = client_for(users["implementer"])
    bad = {**T, "target_value": "0", "indicator": "我输入的指标"}
    response = client.post(
        f"/tasks/{w.task.pk}/plan/",
        formset_data([M], [bad], timetable="我输入的时间表"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The target value must differ from the baseline." in html
    assert "我输入的指标" in html and "我输入的时间表" in html
    assert not Task.objects.get(pk=w.task.pk).milestones.exists()


def test_submit_page_shows_the_rule_broken(users, w):
    client = client_for(users["sichuan"])
    task = w.sichuan_tasks[1]
    response = client.post(f"/tasks/{task.pk}/plan/submit/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "A plan needs at least one milestone." in response.content.decode()
    assert Task.objects.get(pk=task.pk).plan_state == "draft"


def test_approve_needs_confirmation_and_return_shows_reason(users, w):
    milestones, targets = rows()
    plans.plan_save(
        task=w.task,
        by=users["implementer"],
        timetable="",
        roadmap="",
        milestones=milestones,
        targets=targets,
    )
    plans.plan_submit(task=w.task, by=users["implementer"])
    sichuan = client_for(users["sichuan"])
    confirm = sichuan.get(f"/tasks/{w.task.pk}/plan/approve/")
    assert confirm.status_code == 200 and b'method="post"' in confirm.content
    assert Task.objects.get(pk=w.task.pk).plan_state == "submitted"
    empty = sichuan.post(
        f"/tasks/{w.task.pk}/plan/return/", {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    assert (
        sichuan.post(f"/tasks/{w.task.pk}/plan/return/", {"reason": "请细化目标"}).status_code
        == 302
    )
    page = client_for(users["implementer"]).get(f"/tasks/{w.task.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Returned by the locality because" in html and "请细化目标" in html
    assert f"/tasks/{w.task.pk}/plan/" in html  # the implementer may edit again


def test_approve_page_approves(users):
    w = task_world(users, approved=False)
    milestones, targets = rows()
    plans.plan_save(
        task=w.task,
        by=users["implementer"],
        timetable="",
        roadmap="",
        milestones=milestones,
        targets=targets,
    )
    plans.plan_submit(task=w.task, by=users["implementer"])
    assert client_for(users["sichuan"]).post(f"/tasks/{w.task.pk}/plan/approve/").status_code == 302
    assert Task.objects.get(pk=w.task.pk).plan_state == "approved"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("guangdong", 404),
        ("region", 404),
        ("other_implementer", 404),
        ("expert", 404),
        ("public", 404),
        ("national", 403),
    ],
)
def test_plan_pages_refuse(users, w, role, status):
    if role == "other_implementer":
        users[role] = make_user(
            "scu_implementer",
            Role.IMPLEMENTER,
            organisation=Organisation.objects.get(name="四川大学"),
        )
    client = client_for(users[role])
    pk = w.task.pk
    for url in (f"/tasks/{pk}/plan/", f"/tasks/{pk}/plan/approve/", f"/tasks/{pk}/plan/return/"):
        assert client.get(url).status_code == status, url
        assert client.post(url, {"reason": "不行"}).status_code == status, url
    assert client.post(f"/tasks/{pk}/plan/submit/").status_code == status
    assert Task.objects.get(pk=pk).plan_state == "draft"


def test_approved_plan_cannot_be_edited_by_anyone(users):
    w = task_world(users, approved=True)
    for role in ("implementer", "sichuan"):
        assert client_for(users[role]).get(f"/tasks/{w.task.pk}/plan/").status_code == 403


# A second click, or a colleague who acted first --------------------------------------------
# Each action reads the task again under its lock; a stale copy gets the rule's message (a
# TaskError, which the pages show), never a Forbidden (which the pages answer with 403).


def submitted(w, users) -> Task:
    milestones, targets = rows()
    plans.plan_save(
        task=w.task,
        by=users["implementer"],
        timetable="",
        roadmap="",
        milestones=milestones,
        targets=targets,
    )
    return plans.plan_submit(task=w.task, by=users["implementer"])


def test_stale_plan_actions_say_what_changed(users, w):
    stale = submitted(w, users)
    sichuan, implementer = users["sichuan"], users["implementer"]
    plans.plan_approve(task=stale, by=sichuan)
    assert stale.plan_state == "submitted"  # the copy the second click still holds
    milestones, targets = rows()
    with override("en"):
        with pytest.raises(TaskError, match="Only a submitted plan can be approved."):
            plans.plan_approve(task=stale, by=sichuan)
        with pytest.raises(TaskError, match="Only a submitted plan can be returned."):
            plans.plan_return(task=stale, by=sichuan, reason="再看看")
        with pytest.raises(TaskError, match="This plan has already been submitted."):
            plans.plan_submit(task=stale, by=implementer)
        with pytest.raises(TaskError, match="only before it is submitted"):
            plans.plan_save(
                task=stale,
                by=implementer,
                timetable="",
                roadmap="",
                milestones=milestones,
                targets=targets,
            )
    assert actions(w.task).count("task.plan_approved") == 1
    assert Task.objects.get(pk=w.task.pk).plan_state == "approved"


def test_a_second_click_on_the_pages_shows_the_message(users, w):
    submitted(w, users)
    sichuan = client_for(users["sichuan"])
    url = f"/tasks/{w.task.pk}/plan/approve/"
    assert sichuan.post(url).status_code == 302
    again = sichuan.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert again.status_code == 200
    assert "Only a submitted plan can be approved." in again.content.decode()
    returned = sichuan.post(
        f"/tasks/{w.task.pk}/plan/return/", {"reason": "再看看"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert returned.status_code == 200
    assert "Only a submitted plan can be returned." in returned.content.decode()
    assert Task.objects.get(pk=w.task.pk).plan_state == "approved"


def test_a_plan_submitted_meanwhile_is_said_so_on_the_plan_pages(users, w):
    submitted(w, users)
    implementer = client_for(users["implementer"])
    again = implementer.post(
        f"/tasks/{w.task.pk}/plan/submit/", HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert again.status_code == 200
    assert "This plan has already been submitted." in again.content.decode()
    # What the user typed into the plan while a colleague submitted it is shown back.
    edited = implementer.post(
        f"/tasks/{w.task.pk}/plan/",
        formset_data([M], [T], timetable="我刚改的时间表"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = edited.content.decode()
    assert edited.status_code == 200
    assert "The plan can be changed only before it is submitted." in html
    assert "我刚改的时间表" in html
    assert Task.objects.get(pk=w.task.pk).timetable == ""


# Who is told ---------------------------------------------------------------------------------


def test_a_submitted_plan_is_announced_to_the_locality(users, w):
    submitted(w, users)
    note = Notification.objects.get(user=users["sichuan"])
    assert note.url == f"/tasks/{w.task.pk}/"
    assert w.task.title in note.subject
    assert not Notification.objects.exclude(user=users["sichuan"]).exists()
    # A locality that submits the plan itself is not told what it just did.
    task = w.sichuan_tasks[1]
    milestones, targets = rows()
    plans.task_update(task=task, by=users["sichuan"], responsible_person="甲")
    plans.implementer_add(
        task=task, by=users["sichuan"], organisation=Organisation.objects.get(name="四川大学")
    )
    plans.plan_save(
        task=task,
        by=users["sichuan"],
        timetable="",
        roadmap="",
        milestones=milestones,
        targets=targets,
    )
    plans.plan_submit(task=task, by=users["sichuan"])
    assert not Notification.objects.filter(url=f"/tasks/{task.pk}/").exists()


def test_the_recipients_are_who_speaks_for_the_claimant_and_who_implements(users, w):
    from claims import rules as claims_rules
    from tasks import rules as tasks_rules
    from tasks import selectors

    inactive = make_user(
        "sichuan_gone", Role.LOCALITY, division=Division.objects.get(code="510000")
    )
    inactive.is_active = False
    inactive.save()
    group = w.programme.claimants.get(region_group_id=1)
    everybody = [*users.values(), inactive]
    for claimant in (w.sichuan, group):
        told = set(selectors.claimant_coordinators(claimant))
        speaks = {u for u in everybody if claims_rules.speaks_for_claimant(u, claimant)}
        assert told == speaks, claimant
    assert set(selectors.claimant_coordinators(w.sichuan)) == {users["sichuan"]}
    assert set(selectors.claimant_coordinators(group)) == {users["region"]}
    implementing = {u for u in everybody if tasks_rules.is_task_implementer(u, w.task)}
    assert set(selectors.task_implementer_users(w.task)) == implementing == {users["implementer"]}


# A region group of one member --------------------------------------------------------------


def test_a_one_member_group_registers_a_new_organisation_in_its_member(users, w):
    """The Chengdu demonstration zone has one member, Sichuan: the form asks no division and
    the service takes that one."""
    zone = RegionGroup.objects.get(name="成都国家自主创新示范区")
    claimant = Claimant.objects.create(programme=w.programme, region_group=zone)
    claim = Claim.objects.create(item=w.items[0], claimant=claimant, claimed_by=users["region"])
    task = Task.objects.create(
        claim=claim, programme=w.programme, claimant=claimant, title="示范区任务"
    )
    coordinator = make_user("chengdu_zone", Role.LOCALITY, region_group=zone)
    client = client_for(coordinator)
    url = f"/tasks/{task.pk}/implementers/add/"
    form = client.get(url)
    assert form.status_code == 200 and b'name="new_division"' not in form.content
    response = client.post(url, {"new_name": "成都新公司", "new_kind": "enterprise"})
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="成都新公司")
    assert organisation.division.code == "510000"
    assert task.implementers.filter(organisation=organisation).exists()
    added = plans.implementer_add_new(
        task=task, by=coordinator, name="成都研究院", kind="institute"
    )
    assert added.organisation.division.code == "510000"
