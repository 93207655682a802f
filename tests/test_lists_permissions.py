"""Every role, and anonymous visitors, against every action on the annual lists.

The rights live in `lists/rules.py`, on the role primitives of `accounts/roles.py`. Each cell
is tested by the shared harness `tests/matrix.py`, at the permission function and over HTTP,
and the writes also at the service. Allowed: 200 (GET) or 302 with the write done. Refused:
404 when the user may not know the object exists (anything not published), 403 when they see
it but may not act, a redirect to login for anonymous visitors on the coordinator's pages.
Published versions and their files are public: allowed to everyone, anonymous included.
"""

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from kernel.errors import Forbidden
from lists import rules as lists_rules
from lists.models import AnnualList, Consultation, ListItem, ListVersion
from lists.services import drafting, publishing
from tests.conftest import open_cycle
from tests.matrix import Act, ApiAct, Matrix, World, shared_world
from tests.test_lists_fixtures import build_world as build_lists_world


def build_world(users: dict[str, Any]) -> World:
    w = build_lists_world(users, open_cycle(users["national"]))
    w.users = users
    return w


built_world, world = shared_world(build_world)

# The published version, its files and the index of published lists: open to everyone.
PUBLISHED = {
    "view_published",
    "published_index",
    "published_xlsx",
    "published_docx",
    "compare_published",
}
# The table. Anything not listed for a role is refused.
ALLOWED: dict[str, set[str]] = {
    "national": PUBLISHED
    | {
        "draft_xlsx",
        "draft_docx",
        "compare_unpublished_list",
        "manage_index",
        "create_list",
        "workspace_draft",
        "workspace_published",
        "edit_details",
        "add_items",
        "reorder",
        "edit_item",
        "remove_item",
        "send_for_opinions",
        "record_consultation",
        "edit_consultation",
        "publish",
        "discard",
        "revise",
    },
    "sichuan": PUBLISHED,
    "guangdong": PUBLISHED,
    "region": PUBLISHED,
    "city": PUBLISHED,
    "implementer": PUBLISHED,
    "expert": PUBLISHED,
    "evaluator": PUBLISHED,
    "innovator": PUBLISHED,
    "other_innovator": PUBLISHED,
    "public": PUBLISHED,
    "county": PUBLISHED,
    "park": PUBLISHED,
    "anonymous": PUBLISHED,
}
# Who sees an unpublished version: the coordinator's workspace decides (404 for the others).
UNPUBLISHED = "workspace_draft"


def _state(version: ListVersion) -> str:
    return ListVersion.objects.get(pk=version.pk).state


ACTIONS: dict[str, Act] = {
    "view_published": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/versions/{w.published.pk}/",
        shows=lambda w: w.published_item.title,
        public=True,
    ),
    "published_index": Act(
        right=lambda u, w: True,
        method="get",
        url=lambda w: "/lists/",
        shows=lambda w: w.published.annual_list.title,
        public=True,
    ),
    "published_xlsx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/versions/{w.published.pk}/xlsx/",
        public=True,
    ),
    "published_docx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/versions/{w.published.pk}/docx/",
        public=True,
    ),
    "compare_published": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.published),
        method="get",
        url=lambda w: f"/lists/{w.published.annual_list_id}/compare/",
        public=True,
    ),
    # The public page never shows an unpublished version, not even to the coordinator.
    "public_page_of_draft": Act(
        right=lambda u, w: False,
        method="get",
        url=lambda w: f"/lists/versions/{w.draft.pk}/",
        public=True,
        seen_via="public_page_of_draft",
    ),
    "draft_xlsx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.draft),
        method="get",
        url=lambda w: f"/lists/versions/{w.draft.pk}/xlsx/",
        public=True,
        seen_via=UNPUBLISHED,
    ),
    "draft_docx": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.consulting),
        method="get",
        url=lambda w: f"/lists/versions/{w.consulting.pk}/docx/",
        public=True,
        seen_via=UNPUBLISHED,
    ),
    "compare_unpublished_list": Act(
        right=lambda u, w: lists_rules.can_view_list_version(u, w.draft),
        method="get",
        url=lambda w: f"/lists/{w.draft.annual_list_id}/compare/",
        public=True,
        seen_via=UNPUBLISHED,
    ),
    "manage_index": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="get",
        url=lambda w: "/lists/manage/",
        shows=lambda w: w.cycle96.title,
    ),
    "create_list": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="post",
        url=lambda w: f"/lists/manage/cycles/{w.cycle96.pk}/new/",
        data=lambda w: {"title": "2096年度清单", "issuing_authority": "", "preamble": ""},
        done=lambda w: AnnualList.objects.filter(cycle=w.cycle96).exists(),
    ),
    "workspace_draft": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="get",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/",
        shows=lambda w: w.draft_item.title,
        seen_via=UNPUBLISHED,
    ),
    "workspace_published": Act(
        right=lambda u, w: lists_rules.can_manage_lists(u),
        method="get",
        url=lambda w: f"/lists/manage/versions/{w.published.pk}/",
        shows=lambda w: w.published_item.title,
        seen_via="view_published",
    ),
    "edit_details": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/edit/",
        data=lambda w: {"title": "改名的清单", "issuing_authority": "国家发展改革委"},
        done=lambda w: AnnualList.objects.get(pk=w.draft.annual_list_id).title == "改名的清单",
        seen_via=UNPUBLISHED,
    ),
    "add_items": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/add/",
        data=lambda w: {"candidates": [w.candidates98[2].pk]},
        done=lambda w: w.draft.items.count() == 3,
        seen_via=UNPUBLISHED,
    ),
    "reorder": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/order/",
        data=lambda w: {f"item_{i.pk}": 3 - i.position for i in w.draft.items.all()},
        done=lambda w: ListItem.objects.get(pk=w.draft_item.pk).position == 2,
        seen_via=UNPUBLISHED,
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
        done=lambda w: ListItem.objects.get(pk=w.draft_item.pk).title == "改写的举措",
        seen_via=UNPUBLISHED,
    ),
    "remove_item": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/items/{w.draft_item.pk}/remove/",
        done=lambda w: not ListItem.objects.filter(pk=w.draft_item.pk).exists(),
        seen_via=UNPUBLISHED,
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
        done=lambda w: ListItem.objects.get(pk=w.published_item.pk).title == "偷改",
        seen_via="view_published",
        told=frozenset({"national"}),  # the form says a published version never changes
    ),
    "remove_published_item": Act(
        right=lambda u, w: lists_rules.can_edit_list_version(u, w.published),
        method="post",
        url=lambda w: f"/lists/manage/items/{w.published_item.pk}/remove/",
        done=lambda w: not ListItem.objects.filter(pk=w.published_item.pk).exists(),
        seen_via="view_published",
        told=frozenset({"national"}),  # back to the version, told it never changes
        told_status=302,
    ),
    "send_for_opinions": Act(
        right=lambda u, w: lists_rules.can_send_list_for_opinions(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/send/",
        done=lambda w: _state(w.draft) == "consulting",
        seen_via=UNPUBLISHED,
    ),
    "record_consultation": Act(
        right=lambda u, w: lists_rules.can_record_consultation(u, w.consulting),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.consulting.pk}/consultations/new/",
        data=lambda w: {"ministry": "财政部", "asked_at": "2099-05-08"},
        done=lambda w: w.consulting.consultations.filter(ministry="财政部").exists(),
        seen_via=UNPUBLISHED,
    ),
    "edit_consultation": Act(
        right=lambda u, w: lists_rules.can_record_consultation(u, w.consulting),
        method="post",
        url=lambda w: f"/lists/manage/consultations/{w.consultation.pk}/edit/",
        data=lambda w: {
            "ministry": "教育部",
            "asked_at": "2099-05-06",
            "answer": "同意",
            "answered_at": "2099-05-20",
            "change_made": "",
        },
        done=lambda w: Consultation.objects.get(pk=w.consultation.pk).answer == "同意",
        seen_via=UNPUBLISHED,
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
        done=lambda w: _state(w.consulting) == "published",
        seen_via=UNPUBLISHED,
    ),
    "discard": Act(
        right=lambda u, w: lists_rules.can_discard_list_version(u, w.draft),
        method="post",
        url=lambda w: f"/lists/manage/versions/{w.draft.pk}/discard/",
        done=lambda w: not ListVersion.objects.filter(pk=w.draft.pk).exists(),
        seen_via=UNPUBLISHED,
    ),
    "revise": Act(
        right=lambda u, w: lists_rules.can_revise_list(u, w.published),
        method="post",
        url=lambda w: f"/lists/manage/{w.published.annual_list_id}/revise/",
        data=lambda w: {"change_note": "增补一项举措"},
        done=lambda w: w.published.annual_list.versions.count() == 2,
        seen_via="view_published",
    ),
}


