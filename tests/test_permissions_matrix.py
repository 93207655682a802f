"""Every role against every action of the call for proposals, as one explicit table.

The rights live in `proposals/rules.py`, on the role primitives of `accounts/roles.py`. Each
(role, action) cell is tested twice by the shared harness `tests/matrix.py`: at the permission
function, and over HTTP, where an allowed cell must succeed (200, or 302 with its write done)
and a refused one must fail without writing: 404 when the user may not know the object exists,
403 when they see it but may not act, a redirect to login when anonymous.
The proposals and the suggestion all belong to Sichuan; `guangdong` is the other province.
"""

import datetime
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from jobs.models import Job
from proposals import rules as proposals_rules
from proposals.models import Cycle, DeadlineExtension, Proposal, Suggestion
from proposals.services.attachments import attachment_add
from proposals.services.suggestions import suggestion_submit
from tests.conftest import client_for, division, make_proposal, open_cycle, proposal_data
from tests.matrix import Act, ApiAct, Matrix, World, shared_world

# The table. Anything not listed for a role is refused.
ALLOWED: dict[str, set[str]] = {
    "national": {
        "open_cycle",
        "edit_cycle",
        "grant_extension",
        "view_submitted",
        "view_returned",
        "return_submitted",
        "list",
        "export",
    },
    "sichuan": {
        "view_suggestion",
        "decline_suggestion",
        "create_proposal",
        "view_draft",
        "view_submitted",
        "view_returned",
        "edit_draft",
        "edit_returned",
        "delete_draft",
        "submit_draft",
        "resubmit_returned",
        "import",
        "list",
        "export",
    },
    # The other province: may work on its own proposals, sees none of Sichuan's.
    "guangdong": {"create_proposal", "import", "list", "export"},
    # A coordinator scoped to a region group speaks for no province: no proposals of its own.
    "region": set(),
    "city": set(),
    "implementer": set(),
    "expert": set(),
    "evaluator": set(),
    "innovator": {"submit_suggestion", "view_suggestion"},
    "other_innovator": {"submit_suggestion"},
    "public": set(),
    "county": set(),
    "park": set(),
    "anonymous": set(),
}


def build_world(users: dict[str, Any]) -> World:
    cycle = open_cycle(users["national"])
    cycle.min_per_locality = 1  # so that one draft may be submitted on its own
    cycle.save()
    sichuan = users["sichuan"]
    return World(
        users=users,
        cycle=cycle,
        draft=make_proposal(cycle, sichuan, title="四川草稿"),
        submitted=make_proposal(cycle, sichuan, state="submitted", title="四川已报送"),
        returned=make_proposal(cycle, sichuan, state="returned", title="四川已退回"),
        suggestion=suggestion_submit(
            by=users["innovator"], cycle=cycle, title="四川大学的建议", content="建议内容"
        ),
    )


built_world, world = shared_world(build_world)


def form_data(**overrides: Any) -> dict[str, Any]:
    data = proposal_data(**overrides)
    data["field"] = data["field"].pk
    if not data["needs_national_authority"]:
        del data["needs_national_authority"]  # an unticked checkbox is not posted
    return data


def _state(proposal: Proposal) -> str:
    return Proposal.objects.get(pk=proposal.pk).state


def _proposal_view(name: str, state: str) -> Act:
    return Act(
        right=lambda u, w: proposals_rules.can_view_proposal(u, getattr(w, state)),
        method="get",
        url=lambda w: f"/proposals/{getattr(w, state).pk}/",
        shows=lambda w: getattr(w, state).title,
        seen_via=name,
    )


def _proposal_edit(state: str) -> Act:
    return Act(
        right=lambda u, w: proposals_rules.can_edit_proposal(u, getattr(w, state)),
        method="post",
        url=lambda w: f"/proposals/{getattr(w, state).pk}/edit/",
        data=lambda w: form_data(title="改过的标题"),
        done=lambda w: Proposal.objects.get(pk=getattr(w, state).pk).title == "改过的标题",
        seen_via=f"view_{state}",
        # Its own province is told the proposal was submitted, on the form.
        told=frozenset({"sichuan"}) if state == "submitted" else frozenset(),
    )


