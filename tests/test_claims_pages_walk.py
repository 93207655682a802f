"""What the browser walk of issue #12 found on the claims pages, each fixed and pinned here:
the items × claimants table (items as rows, a fixed title column, claimants scrolling inside
the card), item counts that are not the pager's "共N条", a window without dates, the window
after an early close, a newer published version of the programme's list, and the issuing
authorities carried from the list instead of typed again."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import template as trans_template

from audit.models import AuditEntry
from claims import selectors, services
from claims.errors import ClaimError
from claims.models import Claim, Programme
from demo import claims_demo
from lists.services import drafting, publishing
from regions.models import Division
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_lists_fixtures import draft_list, make_candidate, publish

TEMPLATES = Path(settings.BASE_DIR) / "templates"
CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"


def page(user, url: str) -> str:
    response = client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


# 1. Readable wide tables ----------------------------------------------------------------------


def test_results_table_has_items_as_rows_and_claimants_as_columns(users):
    programme = make_programme(users, items=3)
    c = claimant(programme, users["sichuan"])
    first = programme.items.order_by("position")[0]
    services.item_claim(item=first, claimant=c, by=users["sichuan"])
    html = page(users["national"], reverse("claims:results", args=[programme.pk]))
    table = html[html.index('<div class="scroll"') : html.index("</table>")]
    assert '<table class="matrix">' in table
    # One row per item, its title the row's (fixed) header; one column per claimant.
    assert len(re.findall(r'<th scope="row" class="title">\d+．', table)) == 3
    head = table[table.index("<thead>") : table.index("</thead>")]
    assert head.count('<th scope="col"') == 1 + len(selectors.claimants_of(programme))
    assert "四川" in head


def test_the_title_column_is_fixed_and_the_table_scrolls_inside_its_card():
    css = CSS.read_text()
    scroll = re.search(r"\.scroll \{([^}]*)\}", css)
    assert scroll is not None and "overflow-x: auto" in scroll.group(1)
    title = re.search(r"table\.matrix \.title \{([^}]*)\}", css)
    assert title is not None
    assert "position: sticky" in title.group(1) and "left: 0" in title.group(1)
    assert "min-width: 14em" in title.group(1)
    # Claimant names never break one character a line.
    assert re.search(r"table\.matrix th, table\.matrix td \{[^}]*white-space: nowrap", css)


def test_plan_rows_stay_in_their_card_with_readable_cells():
    rows = (TEMPLATES / "tasks" / "plans" / "rows.html").read_text()
    assert '<div class="scroll">' in rows
    assert 'class="{% if field.widget_type == "checkbox" %}check' in rows
    css = CSS.read_text()
    assert re.search(r"table\.rows td\.name, table\.rows th\.name \{ min-width: 12em", css)
    assert re.search(r"table\.rows input, table\.rows select \{ width: 100%", css)


def test_results_page_queries_do_not_grow_with_the_table(users, django_assert_max_num_queries):
    counts = []
    for size in (2, 7):
        programme = make_programme(users, items=size, title=f"规模{size}")
        services.claimants_set(
            programme=programme,
            by=users["national"],
            divisions=Division.objects.filter(level=1)[: size + 2],
            region_groups=[],
        )
        client = client_for(users["national"])
        url = reverse("claims:results", args=[programme.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


# 2. Item counts are not the pager's "共N条" ----------------------------------------------------


def _msgids(path: Path) -> str:
    return trans_template.templatize(path.read_text())


@pytest.mark.parametrize("name", ["claims/results.html", "claims/issue.html"])
def test_item_counts_have_their_own_msgid(name):
    """The pager's "%(n)s item" is 共%(n)s条; an item count is "%(n)s项" (msgctxt
    "count of items"), so the summary never reads "共2条: 1个揭榜单位"."""
    source = _msgids(TEMPLATES / name)
    assert "npgettext(u'count of items', u'%(n)s item', u'%(n)s items'" in source
    assert " ngettext(u'%(n)s item'" not in source
    pager = _msgids(TEMPLATES / "includes" / "pager.html")
    assert " ngettext(u'%(n)s item'" in pager and "count of items" not in pager


def test_results_summary_counts_items_and_claimants(users):
    programme = make_programme(users, items=3)
    c = claimant(programme, users["sichuan"])
    for item in programme.items.order_by("position")[:2]:
        services.item_claim(item=item, claimant=c, by=users["sichuan"])
    html = page(users["national"], reverse("claims:results", args=[programme.pk]))
    assert "<li>2 items: 1 claimant</li>" in html


# 3. A window without dates, and no file paths -------------------------------------------------


def test_a_window_without_dates_reads_not_set(users):
    programme = make_programme(users, open_=False)
    html = page(users["national"], reverse("claims:programme", args=[programme.pk]))
    assert "— – —" not in html
    assert '<span class="muted">not set</span>' in html
    index = page(users["national"], reverse("claims:index"))
    assert "— – —" not in index and "not set" in index


def test_the_pilot_page_shows_sources_by_name_and_no_empty_window(users):
    """The demo's 2024 pilot (the walk's `/claims/1/`): its window is not known, its sources
    are named by title, never by a repository path."""
    claims_demo._pilot(users["national"])
    programme = Programme.objects.get(title=claims_demo.PILOT_TITLE)
    html = page(users["national"], reverse("claims:programme", args=[programme.pk]))
    assert not re.search(r"[\w-]+/[\w./-]+\.(csv|txt|md)|\bP003\b|\bS17\b", html)
    assert "《成都日报》报道" in html
    assert "— – —" not in html and "not set" in html


# 5. The window after an early close -----------------------------------------------------------


def test_an_early_close_shows_the_actual_end_on_page_and_index(users):
    programme = make_programme(users, min_claims=0)
    planned = programme.closes_at
    services.programme_close(programme=programme, by=users["national"])
    today = timezone.localdate()
    assert planned is not None and today < planned
    for url in (reverse("claims:programme", args=[programme.pk]), reverse("claims:index")):
        html = page(users["national"], url)
        assert f"– {today:%Y-%m-%d}" in html
        assert "closed early" in html
        assert f"(planned to close on {planned:%Y-%m-%d})" in html
    # The claimant's page says the same.
    html = page(users["sichuan"], reverse("claims:programme", args=[programme.pk]))
    assert "closed early" in html


def test_a_close_on_the_planned_day_is_not_early(users):
    programme = make_programme(users, min_claims=0)
    Programme.objects.filter(pk=programme.pk).update(closes_at=timezone.localdate())
    services.programme_close(programme=Programme.objects.get(pk=programme.pk), by=users["national"])
    window = selectors.window_of(Programme.objects.get(pk=programme.pk))
    assert window.closed_on == timezone.localdate() and not window.closed_early


def test_index_window_costs_no_query_per_programme(users, django_assert_max_num_queries):
    counts = []
    client = client_for(users["national"])
    for _round in range(2):
        for _ in range(3):
            p = make_programme(users, min_claims=0)
            services.programme_close(programme=p, by=users["national"])
        client.get(reverse("claims:index"))
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(12):
            assert client.get(reverse("claims:index")).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


# 4. A newer published version of the programme's list -----------------------------------------


@pytest.fixture
def revised(users, cycle):
    """A programme drawn from v1 of a list, and v2 published with one measure more."""
    national = users["national"]
    candidates = [make_candidate(cycle, national, f"举措{i}") for i in range(1, 4)]
    v1 = publish(draft_list(cycle, national, candidates[:2]), national)
    programme = services.programme_create(
        by=national,
        kind=Programme.Kind.ANNUAL_LIST,
        title="从清单揭榜",
        list_version=v1,
    )
    v2 = publishing.list_revise(annual_list=v1.annual_list, by=national, change_note="增加一项")
    drafting.items_add(version=v2, by=national, candidates=candidates[2:])
    v2 = publish(v2, national, number="发改高技〔2099〕13号")
    return programme, v1, v2


def _open(programme: Programme, by) -> Programme:
    today = timezone.localdate()
    return services.programme_open(
        programme=programme,
        by=by,
        opens_at=today - datetime.timedelta(days=1),
        closes_at=today + datetime.timedelta(days=10),
    )


def test_newer_version_without_claims_is_said_and_can_be_taken(users, revised):
    programme, v1, v2 = revised
    url = reverse("claims:programme", args=[programme.pk])
    html = page(users["national"], url)
    assert (
        "The list has a newer published version (version 2); this programme is still based on "
        "version 1." in html
    )
    compare = reverse("lists:compare", args=[v1.annual_list_id]) + "?old=1&amp;new=2"
    assert compare in html
    assert reverse("claims:move_version", args=[programme.pk]) in html
    # The comparison it links to answers.
    assert client_for(users["national"]).get(compare.replace("&amp;", "&")).status_code == 200

    response = client_for(users["national"]).post(
        reverse("claims:move_version", args=[programme.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.list_version_id == v2.pk
    items = list(programme.items.order_by("position"))
    assert [i.title for i in items] == ["举措1", "举措2", "举措3"]
    assert {i.list_item.version_id for i in items if i.list_item} == {v2.pk}
    entry = AuditEntry.objects.get(action="programme.list_version_moved")
    assert entry.changes["list_version"] == [str(v1), str(v2)]
    assert "newer published version" not in page(users["national"], url)


def test_newer_version_once_claims_exist_says_why_the_programme_stays(users, revised):
    programme, v1, v2 = revised
    programme = _open(programme, users["national"])
    c = claimant(programme, users["sichuan"])
    services.item_claim(item=programme.items.all()[0], claimant=c, by=users["sichuan"])
    url = reverse("claims:programme", args=[programme.pk])
    html = page(users["national"], url)
    assert "newer published version (version 2)" in html
    assert reverse("claims:move_version", args=[programme.pk]) not in html
    assert "1 claim was already made on the items of version 1" in html
    with pytest.raises(ClaimError):
        services.programme_move_to_version(programme=programme, by=users["national"], version=v2)
    # A POST all the same changes nothing and says why.
    response = client_for(users["national"]).post(
        reverse("claims:move_version", args=[programme.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "the programme stays on it" in response.content.decode()
    programme.refresh_from_db()
    assert programme.list_version_id == v1.pk
    assert Claim.objects.filter(item__programme=programme).count() == 1


def test_the_locality_is_told_but_cannot_move(users, revised):
    programme, _v1, _v2 = revised
    programme = _open(programme, users["national"])
    url = reverse("claims:programme", args=[programme.pk])
    html = page(users["sichuan"], url)
    assert "newer published version (version 2)" in html
    assert reverse("claims:move_version", args=[programme.pk]) not in html
    response = client_for(users["sichuan"]).post(
        reverse("claims:move_version", args=[programme.pk])
    )
    assert response.status_code == 403
    programme.refresh_from_db()
    assert programme.list_version is not None and programme.list_version.number == 1


def test_moving_keeps_items_entered_by_hand_after_the_lists(users, revised):
    programme, _v1, v2 = revised
    services.item_add(programme=programme, by=users["national"], category="其他", title="手填事项")
    services.programme_move_to_version(programme=programme, by=users["national"], version=v2)
    titles = list(programme.items.order_by("position").values_list("position", "title"))
    assert titles[-1] == (4, "手填事项")
    assert [t for _p, t in titles[:3]] == ["举措1", "举措2", "举措3"]


def test_moving_to_an_older_or_unpublished_version_is_refused(users, revised):
    programme, v1, _v2 = revised
    with pytest.raises(ClaimError):
        services.programme_move_to_version(programme=programme, by=users["national"], version=v1)


# 6. Issuing authorities carried forward -------------------------------------------------------


def test_a_programme_from_a_list_carries_its_issuing_authorities(users, cycle):
    national = users["national"]
    v1 = publish(draft_list(cycle, national, [make_candidate(cycle, national, "举措")]), national)
    assert v1.issuing_authority == "国家发展改革委"  # as published, not the kind's default
    programme = services.programme_create(
        by=national, kind=Programme.Kind.ANNUAL_LIST, title="从清单揭榜", list_version=v1
    )
    assert programme.issuing_authority == "国家发展改革委"
    # Typed ones still win; without a list, those of the kind.
    typed = services.programme_create(
        by=national,
        kind=Programme.Kind.ANNUAL_LIST,
        title="另填",
        list_version=v1,
        issuing_authority="科技部",
    )
    assert typed.issuing_authority == "科技部"
    assert make_programme(users, open_=False).issuing_authority == "国家发展改革委、科技部"
    # Emptied on edit: the list's again, not the kind's.
    services.programme_update(
        programme=programme, by=national, title=programme.title, issuing_authority=""
    )
    programme.refresh_from_db()
    assert programme.issuing_authority == "国家发展改革委"
