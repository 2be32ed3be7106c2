"""Capacity forecast: intervals, a backtest with MAPE, and the week demand crosses capacity."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from core.errors import UserError
from core.settings import Settings
from tools.forecast import Forecast, fit_forecast, forecast_capacity, mape


@pytest.fixture(scope="module")
def outlook(demo_db: Path) -> Forecast:
    return forecast_capacity(Settings(PACE_DB=demo_db), weeks=8)


def test_forecast_has_intervals_and_a_small_backtest_error(outlook: Forecast) -> None:
    h100 = outlook.outlook("H100")
    assert h100 is not None and h100.capacity == 896 and len(h100.forecast) == 8
    assert all(f["lower"] <= f["demand"] <= f["upper"] for f in h100.forecast)
    assert outlook.backtest_mape is not None and outlook.backtest_mape < 0.15
    assert h100.runs_out_week is None  # ~500 busy of 896 installed
    text = outlook.summary_text("H100")
    assert "H100" in text and "MAPE" in text and "896" in text


def test_run_out_week_is_the_first_week_over_capacity(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "tight.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:  # shrink installed H100s to below today's peak use
        con.execute("UPDATE cluster_capacity SET accelerators = 100 WHERE accelerator_type = 'H100' AND cluster <> 'us-west-onprem'")
        con.execute("UPDATE cluster_capacity SET accelerators = 280 WHERE accelerator_type = 'H100' AND cluster = 'us-west-onprem'")
    h100 = forecast_capacity(Settings(PACE_DB=db), weeks=4).outlook("H100")
    assert h100 is not None and h100.capacity == 480
    assert h100.runs_out_week == h100.forecast[0]["week"] and h100.runs_out_week_upper == h100.forecast[0]["week"]


def test_team_demand_is_compared_with_quotas(outlook: Forecast) -> None:
    atlas = next(t for t in outlook.teams if t.team == "atlas" and t.accelerator_type == "H100")
    assert atlas.burst_limit == 335 and atlas.exceeds_burst_week is None


def test_fit_forecast_follows_a_trend_and_mape_is_exact() -> None:
    y = 100 + 5 * np.arange(12) + np.tile([1.0, -1.0], 6)
    mean, lo, hi, _ = fit_forecast(y, 3)
    assert mean[0] > y[-1] - 2 and (lo <= mean).all() and (mean <= hi).all()
    assert mape(np.array([100.0, 200.0]), np.array([110.0, 180.0])) == pytest.approx(0.10)


def test_weeks_out_of_range_is_a_user_error(settings: Settings) -> None:
    with pytest.raises(UserError, match="1 to 52"):
        forecast_capacity(settings, weeks=0)
