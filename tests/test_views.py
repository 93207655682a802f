"""The pages of the call for proposals: forms that keep what was typed, search, filters,
sorting and paging, bounded query counts, the history on a proposal, and delete confirmation.
"""

import html

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from audit.models import AuditEntry
from proposals.models import Cycle, Proposal, ReformField, Suggestion
from proposals.services.proposals import proposal_update
from proposals.services.suggestions import suggestion_submit
from regions.models import Division
from tests.conftest import client_for, division, make_proposal, proposal_data

MINISTRIES_ERROR = "Name the ministries concerned when national authority is needed."


def form_data(**overrides) -> dict:
    data = proposal_data(**overrides)
    data["field"] = data["field"].pk
    if not data["needs_national_authority"]:
        del data["needs_national_authority"]  # an unticked checkbox is not posted
    return data


def shown_titles(response) -> list[str]:
    return [p.title for p in response.context["page"].object_list]


def in_ui_language(message: str) -> str:
    """The message as the page shows it: in the default language, HTML-escaped."""
    with translation.override(settings.LANGUAGE_CODE):
        return html.escape(gettext(message))


# A refused form keeps what the user typed ----------------------------------------------------


def test_refused_new_proposal_keeps_the_typed_values(users, cycle):
    data = form_data(
        title="请保留我输入的标题",
        problem="这段问题描述不应丢失",
        needs_national_authority="on",
        ministries="",
    )
    response = client_for(users["sichuan"]).post("/proposals/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="请保留我输入的标题"' in page
    assert "这段问题描述不应丢失</textarea>" in page
    assert 'name="needs_national_authority" id="id_needs_national_authority" checked' in page
    assert in_ui_language(MINISTRIES_ERROR) in page
    assert "ministries" in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_refused_edit_keeps_the_typed_values_and_changes_nothing(users, cycle):
    proposal = make_proposal(cycle, users["sichuan"])
    data = form_data(title="改了一半的标题", needs_national_authority="on", ministries="")
    response = client_for(users["sichuan"]).post(f"/proposals/{proposal.pk}/edit/", data)
    assert response.status_code == 200
    assert 'value="改了一半的标题"' in response.content.decode()
    assert in_ui_language(MINISTRIES_ERROR) in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.title == proposal_data()["title"]


# Search, filters, sorting, paging ------------------------------------------------------------

UNRELATED = {
    "title": "优化外籍人才签证办理流程",
    "problem": "签证办理周期长",
    "content": "推行一站式签证服务",
    "implementing_bodies": "省公安厅",
    "expected_results": "缩短办理时间",
    "targets": "办理时间缩短至5个工作日",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("成果转化", ["加快科技成果转化的十条措施"]),
        ("科技成果转化", ["加快科技成果转化的十条措施"]),
        ("签证", ["优化外籍人才签证办理流程"]),
        ("量子通信", []),
    ],
)
def test_search_finds_by_segmented_terms(users, cycle, query, expected):
    make_proposal(cycle, users["sichuan"], title="加快科技成果转化的十条措施")
    make_proposal(cycle, users["sichuan"], **UNRELATED)
    response = client_for(users["sichuan"]).get("/proposals/", {"q": query})
    assert shown_titles(response) == expected


@pytest.fixture
def mixed(users, cycle) -> dict[str, Proposal]:
    """Submitted proposals of two provinces in two fields, one returned, one national."""
    first, second = ReformField.objects.all()[:2]
    sichuan, guangdong = users["sichuan"], users["guangdong"]
    return {
        "川甲": make_proposal(cycle, sichuan, "submitted", title="川甲", field=first),
        "川乙": make_proposal(
            cycle,
            sichuan,
            "submitted",
            title="川乙",
            field=first,
            needs_national_authority=True,
            ministries="科技部",
        ),
        "川丙": make_proposal(cycle, sichuan, "returned", title="川丙", field=second),
        "粤甲": make_proposal(cycle, guangdong, "submitted", title="粤甲", field=second),
        "草稿": make_proposal(cycle, guangdong, title="草稿", field=second),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"川甲", "川乙", "川丙", "粤甲"}),
        ({"state": "returned"}, {"川丙"}),
        ({"state": "submitted"}, {"川甲", "川乙", "粤甲"}),
        ({"field": "second"}, {"川丙", "粤甲"}),
        ({"locality": "440000"}, {"粤甲"}),
        ({"locality": "510000", "field": "first"}, {"川甲", "川乙"}),
        ({"national": "yes"}, {"川乙"}),
        ({"national": "no"}, {"川甲", "川丙", "粤甲"}),
        ({"q": "川甲"}, {"川甲"}),
    ],
)
def test_filters(users, mixed, params, expected):
    fields = dict(zip(["first", "second"], ReformField.objects.all()[:2], strict=True))
    if "field" in params:
        params["field"] = fields[params["field"]].pk
    if "locality" in params:
        params["locality"] = division(params["locality"]).pk
    response = client_for(users["national"]).get("/proposals/", params)
    assert response.status_code == 200
    assert set(shown_titles(response)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", sorted(["川甲", "川乙", "川丙", "粤甲"])),
        ("updated", ["粤甲", "川丙", "川乙", "川甲"]),
        ("-updated", ["川甲", "川乙", "川丙", "粤甲"]),
    ],
)
def test_sorting(users, mixed, sort, expected):
    response = client_for(users["national"]).get("/proposals/", {"sort": sort})
    assert shown_titles(response) == expected


