"""The rules the first-hour answers rest on, apart from any warehouse: windows with data, small amounts."""

from __future__ import annotations

import doctest
from datetime import datetime

import assistant.compose as compose
import assistant.data_window as data_window
from assistant.compose import fmt_value
from assistant.data_window import Span, data_end, last_window_with_data


def test_doctests() -> None:
    assert doctest.testmod(data_window).failed == 0
    assert doctest.testmod(compose).failed == 0


def test_a_window_moves_only_when_no_data_reaches_it() -> None:
    bill = [Span("cost_daily", "focus", datetime(2024, 9, 1), datetime(2024, 10, 1))]
    week = (datetime(2026, 11, 15), datetime(2026, 11, 22))
    assert last_window_with_data(bill, *week) == (datetime(2024, 9, 24), datetime(2024, 10, 1))
    partly = [Span("jobs", "sacct", datetime(2026, 11, 20), datetime(2026, 11, 22))]
    assert last_window_with_data(partly, *week) is None  # some data in the window: the window stays
    later = [Span("jobs", "sacct", datetime(2027, 1, 1), datetime(2027, 2, 1))]
    assert last_window_with_data(later, *week) is None  # data only after it: nothing earlier to offer
    assert last_window_with_data([], *week) is None


def test_a_metric_on_two_tables_ends_where_the_first_of_them_ends() -> None:
    split = [Span("cost_daily", "focus", datetime(2024, 9, 1), datetime(2024, 10, 1)),
             Span("utilization_hourly", "dcgm", datetime(2025, 11, 20), datetime(2025, 11, 21)),
             Span("cost_daily", "focus", datetime(2024, 6, 1), datetime(2024, 7, 1))]
    assert data_end(split) == datetime(2024, 10, 1)  # the cost split needs both; the bill ends first


def test_a_metric_whose_tables_never_meet_has_no_window_to_move_to() -> None:
    apart = [Span("cost_daily", "focus", datetime(2024, 9, 1), datetime(2024, 10, 1)),
             Span("utilization_hourly", "dcgm", datetime(2025, 11, 20), datetime(2025, 11, 21))]
    assert last_window_with_data(apart, datetime(2026, 11, 15), datetime(2026, 11, 22)) is None
    overlap = [*apart, Span("utilization_hourly", "dcgm", datetime(2024, 9, 20), datetime(2024, 9, 28))]
    assert last_window_with_data(overlap, datetime(2026, 11, 15), datetime(2026, 11, 22)) == \
        (datetime(2024, 9, 24), datetime(2024, 10, 1))  # the bill's last week, where the hours are too


class _Usd:
    unit, format = "USD", ",.0f"


def test_small_amounts_keep_their_size_and_large_ones_their_format() -> None:
    assert fmt_value(0.537074, _Usd()) == "$0.54"
    assert fmt_value(-0.148995, _Usd()) == "-$0.15"
    assert fmt_value(0.000883, _Usd()) == "$0.00088"
    assert fmt_value(14.976514, _Usd()) == "$15"  # within 5% of itself: the metric's own format
    assert fmt_value(1234567.4, _Usd()) == "$1,234,567"
    assert fmt_value(0.0, _Usd()) == "$0"
