"""The overview's figures kept in the shared cache (overview.snapshots, 平台规则: ten
minutes): the page says when they were computed, a change shows once the lifetime is over or
after `forget_all`, each territory has its own, and a page served from them stays within its
queries."""

import datetime
import re
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from overview.snapshots import LIFETIME, forget_all, snapshot
from promotion.models import AdoptionRecord
from tests.conftest import client_for
from tests.test_overview_dashboards import URL, add_records, get, world  # noqa: F401

AS_OF = re.compile(r"Figures as of (\d\d:\d\d), refreshed every 10 minutes \(platform rule\)")


def adoption_rows(response: Any) -> list[Any]:
    return [block.rows for block in response.context["blocks"] if block.key.startswith("adopt")]


def test_the_page_says_when_its_figures_were_computed(world):  # noqa: F811
    response = get(world.users["national"])
    found = AS_OF.search(response.content.decode())
    assert found, "no time of the figures on the page"
    computed = response.context["snapshot"].computed_at
    assert found.group(1) == timezone.localtime(computed).strftime("%H:%M")
    assert timezone.now() - computed < datetime.timedelta(minutes=1)


def test_a_unit_s_saved_answer_shows_at_once(world):  # noqa: F811
    """Adoption answers and filed returns forget the kept figures (overview.apps)."""
    national = world.users["national"]
    before = get(national)
    add_records(world, 45)  # through the service, which saves each record
    assert AdoptionRecord.objects.filter(province=world.sc_province).count() == 50
    assert adoption_rows(get(national)) != adoption_rows(before)


def test_a_change_shows_once_the_lifetime_is_over(world):  # noqa: F811
    """A change no save announces (a bulk correction) waits for the lifetime."""
    national = world.users["national"]
    before = get(national)
    records = AdoptionRecord.objects.filter(province=world.sc_province)
    assert records.exclude(status="effective").update(status="effective") > 0
    kept = get(national)
    # Within the lifetime: the same figures, computed at the same time.
    assert adoption_rows(kept) == adoption_rows(before)
    assert kept.context["snapshot"].computed_at == before.context["snapshot"].computed_at
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=LIFETIME + 1)):
        after = get(national)
    assert adoption_rows(after) != adoption_rows(before)
    assert after.context["snapshot"].computed_at > before.context["snapshot"].computed_at


def test_a_change_shows_at_once_after_forget_all(world):  # noqa: F811
    national = world.users["national"]
    before = get(national)
    AdoptionRecord.objects.filter(province=world.sc_province).update(status="effective")
    forget_all()
    assert adoption_rows(get(national)) != adoption_rows(before)


def test_each_territory_has_its_own_figures(world):  # noqa: F811
    national = get(world.users["national"])
    sichuan = get(world.users["sichuan"])
    assert adoption_rows(sichuan) != adoption_rows(national)
    # Guangdong's dashboard is never Sichuan's kept copy.
    guangdong = get(world.users["guangdong"])
    assert adoption_rows(guangdong) != adoption_rows(sichuan)


def test_kept_figures_cost_few_queries(world, django_assert_max_num_queries):  # noqa: F811
    client = client_for(world.users["national"])
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
    assert len(first) > 8


def test_the_diffusion_index_keeps_its_counts_with_the_time(world):  # noqa: F811
    client = client_for(world.users["sichuan"])
    address = reverse("overview:diffusion_index")

    def reported() -> int:
        response = client.get(address, HTTP_ACCEPT_LANGUAGE="en")
        assert AS_OF.search(response.content.decode())
        (row,) = [m for m in response.context["page"].object_list if m.pk == world.measure.pk]
        return int(row.reported)

    before = reported()
    kept = reported()  # the second view reads the kept counts
    add_records(world, 45)  # saved answers: forgotten at once (overview.apps)
    assert kept == before and reported() == before + 45


def test_the_key_holds_the_scope_and_the_language(db):
    from django.utils import translation

    assert snapshot("t", "a", lambda: 1).value == 1
    assert snapshot("t", "a", lambda: 2).value == 1
    assert snapshot("t", "b", lambda: 3).value == 3
    with translation.override("zh-hans"):
        assert snapshot("t", "a", lambda: 4).value == 4
