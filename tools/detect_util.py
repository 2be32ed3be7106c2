"""Detectors on hourly utilization: idle allocations, utilization collapses and energy outliers.

- idle_allocation ("occupied but idle"): one allocation stream (team, project, workload, pool) whose
  SM activity is under `IDLE_SM` and under a tenth of its own typical (median) level while at least one
  accelerator is allocated, for `IDLE_MIN_HOURS` or more consecutive hours. Reported per team and pool.
- utilization_collapse: a team's busy share on a pool (cluster x accelerator type), over its streams
  that are not sitting idle, falls below half of its same-hour-of-week median with robust z < -3.5
  for `COLLAPSE_MIN_HOURS` hours or more; the teams' runs are gathered per pool, so a fault on part
  of a big pool is found even when the pool-wide share barely moves. Idle streams are left out so one
  idle team is not a pool fault.
- energy_outlier: the same on energy per allocated accelerator-hour, above 1.3x the team's
  same-hour-of-week median with robust z > 3.5 for `ENERGY_MIN_HOURS` hours or more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from tools import scan_grid
from tools._warehouse import bind
from tools.scan_grid import IDLE_RELATIVE, IDLE_SM, PoolHours
from tools.scan_sql import MAD_SCALE, PRICE_CTE, Z_THRESHOLD, bounds

IDLE_MIN_HOURS = 6
COLLAPSE_DROP = 0.5
COLLAPSE_MIN_HOURS = 3
ENERGY_RISE = 1.3
ENERGY_MIN_HOURS = 3

# Streams that ever dropped under IDLE_SM in the rows read, with their median SM activity (few streams;
# the rest cannot be idle). Filters bind NULL when absent.
_TYPICAL = """stream_typical AS (
    SELECT team, project, workload_type, cluster, accelerator_type, median(sm_active) AS sm_typical
    FROM utilization_hourly
    WHERE hour >= :since AND hour < :end AND (:team IS NULL OR team = :team)
      AND (:cluster IS NULL OR cluster = :cluster) AND (:accelerator_type IS NULL OR accelerator_type = :accelerator_type)
      AND (team, project, workload_type, cluster, accelerator_type) IN (
        SELECT (team, project, workload_type, cluster, accelerator_type) FROM utilization_hourly
        WHERE sm_active < :idle_sm AND hour >= :since AND hour < :end AND (:team IS NULL OR team = :team)
          AND (:cluster IS NULL OR cluster = :cluster)
          AND (:accelerator_type IS NULL OR accelerator_type = :accelerator_type))
    GROUP BY team, project, workload_type, cluster, accelerator_type
)"""

_IDLE_SQL = "WITH " + _TYPICAL + """,
flagged AS (
    SELECT u.team, u.project, u.workload_type, u.cluster, u.accelerator_type, u.hour, u.idle_hours, u.sm_active,
           s.sm_typical
    FROM utilization_hourly u JOIN stream_typical s USING (team, project, workload_type, cluster, accelerator_type)
    WHERE coalesce(u.sm_active < :idle_sm AND u.sm_active < :idle_relative * s.sm_typical AND u.allocated_hours >= 1, FALSE)
      AND u.hour >= :start AND u.hour < :end
), lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY team, project, workload_type, cluster, accelerator_type ORDER BY hour) AS prev_hour
    FROM flagged
), isl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > INTERVAL 1 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY team, project, workload_type, cluster, accelerator_type ORDER BY hour) AS run_id
    FROM lagged
), runs AS (
    SELECT team, cluster, accelerator_type, min(hour) AS window_start, max(hour) + INTERVAL 1 HOUR AS window_end,
           count(*) AS hours, avg(sm_active) AS observed, any_value(sm_typical) AS expected, sum(idle_hours) AS idle_hours
    FROM isl GROUP BY team, project, workload_type, cluster, accelerator_type, run_id HAVING count(*) >= :min_hours
), """ + PRICE_CTE + """
SELECT r.team AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.hours,
       round(r.observed, 4) AS observed, round(r.expected, 4) AS expected,
       round(r.idle_hours, 1) AS idle_accelerator_hours, round(r.idle_hours * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN price p USING (cluster, accelerator_type)
ORDER BY r.window_start, entity"""


def idle_allocation_sql(start: datetime | None, end: datetime | None, team: str | None = None,
                        cluster: str | None = None, accelerator_type: str | None = None) -> str:
    """Runs of idle hours per stream, one row per run, priced at the pool's catalog rate."""
    return bind(_IDLE_SQL, **bounds(start, end), team=team, cluster=cluster, accelerator_type=accelerator_type,
                idle_sm=IDLE_SM, idle_relative=IDLE_RELATIVE, min_hours=IDLE_MIN_HOURS)


# Per team, pool and hour (idle stream-hours left out), `x` = the measured ratio; then each team-pool's
# median and scaled MAD per hour of week; hours meeting `:flag` for `:min_hours`+ in a row, gathered into
# runs per pool (a fault on some nodes of a pool hits the teams on them at once; each team's own
# baseline finds it). `:value` and `:flag` are the detector's expressions (constant text parsed by sqlglot).
_POOL_RUNS = "WITH " + _TYPICAL + """,
tp AS (
    SELECT u.team, u.cluster, u.accelerator_type, u.hour,
           (extract(isodow FROM u.hour) - 1) * 24 + extract(hour FROM u.hour) AS how,
           sum(u.allocated_hours) AS alloc, sum(u.busy_hours) AS busy, sum(u.energy_kwh) AS energy, :value AS x
    FROM utilization_hourly u LEFT JOIN stream_typical s USING (team, project, workload_type, cluster, accelerator_type)
    WHERE NOT coalesce(u.sm_active < :idle_sm AND u.sm_active < :idle_relative * s.sm_typical AND u.allocated_hours >= 1, FALSE)
      AND u.hour >= :since AND u.hour < :end AND (:cluster IS NULL OR u.cluster = :cluster)
      AND (:accelerator_type IS NULL OR u.accelerator_type = :accelerator_type)
    GROUP BY u.team, u.cluster, u.accelerator_type, u.hour HAVING sum(u.allocated_hours) >= 1
), base_med AS (
    SELECT team, cluster, accelerator_type, how, median(x) AS med FROM tp GROUP BY team, cluster, accelerator_type, how
), base AS (
    SELECT m.team, m.cluster, m.accelerator_type, m.how, any_value(m.med) AS med, :mad_scale * median(abs(x.x - m.med)) AS mad
    FROM base_med m JOIN tp x ON m.team = x.team AND m.cluster = x.cluster AND m.accelerator_type = x.accelerator_type
     AND m.how = x.how
    GROUP BY m.team, m.cluster, m.accelerator_type, m.how
), flagged AS (
    SELECT t.*, b.med FROM tp t JOIN base b USING (team, cluster, accelerator_type, how)
    WHERE :flag AND t.hour >= :start AND t.hour < :end
), lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY team, cluster, accelerator_type ORDER BY hour) AS prev_hour FROM flagged
), isl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > INTERVAL 1 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY team, cluster, accelerator_type ORDER BY hour) AS run_id
    FROM lagged
), team_runs AS (
    SELECT team, cluster, accelerator_type, run_id FROM isl
    GROUP BY team, cluster, accelerator_type, run_id HAVING count(*) >= :min_hours
), pool_flagged AS (
    SELECT i.cluster, i.accelerator_type, i.hour, sum(i.alloc) AS alloc, sum(i.busy) AS busy, sum(i.energy) AS energy,
           sum(i.med * i.alloc) AS expected_total, count(*) AS teams
    FROM isl i JOIN team_runs r USING (team, cluster, accelerator_type, run_id)
    GROUP BY i.cluster, i.accelerator_type, i.hour
), pool_lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY cluster, accelerator_type ORDER BY hour) AS prev_hour FROM pool_flagged
), pisl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > INTERVAL 1 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY cluster, accelerator_type ORDER BY hour) AS run_id
    FROM pool_lagged
)"""

_COLLAPSE_SQL = _POOL_RUNS + """,
runs AS (
    SELECT cluster, accelerator_type, min(hour) AS window_start, max(hour) + INTERVAL 1 HOUR AS window_end,
           count(*) AS hours, max(teams) AS teams, sum(busy) / sum(alloc) AS observed,
           sum(expected_total) / sum(alloc) AS expected, sum(expected_total - busy) AS lost_busy_hours
    FROM pisl GROUP BY cluster, accelerator_type, run_id
), """ + PRICE_CTE + """
SELECT r.cluster AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.hours, r.teams,
       round(r.observed, 4) AS observed, round(r.expected, 4) AS expected,
       round(r.lost_busy_hours, 1) AS lost_busy_hours, round(r.lost_busy_hours * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN price p USING (cluster, accelerator_type)
ORDER BY r.window_start, entity"""

_ENERGY_SQL = _POOL_RUNS + """,
runs AS (
    SELECT cluster, accelerator_type, min(hour) AS window_start, max(hour) + INTERVAL 1 HOUR AS window_end,
           count(*) AS hours, max(teams) AS teams, sum(energy) / sum(alloc) AS observed,
           sum(expected_total) / sum(alloc) AS expected, sum(energy - expected_total) AS extra_kwh
    FROM pisl GROUP BY cluster, accelerator_type, run_id
)
SELECT r.cluster AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.hours, r.teams,
       round(r.observed, 4) AS observed, round(r.expected, 4) AS expected, round(r.extra_kwh, 1) AS extra_kwh,
       round(r.extra_kwh * c.usd_per_kwh, 2) AS impact_usd
FROM runs r JOIN clusters c USING (cluster)
ORDER BY r.window_start, entity"""


def _condition(template: str, **values: float) -> exp.Expression:
    """A constant condition with its thresholds bound, as one sqlglot expression for a template slot."""
    return sqlglot.parse_one(bind(template, **values), read="duckdb")


def _pool_sql(template: str, start: datetime | None, end: datetime | None, cluster: str | None,
              accelerator_type: str | None, value: str, flag: exp.Expression, min_hours: int) -> str:
    return bind(template, **bounds(start, end), team=None, cluster=cluster, accelerator_type=accelerator_type,
                idle_sm=IDLE_SM, idle_relative=IDLE_RELATIVE, value=sqlglot.parse_one(value, read="duckdb"),
                flag=flag, min_hours=min_hours)


def utilization_collapse_sql(start: datetime | None, end: datetime | None, cluster: str | None = None,
                             accelerator_type: str | None = None) -> str:
    """Runs of pool-hours in which teams' busy shares collapsed against their same hour of week."""
    flag = _condition("t.x < :drop_ratio * b.med AND b.med - t.x > :z * greatest(b.mad, 0.01)", drop_ratio=COLLAPSE_DROP, z=Z_THRESHOLD)
    return _pool_sql(_COLLAPSE_SQL, start, end, cluster, accelerator_type, "sum(u.busy_hours) / sum(u.allocated_hours)",
                     flag, COLLAPSE_MIN_HOURS)


def energy_outlier_sql(start: datetime | None, end: datetime | None, cluster: str | None = None,
                       accelerator_type: str | None = None) -> str:
    """Runs of pool-hours in which teams drew far more energy per accelerator-hour than their usual."""
    flag = _condition("t.x > :rise * b.med AND t.x - b.med > :z * greatest(b.mad, 0.01 * b.med)", rise=ENERGY_RISE,
                      z=Z_THRESHOLD)
    return _pool_sql(_ENERGY_SQL, start, end, cluster, accelerator_type, "sum(u.energy_kwh) / sum(u.allocated_hours)",
                     flag, ENERGY_MIN_HOURS)


# The same two detectors on the scan's shared team-pool-hour grid (`scan_grid`), in numpy: the SQL above
# stays the definition and each finding's evidence; tests/tools/test_scan_grid.py checks both find the
# same runs with the same values.

BLOCK_CELLS = 2_000_000  # stream-hours per block: a detector's temporaries stay small beside the grid


def _pool_runs_grid(ph: PoolHours, value: Callable[[slice], np.ndarray],
                    flagged_fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
                    start: datetime | None, end: datetime | None, min_hours: int) -> pd.DataFrame:
    """`_pool_runs` on the grid: one row per pool-hour of the team runs, with the pool run it belongs to.
    `value(rows)` gives the measured ratio of a block of streams; blocks keep temporaries bounded."""
    streams, width = ph.shape
    inside = np.zeros(width, dtype=bool)
    inside[ph.column(start, 0):ph.column(end, width)] = True
    step = max(BLOCK_CELLS // max(width, 1), 1)
    found = []
    for lo in range(0, streams, step):  # blocks of streams (a few), each vectorized
        block = slice(lo, min(lo + step, streams))
        x = value(block)
        med = scan_grid.weekly_median(x)
        med_c = scan_grid.by_column(med, width)
        mad_c = scan_grid.by_column(MAD_SCALE * scan_grid.weekly_median(np.abs(x - med_c)), width)
        with np.errstate(invalid="ignore"):
            flag = flagged_fn(x, med_c, mad_c) & inside
        r, f, e = scan_grid.runs(flag, min_hours)
        found.append((r + lo, f, e, med[r]))
    rows = np.concatenate([b[0] for b in found])
    first = np.concatenate([b[1] for b in found])
    last = np.concatenate([b[2] for b in found])
    run_med = np.concatenate([b[3] for b in found]) if rows.size else np.empty((0, scan_grid.WEEK))
    if not len(rows):
        return pd.DataFrame()
    lengths = last - first
    s = np.repeat(rows, lengths)
    c = np.repeat(first, lengths) + (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    cells = pd.DataFrame({
        "cluster": ph.streams["cluster"].to_numpy()[s], "accelerator_type": ph.streams["accelerator_type"].to_numpy()[s],
        "col": c, "alloc": ph.alloc[s, c], "busy": ph.busy[s, c], "energy": ph.energy[s, c],
        "expected_total": np.repeat(run_med, lengths, axis=0)[np.arange(len(s)), c % scan_grid.WEEK] * ph.alloc[s, c],
    })
    pool = cells.groupby(["cluster", "accelerator_type", "col"], sort=True).agg(
        alloc=("alloc", "sum"), busy=("busy", "sum"), energy=("energy", "sum"),
        expected_total=("expected_total", "sum"), teams=("alloc", "size")).reset_index()
    new = (pool["cluster"].ne(pool["cluster"].shift()) | pool["accelerator_type"].ne(pool["accelerator_type"].shift())
           | pool["col"].diff().ne(1))
    return pool.assign(run_id=new.cumsum(), hour=ph.hour(pool["col"].to_numpy()))


def _ratio(part: np.ndarray, alloc: np.ndarray) -> np.ndarray:
    """part / allocated accelerator-hours where at least one was allocated (tp's HAVING), else NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(alloc >= 1, part / alloc, np.nan)


def _runs_frame(pool: pd.DataFrame, observed: str) -> pd.DataFrame:
    """Pool runs: window, pool-hours, most teams at once, observed and expected ratios over the run."""
    g = pool.groupby("run_id", sort=False)
    out = g.agg(cluster=("cluster", "first"), accelerator_type=("accelerator_type", "first"),
                window_start=("hour", "min"), last=("hour", "max"), hours=("hour", "size"), teams=("teams", "max"),
                alloc=("alloc", "sum"), busy=("busy", "sum"), energy=("energy", "sum"),
                expected_total=("expected_total", "sum")).reset_index(drop=True)
    out["window_end"] = out.pop("last") + pd.Timedelta(hours=1)
    out["observed"] = out[observed] / out["alloc"]
    out["expected"] = out["expected_total"] / out["alloc"]
    return out


def _sql_round(x: pd.Series | np.ndarray, digits: int) -> np.ndarray:
    """DuckDB's round(): half away from zero (numpy's round is half to even)."""
    m = 10.0 ** digits
    v = np.asarray(x, dtype=float) * m
    return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5)) / m


_RESULT = ["entity", "cluster", "accelerator_type", "window_start", "window_end", "hours", "teams", "observed", "expected"]


def utilization_collapse_grid(ph: PoolHours, start: datetime | None, end: datetime | None, prices: pd.DataFrame) -> pd.DataFrame:
    """`utilization_collapse_sql` on the grid; `prices` has cluster, accelerator_type, usd_per_hour."""
    pool = _pool_runs_grid(ph, lambda b: _ratio(ph.busy[b], ph.alloc[b]), lambda v, med, mad: (v < COLLAPSE_DROP * med)
                           & (med - v > Z_THRESHOLD * np.fmax(mad, 0.01)), start, end, COLLAPSE_MIN_HOURS)
    if pool.empty:
        return pd.DataFrame(columns=[*_RESULT, "lost_busy_hours", "impact_usd"])
    r = _runs_frame(pool, "busy").merge(prices, on=["cluster", "accelerator_type"])
    lost = r["expected_total"] - r["busy"]
    return r.assign(entity=r["cluster"], observed=_sql_round(r["observed"], 4), expected=_sql_round(r["expected"], 4),
                    lost_busy_hours=_sql_round(lost, 1), impact_usd=_sql_round(lost * r["usd_per_hour"], 2),
                    )[[*_RESULT, "lost_busy_hours", "impact_usd"]]


def energy_outlier_grid(ph: PoolHours, start: datetime | None, end: datetime | None, kwh_prices: pd.DataFrame) -> pd.DataFrame:
    """`energy_outlier_sql` on the grid; `kwh_prices` has cluster, usd_per_kwh."""
    pool = _pool_runs_grid(ph, lambda b: _ratio(ph.energy[b], ph.alloc[b]), lambda v, med, mad: (v > ENERGY_RISE * med)
                           & (v - med > Z_THRESHOLD * np.fmax(mad, 0.01 * med)), start, end, ENERGY_MIN_HOURS)
    if pool.empty:
        return pd.DataFrame(columns=[*_RESULT, "extra_kwh", "impact_usd"])
    r = _runs_frame(pool, "energy").merge(kwh_prices, on="cluster")
    extra = r["energy"] - r["expected_total"]
    return r.assign(entity=r["cluster"], observed=_sql_round(r["observed"], 4), expected=_sql_round(r["expected"], 4),
                    extra_kwh=_sql_round(extra, 1), impact_usd=_sql_round(extra * r["usd_per_kwh"], 2),
                    )[[*_RESULT, "extra_kwh", "impact_usd"]]
