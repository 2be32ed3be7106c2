"""Filter state from the URL: presets end at the data's end, custom dates win, grain follows the span."""

from __future__ import annotations

from datetime import datetime

import pytest

from dashboards.state import from_params
from dashboards.svg import nice_ticks
from core.errors import UserError

START, END = datetime(2026, 8, 25), datetime(2026, 11, 23)


def _state(**params: str):  # noqa: ANN202
    return from_params(params, data_start=START, data_end=END)


@pytest.mark.parametrize(("preset", "days", "grain"), [("24h", 1, "hour"), ("3d", 3, "hour"), ("7d", 7, "day"),
                                                       ("30d", 30, "day"), ("90d", 90, "day"), ("all", 90, "day")])
def test_presets_end_at_the_data_end(preset: str, days: int, grain: str) -> None:
    s = _state(range=preset)
    assert s.end == END and s.days == days and s.grain() == grain


def test_weekly_beyond_three_months() -> None:
    s = from_params({"range": "all"}, data_start=datetime(2024, 1, 1), data_end=END)
    assert s.grain() == "week"


def test_custom_dates_win_and_round_trip_through_the_url() -> None:
    s = _state(range="7d", **{"from": "2026-11-01", "to": "2026-11-04"}, team="atlas", colour="red")
    assert (s.start, s.end, s.preset, s.values) == (datetime(2026, 11, 1), datetime(2026, 11, 4), None, {"team": "atlas"})
    assert s.grain() == "hour"
    assert s.query_string() == "from=2026-11-01&to=2026-11-04&team=atlas"
    assert s.query_string(range="30d", team=None) == "range=30d"
    assert _state(**s.params()) == s


def test_bad_params_say_what_to_write() -> None:
    with pytest.raises(UserError, match="unknown range `2w`"):
        _state(range="2w")
    with pytest.raises(UserError, match="give both `from` and `to`"):
        _state(**{"from": "2026-11-01"})
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        _state(**{"from": "yesterday", "to": "2026-11-04"})
    with pytest.raises(UserError, match="must be after"):
        _state(**{"from": "2026-11-04", "to": "2026-11-01"})


def test_nice_ticks_cover_the_range() -> None:
    assert nice_ticks(0, 81) == [0, 25, 50, 75, 100]
    ticks = nice_ticks(0, 565_724)
    assert ticks[0] == 0 and ticks[-1] >= 565_724 and len(ticks) <= 7
