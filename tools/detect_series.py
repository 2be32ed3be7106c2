"""Shape detectors for one hourly series per stream: spikes, level shifts, saturation, collapse and idling,
in both directions, from as little as a day of history.

Why not the scan's hour-of-week SQL baselines: with a few weeks of data their median includes the
hour under test and few points, so no hour can reach the threshold, and a new stream has no history
at all. Here every point is compared with a baseline that EXCLUDES it:

- `trailing`: median and scaled MAD of the previous `TRAIL_HOURS` hours (needs `MIN_HISTORY` of them);
- `seasonal`: median of the same hour on each of the previous `SEASON_DAYS` days, with the scaled MAD
  of the seasonal residuals of the previous week as spread. Only once all those whole days exist,
  and only where it explains the series better (a smaller spread) than the trailing one.

The baseline used is named per run. Sustained moderate changes that stay under the point threshold
are found by a two-sided CUSUM on the clipped robust z (Page 1954), computed in closed form
(S_t = C_t - min_{s<=t} C_s, C = cumsum(z - k)), so nothing loops over points. Everything is numpy
over whole arrays; callers loop over streams (a few hundred), never over rows.

Values are fractions of capacity (0..1). A `peak` series (the hour's maximum), where the data has
one, is tested for upward spikes so a 10-minute spike survives the hourly mean.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

MAD_SCALE = 1.4826  # 1.4826 x MAD estimates the standard deviation of normal data
MASK_PASSES = 3  # baseline recomputations with the points already flagged left out


@dataclass(frozen=True)
class Params:
    """Detector thresholds; every field is in hours, robust z units or fractions of capacity."""

    z: float = 5.0  # point threshold, robust z
    trail_hours: int = 24  # trailing baseline window (excludes the point under test)
    min_history: int = 12  # hours of history before a point is tested at all (half a day)
    season_days: int = 7  # whole days needed before the seasonal baseline is used
    period: int = 24  # hours per season
    min_scale: float = 0.02  # spread floor (2 points of utilization): flat series do not flag on noise
    rel_scale: float = 0.05  # and 5% of the expected level
    sustain_hours: int = 3  # a run this long is a shift/collapse/saturation rather than a spike
    cusum_k: float = 1.0  # CUSUM slack, robust z per hour
    cusum_h: float = 12.0  # CUSUM alarm level
    saturation: float = 0.95  # mean utilization at or above: saturated
    idle: float = 0.05  # mean utilization at or below: idling
    idle_expected: float = 0.2  # idling only counts where the stream usually works harder than this
    collapse_ratio: float = 0.5  # a sustained drop below half of expected is a collapse
    min_shift: float = 0.10  # a CUSUM shift must move the mean by 10 points of utilization to be reported
    drift_z: float = 2.5  # and average this robust z: below it, it is a slow drift (a ramp-up), not a shift
    recur_hours: int = 168  # a departure made in 4+ separate episodes of the previous week is the
    recur_min: int = 0  # stream's habit (a batch job every 30 hours, a nightly backup), not news; 0: off
    recur_frac: float = 0.5  # "made": an hour at least this share of the run's median departure away
    recur_floor: float = 3.0  # and at least this robust z (noise alone rarely gets there)
    recur_share: float = 0.1  # a habit is brief: away over this share of the week is unsettled, not habitual


DEFAULT = Params()
SHAPES = ("spike_up", "spike_down", "shift_up", "shift_down", "saturation", "collapse", "idling")
BASELINE_NAMES = {
    "trailing": "median of the previous {trail} hours (this hour excluded)",
    "seasonal": "median of the same hour on the previous {days} days",
}


@dataclass(frozen=True)
class Baseline:
    """Per-point expected value, spread and which baseline gave them (NaN where untested)."""

    expected: np.ndarray
    scale: np.ndarray
    seasonal: np.ndarray  # bool: True where the seasonal baseline was chosen


def trailing_windows(x: np.ndarray, width: int) -> np.ndarray:
    """(n, width) array: row t holds x[t-width .. t-1], NaN-padded at the start (point t excluded)."""
    padded = np.concatenate([np.full(width, np.nan), x[:-1] if len(x) else x])
    return sliding_window_view(padded, width)[: len(x)]


def _nanmedian_rows(a: np.ndarray, min_count: int) -> np.ndarray:
    """Exact median of each row ignoring NaN (NaN where fewer than `min_count` values): one sort of the
    whole array (NaN sorts last), then the middle of each row's valid part. numpy's nanmedian falls back
    to a Python loop per row when rows hold NaN."""
    if a.shape[0] == 0:
        return np.full(0, np.nan)
    srt = np.sort(a, axis=1)
    counts = np.sum(~np.isnan(a), axis=1)
    lo = np.clip((counts - 1) // 2, 0, a.shape[1] - 1)[:, None]
    hi = np.clip(counts // 2, 0, a.shape[1] - 1)[:, None]
    med = 0.5 * (np.take_along_axis(srt, lo, axis=1) + np.take_along_axis(srt, hi, axis=1))[:, 0]
    return np.where(counts >= max(min_count, 1), med, np.nan)


def _med_mad(x: np.ndarray, width: int, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact median and scaled MAD of the `width` points before each point (the point itself excluded).

    A rolling shortcut (each earlier point's distance from its own trailing median) was tried and
    changed which runs are found on plain noisy series, so the exact form stays: one (n, width) view,
    no copy per point, one partition per row."""
    win = trailing_windows(x, width)
    med = _nanmedian_rows(win, min_count)
    return med, MAD_SCALE * _nanmedian_rows(np.abs(win - med[:, None]), min_count)