def _item_text(item: Callable[[World], ListItem], title: str) -> ApiAct:
    return ApiAct(
        "put",
        lambda w: f"/api/list-items/{item(w).pk}/",
        lambda w: {"title": title, "field": item(w).field_id, "content": title, "ministries": ""},
    )


# The same actions over the API (`api.resources.lists`), decided by the same table. The
# versions are readable by anyone, as the public pages are: a visitor is told an unpublished
# version does not exist (404), not asked to log in.
API: dict[str, ApiAct] = {
    "view_published": ApiAct("get", lambda w: f"/api/list-versions/{w.published.pk}/"),
    "published_index": ApiAct("get", lambda w: "/api/lists/"),
    "workspace_draft": ApiAct("get", lambda w: f"/api/list-versions/{w.draft.pk}/", public=True),
    "edit_item": _item_text(lambda w: w.draft_item, "改写的举措"),
    "remove_item": ApiAct("delete", lambda w: f"/api/list-items/{w.draft_item.pk}/", status=204),
    "edit_published_item": _item_text(lambda w: w.published_item, "偷改"),
    "remove_published_item": ApiAct(
        "delete", lambda w: f"/api/list-items/{w.published_item.pk}/", status=204
    ),
    "publish": ApiAct(
        "post",
        lambda w: f"/api/list-versions/{w.consulting.pk}/publish/",
        lambda w: {
            "issuing_authority": "国家发展改革委",
            "doc_number": "发改高技〔2097〕1号",
            "issued_on": "2097-06-01",
        },
    ),
}

MATRIX = Matrix(ALLOWED, ACTIONS, api=API)


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, "anonymous"})


# The services refuse every role but the coordinator, whatever the view does. ---------------

WRITES: dict[str, Callable[[Any, World], Any]] = {
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


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    @pytest.mark.parametrize("role", [r for r in MATRIX.roles if r != "national"])
    def test_services_refuse_everyone_but_the_coordinator(self, world, role):
        # A refusal writes nothing, so one world serves every write.
        for write in WRITES.values():
            with pytest.raises(Forbidden):
                write(world.users[role], world)
        assert not AnnualList.objects.filter(cycle=world.cycle96).exists()
        assert ListVersion.objects.get(pk=world.draft.pk).state == "draft"
        assert ListItem.objects.filter(pk=world.draft_item.pk).exists()

    @pytest.mark.parametrize("write", WRITES)
    def test_services_allow_the_coordinator(self, world, write):
        WRITES[write](world.users["national"], world)  # raises nothing


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    """The cells the API takes too, with each role's token (anonymous: none)."""
