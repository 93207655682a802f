"""The month-by-month sums the adoption curves are read from (overview.dashboards.base):
counts grouped by month in the database, summed up to each month's end here."""

import datetime
from collections import Counter

from overview.dashboards.base import month_number, running_totals


def test_each_end_counts_its_month_and_every_one_before():
    per_month = Counter({201712: 2, 202401: 5, 202403: 1})
    ends = [
        datetime.date(2023, 12, 31),
        datetime.date(2024, 1, 31),
        datetime.date(2024, 2, 29),
        datetime.date(2024, 3, 12),  # the running month: today
    ]
    assert running_totals(per_month, ends) == [2, 7, 7, 8]


def test_nothing_counted_and_no_end():
    assert running_totals(Counter(), [datetime.date(2024, 1, 31)]) == [0]
    assert running_totals(Counter({202401: 3}), []) == []


def test_a_month_after_the_last_end_is_never_counted():
    assert running_totals(Counter({202405: 4}), [datetime.date(2024, 4, 30)]) == [0]
    assert month_number(datetime.date(2026, 9, 1)) == 202609