def _proposal_submit(state: str) -> Act:
    return Act(
        right=lambda u, w: proposals_rules.can_submit_proposal(u, getattr(w, state)),
        method="post",
        url=lambda w: "/proposals/submit/",
        data=lambda w: {"proposal": [getattr(w, state).pk]},
        done=lambda w: _state(getattr(w, state)) == "submitted",
    )


ACTIONS: dict[str, Act] = {
    "open_cycle": Act(
        right=lambda u, w: proposals_rules.can_manage_cycles(u),
        method="post",
        url=lambda w: "/cycles/new/",
        data=lambda w: {
            "year": 2100,
            "title": "2100年度征集",
            "deadline": "2100-04-30",
            "min_per_locality": 3,
            "max_per_locality": 5,
            "is_open": "on",
        },
        done=lambda w: Cycle.objects.filter(year=2100).exists(),
    ),
    "edit_cycle": Act(
        right=lambda u, w: proposals_rules.can_manage_cycles(u),
        method="post",
        url=lambda w: f"/cycles/{w.cycle.pk}/edit/",
        data=lambda w: {
            "title": "改名的征集",
            "deadline": "2099-04-30",
            "min_per_locality": 1,
            "max_per_locality": 5,
            "is_open": "on",
        },
        done=lambda w: Cycle.objects.get(pk=w.cycle.pk).title == "改名的征集",
    ),
    "grant_extension": Act(
        right=lambda u, w: proposals_rules.can_grant_extension(u),
        method="post",
        url=lambda w: f"/cycles/{w.cycle.pk}/extensions/",
        data=lambda w: {
            "locality": division("510000").pk,
            "until": "2099-06-30",
            "reason": "材料需补充调研",
        },
        done=lambda w: DeadlineExtension.objects.filter(cycle=w.cycle).exists(),
    ),
    "submit_suggestion": Act(
        right=lambda u, w: proposals_rules.can_submit_suggestion(u),
        method="post",
        url=lambda w: "/suggestions/new/",
        data=lambda w: {"title": "新的建议", "content": "放宽科研经费使用"},
        done=lambda w: Suggestion.objects.filter(title="新的建议").exists(),
    ),
    "view_suggestion": Act(
        right=lambda u, w: proposals_rules.can_view_suggestion(u, w.suggestion),
        method="get",
        url=lambda w: f"/suggestions/{w.suggestion.pk}/",
        shows=lambda w: w.suggestion.title,
        seen_via="view_suggestion",
    ),
    "decline_suggestion": Act(
        right=lambda u, w: proposals_rules.can_handle_suggestion(u, w.suggestion),
        method="post",
        url=lambda w: f"/suggestions/{w.suggestion.pk}/",
        data=lambda w: {"reason": "已有类似举措"},
        done=lambda w: Suggestion.objects.get(pk=w.suggestion.pk).state == "declined",
        seen_via="view_suggestion",
    ),
    "create_proposal": Act(
        right=lambda u, w: proposals_rules.can_create_proposal(u),
        method="post",
        url=lambda w: "/proposals/new/",
        data=lambda w: form_data(title="新建的建议书"),
        done=lambda w: Proposal.objects.filter(title="新建的建议书").exists(),
    ),
    "view_draft": _proposal_view("view_draft", "draft"),
    "view_submitted": _proposal_view("view_submitted", "submitted"),
    "view_returned": _proposal_view("view_returned", "returned"),
    "edit_draft": _proposal_edit("draft"),
    "edit_returned": _proposal_edit("returned"),
    "edit_submitted": _proposal_edit("submitted"),
    "delete_draft": Act(
        right=lambda u, w: proposals_rules.can_delete_proposal(u, w.draft),
        method="post",
        url=lambda w: f"/proposals/{w.draft.pk}/delete/",
        done=lambda w: not Proposal.objects.filter(pk=w.draft.pk).exists(),
        seen_via="view_draft",
    ),
    "delete_submitted": Act(
        right=lambda u, w: proposals_rules.can_delete_proposal(u, w.submitted),
        method="post",
        url=lambda w: f"/proposals/{w.submitted.pk}/delete/",
        done=lambda w: not Proposal.objects.filter(pk=w.submitted.pk).exists(),
        seen_via="view_submitted",
        told=frozenset({"sichuan"}),  # back to the proposal, told it was submitted
        told_status=302,
    ),
    "submit_draft": _proposal_submit("draft"),
    "resubmit_returned": _proposal_submit("returned"),
    "return_submitted": Act(
        right=lambda u, w: proposals_rules.can_return_proposal(u, w.submitted),
        method="post",
        url=lambda w: f"/proposals/{w.submitted.pk}/return/",
        data=lambda w: {"reason": "请补充量化指标"},
        done=lambda w: _state(w.submitted) == "returned",
        seen_via="view_submitted",
    ),
    "import": Act(
        right=lambda u, w: proposals_rules.can_import_proposals(u),
        method="get",
        url=lambda w: "/proposals/import/",
    ),
    "list": Act(
        right=lambda u, w: proposals_rules.can_list_proposals(u),
        method="get",
        url=lambda w: "/proposals/",
    ),
    "export": Act(
        right=lambda u, w: proposals_rules.can_list_proposals(u),
        method="post",
        url=lambda w: "/proposals/export/",
        data=lambda w: {"query": ""},
        done=lambda w: Job.objects.filter(kind="proposals.export").exists(),
    ),
}