def test_sorting_by_locality_puts_guangdong_before_sichuan(users, mixed):
    response = client_for(users["national"]).get("/proposals/", {"sort": "locality"})
    assert [p.locality.code for p in response.context["page"].object_list] == [
        "440000",
        "510000",
        "510000",
        "510000",
    ]


def test_pagination_keeps_the_filters(users, cycle):
    count = settings.PAGE_SIZE + 5
    for i in range(count):
        make_proposal(cycle, users["sichuan"], title=f"第{i:02d}号")
    client = client_for(users["sichuan"])
    first = client.get("/proposals/", {"state": "draft", "sort": "title"})
    second = client.get("/proposals/", {"state": "draft", "sort": "title", "page": "2"})
    assert len(shown_titles(first)) == settings.PAGE_SIZE
    assert len(shown_titles(second)) == 5
    assert shown_titles(first) + shown_titles(second) == [f"第{i:02d}号" for i in range(count)]
    assert "?state=draft&amp;sort=title&amp;page=2" in first.content.decode()
    assert "?state=draft&amp;sort=title&amp;page=1" in second.content.decode()


# Query counts do not grow with the number of rows ------------------------------------------


def add_proposals(cycle, by, n: int, state: str = "submitted") -> None:
    """Proposals spread over every province, written directly: only their number matters."""
    provinces = list(Division.objects.filter(level=Division.Level.PROVINCE))
    field = ReformField.objects.first()
    data = {k: v for k, v in proposal_data().items() if k != "field"}
    start = Proposal.objects.count()
    Proposal.objects.bulk_create(
        Proposal(
            **{**data, "title": f"批量{start + i}"},
            cycle=cycle,
            field=field,
            locality=provinces[(start + i) % len(provinces)] if state != "draft" else by.division,
            state=state,
            submitted_at=timezone.now() if state != "draft" else None,
            created_by=by,
        )
        for i in range(n)
    )


def add_suggestions(cycle, by, n: int) -> None:
    Suggestion.objects.bulk_create(
        Suggestion(
            cycle=cycle,
            organisation=by.organisation,
            locality=division("510000"),
            title=f"建议{i}",
            content="内容",
            submitted_by=by,
        )
        for i in range(n)
    )


def measure(django_assert_max_num_queries, client, url: str) -> int:
    client.get(url)  # warm caches (content types, session) so both runs start equal
    with django_assert_max_num_queries(25) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("viewer", "page"),
    [
        ("national", "proposal_list"),
        ("sichuan", "proposal_list"),
        ("national", "cycle_detail"),
        ("sichuan", "cycle_detail"),
        ("sichuan", "suggestion_list"),
        ("innovator", "suggestion_list"),
    ],
)
def test_list_query_counts_are_bounded(users, cycle, django_assert_max_num_queries, viewer, page):
    client = client_for(users[viewer])
    url = {
        "proposal_list": "/proposals/",
        "cycle_detail": f"/cycles/{cycle.pk}/",
        "suggestion_list": "/suggestions/",
    }[page]

    def grow(n: int) -> None:
        add_proposals(cycle, users["sichuan"], n)
        add_proposals(cycle, users["sichuan"], n, state="draft")
        add_suggestions(cycle, users["innovator"], n)

    grow(10)
    small = measure(django_assert_max_num_queries, client, url)
    grow(50)
    large = measure(django_assert_max_num_queries, client, url)
    assert small == large


def test_detail_query_count_does_not_grow_with_history_and_sources(
    users, cycle, django_assert_max_num_queries
):
    sichuan = users["sichuan"]
    proposal = make_proposal(cycle, sichuan)
    client = client_for(sichuan)
    url = f"/proposals/{proposal.pk}/"

    def grow(n: int) -> None:
        start = Suggestion.objects.count()
        for i in range(n):
            suggestion_submit(
                by=users["innovator"], cycle=cycle, title=f"来源{start + i}", content="内容"
            )
            proposal_update(proposal=proposal, by=sichuan, data={"targets": f"指标{start + i}"})
        proposal_update(
            proposal=proposal, by=sichuan, data={}, sources=list(Suggestion.objects.all())
        )

    grow(10)
    small = measure(django_assert_max_num_queries, client, url)
    grow(50)
    large = measure(django_assert_max_num_queries, client, url)
    assert proposal.sources.count() == 60
    assert small == large


