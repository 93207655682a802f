"""Shared makings of the claims tests (no tests here): a programme with items and claimants,
open today, in which `sichuan`, `guangdong` and `region` (experiment region 1) may claim."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from claims import services
from claims.models import Claim, Programme
from regions.models import Division, RegionGroup


def make_programme(users, *, items: int = 4, max_claimants=None, open_=True, **kw) -> Programme:
    national = users["national"]
    programme = services.programme_create(
        by=national,
        kind=kw.pop("kind", Programme.Kind.ANNUAL_LIST),
        title=kw.pop("title", "测试揭榜"),
        min_claims=kw.pop("min_claims", 3),
        max_claimants=max_claimants,
    )
    services.items_import(
        programme=programme,
        by=national,
        rows=[("成果转化类" if i % 2 else "企业创新类", f"事项{i}", "") for i in range(items)],
    )
    services.claimants_set(
        programme=programme,
        by=national,
        divisions=Division.objects.filter(code__in=["510000", "440000"]),
        region_groups=RegionGroup.objects.filter(pk=1),
    )
    if open_:
        today = timezone.localdate()
        services.programme_open(
            programme=programme,
            by=national,
            opens_at=today - datetime.timedelta(days=1),
            closes_at=today + datetime.timedelta(days=10),
        )
    return Programme.objects.get(pk=programme.pk)


def claimant(programme: Programme, user):
    from claims.selectors import own_claimant

    found = own_claimant(user, programme)
    assert found is not None
    return found


def world(users) -> SimpleNamespace:
    programme = make_programme(users)
    items = list(programme.items.order_by("position"))
    return SimpleNamespace(programme=programme, items=items)


def shortlist_all(programme: Programme, by, on: datetime.date | None = None) -> None:
    """For a zone pilot: shortlist (入围) every application, so that its notices can be handed
    down and every claim becomes a task, as the tests written before shortlisting assume."""
    programme = Programme.objects.get(pk=programme.pk)
    if not programme.is_pilot:
        return
    applied = Claim.objects.filter(item__programme=programme)
    services.applications_shortlist(
        programme=programme,
        by=by,
        decisions={claim.pk: Claim.Shortlisting.SHORTLISTED for claim in applied},
        decided_on=on or timezone.localdate(),
    )
