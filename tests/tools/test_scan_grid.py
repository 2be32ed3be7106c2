"""The scan's shared team-pool-hour grid changes how fast the scan runs, never what it finds: the
detectors on the grid find the same runs, with the same values, as their own SQL (which stays the
evidence), on two seeds and two windows, and in as many chunks as memory asks for."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.settings import Settings
from tools import scan_grid
from tools._warehouse import Warehouse
from tools.scan import scan

GRID_KINDS = ["utilization_collapse", "energy_outlier", "utilization_shift", "quota_breach"]


def _key(f):  # type: ignore[no-untyped-def]
    return (f.kind, f.entity, f.cluster, f.accelerator_type, f.start, f.end, f.shape, f.baseline, tuple(f.notes))


def _values(f):  # type: ignore[no-untyped-def]
    return (f.observed, f.expected, f.impact_usd, f.score or 0.0)


@pytest.mark.parametrize(("db", "window"), [("demo_db", (None, None)), ("seed11_db", ("2026-10-01", "2026-11-16"))])
def test_grid_finds_what_each_detectors_sql_finds(db: str, window: tuple[str | None, str | None],
                                                  request: pytest.FixtureRequest) -> None:
    settings = Settings(PACE_DB=request.getfixturevalue(db))
    fast = scan(settings, *window, kinds=GRID_KINDS, use_feedback=False).findings
    slow = scan(settings, *window, kinds=GRID_KINDS, use_feedback=False, shared_grid=False).findings
    assert fast and sorted(map(_key, fast)) == sorted(map(_key, slow))
    by_key = {_key(f): f for f in slow}
    for f in fast:
        assert _values(f) == pytest.approx(_values(by_key[_key(f)]), rel=1e-9)


def test_chunks_keep_the_findings_and_bound_memory(seed11_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(PACE_DB=seed11_db)
    whole = scan(settings, kinds=GRID_KINDS, use_feedback=False).findings
    monkeypatch.setattr(scan_grid, "CELL_BUDGET", 1)  # one accelerator type per chunk
    with Warehouse(settings) as wh:
        chunks = scan_grid.chunks(wh, None, None)
        types = wh.run("SELECT DISTINCT accelerator_type FROM utilization_hourly")["accelerator_type"]
    assert len(chunks) == len(types) and all(a == b for a, b in chunks)
    split = scan(settings, kinds=GRID_KINDS, use_feedback=False).findings
    assert sorted(map(_key, split)) == sorted(map(_key, whole))


def test_grid_columns_are_hours_of_week_from_monday(demo_db: Path) -> None:
    with Warehouse(Settings(PACE_DB=demo_db)) as wh:
        ph = next(scan_grid.pool_hours(wh, None, None))
        sums = wh.run("SELECT hour, sum(allocated_hours) AS a FROM utilization_hourly GROUP BY hour ORDER BY hour")
    cols = np.arange(ph.shape[1])
    stamps = pd.DatetimeIndex(ph.hour(cols))
    assert ((stamps.day_of_week * 24 + stamps.hour).to_numpy() == cols % scan_grid.WEEK).all()
    # every allocated accelerator-hour of the warehouse lands in the grid, in its own hour
    per_hour = pd.Series(np.nansum(ph.alloc_all, axis=0), index=stamps)
    got = per_hour.reindex(pd.DatetimeIndex(sums["hour"])).to_numpy()
    assert got == pytest.approx(sums["a"].to_numpy(), rel=1e-9)


def test_weekly_median_is_sqls_median() -> None:
    x = np.full((1, 2 * scan_grid.WEEK), np.nan)
    x[0, 5], x[0, 5 + scan_grid.WEEK] = 1.0, 4.0  # two weeks of one hour: the mean of the middle two
    x[0, 7] = 2.0  # one value
    med = scan_grid.weekly_median(x)
    assert med[0, 5] == 2.5 and med[0, 7] == 2.0 and np.isnan(med[0, 6])


def test_stream_detection_split_over_processes_finds_the_same(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools import detect_shape

    monkeypatch.setattr(detect_shape, "PARALLEL_MIN_STREAMS", 0)
    with Warehouse(Settings(PACE_DB=demo_db)) as wh:
        ph = next(scan_grid.pool_hours(wh, None, None))
        prices = wh.run(detect_shape.PRICE_SQL)
    one = detect_shape.run_grid(ph, None, None, prices, workers=1)
    two = detect_shape.run_grid(ph, None, None, prices, workers=2)
    assert not one.empty
    pd.testing.assert_frame_equal(one, two)


def test_a_window_without_utilization_finds_nothing(demo_db: Path) -> None:
    result = scan(Settings(PACE_DB=demo_db), "2020-01-01", "2020-02-01", kinds=GRID_KINDS, use_feedback=False)
    assert result.findings == []


def test_grid_peak_is_the_max_of_the_rows_peaks(demo_db: Path, tmp_path: Path) -> None:
    """Each stream-hour's peak is SQL's max of its rows' peak_util_pct as a fraction: NULL peaks skipped,
    NaN where none was measured; a warehouse without the column reads NaN throughout."""
    import duckdb

    path = tmp_path / "peaks.duckdb"
    shutil.copy(demo_db, path)
    with duckdb.connect(str(path)) as con:  # some rows unmeasured, some whole stream-hours unmeasured
        con.execute("UPDATE utilization_hourly SET peak_util_pct = NULL WHERE hash(project, hour) % 3 = 0")
        con.execute("UPDATE utilization_hourly SET peak_util_pct = NULL "
                    "WHERE team = 'lyra' AND hour::DATE = '2026-11-10'")
    with Warehouse(Settings(PACE_DB=path)) as wh:
        ph = next(scan_grid.pool_hours(wh, None, None))
        want = wh.run("SELECT accelerator_type, cluster, team, hour, max(peak_util_pct) / 100.0 AS p, count(*) AS n "
                      "FROM utilization_hourly GROUP BY ALL", row_limit=1_000_000)
    assert (want["n"] > 1).any() and want["p"].isna().any()
    row = ph.streams.reset_index().merge(want, on=["accelerator_type", "cluster", "team"])
    col = ((pd.DatetimeIndex(row["hour"]) - ph.hour(0)) // pd.Timedelta(hours=1)).to_numpy()
    got = ph.peak[row["index"].to_numpy(), col]
    np.testing.assert_array_equal(got, row["p"].to_numpy(float))
    assert ph.has_peak and np.isnan(ph.peak).sum() > row["p"].isna().sum()  # hours with no row are NaN too
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE utilization_hourly DROP COLUMN peak_util_pct")
    with Warehouse(Settings(PACE_DB=path)) as wh:
        old = next(scan_grid.pool_hours(wh, None, None))
    assert not old.has_peak and np.isnan(old.peak).all()
    np.testing.assert_array_equal(old.alloc_all, ph.alloc_all)
