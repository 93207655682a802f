"""Two claimants racing for an item's last place cannot both win: concurrent requests against
PostgreSQL, each on its own connection, in threads released together."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import Role
from claims.models import Claim
from regions.models import Division, RegionGroup
from tests.conftest import client_for, make_user
from tests.test_claims_fixtures import make_programme

ROUNDS = 5

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(reference_data_back):
    """Transactional tests empty the tables; the reference data comes back after."""


@pytest.mark.django_db(transaction=True)
def test_two_claimants_racing_for_the_last_place():
    users = {
        "national": make_user("national", Role.NATIONAL),
        "sichuan": make_user(
            "sichuan", Role.LOCALITY, division=Division.objects.get(code="510000")
        ),
        "guangdong": make_user(
            "guangdong", Role.LOCALITY, division=Division.objects.get(code="440000")
        ),
        "region": make_user("region", Role.LOCALITY, region_group=RegionGroup.objects.first()),
    }
    programme = make_programme(users, items=ROUNDS, max_claimants=1)
    clients = [client_for(users["sichuan"]), client_for(users["guangdong"])]
    for item in programme.items.all():
        barrier = threading.Barrier(len(clients))
        statuses: list[int] = []

        def claim(c, pk=item.pk, barrier=barrier, statuses=statuses):
            try:
                barrier.wait()
                statuses.append(c.post(f"/claims/items/{pk}/claim/").status_code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [302, 302]
        assert Claim.objects.filter(item=item).count() == 1
    assert Claim.objects.count() == ROUNDS
