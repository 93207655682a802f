"""The dashboards (看板): the national level's for the whole country, a province's for its
territory — its prefectures, counties, zones and parks. Each block is a chart with its table
(the content without JavaScript) and a sheet of the export; every figure is aggregated in the
database, in a number of queries that does not grow with the data."""

import datetime

from accounts.actors import Actor
from overview.dashboards import adoption, pipeline, results
from overview.dashboards.base import Block, Territory


def dashboard(user: Actor, today: datetime.date) -> list[Block]:
    """Every block of the user's dashboard, in the order shown."""
    territory = Territory.of(user)
    counted = adoption.counts(territory)
    return [
        pipeline.funnel(territory),
        pipeline.claims_rule(territory),
        pipeline.late(territory, today),
        pipeline.pilot(territory),
        adoption.by_area(territory, counted),
        adoption.by_level(counted),
        adoption.curves(territory, today),
        adoption.seminars(today),
        results.ratings(territory),
        results.incentives(territory),
    ]


__all__ = ["Block", "Territory", "dashboard"]
