"""Dashboards read rollups where they can and show the same numbers as the base tables.

The fleet overview is run twice per range on the demo warehouse: with the rollups the warehouse holds
and with none (as an older warehouse would); every tile must agree (floats to 1e-9 relative: sums are
added per day first). The idle-allocation tile narrows its hours before summing; it must find the same
runs as the plain query it replaced.
"""

from __future__ import annotations

import copy
import math
from datetime import datetime, timedelta
from typing import Any

import pytest

from dashboards.sql_sources import IDLE_RUN_HOURS, IDLE_SHARE, condition, idle_allocations_sql, idle_windows
from dashboards.tools import TOOLS
from telemetry.rollups import ROLLUPS
from tools._warehouse import bind

ROLLUP_NAMES = tuple(r.name for r in ROLLUPS)

# The tile's query before it narrowed the hours first: every allocation-hour of the period summed.
PLAIN_IDLE_ALLOCATIONS = """
WITH h AS (
  SELECT u.team, u.project, u.cluster, u.accelerator_type, u.hour, SUM(u.allocated_hours) AS alloc, SUM(u.busy_hours) AS busy
  FROM utilization_hourly u WHERE :cond GROUP BY 1, 2, 3, 4, 5),
idle AS (
  SELECT *, EPOCH(hour) / 3600 - ROW_NUMBER() OVER (PARTITION BY team, project, cluster, accelerator_type ORDER BY hour) AS run
  FROM h WHERE alloc >= 1 AND busy < :idle_share * alloc)
SELECT i.team, i.project, i.cluster, i.accelerator_type, MIN(i.hour) AS start, COUNT(*) AS hours,
  ROUND(SUM(i.alloc - i.busy), 1) AS idle_accelerator_hours,
  ROUND(SUM(i.alloc - i.busy) * MAX(a.committed_usd_per_hour), 0) AS idle_cost_usd
FROM idle i JOIN accelerator_types a ON a.accelerator_type = i.accelerator_type
GROUP BY i.team, i.project, i.cluster, i.accelerator_type, i.run HAVING COUNT(*) >= :run_hours
ORDER BY idle_cost_usd DESC LIMIT 25"""


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    return a == b


@pytest.mark.parametrize("params", [{"range": "24h"}, {"range": "30d", "accelerator_type": "H100"}, {"range": "all"}], ids=str)
def test_every_fleet_tile_is_the_same_with_and_without_rollups(dash_ctx: Any, params: dict[str, str]) -> None:
    assert {r.rollup.name for r in dash_ctx.catalog.rollups} == set(ROLLUP_NAMES)
    dash = dash_ctx.dashboards()["fleet"]
    state = dash_ctx.state(params, dash)
    fast = dash_ctx.run(dash, state)
    with_rollups = dash_ctx.catalog
    plain = copy.copy(with_rollups)
    plain.rollups = ()
    dash_ctx.catalog = plain
    try:
        slow = dash_ctx.run(dash, state)
    finally:
        dash_ctx.catalog = with_rollups
    used = 0
    for f, s in zip(fast, slow):
        assert f.error is None and s.error is None, (f.tile.id, f.error, s.error)
        assert not any(n in sql for sql in s.sql for n in ROLLUP_NAMES)
        used += any(n in sql for sql in f.sql for n in ROLLUP_NAMES)
        assert f.columns == s.columns, f.tile.id
        assert len(f.rows) == len(s.rows), f.tile.id
        for rf, rs in zip(f.rows, s.rows):
            assert all(_close(x, y) for x, y in zip(rf, rs)), (f.tile.id, rf, rs)
    assert used >= 8, "most fleet tiles read a rollup"


@pytest.mark.parametrize("params", [{"range": "all"}, {"range": "30d"}, {"range": "all", "team": "atlas"}], ids=str)
def test_idle_allocations_narrowed_first_finds_the_same_runs(dash_ctx: Any, params: dict[str, str]) -> None:
    state = dash_ctx.state(params, dash_ctx.dashboards()["fleet"])
    sql, _ = idle_allocations_sql(state)
    cond, _ = condition(state, {k: f"u.{k}" for k in ("cluster", "accelerator_type", "team", "workload_type")}, time_col="u.hour")
    plain = bind(PLAIN_IDLE_ALLOCATIONS, cond=cond, idle_share=IDLE_SHARE, run_hours=IDLE_RUN_HOURS)
    narrowed, slow = dash_ctx.engine.run_sql(sql).rows, dash_ctx.engine.run_sql(plain).rows
    tile = TOOLS["idle_allocations"](dash_ctx, state)  # hours narrowed, then days narrowed by the daily rollup
    assert any("utilization_daily" in q for q in tile.sql)
    assert sorted(map(tuple, narrowed)) == sorted(map(tuple, slow)) == sorted(map(tuple, tile.rows))
    if params == {"range": "all"}:
        assert slow, "the demo warehouse has idle runs to find"


def test_idle_windows_join_consecutive_days_and_cap_their_number() -> None:
    day = datetime(2026, 3, 1)
    d = [day + timedelta(days=i) for i in (0, 1, 2, 5, 9, 10)]
    assert idle_windows(d) == [(d[0], d[2] + timedelta(days=1)), (d[3], d[3] + timedelta(days=1)),
                               (d[4], d[5] + timedelta(days=1))]
    assert idle_windows(d, limit=2) == [(d[0], d[5] + timedelta(days=1))]  # too many spans: first to last
    assert idle_windows([]) == []


def test_idle_allocations_with_no_candidate_day_read_no_hour(dash_ctx: Any) -> None:
    state = dash_ctx.state({"range": "all"}, dash_ctx.dashboards()["fleet"])
    sql, _ = idle_allocations_sql(state, [])
    assert dash_ctx.engine.run_sql(sql).rows == []