# History and delete --------------------------------------------------------------------------


def test_history_appears_on_the_detail_page(users, cycle):
    sichuan = users["sichuan"]
    proposal = make_proposal(cycle, sichuan, title="旧标题")
    proposal_update(proposal=proposal, by=sichuan, data={"title": "新标题"})
    page = client_for(sichuan).get(f"/proposals/{proposal.pk}/").content.decode()
    history = page[page.index("<table", page.rindex("<h2")) :]
    assert "proposal.created" in history
    assert "proposal.updated" in history
    assert "旧标题 → 新标题" in history
    assert f"<td>{sichuan.first_name}</td>" in history


def test_delete_asks_for_confirmation_first(users, cycle):
    proposal = make_proposal(cycle, users["sichuan"], title="待删除的草稿")
    client = client_for(users["sichuan"])
    url = f"/proposals/{proposal.pk}/delete/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "待删除的草稿" in confirm.content.decode()
    assert '<form method="post"' in confirm.content.decode()
    assert Proposal.objects.filter(pk=proposal.pk).exists()
    assert not AuditEntry.objects.filter(action="proposal.deleted").exists()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/proposals/"
    assert not Proposal.objects.filter(pk=proposal.pk).exists()
    assert AuditEntry.objects.get(action="proposal.deleted").actor == users["sichuan"]


def test_a_submitted_proposal_offers_no_delete(users, cycle):
    proposal = make_proposal(cycle, users["sichuan"], state="submitted")
    client = client_for(users["sichuan"])
    assert (
        f"/proposals/{proposal.pk}/delete/"
        not in client.get(f"/proposals/{proposal.pk}/").content.decode()
    )
    assert client.get(f"/proposals/{proposal.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/proposals/?state=draft", "/proposals/?state=draft"),
        ("https://evil.example/phish", "/proposals/"),
        ("//evil.example/phish", "/proposals/"),
        ("", "/proposals/"),
    ],
)
def test_submit_returns_only_to_pages_of_this_site(users, cycle, next_url, expected):
    batch = [make_proposal(cycle, users["sichuan"], title=f"草稿{i}") for i in range(3)]
    response = client_for(users["sichuan"]).post(
        "/proposals/submit/", {"proposal": [p.pk for p in batch], "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == expected
    assert set(Proposal.objects.values_list("state", flat=True)) == {"submitted"}


def test_a_cycle_opened_unticked_starts_closed(users):
    data = {"year": 2100, "title": "2100", "deadline": "2100-04-30"}
    data |= {"min_per_locality": 3, "max_per_locality": 5}
    response = client_for(users["national"]).post("/cycles/new/", data)
    assert response.status_code == 302
    cycle = Cycle.objects.get(year=2100)
    assert cycle.is_open is False


def test_menu_shows_only_the_pages_the_role_may_open(users):
    def menu(role):
        html = client_for(users[role]).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        return ('href="/suggestions/"' in html, 'href="/proposals/"' in html)

    assert menu("sichuan") == (True, True)
    assert menu("national") == (False, True)
    assert menu("innovator") == (True, False)
    assert menu("region") == (False, False)
    assert menu("public") == (False, False)


def test_innovation_body_sees_what_its_suggestion_became_but_not_drafts(users, cycle):
    from proposals.services.proposals import proposals_submit
    from proposals.services.suggestions import suggestion_submit

    suggestion = suggestion_submit(by=users["innovator"], cycle=cycle, title="建议", content="内容")
    draft = make_proposal(cycle, users["sichuan"], title="尚在起草的建议书")
    draft.sources.add(suggestion)
    others = [make_proposal(cycle, users["sichuan"], title=f"另一项{i}") for i in range(2)]
    submitted = make_proposal(cycle, users["sichuan"], title="已经提交的建议书")
    submitted.sources.add(suggestion)
    proposals_submit(proposals=[submitted, *others], by=users["sichuan"])
    page = client_for(users["innovator"]).get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "已经提交的建议书" in page
    assert "尚在起草的建议书" not in page
    coordinator_page = (
        client_for(users["sichuan"]).get(f"/suggestions/{suggestion.pk}/").content.decode()
    )
    assert "尚在起草的建议书" in coordinator_page


def test_returned_proposal_cannot_be_resubmitted_once_the_cycle_is_closed(users, cycle):
    from proposals.errors import ProposalError
    from proposals.services.proposals import proposals_submit

    returned = make_proposal(cycle, users["sichuan"], state="returned")
    cycle.is_open = False
    cycle.save()
    with pytest.raises(ProposalError, match="closed|结束|关闭"):
        proposals_submit(proposals=[returned], by=users["sichuan"])
    returned.refresh_from_db()
    assert returned.state == "returned"
