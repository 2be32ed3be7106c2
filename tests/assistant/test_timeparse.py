"""Every time expression the resolver knows, against the demo as-of date (Monday 2026-11-23)."""

from __future__ import annotations

import doctest
from datetime import date

import pytest

import assistant.timeparse as tp
from assistant.timeparse import comparison_period, default_period, resolve_period

AS_OF = date(2026, 11, 23)  # pace_meta.data_end of the demo warehouse: 'today', exclusive end of data


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("last week", "2026-11-16", "2026-11-23"),
        ("previous week", "2026-11-16", "2026-11-23"),
        ("this week", "2026-11-23", "2026-11-24"),
        ("past 7 days", "2026-11-16", "2026-11-23"),
        ("last 30 days", "2026-10-24", "2026-11-23"),
        ("past 2 weeks", "2026-11-09", "2026-11-23"),
        ("last 3 months", "2026-08-23", "2026-11-23"),
        ("past week", "2026-11-16", "2026-11-23"),
        ("in October", "2026-10-01", "2026-11-01"),
        ("October 2026", "2026-10-01", "2026-11-01"),
        ("in december", "2025-12-01", "2026-01-01"),
        ("Q3", "2026-07-01", "2026-10-01"),
        ("Q4 2025", "2025-10-01", "2026-01-01"),
        ("last quarter", "2026-07-01", "2026-10-01"),
        ("this quarter", "2026-10-01", "2026-11-24"),
        ("yesterday", "2026-11-22", "2026-11-23"),
        ("today", "2026-11-23", "2026-11-24"),
        ("since Monday", "2026-11-23", "2026-11-24"),
        ("since Wednesday", "2026-11-18", "2026-11-24"),
        ("MTD", "2026-11-01", "2026-11-24"),
        ("month to date", "2026-11-01", "2026-11-24"),
        ("YTD", "2026-01-01", "2026-11-24"),
        ("year-to-date", "2026-01-01", "2026-11-24"),
        ("last month", "2026-10-01", "2026-11-01"),
        ("this month", "2026-11-01", "2026-11-24"),
        ("last year", "2025-01-01", "2026-01-01"),
        ("between 2026-10-01 and 2026-10-15", "2026-10-01", "2026-10-16"),
        ("from 2026-10-15 to 2026-10-01", "2026-10-01", "2026-10-16"),
        ("from Oct 1 to Oct 15", "2026-10-01", "2026-10-16"),
        ("between 1 November and 3 November 2026", "2026-11-01", "2026-11-04"),
        ("on 2026-11-02", "2026-11-02", "2026-11-03"),
        ("on Nov 2", "2026-11-02", "2026-11-03"),
        ("since 2026-11-01", "2026-11-01", "2026-11-24"),
        ("in 2025", "2025-01-01", "2026-01-01"),
    ],
)
def test_expression_resolves_to_half_open_range(text: str, start: str, end: str) -> None:
    period = resolve_period(f"effective cost {text} by team", AS_OF)
    assert period is not None, text
    assert (period.start.date().isoformat(), period.end.date().isoformat()) == (start, end)
    assert period.end > period.start


def test_weeks_are_iso_and_labelled() -> None:
    p = resolve_period("last week", date(2026, 11, 19))  # a Thursday
    assert (p.start.date(), p.end.date()) == (date(2026, 11, 9), date(2026, 11, 16))
    assert p.start.weekday() == 0 and p.label == "last week"


@pytest.mark.parametrize("text", ["cost by team", "what may happen", "market share", "", "x" * 10_000, "top 5 teams"])
def test_no_period_named(text: str) -> None:
    assert resolve_period(text, AS_OF) is None


def test_default_period_is_last_7_complete_days() -> None:
    p = default_period(AS_OF)
    assert p.describe() == "2026-11-16 to 2026-11-22" and "no period given" in p.label


@pytest.mark.parametrize(
    ("text", "days"),
    [("week over week", 7), ("WoW", 7), ("vs last month", 30), ("month-over-month", 30),
     ("compared to the previous period", 0), ("cost by team", None)],
)
def test_comparison_phrases(text: str, days: int | None) -> None:
    assert comparison_period(text) == days


def test_doctests() -> None:
    assert doctest.testmod(tp).failed == 0
