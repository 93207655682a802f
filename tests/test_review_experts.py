"""The expert pool: create and edit through the pages, the trail, search, filters, paging and
the Excel export."""

import io

import pytest
from django.conf import settings
from openpyxl import load_workbook

from audit.models import AuditEntry
from kernel.errors import Forbidden
from proposals.models import ReformField
from regions.models import Organisation
from review.errors import ReviewError
from review.models import ExpertProfile
from review.services.experts import expert_profile_create, expert_profile_update
from tests.conftest import client_for, division
from tests.test_review_setup import make_expert


def field(name: str) -> ReformField:
    return ReformField.objects.get(name=name)


def form_data(**overrides):
    data = {
        "fields": [field("包容审慎监管新产业新业态").pk, field("其他（个性化改革举措）").pk],
        "tags": "知识产权质押, 投贷联动",
        "division": division("310000").pk,
        "organisation": "",
        "available": "on",
        "max_load": 5,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_links_an_expert_user_and_records_it(users):
    client = client_for(users["national"])
    page = client.get("/review/experts/new/")
    offered = list(page.context["form"].fields["user"].queryset)
    assert offered == [users["expert"]]  # only expert users without a profile
    response = client.post("/review/experts/new/", form_data(user=users["expert"].pk))
    assert response.status_code == 302
    profile = ExpertProfile.objects.get(user=users["expert"])
    assert profile.max_load == 5 and profile.division == division("310000")
    assert {f.name for f in profile.fields.all()} == {
        "包容审慎监管新产业新业态",
        "其他（个性化改革举措）",
    }
    entry = AuditEntry.objects.get(action="expert.created")
    assert entry.actor == users["national"]
    assert entry.changes["max_load"] == [None, 5]
    assert entry.changes["fields"][1] == "包容审慎监管新产业新业态、其他（个性化改革举措）"


def test_a_refused_form_keeps_what_was_typed(users):
    response = client_for(users["national"]).post(
        "/review/experts/new/", form_data(user=users["expert"].pk, tags="请保留的标签", max_load=0)
    )
    assert response.status_code == 200
    assert 'value="请保留的标签"' in response.content.decode()
    assert "max_load" in response.context["form"].errors
    assert not ExpertProfile.objects.exists()


def test_only_expert_users_join_once(users):
    national = users["national"]
    with pytest.raises(ReviewError):
        expert_profile_create(by=national, user=users["sichuan"], data={"max_load": 3})
    expert_profile_create(by=national, user=users["expert"], data={"max_load": 3})
    with pytest.raises(ReviewError):
        expert_profile_create(by=national, user=users["expert"], data={"max_load": 3})
    with pytest.raises(Forbidden):
        expert_profile_create(by=users["expert"], user=users["expert"], data={})


def test_edit_records_before_and_after(users):
    expert = make_expert("", user=users["expert"], fields=("包容审慎监管新产业新业态",), max_load=8)
    profile = expert.expert_profile
    client = client_for(users["national"])
    url = f"/review/experts/{profile.pk}/edit/"
    assert "user" not in client.get(url).context["form"].fields
    response = client.post(url, form_data(available="", max_load=3))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.available, profile.max_load) == (False, 3)
    entry = AuditEntry.objects.get(action="expert.updated")
    assert entry.changes["available"] == [True, False]
    assert entry.changes["max_load"] == [8, 3]
    assert entry.changes["fields"] == [
        "包容审慎监管新产业新业态",
        "包容审慎监管新产业新业态、其他（个性化改革举措）",
    ]
    history = client.get(url).content.decode()
    assert "expert.updated" in history


def test_an_unchanged_save_records_nothing(users):
    expert = make_expert("", user=users["expert"], tags="a")
    expert_profile_update(profile=expert.expert_profile, by=users["national"], data={"tags": "a"})
    assert not AuditEntry.objects.filter(action="expert.updated").exists()


@pytest.fixture
def pool(users):
    scu = Organisation.objects.get(name="四川大学")
    return {
        "bj": make_expert(
            "bj", division_code="110000", fields=("包容审慎监管新产业新业态",), tags="质押"
        ),
        "cd": make_expert("cd", division_code="510100", fields=("其他（个性化改革举措）",)),
        "scu": make_expert(
            "scu", organisation=scu, fields=("其他（个性化改革举措）",), available=False
        ),
        "sh": make_expert(
            "sh",
            division_code="310000",
            fields=("包容审慎监管新产业新业态", "其他（个性化改革举措）"),
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"bj", "cd", "scu", "sh"}),
        ({"q": "质押"}, {"bj"}),
        ({"q": "四川大学"}, {"scu"}),
        ({"field": "包容审慎监管新产业新业态"}, {"bj", "sh"}),
        ({"division": "510000"}, {"cd", "scu"}),  # a city of Sichuan; an organisation in it
        ({"available": "no"}, {"scu"}),
        ({"available": "yes", "field": "其他（个性化改革举措）"}, {"cd", "sh"}),
    ],
)
def test_filters(users, pool, params, expected):
    if "field" in params:
        params["field"] = field(params["field"]).pk
    if "division" in params:
        params["division"] = division(params["division"]).pk
    response = client_for(users["national"]).get("/review/experts/", params)
    assert {p.user.username for p in response.context["page"].object_list} == expected


def test_pagination_keeps_the_filters(users):
    for i in range(settings.PAGE_SIZE + 3):
        make_expert(f"e{i:02d}", division_code="110000", available=True)
    client = client_for(users["national"])
    first = client.get("/review/experts/", {"available": "yes"})
    second = client.get("/review/experts/", {"available": "yes", "page": "2"})
    assert len(first.context["page"].object_list) == settings.PAGE_SIZE
    assert len(second.context["page"].object_list) == 3
    assert "?available=yes&amp;page=2" in first.content.decode()


def test_export_has_the_filtered_pool(users, pool):
    response = client_for(users["national"]).get(
        "/review/experts/export/",
        {"field": field("包容审慎监管新产业新业态").pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    )
    assert rows[0][:3] == ("Login", "Name", "Fields of expertise")
    assert [r[0] for r in rows[1:]] == ["bj", "sh"]
    assert rows[2][2] == "包容审慎监管新产业新业态、其他（个性化改革举措）"
    assert rows[1][6:8] == ("yes", 8)


@pytest.mark.parametrize("role", ["sichuan", "expert", "innovator", "public"])
def test_the_pool_is_the_coordinators_alone(users, pool, role):
    client = client_for(users[role])
    profile = ExpertProfile.objects.earliest("id")
    assert client.get("/review/experts/").status_code == 403
    assert client.get("/review/experts/export/").status_code == 403
    assert (
        client.post("/review/experts/new/", form_data(user=users["expert"].pk)).status_code == 403
    )
    assert client.post(f"/review/experts/{profile.pk}/edit/", form_data()).status_code == 403
    assert ExpertProfile.objects.count() == 4
