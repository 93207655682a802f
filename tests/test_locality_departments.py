"""A province's locality is its 发展改革委 and its 科技厅（委、局）acting jointly (发改高技〔2021〕
484号, addressees and §三（三）): a coordinator belongs to one of the two departments, which lies
in their province, and both see and act for the province alike: rights are scoped by division."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role, User
from accounts.visibility import PROVINCE
from claims.selectors import programmes_visible_to
from demo.builder import build_demo
from proposals import rules as proposal_rules
from proposals.models import Proposal
from proposals.selectors import proposals_visible_to
from regions.models import Division, Organisation
from tasks import rules as task_rules
from tasks.models import Task
from tests.conftest import client_for, make_proposal, open_cycle

PROPOSAL_RIGHTS = [
    proposal_rules.can_view_proposal,
    proposal_rules.can_edit_proposal,
    proposal_rules.can_delete_proposal,
    proposal_rules.can_submit_proposal,
    proposal_rules.can_return_proposal,
    proposal_rules.speaks_for_proposal,
]
TASK_RIGHTS = [
    task_rules.can_view_task,
    task_rules.runs_task,
    task_rules.oversees_task,
    task_rules.can_manage_task,
    task_rules.can_edit_plan,
    task_rules.can_decide_plan,
    task_rules.can_report,
    task_rules.can_request_help,
    task_rules.can_inspect,
    task_rules.can_file_tolerance,
    task_rules.can_bulk_update_task,
]


def _department(name: str, code: str, kind: str = Organisation.Kind.GOVERNMENT) -> Organisation:
    return Organisation.objects.get_or_create(
        name=name, division=Division.objects.get(code=code), defaults={"kind": kind}
    )[0]


def _coordinator(username: str, code: str, organisation: Organisation | None) -> User:
    return User(
        username=username,
        role=Role.LOCALITY,
        division=Division.objects.get(code=code),
        organisation=organisation,
    )


@pytest.mark.django_db
def test_a_coordinator_belongs_to_a_government_department_of_their_province():
    drc = _department("四川省发展和改革委员会", "510000")
    _coordinator("ok", "510000", drc).full_clean(exclude=["password"])
    _coordinator("none", "510000", None).full_clean(
        exclude=["password"]
    )  # the department may be left unset
    # A department of a city in the province still lies in the province.
    _coordinator("city_dept", "510000", _department("成都市科学技术局", "510100")).full_clean(
        exclude=["password"]
    )
    elsewhere = _department("广东省科学技术厅", "440000")
    with pytest.raises(ValidationError) as error:
        _coordinator("wrong", "510000", elsewhere).full_clean(exclude=["password"])
    assert "organisation" in error.value.message_dict
    university = _department("四川大学", "510107", Organisation.Kind.UNIVERSITY)
    with pytest.raises(ValidationError) as error:
        _coordinator("not_government", "510000", university).full_clean(exclude=["password"])
    assert "organisation" in error.value.message_dict
    # Other roles are not concerned.
    User(username="implementer", role=Role.IMPLEMENTER, organisation=elsewhere).full_clean(
        exclude=["password"]
    )


@pytest.mark.django_db
def test_the_department_shows_in_the_header():
    user = _coordinator("kjt", "510000", _department("四川省科学技术厅", "510000"))
    user.save()
    assert user.scope_label == "四川省 · 四川省科学技术厅"
    page = client_for(user).get("/")
    assert "四川省科学技术厅" in page.content.decode()
    assert _coordinator("plain", "440000", None).scope_label == "广东省"


@pytest.mark.django_db
def test_both_departments_of_sichuan_see_and_act_alike():
    assert build_demo()
    drc, kjt = User.objects.get(username="sichuan"), User.objects.get(username="sichuan_kjt")
    assert drc.organisation is not None and kjt.organisation is not None
    assert (drc.organisation.name, kjt.organisation.name) == (
        "四川省发展和改革委员会",
        "四川省科学技术厅",
    )
    # A draft written by one department is the other's to edit and submit.
    cycle = open_cycle(User.objects.get(username="national"))
    make_proposal(cycle, kjt, title="科技厅起草的举措（测试）")
    make_proposal(cycle, drc, title="发展改革委起草的举措（测试）")

    proposals = set(proposals_visible_to(drc))
    assert proposals == set(proposals_visible_to(kjt))
    assert len(proposals) > 3
    assert proposals == set(Proposal.objects.filter(locality=drc.division))
    for proposal in Proposal.objects.all():
        for right in PROPOSAL_RIGHTS:
            assert right(drc, proposal) == right(kjt, proposal), (right.__name__, proposal)

    tasks = set(task_rules.TASKS.queryset(drc))
    assert tasks == set(task_rules.TASKS.queryset(kjt))
    assert tasks  # the Chengdu zone's tasks, which Sichuan oversees
    for task in Task.objects.all():
        for task_right in TASK_RIGHTS:
            assert task_right(drc, task) == task_right(kjt, task), (task_right.__name__, task)
        told = set(task_rules.TASKS.audience(task, PROVINCE))
        assert (drc in told) == (kjt in told)
    assert set(programmes_visible_to(drc)) == set(programmes_visible_to(kjt))

    pages = [client_for(u).get("/proposals/") for u in (drc, kjt)]
    listed = [[p.pk for p in page.context["page"].object_list] for page in pages]
    assert listed[0] == listed[1] and listed[0]
