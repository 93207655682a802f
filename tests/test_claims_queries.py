"""The pages and files of claiming cost the same number of queries however many items,
claimants and claims there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Programme
from regions.models import Division
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme


def build(users, size: int) -> Programme:
    programme = make_programme(users, items=size, title=f"规模{size}")
    services.claimants_set(
        programme=programme,
        by=users["national"],
        divisions=[
            Division.objects.get(code="510000"),
            *Division.objects.filter(level=1).exclude(code="510000")[: size + 2],
        ],
        region_groups=[],
    )
    c = claimant(programme, users["sichuan"])
    for item in programme.items.all()[:size]:
        services.item_claim(item=item, claimant=c, by=users["sichuan"])
    return programme


PAGES = [
    ("national", "/claims/"),
    ("national", "/claims/{pk}/"),
    ("national", "/claims/{pk}/results/"),
    ("national", "/claims/{pk}/results/xlsx/"),
    ("national", "/claims/{pk}/close/"),
    ("sichuan", "/claims/{pk}/"),
    ("sichuan", "/claims/"),
]


@pytest.mark.parametrize(("role", "url"), PAGES)
def test_query_count_does_not_grow(users, role, url):
    small, large = build(users, 2), build(users, 8)
    client = client_for(users[role])
    counts = []
    for programme in (small, large):
        client.get(url.format(pk=programme.pk))  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url.format(pk=programme.pk)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20
