"""The scan's shared intermediate: one pass over `utilization_hourly` per scan run, to team-pool-hours.

The detectors that read hourly utilization per team and pool (utilization_collapse, energy_outlier,
utilization_shift) used to group the same 20M rows each, by three text keys. Here one validated query
per chunk groups them once, with each stream (team x cluster x accelerator type) encoded as a small
integer and each hour as an integer, and the result is laid out as dense (streams x hours) arrays that
the detectors read with numpy. The grid starts on a Monday 00:00, so the hour of week is the column
modulo 168 and a same-hour-of-week median is a sort of short rows, exact. Beside the sums it carries
each stream-hour's peak utilization (the max of its rows' `peak_util_pct`), which the stream-shape
detector tests upward events on.

Memory is bounded: streams are split into chunks by accelerator type (pools and quotas never cross
one) so that no chunk holds more than `CELL_BUDGET` stream-hours; a scan over all history on a
multi-year fleet runs chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlglot import exp

from tools._warehouse import Warehouse, bind

IDLE_SM = 0.1  # an hour under this SM activity and a tenth of its stream's typical level is idle (detect_util)
IDLE_RELATIVE = 0.1
CELL_BUDGET = 12_000_000  # stream-hours per chunk when no memory budget is given
BYTES_PER_CELL = 110  # peak bytes per stream-hour: 6 float64 grids, and a detector's temporaries beside them
WEEK = 168
MIN_TS = datetime(1900, 1, 1)
MAX_TS = datetime(2999, 1, 1)
ROW_LIMIT = 200_000_000  # every team-pool-hour of a chunk; the validator's default cap is for answers

_STREAMS = """
SELECT accelerator_type, cluster, team FROM utilization_hourly
WHERE hour >= :since AND hour < :until AND accelerator_type BETWEEN :first_type AND :last_type
GROUP BY accelerator_type, cluster, team
ORDER BY accelerator_type, cluster, team
"""

# One row per utilization row (no GROUP BY: a team-pool-hour is nearly always one row, and grouping
# 20M rows into 20M groups is the slowest step DuckDB could take; numpy sums them into the grid).
# `idle` marks stream-hours sitting idle (detect_util's idle rule: under IDLE_SM SM activity and a
# tenth of the stream's median, while allocated); only rows under IDLE_SM can be idle, so only they
# meet the per-stream medians. The team-pool detectors leave idle rows out, so one idle team is not a
# pool fault; the stream-shape detector keeps them. `peak` is the row's peak utilization as a fraction.
_ROWS = """
WITH streams AS (
  SELECT accelerator_type, cluster, team,
         CAST(row_number() OVER (ORDER BY accelerator_type, cluster, team) AS INTEGER) - 1 AS sid
  FROM (SELECT accelerator_type, cluster, team FROM utilization_hourly
        WHERE hour >= :since AND hour < :until AND accelerator_type BETWEEN :first_type AND :last_type
        GROUP BY accelerator_type, cluster, team) AS k
), low AS (
  SELECT * FROM utilization_hourly
  WHERE sm_active < :idle_sm AND hour >= :since AND hour < :until
    AND accelerator_type BETWEEN :first_type AND :last_type
), typical AS (
  SELECT u.team, u.project, u.workload_type, u.cluster, u.accelerator_type, median(u.sm_active) AS sm_typical
  FROM utilization_hourly AS u
  WHERE u.hour >= :since AND u.hour < :until AND u.accelerator_type BETWEEN :first_type AND :last_type
    AND (u.team, u.project, u.workload_type, u.cluster, u.accelerator_type) IN (
      SELECT (team, project, workload_type, cluster, accelerator_type) FROM low)
  GROUP BY u.team, u.project, u.workload_type, u.cluster, u.accelerator_type
), marked AS (
  SELECT team, cluster, accelerator_type, hour, allocated_hours, busy_hours, energy_kwh, :peak AS peak,
         FALSE AS idle
  FROM utilization_hourly
  WHERE hour >= :since AND hour < :until AND accelerator_type BETWEEN :first_type AND :last_type
    AND (sm_active >= :idle_sm OR sm_active IS NULL)
  UNION ALL
  SELECT l.team, l.cluster, l.accelerator_type, l.hour, l.allocated_hours, l.busy_hours, l.energy_kwh,
         :low_peak AS peak, COALESCE(l.sm_active < :idle_relative * t.sm_typical AND l.allocated_hours >= 1, FALSE) AS idle
  FROM low AS l
  LEFT JOIN typical AS t
    ON t.team = l.team AND t.project = l.project AND t.workload_type = l.workload_type
   AND t.cluster = l.cluster AND t.accelerator_type = l.accelerator_type
)
SELECT s.sid, date_diff('hour', :epoch, m.hour) AS h, m.allocated_hours, m.busy_hours, m.energy_kwh, m.peak, m.idle
FROM marked AS m
JOIN streams AS s ON s.team = m.team AND s.cluster = m.cluster AND s.accelerator_type = m.accelerator_type
"""


def _peak(table: str | None, measured: bool) -> exp.Expression:
    """The hour's peak as a fraction (peak_util_pct is a percentage); a warehouse written before the
    column existed reads NULL (not measured), as its migrated rows would."""
    if not measured:
        return exp.cast(exp.Null(), exp.DataType.build("DOUBLE"))
    return exp.Div(this=exp.column("peak_util_pct", table=table), expression=exp.Literal.number("100.0"))


def has_peak(wh: Warehouse) -> bool:
    """Whether `utilization_hourly` has `peak_util_pct` (warehouses built before it do not, until a
    writer migrates them)."""
    return "peak_util_pct" in wh.run("SELECT * FROM utilization_hourly LIMIT 0").columns


EPOCH = datetime(1970, 1, 1)  # a Thursday: hour h since it has hour of week ((h // 24 + 3) % 7) * 24 + h % 24
_MONDAY_OFFSET = 3 * 24  # 1970-01-01 is a Thursday, 72 hours after a Monday 00:00


@dataclass
class PoolHours:
    """One chunk of team-pool-hours as dense arrays, row = stream, column = hour since `t0` (NaN: no row)."""

    streams: pd.DataFrame  # accelerator_type, cluster, team; row i is stream i
    t0: int  # hours since EPOCH of column 0, a Monday 00:00
    alloc_all: np.ndarray  # allocated accelerator-hours, every row
    busy_all: np.ndarray  # busy accelerator-hours, every row
    alloc: np.ndarray  # the same without idle stream-hours
    busy: np.ndarray
    energy: np.ndarray  # kWh without idle stream-hours
    peak: np.ndarray  # the hour's peak utilization as a fraction, max over the stream's rows (NaN: none measured)
    has_peak: bool = True  # False: the warehouse has no peak column (every peak NaN)

    @property
    def shape(self) -> tuple[int, int]:
        return self.alloc_all.shape

    def column(self, when: datetime | None, default: int) -> int:
        """Column index of an hour (clipped to the grid), `default` when unbounded."""
        if when is None:
            return default
        return int(np.clip(_hours(when) - self.t0, 0, self.shape[1]))

    def hour(self, column: np.ndarray | int) -> pd.DatetimeIndex | pd.Timestamp:
        """Timestamps of column indices."""
        base = np.datetime64(EPOCH, "h") + np.int64(self.t0)
        return pd.to_datetime(base + np.asarray(column, dtype=np.int64).astype("timedelta64[h]"))


def _hours(when: datetime) -> int:
    return int((when - EPOCH) // timedelta(hours=1))


def cell_budget(memory_bytes: int) -> int:
    """Stream-hours per chunk that fit in `memory_bytes` of Python memory."""
    return max(memory_bytes // BYTES_PER_CELL, 100_000)


def chunks(wh: Warehouse, since: datetime | None, until: datetime | None,
           budget: int | None = None) -> list[tuple[str, str]]:
    """Ranges of accelerator types (first, last, in sort order) whose streams x hours stay within
    `budget` cells (`CELL_BUDGET` by default; one type over budget is a chunk of its own)."""
    budget = CELL_BUDGET if budget is None else budget
    streams = wh.run(bind(_STREAMS, since=since or MIN_TS, until=until or MAX_TS, first_type="", last_type=_LAST),
                     row_limit=10_000_000)
    if streams.empty:
        return []
    span = _span_hours(wh, since, until)
    out: list[list[str]] = []
    cells = 0
    for acc, n in streams.groupby("accelerator_type", sort=True).size().items():
        if out and cells + n * span <= budget:
            out[-1][1] = str(acc)
            cells += n * span
        else:
            out.append([str(acc), str(acc)])
            cells = n * span
    return [(a, b) for a, b in out]


_LAST = "\U0010ffff"  # sorts after every accelerator type


def _span_hours(wh: Warehouse, since: datetime | None, until: datetime | None) -> int:
    if since is None or until is None:
        first_last = wh.run(bind("SELECT MIN(hour) AS a, MAX(hour) AS b FROM utilization_hourly "
                                 "WHERE hour >= :since AND hour < :until", since=since or MIN_TS, until=until or MAX_TS))
        a, b = first_last["a"][0], first_last["b"][0]
        since = since or pd.Timestamp(a).to_pydatetime()
        until = until or pd.Timestamp(b).to_pydatetime() + timedelta(hours=1)
    return max(int((until - since) // timedelta(hours=1)) + WEEK, 1)


_SPAN = """
SELECT MIN(hour) AS first_hour, MAX(hour) AS last_hour FROM utilization_hourly
WHERE hour >= :since AND hour < :until AND accelerator_type BETWEEN :first_type AND :last_type
"""
_COLUMNS = {"alloc_all": ("allocated_hours", False), "busy_all": ("busy_hours", False),
            "alloc": ("allocated_hours", True), "busy": ("busy_hours", True), "energy": ("energy_kwh", True)}


def _add(grids: dict[str, np.ndarray], last: np.ndarray, cell: np.ndarray, batch: dict[str, np.ndarray]) -> None:
    """Add one batch of rows into the grids with SQL SUM's meaning (NULLs skipped; NaN where a cell has
    no value yet). Nearly every cell has one row: each cell's last row in the batch is merged with one
    gather and one scatter, and only the few other rows of a repeated cell are added one by one.
    `last` (grid-sized, reused) marks which row of the batch wrote each cell; no sort, no reset."""
    rows = np.arange(len(cell))
    last[cell] = rows
    winner = last[cell] == rows
    cells, others = cell[winner], cell[~winner]
    idle = np.asarray(batch["idle"], dtype=bool)
    for name, (column, working_only) in _COLUMNS.items():
        values = np.asarray(batch[column], dtype=np.float64)
        if working_only:
            values = np.where(idle, np.nan, values)
        grid = grids[name]
        new, old = values[winner], grid[cells]
        grid[cells] = np.where(np.isnan(new), old, np.where(np.isnan(old), 0.0, old) + new)
        extra = values[~winner]
        known = ~np.isnan(extra)
        if known.any():
            c = others[known]
            grid[c] = np.nan_to_num(grid[c])  # NULL + value = value, as SUM skips NULLs
            np.add.at(grid, c, extra[known])
    # the peak of a stream-hour is the max of its rows' peaks (SQL's max: NULLs skipped), idle rows included
    values = np.asarray(batch["peak"], dtype=np.float64)
    grid = grids["peak"]
    grid[cells] = np.fmax(grid[cells], values[winner])
    extra = values[~winner]
    known = ~np.isnan(extra)
    if known.any():
        np.fmax.at(grid, others[known], extra[known])


def load(wh: Warehouse, since: datetime | None, until: datetime | None, types: tuple[str, str]) -> PoolHours:
    """One chunk's team-pool-hours in [since, until) (all data when unbounded) as dense arrays, filled
    batch by batch as the rows stream in (the rows are never held whole)."""
    bounds = {"since": since or MIN_TS, "until": until or MAX_TS, "first_type": types[0], "last_type": types[1]}
    streams = wh.run(bind(_STREAMS, **bounds), row_limit=10_000_000)
    span = wh.run(bind(_SPAN, **bounds))
    first_hour, last_hour = span["first_hour"][0], span["last_hour"][0]
    if len(streams) == 0 or pd.isna(first_hour):
        first = _hours(bounds["since"]) if since else 0
        t0, width = first - (first + _MONDAY_OFFSET) % WEEK, WEEK
    else:
        first, last = _hours(pd.Timestamp(first_hour).to_pydatetime()), _hours(pd.Timestamp(last_hour).to_pydatetime())
        t0 = first - (first + _MONDAY_OFFSET) % WEEK
        width = -(-(last + 1 - t0) // WEEK) * WEEK
    grids = {name: np.full(len(streams) * width, np.nan) for name in (*_COLUMNS, "peak")}
    last = np.empty(len(streams) * width, dtype=np.int64)

    def fill(batches: Iterator[dict[str, np.ndarray]]) -> None:
        for batch in batches:
            cell = batch["sid"].astype(np.int64) * width + (batch["h"].astype(np.int64) - t0)
            _add(grids, last, cell, batch)

    peak = has_peak(wh)
    wh.stream(bind(_ROWS, **bounds, peak=_peak(None, peak), low_peak=_peak("l", peak), idle_sm=IDLE_SM,
                   idle_relative=IDLE_RELATIVE, epoch=EPOCH), ROW_LIMIT, fill)
    shape = (len(streams), width)
    return PoolHours(streams=streams.reset_index(drop=True), t0=t0, has_peak=peak,
                     **{k: v.reshape(shape) for k, v in grids.items()})


def pool_hours(wh: Warehouse, since: datetime | None, until: datetime | None,
               budget: int | None = None) -> Iterator[PoolHours]:
    """Every chunk of the fleet's team-pool-hours in [since, until), one at a time."""
    for types in chunks(wh, since, until, budget):
        yield load(wh, since, until, types)


