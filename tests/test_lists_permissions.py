"""Every role, and anonymous visitors, against every action on the annual lists.

Each cell is tested at the permission function in `accounts/permissions.py`, over HTTP and,
for writes, at the service. Allowed: 200 (GET) or 302 with the write done. Refused: 404 when
the user may not know the object exists (anything not published), 403 when they see it but
may not act, a redirect to login for anonymous visitors on the coordinator's pages. Published
versions and their files are public: allowed to everyone, anonymous included.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from kernel.errors import Forbidden
from lists import rules as lists_rules
from lists.models import AnnualList, Consultation, ListItem, ListVersion
from lists.services import drafting, publishing
from tests.conftest import client_for
from tests.test_lists_fixtures import build_world


@pytest.fixture
def world(users, cycle):
    return build_world(users, cycle)


NATIONAL_ONLY = {"national"}
EVERYONE = {
    "national",
    "sichuan",
    "guangdong",
    "region",
    "city",
    "implementer",
    "expert",
    "evaluator",
    "innovator",
    "other_innovator",
    "public",
    "anonymous",
}
ROLES = sorted(EVERYONE)


def _state(version: ListVersion) -> str:
    return ListVersion.objects.get(pk=version.pk).state


@dataclass(frozen=True)
class Act:
    right: Callable[[Any, SimpleNamespace], bool]
    method: str
    url: Callable[[SimpleNamespace], str]
    allowed: frozenset[str]
    refused: int  # status for a logged-in user refused
    data: Callable[[SimpleNamespace], dict[str, Any]] = lambda w: {}
    done: Callable[[SimpleNamespace], bool] | None = None
    shows: Callable[[SimpleNamespace], str] | None = None
    public: bool = False  # no login needed: anonymous gets the refusal status, not a redirect


def national() -> frozenset[str]:
    return frozenset(NATIONAL_ONLY)


ACTIONS: dict[str, Act] = {
    "view_published": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/versions/{w.published.pk}/",
        allowed=frozenset(EVERYONE),
        refused=404,
        shows=lambda w: w.published_item.title,
        public=True,
    ),
    "published_index": Act(
        right=lambda u, w: True,
        method="get",
        url=lambda w: "/lists/",
        allowed=frozenset(EVERYONE),
        refused=404,
        shows=lambda w: w.published.annual_list.title,
        public=True,
    ),
    "published_xlsx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/versions/{w.published.pk}/xlsx/",
        allowed=frozenset(EVERYONE),
        refused=404,
        public=True,
    ),
    "published_docx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/versions/{w.published.pk}/docx/",
        allowed=frozenset(EVERYONE),
        refused=404,
        public=True,
    ),
    "compare_published": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/{w.published.annual_list_id}/compare/",
        allowed=frozenset(EVERYONE),
        refused=404,
        public=True,
    ),
    # The public page never shows an unpublished version, not even to the coordinator.
    "public_page_of_draft": Act(
        right=lambda u, w: False,
        method="get",
        url=lambda w: f"/lists/versions/{w.draft.pk}/",
        allowed=frozenset(),
        refused=404,
        public=True,
    ),
    "draft_xlsx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.draft),
        method="get",
        url=lambda w: f"/lists/versions/{w.draft.pk}/xlsx/",
        allowed=national(),
        refused=404,
        public=True,
    ),
    "draft_docx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.consulting),
        method="get",
        url=lambda w: f"/lists/versions/{w.consulting.pk}/docx/",
        allowed=national(),
        refused=404,
        public=True,
    ),
    "compare_unpublished_list": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.draft),
        method="get",
        url=lambda w: f"/lists/{w.draft.annual_list_id}/compare/",
        allowed=national(),
        refused=404,
        public=True,
    ),
    "manage_index": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="get",
        url=lambda w: "/lists/manage/",
        allowed=national(),
        refused=403,
        shows=lambda w: w.cycle96.title,
    ),
    "create_list": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="post",
        url=lambda w: f"/lists/manage/cycles/{w.cycle96.pk}/new/",
        data=lambda w: {"title": "2096年度清单", "issuing_authority": "", "preamble": ""},
        allowed=national(),
        refused=403,
        done=lambda w: AnnualList.objects.filter(cycle=w.cycle96).exists(),
    ),
    "workspace_draft": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="get",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/",
        allowed=national(),
        refused=404,
        shows=lambda w: w.draft_item.title,
    ),
    "workspace_published": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="get",
        url=lambda w: f"/lists/manage/versions/{w.published.pk}/",
        allowed=national(),
        refused=403,
        shows=lambda w: w.published_item.title,
    ),
    "edit_details": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/edit/",
        data=lambda w: {"title": "改名的清单", "issuing_authority": "国家发展改革委"},
        allowed=national(),
        refused=404,
        done=lambda w: AnnualList.objects.get(pk=w.draft.annual_list_id).title == "改名的清单",
    ),
    "add_items": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/add/",
        data=lambda w: {"candidates": [w.candidates98[2].pk]},
        allowed=national(),
        refused=404,
        done=lambda w: w.draft.items.count() == 3,
    ),
    "reorder": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/order/",
        data=lambda w: {f"item_{i.pk}": 3 - i.position for i in w.draft.items.all()},
        allowed=national(),
        refused=404,
        done=lambda w: ListItem.objects.get(pk=w.draft_item.pk).position == 2,
    ),
    "edit_item": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/items/{w.draft_item.pk}/edit/",
        data=lambda w: {
            "title": "改写的举措",
            "field": w.draft_item.field_id,
            "content": "改写的内容",
            "ministries": "",
        },
        allowed=national(),
        refused=404,
        done=lambda w: ListItem.objects.get(pk=w.draft_item.pk).title == "改写的举措",
    ),
    "remove_item": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/items/{w.draft_item.pk}/remove/",
        allowed=national(),
        refused=404,
        done=lambda w: not ListItem.objects.filter(pk=w.draft_item.pk).exists(),
    ),
    # Nobody edits the measures of a published version; it is seen, so 403.
    "edit_published_item": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.published),
        method="post",
        url=lambda w: f"/lists/manage/items/{w.published_item.pk}/edit/",
        data=lambda w: {
            "title": "偷改",
            "field": w.published_item.field_id,
            "content": "偷改",
            "ministries": "",
        },
        allowed=frozenset(),
        refused=403,
        done=lambda w: ListItem.objects.get(pk=w.published_item.pk).title == "偷改",
    ),
    "remove_published_item": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.published),
        method="post",
        url=lambda w: f"/lists/manage/items/{w.published_item.pk}/remove/",
        allowed=frozenset(),
        refused=403,
        done=lambda w: not ListItem.objects.filter(pk=w.published_item.pk).exists(),
    ),
    "send_for_opinions": Act(
        right=lambda u, w: lists_rules.can_send_list_for_opinions(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/send/",
        allowed=national(),
        refused=404,
        done=lambda w: _state(w.draft) == "consulting",
    ),
    "record_consultation": Act(
        right=lambda u, w: lists_rules.can_record_consultation(u, w.consulting),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.consulting.pk}/consultations/new/",
        data=lambda w: {"ministry": "财政部", "asked_at": "2099-05-08"},
        allowed=national(),
        refused=404,
        done=lambda w: w.consulting.consultations.filter(ministry="财政部").exists(),
    ),
    "edit_consultation": Act(
        right=lambda u, w: lists_rules.can_record_consultation(u, w.consulting),
        method="post",
        url=lambda w: f"/lists/manage/consultations/{w.consultation.pk}/edit/",
        data=lambda w: {
            "ministry": "科技部",
            "asked_at": "2099-05-06",
            "answer": "同意",
            "answered_at": "2099-05-20",
            "change_made": "",
        },
        allowed=national(),
        refused=404,
        done=lambda w: Consultation.objects.get(pk=w.consultation.pk).answer == "同意",
    ),
    "publish": Act(
        right=lambda u, w: lists_rules.can_publish_list_version(u, w.consulting),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.consulting.pk}/publish/",
        data=lambda w: {
            "issuing_authority": "国家发展改革委",
            "doc_number": "发改高技〔2097〕1号",
            "issued_on": "2097-06-01",
        },
        allowed=national(),
        refused=404,
        done=lambda w: _state(w.consulting) == "published",
    ),
    "discard": Act(
        right=lambda u, w: lists_rules.can_discard_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/discard/",
        allowed=national(),
        refused=404,
        done=lambda w: not ListVersion.objects.filter(pk=w.draft.pk).exists(),
    ),
    "revise": Act(
        right=lambda u, w: lists_rules.can_revise_list(u, w.published),
        method="post",
        url=lambda w: f"/lists/manage/{w.published.annual_list_id}/revise/",
        data=lambda w: {"change_note": "增补一项举措"},
        allowed=national(),
        refused=403,
        done=lambda w: w.published.annual_list.versions.count() == 2,
    ),
}

CELLS = [pytest.param(role, action, id=f"{role}-{action}") for role in ROLES for action in ACTIONS]


@pytest.fixture
def everyone(users) -> dict[str, Any]:
    return {**users, "anonymous": AnonymousUser()}


def test_table_covers_every_role(users):
    assert set(users) | {"anonymous"} == EVERYONE


@pytest.mark.parametrize(("role", "action"), CELLS)
def test_cell(world, everyone, role, action):
    """The permission function, then the page: one world per cell is what the suite can
    afford."""
    act = ACTIONS[action]
    assert bool(act.right(everyone[role], world)) is (role in act.allowed)
    client = Client() if role == "anonymous" else client_for(everyone[role])
    response = getattr(client, act.method)(act.url(world), act.data(world))
    if role in act.allowed:
        assert response.status_code == (200 if act.method == "get" else 302), response.content
        if act.shows:
            assert act.shows(world) in response.content.decode()
    elif role == "anonymous" and not act.public:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == act.refused
    if act.done is not None:
        assert act.done(world) is (role in act.allowed)


# The services refuse every role but the coordinator, whatever the view does. ---------------

WRITES: dict[str, Callable[[Any, SimpleNamespace], Any]] = {
    "list_create": lambda u, w: drafting.list_create(cycle=w.cycle96, by=u, title="清单"),
    "version_update": lambda u, w: drafting.version_update(
        version=w.draft, by=u, data={"preamble": "x"}
    ),
    "items_add": lambda u, w: drafting.items_add(
        version=w.draft, by=u, candidates=[w.candidates98[2]]
    ),
    "item_update": lambda u, w: drafting.item_update(item=w.draft_item, by=u, data={"title": "x"}),
    "item_remove": lambda u, w: drafting.item_remove(item=w.draft_item, by=u),
    "items_reorder": lambda u, w: drafting.items_reorder(
        version=w.draft, by=u, numbers={w.draft_item.pk: 2}
    ),
    "send": lambda u, w: publishing.version_send_for_opinions(version=w.draft, by=u),
    "consultation_record": lambda u, w: publishing.consultation_record(
        version=w.consulting, by=u, ministry="财政部", asked_at=datetime.date(2099, 5, 1)
    ),
    "consultation_update": lambda u, w: publishing.consultation_update(
        consultation=w.consultation, by=u, data={"ministry": "x"}
    ),
    "publish": lambda u, w: publishing.version_publish(
        version=w.consulting,
        by=u,
        issuing_authority="x",
        doc_number="x〔2097〕1号",
        issued_on=datetime.date(2097, 1, 1),
    ),
    "revise": lambda u, w: publishing.list_revise(
        annual_list=w.published.annual_list, by=u, change_note="x"
    ),
    "discard": lambda u, w: publishing.version_discard(version=w.draft, by=u),
}


@pytest.mark.parametrize("role", sorted(EVERYONE - NATIONAL_ONLY))
def test_services_refuse_everyone_but_the_coordinator(world, everyone, role):
    # A refusal writes nothing, so one world serves every write.
    for write in WRITES.values():
        with pytest.raises(Forbidden):
            write(everyone[role], world)
    assert not AnnualList.objects.filter(cycle=world.cycle96).exists()
    assert ListVersion.objects.get(pk=world.draft.pk).state == "draft"
    assert ListItem.objects.filter(pk=world.draft_item.pk).exists()


@pytest.mark.parametrize("write", WRITES)
def test_services_allow_the_coordinator(world, users, write):
    WRITES[write](users["national"], world)  # raises nothing
