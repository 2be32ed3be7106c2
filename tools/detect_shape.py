"""utilization_shift: the shape detectors of `detect_series` on every allocation stream of the fleet.

A stream is one team on one pool (team x cluster x accelerator type), so a finding names what moved,
not only the pool. Its value is the busy share of its allocated accelerator-hours (busy_hours /
allocated_hours, DCGM-style busy time); hours with under one allocated accelerator-hour are left out
(nothing to measure). Upward events are also tested on the hour's peak (`peak_util_pct`, the max over
the stream's rows that hour): a spike of minutes that the hourly mean flattens still shows there. A
warehouse written before that column existed has no peaks, and its spikes are tested on the share alone.

One SQL query (built with sqlglot, values as quoted literals) reads the scan window plus the
baseline history, per stream and hour; the detection itself is numpy per stream. Impact: for drops,
the busy accelerator-hours lost against the baseline priced at the pool's catalog rate (idle capacity
someone pays for); rises have no dollar impact of their own (the extra busy hours are in details).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from tools import detect_series
from tools._warehouse import Warehouse
from tools.scan_grid import PoolHours, has_peak

KEYS = ["team", "cluster", "accelerator_type"]
HISTORY_DAYS = 14  # baseline history read before the scan window (the seasonal baseline needs 7 days)
MIN_ALLOCATED = 1.0
# One-hour events need more evidence than sustained ones: `large` tests ~13M stream-hours per 120 days, and
# at robust z 6 some 37 single noisy hours of small streams passed (precision 0.44 there); at 8, one did.
SCORE_MIN = {"spike_up": 8.0, "spike_down": 8.0}


def _ts(value: datetime) -> exp.Expression:
    return exp.cast(exp.Literal.string(f"{value:%Y-%m-%d %H:%M:%S}"), exp.DataType.build("TIMESTAMP"))


def _where(start: datetime | None, end: datetime | None, filters: dict[str, str | None]) -> list[exp.Expression]:
    conds: list[exp.Expression] = [exp.column(k).eq(exp.Literal.string(v)) for k, v in filters.items() if v is not None]
    if start is not None:
        conds.append(exp.column("hour") >= _ts(start))
    if end is not None:
        conds.append(exp.column("hour") < _ts(end))
    return conds


def stream_hours_sql(start: datetime | None, end: datetime | None, team: str | None = None,
                     cluster: str | None = None, accelerator_type: str | None = None,
                     history_days: int = HISTORY_DAYS, peak: bool = True) -> str:
    """Busy share, allocation and peak (a fraction; without `peak`, for a warehouse that has no peak
    column, none) per stream and hour over [start - history, end); also the evidence query of a finding
    (restricted to its stream, with the history its baseline used)."""
    since = None if start is None else start - timedelta(days=history_days)
    alloc = exp.func("sum", exp.column("allocated_hours"))
    peaks = [exp.alias_(exp.Div(this=exp.func("max", exp.column("peak_util_pct")),
                                expression=exp.Literal.number("100.0")), "peak_share")] if peak else []
    q = (
        sqlglot.select(
            *KEYS, "hour",
            exp.alias_(exp.Div(this=exp.func("sum", exp.column("busy_hours")), expression=alloc), "busy_share"),
            exp.alias_(alloc, "allocated_hours"),
            *peaks,
        )
        .from_("utilization_hourly")
        .where(*(_where(since, end, {"team": team, "cluster": cluster, "accelerator_type": accelerator_type}) or [exp.true()]))
        .group_by(*KEYS, "hour")
        .having(alloc >= exp.Literal.number(MIN_ALLOCATED))
        .order_by(*KEYS, "hour")
    )
    return q.sql(dialect="duckdb")


ROW_LIMIT = 50_000_000  # the scan reads every stream-hour of its window; the validator's default cap is for answers


PRICE_SQL = ("SELECT c.cluster, a.accelerator_type, CASE WHEN c.is_on_prem THEN a.committed_usd_per_hour "
             "ELSE a.on_demand_usd_per_hour END AS usd_per_hour FROM clusters AS c CROSS JOIN accelerator_types AS a")


def run(wh: Warehouse, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """Runs found on every stream inside [start, end), in the scan's row shape (one row per run)."""
    peak = has_peak(wh)
    frame = wh.frame(stream_hours_sql(start, end, peak=peak), row_limit=ROW_LIMIT)
    return finish(detect_frame(frame), start, end, wh.run(PRICE_SQL), peak)


PARALLEL_MIN_STREAMS = 400  # below this, one process (forking costs more than it saves)


def run_grid(ph: PoolHours, start: datetime | None, end: datetime | None, prices: pd.DataFrame,
             history_days: int = HISTORY_DAYS, workers: int = 1) -> pd.DataFrame:
    """`run` on the scan's shared team-pool-hour grid: the same stream-hours `stream_hours_sql` returns
    (hours with an allocated accelerator-hour or more; values unrounded, so that the two agree where a
    rounding would fall on a half), each stream cut to its first and last such hour as
    `detect_series.detect_streams` does, without a 12M-row frame. With `workers` > 1 and many streams,
    the streams are split over that many forked processes (the scan's cores: numpy sorts one core each)."""
    width = ph.shape[1]
    lo = ph.column(None if start is None else start - timedelta(days=history_days), 0)
    hi = ph.column(end, width)
    # views: each stream's series is built in turn
    alloc, busy, peak = ph.alloc_all[:, lo:hi], ph.busy_all[:, lo:hi], ph.peak[:, lo:hi]
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero((alloc >= MIN_ALLOCATED).any(axis=1))
    found = _detect_rows(alloc, busy, peak, rows) if workers <= 1 or len(rows) < PARALLEL_MIN_STREAMS else \
        _detect_parallel(alloc, busy, peak, rows, workers)
    if not found:
        return _empty()
    runs = pd.concat(found, ignore_index=True)
    first = ph.hour(lo + runs.pop("offset").to_numpy())
    runs["window_start"] = first + pd.to_timedelta(runs["start"].to_numpy(), unit="h")
    runs["window_end"] = first + pd.to_timedelta(runs["end"].to_numpy(), unit="h")
    row = runs.pop("row").to_numpy()
    for k in KEYS:
        runs[k] = ph.streams[k].to_numpy()[row]
    return finish(runs[runs["score"] >= runs["shape"].map(SCORE_MIN).fillna(0.0)].reset_index(drop=True), start, end,
                  prices, ph.has_peak)