def hour_of_week(ph: PoolHours) -> np.ndarray:
    """Hour of week (0 = Monday 00:00) of each column."""
    return np.arange(ph.shape[1]) % WEEK


def weekly_median(x: np.ndarray) -> np.ndarray:
    """Exact median of each stream's values at each hour of week, NaN ignored: (streams, 168).

    The grid starts on a Monday, so a stream's row reshaped to (weeks, 168) holds one hour of week per
    column; the medians are one sort of short rows (as many values as weeks), SQL's `median` (the mean
    of the two middle values for an even count)."""
    streams, width = x.shape
    rows = x.reshape(streams, width // WEEK, WEEK).transpose(0, 2, 1).reshape(streams * WEEK, width // WEEK)
    srt = np.sort(rows, axis=1)  # NaN sorts last
    counts = np.sum(~np.isnan(rows), axis=1)
    lo = np.clip((counts - 1) // 2, 0, rows.shape[1] - 1)[:, None]
    hi = np.clip(counts // 2, 0, rows.shape[1] - 1)[:, None]
    med = 0.5 * (np.take_along_axis(srt, lo, axis=1) + np.take_along_axis(srt, hi, axis=1))[:, 0]
    return np.where(counts > 0, med, np.nan).reshape(streams, WEEK)


def by_column(per_how: np.ndarray, width: int) -> np.ndarray:
    """(streams, 168) values spread over a (streams, width) grid: column c takes hour of week c % 168."""
    return np.tile(per_how, (1, width // WEEK))


def runs(flag: np.ndarray, min_length: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of consecutive True along each row of a (streams, hours) array that last `min_length` or
    more: (row, first column, end column exclusive), one entry per run."""
    streams, width = flag.shape
    padded = np.zeros((streams, width + 2), dtype=np.int8)
    padded[:, 1:-1] = flag
    edges = np.diff(padded.ravel())
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = ends - starts >= min_length
    starts, ends = starts[keep], ends[keep]
    row = starts // (width + 2)
    return row, starts % (width + 2), ends % (width + 2) if len(ends) else ends


def median_rows(x: np.ndarray) -> np.ndarray:
    """Exact median of each row, NaN ignored (NaN for a row with no values), as SQL's `median`."""
    srt = np.sort(x, axis=1)
    counts = np.sum(~np.isnan(x), axis=1)
    lo = np.clip((counts - 1) // 2, 0, max(x.shape[1] - 1, 0))[:, None]
    hi = np.clip(counts // 2, 0, max(x.shape[1] - 1, 0))[:, None]
    med = 0.5 * (np.take_along_axis(srt, lo, axis=1) + np.take_along_axis(srt, hi, axis=1))[:, 0]
    return np.where(counts > 0, med, np.nan)