def _proposal_url(state: str) -> Any:
    return lambda w: f"/api/proposals/{getattr(w, state).pk}/"


# The same actions over the API (`api.resources.proposals`), decided by the same table.
API: dict[str, ApiAct] = {
    "create_proposal": ApiAct(
        "post", lambda w: "/api/proposals/", lambda w: form_data(title="新建的建议书"), status=201
    ),
    **{f"view_{s}": ApiAct("get", _proposal_url(s)) for s in ("draft", "submitted", "returned")},
    **{
        f"edit_{s}": ApiAct("put", _proposal_url(s), lambda w: form_data(title="改过的标题"))
        for s in ("draft", "returned", "submitted")
    },
    "delete_draft": ApiAct("delete", _proposal_url("draft"), status=204),
    "delete_submitted": ApiAct("delete", _proposal_url("submitted"), status=204),
    "submit_draft": ApiAct(
        "post", lambda w: "/api/proposals/submit/", lambda w: {"proposals": [w.draft.pk]}
    ),
    "resubmit_returned": ApiAct(
        "post", lambda w: "/api/proposals/submit/", lambda w: {"proposals": [w.returned.pk]}
    ),
    "return_submitted": ApiAct(
        "post",
        lambda w: f"/api/proposals/{w.submitted.pk}/return/",
        lambda w: {"reason": "请补充量化指标"},
    ),
    "list": ApiAct("get", lambda w: "/api/proposals/"),
}

MATRIX = Matrix(ALLOWED, ACTIONS, api=API)


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, "anonymous"})


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    """Every cell of the table, at the permission function and over HTTP."""


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    """The cells the API takes too, with each role's token."""


# A province never sees another province's drafts, wherever it looks. -------------------------

PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def drafts(users, cycle, media_root) -> SimpleNamespace:
    sichuan, guangdong = users["sichuan"], users["guangdong"]
    draft = make_proposal(cycle, sichuan, title="四川的秘密草稿")
    attachment = attachment_add(
        proposal=draft, by=sichuan, upload=SimpleUploadedFile("方案.pdf", PDF)
    )
    return SimpleNamespace(
        draft=draft,
        attachment=attachment,
        own=make_proposal(cycle, guangdong, title="广东自己的草稿"),
        sent=make_proposal(cycle, sichuan, state="submitted", title="四川已报送的建议"),
    )


