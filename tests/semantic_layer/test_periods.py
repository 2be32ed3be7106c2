"""Verified queries hold no dates: their relative periods resolve against the as-of date of each question."""

from __future__ import annotations

import doctest
from datetime import date, datetime

import pytest
from pydantic import ValidationError

import semantic_layer.periods
from semantic_layer.catalog import load_catalog
from semantic_layer.models import VerifiedQuery
from semantic_layer.periods import resolve_relative


def test_no_verified_query_stores_a_date() -> None:
    catalog = load_catalog()
    assert len(catalog.verified_queries) >= 40
    for vq in catalog.verified_queries:
        assert vq.query.time_range is None, vq.question


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [(date(2026, 11, 23), datetime(2026, 10, 1), datetime(2026, 11, 1)), (date(2026, 6, 1), datetime(2026, 5, 1), datetime(2026, 6, 1))],
)
def test_last_month_is_last_month_on_any_day(today: date, start: datetime, end: datetime) -> None:
    vq = next(v for v in load_catalog().verified_queries if v.question == "What did we spend last month?")
    query, label = vq.query_on(today)
    assert (query.time_range.start, query.time_range.end, label) == (start, end, "last month")


def test_a_stored_date_is_refused_with_what_to_write_instead() -> None:
    with pytest.raises(ValidationError, match="stores fixed dates; give a relative `period`"):
        VerifiedQuery(question="spend in October", query={"metrics": ["effective_cost_usd"],
                                                          "time_range": {"start": "2026-10-01", "end": "2026-11-01"}})
    with pytest.raises(ValidationError, match="not one of"):
        VerifiedQuery(question="spend", query={"metrics": ["effective_cost_usd"]}, period="2026-10")


def test_weeks_start_on_monday_and_rolling_windows_end_before_today() -> None:
    assert resolve_relative("last_week", date(2026, 6, 3))[:2] == (datetime(2026, 5, 25), datetime(2026, 6, 1))
    assert resolve_relative("last_7_days", date(2026, 6, 3))[:2] == (datetime(2026, 5, 27), datetime(2026, 6, 3))
    assert resolve_relative("this_month", date(2026, 6, 1))[:2] == (datetime(2026, 6, 1), datetime(2026, 6, 2))
    assert resolve_relative("last_quarter", date(2026, 2, 10))[:2] == (datetime(2025, 10, 1), datetime(2026, 1, 1))


def test_doctests() -> None:
    assert doctest.testmod(semantic_layer.periods).failed == 0
