"""信息一次填报 (source 001): one fact, typed once in Sichuan's proposal — the target
"培育技术经理人200名" — followed through every stage by the project's own services, from the
proposal to the first progress report. Nobody types it again: at each step it is read from
the step before; the implementer adds only what the proposal did not say (the baseline).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from claims import services as claims
from claims.models import Programme, TaskNotice
from lists.models import ListVersion
from lists.services import drafting, publishing
from merging import services as merging
from proposals.models import Proposal, ReformField
from proposals.services.proposals import proposal_create, proposals_submit
from regions.models import Division
from tasks.models import ProgressReport, Task
from tasks.selectors import prefill
from tasks.services import plans
from tasks.services import reports as report_services
from tests.conftest import client_for, proposal_data
from tests.test_claims_fixtures import claimant

FACT = "培育技术经理人200名"
INDICATOR, UNIT, VALUE = "培育技术经理人", "名", Decimal(200)


def _post_back(page, **typed) -> dict[str, str]:
    """What the browser posts when the user saves the shown form, changing only `typed`."""
    data: dict[str, str] = {}
    forms = [page["form"]]
    for name in ("milestone_set", "target_set"):
        formset = page[name]
        forms.extend(formset.forms)
        management = formset.management_form
        for field in management:
            data[field.html_name] = str(field.value())
    for form in forms:
        for field in form.visible_fields():
            value = field.value()
            if value is not None and field.name != "DELETE" and value is not False:
                data[field.html_name] = str(value)
    data.update(typed)
    return data


def test_a_target_typed_once_in_the_proposal_reaches_the_first_progress_report(users, cycle):
    national, sichuan_user, implementer = users["national"], users["sichuan"], users["implementer"]
    sichuan_division = Division.objects.get(code="510000")

    # 1. Proposal: the only place the fact is typed.
    own = proposal_create(
        by=sichuan_user,
        cycle=cycle,
        data=proposal_data(
            targets=FACT,
            timetable="2099年6月底前，制定技术经理人培育方案；2099年12月底前，完成首批培育",
            contact_name="张三",
        ),
    )
    others = [
        proposal_create(
            by=sichuan_user,
            cycle=cycle,
            data=proposal_data(title=f"其他举措{i}", content="另一项改革", targets="其他"),
        )
        for i in range(2)
    ]
    proposals_submit(proposals=[own, *others], by=sichuan_user)
    own = Proposal.objects.get(pk=own.pk)
    assert own.state == Proposal.State.SUBMITTED and FACT in own.targets

    # 2. Candidate measure (merged): the proposal is among its sources.
    candidate = merging.proposals_merge(
        cycle=cycle,
        proposals=[own],
        by=national,
        data={
            "title": "技术经理人全程参与科技成果转化",
            "content": "由技术经理人全程参与高校院所科技成果转化。",
            "field": ReformField.objects.get(name="促进技术要素市场体系建设"),
            "needs_national_authority": False,
            "ministries": "",
        },
    )
    assert FACT in candidate.sources.get(locality=sichuan_division).targets

    # 3. List item (published), drawn from the candidate.
    version = drafting.list_create(cycle=cycle, by=national, title="2099年度全面创新改革举措清单")
    (list_item,) = drafting.items_add(version=version, by=national, candidates=[candidate])
    version = publishing.version_send_for_opinions(version=version, by=national)
    publishing.consultation_record(
        version=version, by=national, ministry="教育部", asked_at=datetime.date(2099, 5, 6)
    )
    version = publishing.version_publish(
        version=version,
        by=national,
        issuing_authority="国家发展改革委",
        doc_number="发改高技〔2099〕12号",
        issued_on=datetime.date(2099, 6, 1),
    )
    assert version.state == ListVersion.State.PUBLISHED
    assert list_item.candidate_id == candidate.pk

    # 4. Programme item, claimed from the published list.
    programme = claims.programme_create(
        by=national,
        kind=Programme.Kind.ANNUAL_LIST,
        title="2099年度揭榜",
        list_version=version,
        min_claims=1,
    )
    programme_item = programme.items.get()
    assert programme_item.list_item_id == list_item.pk

    # 5. Claim by Sichuan.
    claims.claimants_set(
        programme=programme,
        by=national,
        divisions=Division.objects.filter(pk=sichuan_division.pk),
        region_groups=[],
    )
    today = timezone.localdate()
    claims.programme_open(
        programme=programme,
        by=national,
        opens_at=today - datetime.timedelta(days=1),
        closes_at=today + datetime.timedelta(days=10),
    )
    sichuan = claimant(programme, sichuan_user)
    claim = claims.item_claim(item=programme_item, claimant=sichuan, by=sichuan_user)

    # 6. Task notice handed down; a task opens for the claim.
    claims.programme_close(programme=programme, by=national)
    claims.notices_issue(
        programme=Programme.objects.get(pk=programme.pk),
        by=national,
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=today,
    )
    notice = TaskNotice.objects.get(claimant=sichuan)
    assert notice.claimant.claims.get() == claim
    task = Task.objects.get(claim=claim)
    assert prefill.claimant_proposal(task) == own  # the task knows where the fact was typed

    # 7. Set-up: the responsible person is suggested from the proposal's contact; the
    # locality only confirms it.
    locality = client_for(sichuan_user)
    setup = locality.get(f"/tasks/{task.pk}/setup/").context["form"]
    confirmed = {
        name: str(setup[name].value()) for name in ("responsible_person", "responsible_phone")
    }
    confirmed["weight"] = str(setup["weight"].value())
    assert confirmed["responsible_person"] == "张三"
    assert locality.post(f"/tasks/{task.pk}/setup/", confirmed).status_code == 302
    plans.implementer_add(
        task=task, by=sichuan_user, organisation=implementer.organisation, lead=True
    )

    # 8. Plan form, prefilled: the target is there before anyone types it.
    client = client_for(implementer)
    page = client.get(f"/tasks/{task.pk}/plan/").context
    (suggested,) = page["target_set"].initial
    assert (suggested["indicator"], suggested["unit"], suggested["target_value"]) == (
        INDICATOR,
        UNIT,
        VALUE,
    )
    assert not task.targets.exists()  # a suggestion: nothing saved yet
    # The implementer adds what the proposal did not say — the baseline and its due date —
    # and saves.
    saved = client.post(
        f"/tasks/{task.pk}/plan/",
        _post_back(page, **{"targets-0-baseline": "0", "targets-0-due_on": "2099-12-31"}),
    )
    assert saved.status_code == 302
    (target,) = task.targets.all()
    assert (target.indicator, target.unit, target.target_value) == (INDICATOR, UNIT, VALUE)
    plans.plan_submit(task=task, by=implementer)
    plans.plan_approve(task=Task.objects.get(pk=task.pk), by=sichuan_user)

    # 9. First progress report, prefilled from the plan.
    report = report_services.report_start(task=Task.objects.get(pk=task.pk), by=implementer)
    assert ProgressReport.objects.filter(task=task).count() == 1
    (row,) = report.targets.select_related("target")
    assert (row.target.indicator, row.target.unit, row.target.target_value) == (
        INDICATOR,
        UNIT,
        VALUE,
    )
    html = client.get(f"/tasks/reports/{report.pk}/edit/").content.decode()
    assert INDICATOR in html and "200" in html