def _detect_rows(alloc: np.ndarray, busy: np.ndarray, peak: np.ndarray, rows: np.ndarray) -> list[pd.DataFrame]:
    """`detect_series.detect` on each given stream (a row of the grid): its busy share and peak of the
    hours with an allocated accelerator-hour or more, cut to its first and last such hour; each run
    carries its stream's row and the column its series starts at."""
    found = []
    for row in rows:  # per stream (thousands), each fully vectorized
        with np.errstate(invalid="ignore", divide="ignore"):
            valid = alloc[row] >= MIN_ALLOCATED
            share = np.where(valid, busy[row] / alloc[row], np.nan)
        weight = np.where(valid, alloc[row], np.nan)
        cols = np.flatnonzero(valid)
        a, b = cols[0], cols[-1] + 1
        peaks = np.where(valid[a:b], peak[row, a:b], np.nan)
        if np.isnan(peaks).all():  # none measured: the mean alone, as detect does with NaN peaks, without their baseline
            peaks = None
        runs = detect_series.detect(share[a:b], peaks, detect_series.DEFAULT, weight[a:b])
        if not runs.empty:
            found.append(runs.assign(row=row, offset=a))
    return found


_SHARED: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # the grid slices, inherited by forked workers (no copy)


def _detect_block(rows: np.ndarray) -> list[pd.DataFrame]:
    assert _SHARED is not None
    return _detect_rows(*_SHARED, rows)


def _detect_parallel(alloc: np.ndarray, busy: np.ndarray, peak: np.ndarray, rows: np.ndarray,
                     workers: int) -> list[pd.DataFrame]:
    """`_detect_rows` over `workers` forked processes, each reading the parent's arrays; results in
    stream order, so the findings are the same as in one process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _SHARED
    _SHARED = (alloc, busy, peak)
    try:
        blocks = np.array_split(rows, workers * 4)  # small blocks even out streams of different lengths
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [runs for part in pool.map(_detect_block, blocks) for runs in part]
    finally:
        _SHARED = None


def finish(runs: pd.DataFrame, start: datetime | None, end: datetime | None, prices: pd.DataFrame,
           peak: bool = True) -> pd.DataFrame:
    """Runs inside [start, end) in the scan's row shape, drops priced at the pool's catalog rate. On a
    warehouse without the peak column (`peak` False) each run carries its evidence query, which then
    reads no peak (the default evidence query does)."""
    if runs.empty:
        return _empty()
    if start is not None:
        runs = runs[runs["window_end"] > pd.Timestamp(start)]
    if end is not None:
        runs = runs[runs["window_start"] < pd.Timestamp(end)]
    runs = runs.merge(prices, on=["cluster", "accelerator_type"], how="left")
    lost = (-runs["gap"]).clip(lower=0.0)
    out = pd.DataFrame({
        "entity": runs["team"], "cluster": runs["cluster"], "accelerator_type": runs["accelerator_type"],
        "window_start": runs["window_start"], "window_end": runs["window_end"],
        "observed": runs["observed"].round(4), "expected": runs["expected"].round(4),
        "impact_usd": (lost * runs["usd_per_hour"].fillna(0.0)).round(2),
        "hours": runs["hours"], "score": runs["score"],
        "busy_accelerator_hours_change": runs["gap"].round(1),
        "shape": runs["shape"], "baseline": runs["baseline"].map(detect_series.describe_baseline),
    }).reset_index(drop=True)
    if not peak:
        out["evidence_sql"] = [
            stream_hours_sql(pd.Timestamp(a).to_pydatetime(), pd.Timestamp(b).to_pydatetime(), team=t, cluster=c,
                             accelerator_type=g, peak=False)
            for a, b, t, c, g in zip(out["window_start"], out["window_end"], out["entity"], out["cluster"],
                                     out["accelerator_type"])]  # per finding (few), not per row
    return out


def detect_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The detector on stream-hours shaped like `stream_hours_sql`'s result (team, cluster,
    accelerator_type, hour, busy_share, allocated_hours, and peak_share where measured): one row per run, with its stream keys,
    minus one-hour events under `SCORE_MIN`. The evals feed real labelled series through here too."""
    if frame.empty:
        return detect_series.detect_streams(frame, KEYS)
    frame = frame.assign(hour=pd.to_datetime(frame["hour"]))
    peak = "peak_share" if "peak_share" in frame.columns else None
    runs = detect_series.detect_streams(frame, KEYS, value="busy_share", peak=peak, weight="allocated_hours")
    return runs[runs["score"] >= runs["shape"].map(SCORE_MIN).fillna(0.0)].reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["entity", "cluster", "accelerator_type", "window_start", "window_end", "observed",
                                 "expected", "impact_usd", "hours", "score", "busy_accelerator_hours_change",
                                 "shape", "baseline"])
