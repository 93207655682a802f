"""One-time entry (一表多用): a task's plan starts from the claimant's own proposal and the
list item. The parsing of dates and numbers never invents; the prefilled form saves nothing
until the user saves it."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from claims import services as claims
from claims.models import Programme
from lists.services import drafting
from merging import services as merging
from proposals.models import ReformField
from regions.models import Division
from tasks.models import Task
from tasks.selectors import prefill
from tasks.services import plans
from tests.conftest import client_for, make_proposal
from tests.test_claims_fixtures import claimant
from tests.test_lists_fixtures import publish

D = datetime.date


def from_proposal() -> str:
    """ "来自本地方建议书" once the catalogue has it (the msgid until then)."""
    with translation.override("zh-hans"):
        return translation.gettext("From this locality's proposal")


TIMETABLE = "2099年6月底前，制定技术经理人培育方案；\n2099-12-31前完成首批试点\n逐步推广"
TARGETS = "培育技术经理人200名；技术合同成交额达到500亿元以上"


# Dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2027年6月底前", D(2027, 6, 30)),
        ("2027-06-30", D(2027, 6, 30)),
        ("2027年6月30日前完成", D(2027, 6, 30)),
        ("2027/6/30", D(2027, 6, 30)),
        ("2027年2月底", D(2027, 2, 28)),
        ("2027年6月", D(2027, 6, 30)),
        ("2027年6月前", D(2027, 5, 31)),  # before June
        ("2027年底前完成", D(2027, 12, 31)),
        ("2027年上半年", D(2027, 6, 30)),
        ("2027年第三季度", D(2027, 9, 30)),
    ],
)
def test_a_date_is_read_from_a_line(text, due):
    assert prefill.parse_date(text) == due


@pytest.mark.parametrize(
    "text",
    ["逐步推广", "近期完成", "到2027年", "2027年13月底前", "2027-02-30", "培育技术经理人200名"],
)
def test_no_date_is_invented(text):
    assert prefill.parse_date(text) is None


def test_milestones_come_from_the_dated_lines_only():
    rows = prefill.milestones_from(TIMETABLE)
    assert [(r.title, r.due_on) for r in rows] == [
        ("制定技术经理人培育方案", D(2099, 6, 30)),
        ("完成首批试点", D(2099, 12, 31)),
    ]


def test_a_timetable_without_dates_gives_no_milestones():
    assert prefill.milestones_from("先试点，后推广。分步实施") == []


# Numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "indicator", "unit", "value"),
    [
        ("培育技术经理人200名", "培育技术经理人", "名", Decimal(200)),
        ("技术合同成交额达到500亿元以上", "技术合同成交额", "亿元", Decimal(500)),
        ("研发投入强度提高到3.5%", "研发投入强度", "%", Decimal("3.5")),
        ("新增200家高新技术企业", "新增高新技术企业", "家", Decimal(200)),
        ("培育技术经理人1,200名", "培育技术经理人", "名", Decimal(1200)),
        ("服务企业数量达到300", "服务企业数量", "", Decimal(300)),
    ],
)
def test_a_target_is_read_from_a_number(text, indicator, unit, value):
    (row,) = prefill.targets_from(text)
    assert (row.indicator, row.unit, row.target_value) == (indicator, unit, value)
    assert row.due_on is None


def test_targets_skip_dates_and_lines_without_numbers_and_keep_a_stated_date():
    rows = prefill.targets_from(
        "到2027年，技术转移机构覆盖率100%\n2027年底前建设中试平台10个\n提升服务水平"
    )
    assert [(r.indicator, r.unit, r.target_value, r.due_on) for r in rows] == [
        ("技术转移机构覆盖率", "%", Decimal(100), None),
        ("建设中试平台", "个", Decimal(10), D(2027, 12, 31)),
    ]


# The prefilled form --------------------------------------------------------------------------


def measure_world(users, cycle, **sichuan_proposal) -> SimpleNamespace:
    """Sichuan's and Guangdong's proposals merged into one candidate, published on the list,
    claimed by Sichuan and Guangdong; Guangdong's proposal is for another measure, so
    Guangdong has no proposal behind this one."""
    national = users["national"]
    data = {"targets": TARGETS, "timetable": TIMETABLE, "contact_name": "张三"}
    data.update(sichuan_proposal)
    own = make_proposal(cycle, users["sichuan"], state="submitted", **data)
    merging_data = {
        "title": "技术经理人全程参与科技成果转化",
        "content": "由技术经理人全程参与高校院所科技成果转化。",
        "field": ReformField.objects.get(name="促进技术要素市场体系建设"),
        "needs_national_authority": False,
        "ministries": "",
    }
    candidate = merging.proposals_merge(
        cycle=cycle, proposals=[own], by=national, data=merging_data
    )
    version = drafting.list_create(cycle=cycle, by=national, title="2099年度清单")
    drafting.items_add(version=version, by=national, candidates=[candidate])
    version = publish(version, national)
    programme = claims.programme_create(
        by=national,
        kind=Programme.Kind.ANNUAL_LIST,
        title="2099年度揭榜",
        list_version=version,
        min_claims=1,
    )
    claims.claimants_set(
        programme=programme,
        by=national,
        divisions=Division.objects.filter(code__in=["510000", "440000"]),
        region_groups=[],
    )
    today = datetime.date.today()  # noqa: DTZ011
    claims.programme_open(
        programme=programme,
        by=national,
        opens_at=today - datetime.timedelta(days=1),
        closes_at=today + datetime.timedelta(days=10),
    )
    item = programme.items.get()
    sichuan, guangdong = (
        claimant(programme, users["sichuan"]),
        claimant(programme, users["guangdong"]),
    )
    claims.item_claim(item=item, claimant=sichuan, by=users["sichuan"])
    claims.item_claim(item=item, claimant=guangdong, by=users["guangdong"])
    claims.programme_close(programme=programme, by=national)
    claims.notices_issue(
        programme=Programme.objects.get(pk=programme.pk),
        by=national,
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=today,
    )
    task = Task.objects.get(claimant=sichuan)
    plans.implementer_add(
        task=task, by=users["sichuan"], organisation=users["implementer"].organisation, lead=True
    )
    return SimpleNamespace(
        proposal=own,
        candidate=candidate,
        list_item=version.items.get(),
        task=task,
        other_task=Task.objects.get(claimant=guangdong),
    )


@pytest.fixture
def world(users, cycle):
    return measure_world(users, cycle)


def _plan_page(user, task):
    response = client_for(user).get(f"/tasks/{task.pk}/plan/")
    assert response.status_code == 200
    return response


def test_the_plan_form_of_a_new_task_is_filled_from_the_own_proposal(users, world):
    response = _plan_page(users["implementer"], world.task)
    form, milestones, targets = (
        response.context[k] for k in ("form", "milestone_set", "target_set")
    )
    assert form.initial == {"timetable": TIMETABLE, "roadmap": world.list_item.content}
    assert [(f.initial["title"], f.initial["due_on"]) for f in milestones.initial_forms] == [
        ("制定技术经理人培育方案", D(2099, 6, 30)),
        ("完成首批试点", D(2099, 12, 31)),
    ]
    first, second = (f.initial for f in targets.initial_forms)
    assert (first["indicator"], first["unit"], first["target_value"]) == (
        "培育技术经理人",
        "名",
        Decimal(200),
    )
    assert "baseline" not in first and first["due_on"] is None  # never invented
    assert second["indicator"] == "技术合同成交额"
    html = response.content.decode()
    assert f"{from_proposal()}《{world.proposal.title}》" in html
    # The implementer may not open the province's proposal: its title, without a link.
    assert f"/proposals/{world.proposal.pk}/" not in html
    assert not world.task.milestones.exists() and not Task.objects.get(pk=world.task.pk).timetable


def test_the_locality_gets_a_link_to_its_proposal(users, world):
    html = _plan_page(users["sichuan"], world.task).content.decode()
    assert (
        f'{from_proposal()}<a href="/proposals/{world.proposal.pk}/">《{world.proposal.title}》</a>'
        in html
    )


def test_without_an_own_proposal_the_list_item_alone_fills_it_and_the_page_says_so(users, world):
    response = _plan_page(users["guangdong"], world.other_task)
    assert response.context["form"].initial == {"timetable": "", "roadmap": world.list_item.content}
    assert response.context["milestone_set"].initial_form_count() == 0
    assert response.context["target_set"].initial_form_count() == 0
    html = response.content.decode()
    assert from_proposal() not in html
    assert response.context["prefill"].proposal is None
    assert world.list_item.content in html


def test_an_undated_timetable_leaves_milestones_empty(users, cycle):
    world = measure_world(users, cycle, timetable="先试点，后推广")
    response = _plan_page(users["implementer"], world.task)
    assert response.context["form"].initial["timetable"] == "先试点，后推广"
    assert response.context["milestone_set"].initial_form_count() == 0


def test_saving_the_suggestion_with_a_baseline_keeps_it_and_stops_the_prefill(users, world):
    client = client_for(users["implementer"])
    page = client.get(f"/tasks/{world.task.pk}/plan/").context
    post = {"timetable": TIMETABLE, "roadmap": world.list_item.content}
    for name, formset in (("milestones", page["milestone_set"]), ("targets", page["target_set"])):
        post[f"{name}-TOTAL_FORMS"] = str(formset.total_form_count())
        post[f"{name}-INITIAL_FORMS"] = str(formset.initial_form_count())
        for form in formset.forms:  # what the browser posts back, untouched
            for field in form.visible_fields():
                value = field.value()
                if value is not None and field.name != "DELETE":
                    post[field.html_name] = str(value)
    # The baseline alone is the implementer's; the second target is dropped.
    post.update({"targets-0-baseline": "0", "targets-0-due_on": "2099-12-31"})
    post["targets-1-DELETE"] = "on"
    refused = dict(post, **{"targets-0-baseline": ""})
    assert client.post(f"/tasks/{world.task.pk}/plan/", refused).status_code == 200
    assert not world.task.targets.exists()  # nothing saved until the plan is complete
    response = client.post(f"/tasks/{world.task.pk}/plan/", post)
    assert response.status_code == 302, [
        response.context[k].errors for k in ("milestone_set", "target_set")
    ]
    (target,) = world.task.targets.all()
    assert (target.indicator, target.unit, target.target_value) == ("培育技术经理人", "名", 200)
    assert world.task.milestones.count() == 2
    # The plan now exists: the page shows it, not the suggestion.
    again = client.get(f"/tasks/{world.task.pk}/plan/")
    assert again.context["prefill"] is None
    assert from_proposal() not in again.content.decode()


def test_the_setup_page_suggests_the_proposal_contact_as_responsible_person(users, world):
    client = client_for(users["sichuan"])
    form = client.get(f"/tasks/{world.task.pk}/setup/").context["form"]
    assert form.initial["responsible_person"] == "张三"
    assert form.initial["responsible_phone"] == "028-12345678"
    assert world.proposal.title in str(form.fields["responsible_person"].help_text)
    assert Task.objects.get(pk=world.task.pk).responsible_person == ""  # only suggested
    plans.task_update(task=world.task, by=users["sichuan"], responsible_person="李四")
    form = client.get(f"/tasks/{world.task.pk}/setup/").context["form"]
    assert form.initial["responsible_person"] == "李四"


def test_a_claimant_without_a_proposal_gets_no_suggested_responsible_person(users, world):
    form = (
        client_for(users["guangdong"]).get(f"/tasks/{world.other_task.pk}/setup/").context["form"]
    )
    assert form.initial["responsible_person"] == ""