DRAFT_URLS = {
    "detail": ("get", "/proposals/{p}/"),
    "edit": ("get", "/proposals/{p}/edit/"),
    "delete": ("post", "/proposals/{p}/delete/"),
    "return": ("post", "/proposals/{p}/return/"),
    "docx": ("get", "/proposals/{p}/docx/"),
    "upload": ("post", "/proposals/{p}/attachments/"),
    "attachment": ("get", "/attachments/{a}/"),
    "attachment_delete": ("post", "/attachments/{a}/delete/"),
}


@pytest.mark.parametrize("viewer", ["guangdong", "national", "region"])
@pytest.mark.parametrize("page", DRAFT_URLS)
def test_another_province_draft_is_not_found(users, drafts, viewer, page):
    method, url = DRAFT_URLS[page]
    url = url.format(p=drafts.draft.pk, a=drafts.attachment.pk)
    response = getattr(client_for(users[viewer]), method)(url)
    assert response.status_code == 404
    assert Proposal.objects.get(pk=drafts.draft.pk).attachments.count() == 1


@pytest.mark.parametrize("page", ["detail", "edit", "docx", "attachment"])
def test_the_owner_does_see_its_draft(users, drafts, page):
    url = DRAFT_URLS[page][1].format(p=drafts.draft.pk, a=drafts.attachment.pk)
    response = client_for(users["sichuan"]).get(url)
    assert response.status_code == 200
    if page == "attachment":
        assert response.getvalue() == PDF


@pytest.mark.parametrize(
    "query", ["", "q=秘密草稿", "q=四川的秘密草稿", "state=draft", "locality={sichuan}"]
)
def test_list_and_search_hide_another_province(users, drafts, query):
    query = query.format(sichuan=division("510000").pk)
    response = client_for(users["guangdong"]).get(f"/proposals/?{query}")
    html = response.content.decode()
    shown = [p.title for p in response.context["page"].object_list]
    assert "四川的秘密草稿" not in shown
    assert ">四川的秘密草稿</a>" not in html
    assert "四川已报送的建议" not in html
    # A locality's list has no 地方 filter (it sees its own proposals only): a forged
    # `locality=` is ignored and leaks nothing.
    assert shown == ([] if query.startswith("q=") else ["广东自己的草稿"])


def _export_titles(client: Client, inline_jobs, query: str) -> list[str]:
    response = inline_jobs(lambda: client.post("/proposals/export/", {"query": query}))
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.state == Job.State.DONE, job.message
    download = client.get(f"/jobs/{job.pk}/download/")
    sheet = load_workbook(io.BytesIO(download.getvalue())).worksheets[0]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))  # below the filter line, header
    return [str(row[5]) for row in rows]  # id, cycle, locality, state, submitted_at, title


@pytest.mark.parametrize("query", ["", "state=draft", "locality={sichuan}"])
def test_export_job_output_holds_only_what_the_user_may_see(users, drafts, inline_jobs, query):
    query = query.format(sichuan=division("510000").pk)
    titles = _export_titles(client_for(users["guangdong"]), inline_jobs, query)
    assert "四川的秘密草稿" not in titles
    assert "四川已报送的建议" not in titles
    assert titles == ([] if "locality" in query else ["广东自己的草稿"])
    national = _export_titles(client_for(users["national"]), inline_jobs, query)
    assert national == ([] if "draft" in query else ["四川已报送的建议"])


def test_a_job_result_is_its_creators_alone(users, drafts, inline_jobs):
    national = client_for(users["national"])
    response = inline_jobs(lambda: national.post("/proposals/export/", {"query": ""}))
    job_url = response["Location"]
    assert national.get(f"{job_url}download/").status_code == 200
    for other in ("sichuan", "guangdong"):
        assert client_for(users[other]).get(f"{job_url}download/").status_code == 404
        assert client_for(users[other]).get(job_url).status_code == 404


def test_cycle_pages_need_a_login_and_nothing_more(users, cycle):
    assert Client().get("/cycles/").status_code == 302
    for user in users.values():
        assert client_for(user).get(f"/cycles/{cycle.pk}/").status_code == 200
    assert (
        datetime.date(2099, 4, 30).isoformat()
        in client_for(users["public"]).get(f"/cycles/{cycle.pk}/").content.decode()
    )