def _daily_spread(resid: np.ndarray, period: int, days: int) -> np.ndarray:
    """Scaled MAD of the seasonal residuals over the `days` whole periods before each point's period
    (the point's own period excluded), computed once per period: the spread moves slowly, and this is
    `period` times fewer sorts than a window per point."""
    n = len(resid)
    whole = -(-n // period)
    padded = np.concatenate([resid, np.full(whole * period - n, np.nan)]).reshape(whole, period)
    blocks = np.concatenate([np.full((days, period), np.nan), padded[:-1]]) if whole > 1 else np.full((days, period), np.nan)
    win = sliding_window_view(blocks, days, axis=0)[: whole].transpose(0, 2, 1).reshape(whole, days * period)
    med = _nanmedian_rows(win, 2 * period)
    mad = MAD_SCALE * _nanmedian_rows(np.abs(win - med[:, None]), 2 * period)
    return np.repeat(mad, period)[:n]


def baseline(x: np.ndarray, p: Params = DEFAULT) -> Baseline:
    """Expected value and robust spread for every point from points before it only."""
    x = np.asarray(x, dtype=float)
    t_med, t_mad = _med_mad(x, p.trail_hours, p.min_history)

    n, period, days = len(x), p.period, p.season_days
    expected, scale = t_med, t_mad
    seasonal = np.zeros(n, dtype=bool)
    if n > period * days:
        lags = np.full((n, days), np.nan)
        for k in range(1, days + 1):  # `days` column shifts, not a loop over points
            lags[period * k:, k - 1] = x[: n - period * k]
        s_med = _nanmedian_rows(lags, days)  # all whole days present, else NaN
        s_mad = _daily_spread(x - s_med, period, days)
        # chosen per stream: where whole days exist, if same-hour medians explain it better than the trailing one
        explains = bool(np.nanmedian(s_mad) < np.nanmedian(t_mad)) if np.isfinite(s_mad).any() else False
        seasonal = ~np.isnan(s_med) & ~np.isnan(s_mad) & explains
        expected = np.where(seasonal, s_med, t_med)
        scale = np.where(seasonal, s_mad, t_mad)
    floor = np.maximum(p.min_scale, p.rel_scale * np.abs(expected))
    return Baseline(expected=expected, scale=np.fmax(scale, floor), seasonal=seasonal)


def _peak_z(peak: np.ndarray, p: Params) -> np.ndarray:
    """Robust z of each hour's peak against the peaks before it (peaks sit above means, so they get their
    own baseline), with the peaks already far out left out of it."""
    b = baseline(peak, p)
    out = np.abs((peak - b.expected) / b.scale) > p.z
    if out.any():
        b = baseline(np.where(out, np.nan, peak), p)
    return (peak - b.expected) / b.scale


def _runs(flag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) indices of the runs of True in `flag`."""
    edges = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _recurring(z: np.ndarray, s: np.ndarray, e: np.ndarray, sign: float, p: Params) -> np.ndarray:
    """Per run: True where the `recur_hours` before it hold at least `recur_min` separate episodes of the
    same departure (robust z, each hour against its own baseline, at least `recur_frac` of the run's
    median departure and never under `recur_floor`), in all no more than `recur_share` of those hours.
    Such a departure is how this stream behaves (a job every 30 hours), not news. A stream that has been
    away from its baseline much of the week is unsettled rather than habitual and keeps its findings, and
    up to three earlier incidents never hide the next. Only hours before the run count, so a long run
    never hides itself."""
    out = np.zeros(len(s), dtype=bool)
    if not p.recur_min or not len(s):
        return out
    dev = sign * z
    typical = np.array([np.nanmedian(dev[a:c]) if np.isfinite(dev[a:c]).any() else np.nan
                        for a, c in zip(s, e)])  # per run (few), not per point
    before = trailing_windows(dev, p.recur_hours)[s]  # each run's previous hours
    with np.errstate(invalid="ignore"):
        hit = before >= np.maximum(p.recur_frac * typical, p.recur_floor)[:, None]
    episodes = hit[:, 0].astype(int) + np.sum(hit[:, 1:] & ~hit[:, :-1], axis=1)
    sparse = np.sum(hit, axis=1) <= p.recur_share * p.recur_hours
    return (episodes >= p.recur_min) & sparse & (typical > 0)


def _cusum(z: np.ndarray, k: float) -> np.ndarray:
    """One-sided upper CUSUM S_t = max(0, S_{t-1} + z_t - k), S_{-1} = 0, in closed form."""
    c = np.cumsum(np.nan_to_num(z) - k)
    return c - np.minimum(np.minimum.accumulate(c), 0.0)


def detect(x: np.ndarray, peak: np.ndarray | None = None, p: Params = DEFAULT,
           weight: np.ndarray | None = None) -> pd.DataFrame:
    """Anomalous runs in one hourly series (fractions of capacity), one row per run:
    start, end (indices, end exclusive), shape, observed, expected, score, baseline, and `gap`: the sum
    over the run of weight x (observed - expected) (weight = allocated accelerator-hours gives busy
    accelerator-hours gained or lost)."""
    x = np.asarray(x, dtype=float)
    pk = None if peak is None else np.asarray(peak, dtype=float)
    b = baseline(x, p)
    # second pass: points already far out leave the baseline, so an outage does not become the "normal"
    # that the recovery is then compared with
    masked = np.zeros(len(x), dtype=bool)
    for _ in range(MASK_PASSES):
        out = np.abs((x - b.expected) / b.scale) > p.z
        if not (out & ~masked).any():
            break
        masked |= out
        b = baseline(np.where(masked, np.nan, x), p)
    z = (x - b.expected) / b.scale
    # upward: the hour's peak or its mean, whichever departs more (a busy stream's peaks sit near 100%,
    # so a sustained rise of the mean can leave them where they were); a missing peak falls back to the mean
    zp = z if pk is None else np.fmax(_peak_z(pk, p), z)
    tested = ~np.isnan(b.expected)
    up = tested & (zp > p.z)
    down = tested & (z < -p.z)

    rows: list[pd.DataFrame] = []
    for flag, direction in ((up, "up"), (down, "down")):
        s, e = _runs(flag)
        keep = ~_recurring(zp if direction == "up" else z, s, e, 1.0 if direction == "up" else -1.0, p)
        s, e = s[keep], e[keep]
        if len(s):
            rows.append(_describe(s, e, direction, "point", x, zp if direction == "up" else z, b, p))
    # sustained moderate changes: CUSUM on robust z clipped at the point threshold (one hour cannot alarm)
    # and only after a whole day of history: before that the daily cycle itself reads as a shift
    seen = np.cumsum(~np.isnan(x)) > p.period
    zc = np.where(tested & seen, np.clip(z, -p.z, p.z), 0.0)
    for sign, direction in ((1.0, "up"), (-1.0, "down")):
        s_t = _cusum(sign * zc, p.cusum_k)
        alarm = s_t > p.cusum_h
        s, e = _runs(alarm)
        if len(s):
            # the shift began where the statistic last left zero before the alarm
            # and ended where the statistic peaked (after that the hours are back to normal)
            last_zero = np.maximum.accumulate(np.where(s_t <= 0, np.arange(len(x)), -1))
            onset = np.maximum(last_zero[s] + 1, 0)
            ended = np.array([a + int(np.argmax(s_t[a:c])) + 1 for a, c in zip(onset, e)])  # per run
            keep = ~_recurring(z, onset, ended, sign, p)
            onset, ended = onset[keep], ended[keep]
            if not len(onset):
                continue
            rows.append(_describe(onset, ended, direction, "cusum", x, sign * zc, b, p))
    if not rows:
        return _empty()
    out = _drop_recoveries(_dedupe(pd.concat(rows, ignore_index=True)), p)
    shift_ok = ((out["observed"] - out["expected"]).abs() >= p.min_shift) & (out["intensity"] >= p.drift_z)
    out = out[(out["method"] != "cusum") | shift_ok].drop(columns="intensity")
    out = out.reset_index(drop=True)
    w = np.ones(len(x)) if weight is None else np.nan_to_num(np.asarray(weight, dtype=float))
    gap = np.concatenate([[0.0], np.cumsum(np.nan_to_num(w * (x - b.expected)))])
    out["gap"] = gap[out["end"].to_numpy()] - gap[out["start"].to_numpy()]
    return out


def _describe(s: np.ndarray, e: np.ndarray, direction: str, how: str, x: np.ndarray, z: np.ndarray,
              b: Baseline, p: Params) -> pd.DataFrame:
    """One row per run: observed/expected means, the score (max |z|, or CUSUM level / alarm level), shape."""
    csum = lambda a: np.concatenate([[0.0], np.cumsum(np.nan_to_num(a))])  # noqa: E731
    n = (e - s).astype(float)
    seen = np.maximum(csum(~np.isnan(x))[e] - csum(~np.isnan(x))[s], 1.0)  # hours with data (gaps stay out)
    obs = (csum(x)[e] - csum(x)[s]) / seen
    exp_ = (csum(b.expected)[e] - csum(b.expected)[s]) / n
    if how == "cusum":  # a shift is measured against the level before it (the baseline then adapts to it)
        exp_ = np.where(np.isnan(b.expected[s]), exp_, b.expected[s])
    zabs = np.abs(np.nan_to_num(z))
    score = np.array([zabs[a:c].max() for a, c in zip(s, e)])  # per run (few), not per point
    intensity = (csum(zabs)[e] - csum(zabs)[s]) / n
    seasonal = (csum(b.seasonal.astype(float))[e] - csum(b.seasonal.astype(float))[s]) / n >= 0.5
    long = n >= p.sustain_hours
    if direction == "up":
        shape = np.where(long & (obs >= p.saturation), "saturation",
                         np.where(long | (how == "cusum"), "shift_up", "spike_up"))
    else:
        shape = np.where(long & (obs <= p.idle) & (exp_ >= p.idle_expected), "idling",
                         np.where(long & (obs < p.collapse_ratio * exp_), "collapse",
                                  np.where(long | (how == "cusum"), "shift_down", "spike_down")))
    text = lambda v: np.broadcast_to(np.asarray(v, dtype=object), s.shape)  # noqa: E731  (object: cheap to build)
    return pd.DataFrame({
        "start": s, "end": e, "hours": n.astype(int), "direction": text(direction), "shape": text(shape),
        "method": text(how), "observed": obs, "expected": exp_, "score": np.round(score, 2), "intensity": intensity,
        "baseline": text(np.where(seasonal, "seasonal", "trailing")),
    })


_RANK = {s: i for i, s in enumerate(("saturation", "idling", "collapse", "shift_up", "shift_down", "spike_up", "spike_down"))}
_COLS = ["start", "end", "hours", "direction", "shape", "method", "observed", "expected", "score", "intensity", "baseline"]


def _dedupe(runs: pd.DataFrame) -> pd.DataFrame:
    """Merge overlapping runs of one direction (a point run inside a CUSUM run is one event); the merged
    run keeps the widest span, the strongest score and the most specific shape. A loop over a stream's
    few runs, not over hours."""
    merged: list[dict[str, object]] = []
    for r in sorted(runs.to_dict("records"), key=lambda r: (r["direction"], r["start"], r["end"])):
        last = merged[-1] if merged else None
        if last is not None and last["direction"] == r["direction"] and r["start"] <= last["end"]:
            best = min((last, r), key=lambda x: (_RANK[str(x["shape"])], -float(x["score"])))
            merged[-1] = {**best, "start": min(last["start"], r["start"]), "end": max(last["end"], r["end"]),
                          "score": max(last["score"], r["score"])}
        else:
            merged.append(dict(r))
    out = pd.DataFrame(merged, columns=_COLS)
    out["hours"] = out["end"] - out["start"]
    return out.sort_values("start", kind="stable").reset_index(drop=True)


def _drop_recoveries(runs: pd.DataFrame, p: Params) -> pd.DataFrame:
    """A run right after an opposite run that returns to the level the stream had before it is the
    recovery (the baseline was still catching up), not a second anomaly."""
    prev_end = runs["end"].shift()
    prev_dir = runs["direction"].shift()
    prev_expected = runs["expected"].shift()
    recovery = (
        (prev_dir.notna()) & (prev_dir != runs["direction"]) & (runs["start"] - prev_end <= 2 * p.trail_hours)
        & ((runs["observed"] - prev_expected).abs() <= np.maximum(p.min_shift, 0.25 * prev_expected.abs()))
    )
    return runs[~recovery]


_EMPTY = pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
    ("start", "int64"), ("end", "int64"), ("hours", "int64"), ("direction", "object"), ("shape", "object"),
    ("method", "object"), ("observed", "float64"), ("expected", "float64"), ("score", "float64"),
    ("baseline", "object"), ("gap", "float64"))})


def _empty() -> pd.DataFrame:
    return _EMPTY.copy()


def detect_streams(frame: pd.DataFrame, keys: list[str], value: str = "value", peak: str | None = None,
                   time: str = "hour", p: Params = DEFAULT, weight: str | None = None) -> pd.DataFrame:
    """`detect` per stream of a long frame (keys, time, value[, peak]); each stream is put on a regular
    hourly grid first (missing hours stay NaN: never tested, never part of a baseline; a repeated hour
    keeps its last row). Returns the runs with the stream keys and window_start / window_end timestamps.
    The frame is split by numpy on sorted keys: no per-stream pandas groupby or reindex."""
    if frame.empty:
        return _empty().assign(window_start=[], window_end=[])
    frame = frame.sort_values([*keys, time], kind="stable").reset_index(drop=True)
    codes = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    cuts = np.flatnonzero(np.diff(codes)) + 1
    starts, ends = np.concatenate([[0], cuts]), np.concatenate([cuts, [len(frame)]])
    hours = frame[time].to_numpy(dtype="datetime64[h]").astype(np.int64)
    columns = {name: frame[name].to_numpy(float) for name in (value, peak, weight) if name is not None}
    out = []
    for a, b in zip(starts, ends):  # per stream, each fully vectorized
        h = hours[a:b] - hours[a]
        grid = {}
        for name, col in columns.items():
            arr = np.full(int(h[-1]) + 1, np.nan)
            arr[h] = col[a:b]
            grid[name] = arr
        runs = detect(grid[value], grid.get(peak) if peak else None, p, grid.get(weight) if weight else None)
        if runs.empty:
            continue
        first = np.datetime64(int(hours[a]), "h")
        runs["window_start"] = pd.to_datetime(first + runs["start"].to_numpy().astype("timedelta64[h]"))
        runs["window_end"] = pd.to_datetime(first + runs["end"].to_numpy().astype("timedelta64[h]"))
        for k in keys:
            runs[k] = frame[k].iat[a]
        out.append(runs)
    return pd.concat(out, ignore_index=True) if out else _empty().assign(window_start=[], window_end=[])


def describe_baseline(name: str, p: Params = DEFAULT) -> str:
    """The baseline's name as a finding states it."""
    return BASELINE_NAMES[name].format(trail=p.trail_hours, days=p.season_days)


def with_params(**changes: float) -> Params:
    return replace(DEFAULT, **changes)
