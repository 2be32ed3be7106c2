"""Detectors on jobs and quotas: queue-wait surges, failure-rate spikes and quota breaches.

- queue_wait_surge: jobs are sparser than hourly telemetry, so each job's log queue wait is compared
  with the median and scaled MAD of its pool's jobs submitted in the same hour of day; a job is
  flagged at robust z > 3.5 and a wait at least 3x the median and 60 minutes longer. Flagged jobs
  less than `QUEUE_GAP_HOURS` apart form one run; a run needs `QUEUE_MIN_JOBS` jobs.
- failure_rate_spike: per team and pool, jobs bucketed by 6 hours of submission; a bucket is elevated
  when at least 2 jobs failed at 3x or more the team's usual rate on that pool. Elevated buckets up to
  one bucket apart form a run, which must span two buckets or more (12 h sustained) with at least 8
  failed jobs and a run-level binomial z >= 6: the test is on the run, not the bucket, so quiet night
  buckets do not split a spike, and thousands of team-pool buckets a year do not yield chance runs.
- quota_breach: a team's allocation of an accelerator type, summed over clusters, above the
  `burst_limit` of the quota in effect that hour (an absolute condition, no baseline). The cluster is
  the one whose allocation rose most above its median during the run; `rise_usd` prices the whole
  rise above the team's medians (what the breach added to the bill).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from tools import scan_grid
from tools._warehouse import bind
from tools.scan_grid import PoolHours
from tools.scan_sql import PRICE_CTE, bounds

QUEUE_RATIO = 3.0
QUEUE_MIN_EXTRA_MIN = 60.0
QUEUE_GAP_HOURS = 8
QUEUE_MIN_JOBS = 3
QUEUE_MIN_HOURS = 2
QUEUE_MIN_SHARE = 0.5
QUEUE_BASELINE_DAYS = 14
FAILURE_BUCKET_HOURS = 6
FAILURE_MIN_FAILED = 2
FAILURE_RATIO = 3.0
FAILURE_MIN_BUCKETS = 2
FAILURE_MIN_RUN_FAILED = 8
FAILURE_RUN_Z = 6.0  # the run as a whole; keeps chance clusters out across thousands of buckets a year
QUOTA_MIN_HOURS = 1


_QUEUE_SQL = """WITH j AS (
    SELECT cluster, accelerator_type, submit_at, accelerators, queue_wait_minutes AS wait
    FROM jobs WHERE (:cluster IS NULL OR cluster = :cluster) AND (:accelerator_type IS NULL OR accelerator_type = :accelerator_type)
      AND submit_at >= :since AND submit_at < :end
), ph AS (
    SELECT cluster, accelerator_type, date_trunc('hour', submit_at) AS hour, extract(hour FROM submit_at) AS hod,
           count(*) AS n, median(wait) AS wait, median(ln(1 + wait)) AS lw, sum(accelerators * wait) AS acc_wait
    FROM j GROUP BY cluster, accelerator_type, date_trunc('hour', submit_at), extract(hour FROM submit_at)
), local AS (
    SELECT *, median(lw) OVER (PARTITION BY cluster, accelerator_type, hod ORDER BY hour
                               RANGE BETWEEN :baseline_days * INTERVAL 1 DAY PRECEDING
                                         AND :baseline_days * INTERVAL 1 DAY FOLLOWING) AS m
    FROM ph
), spread AS (
    SELECT cluster, accelerator_type, hod, :mad_scale * median(abs(lw - m)) AS mad FROM local GROUP BY ALL
), flagged AS (
    SELECT l.*, exp(l.m) - 1 AS wait_med FROM local l JOIN spread s USING (cluster, accelerator_type, hod)
    WHERE l.lw - l.m > :z * greatest(s.mad, 0.05) AND l.wait >= :ratio * (exp(l.m) - 1)
      AND l.wait - (exp(l.m) - 1) >= :min_extra AND l.hour >= :start AND l.hour < :end
), lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY cluster, accelerator_type ORDER BY hour) AS prev_hour FROM flagged
), isl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > :gap * INTERVAL 1 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY cluster, accelerator_type ORDER BY hour) AS run_id
    FROM lagged
), runs AS (
    SELECT cluster, accelerator_type, min(hour) AS window_start, max(hour) + INTERVAL 1 HOUR AS window_end,
           sum(n) AS jobs, sum(wait * n) / sum(n) AS observed, sum(wait_med * n) / sum(n) AS expected,
           (sum(acc_wait) - sum(wait_med * n)) / 60 AS waiting_accelerator_hours
    FROM isl GROUP BY cluster, accelerator_type, run_id HAVING sum(n) >= :min_jobs AND count(*) >= :min_hours
), share AS (
    SELECT r.cluster, r.accelerator_type, r.window_start, sum(p.n) AS all_jobs
    FROM runs r JOIN ph p ON p.cluster = r.cluster AND p.accelerator_type = r.accelerator_type
     AND p.hour >= r.window_start AND p.hour < r.window_end
    GROUP BY ALL
), """ + PRICE_CTE + """
SELECT r.cluster AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.jobs,
       round(r.observed, 1) AS observed, round(r.expected, 1) AS expected,
       round(greatest(r.waiting_accelerator_hours, 0), 1) AS waiting_accelerator_hours,
       round(greatest(r.waiting_accelerator_hours, 0) * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN share s USING (cluster, accelerator_type, window_start)
JOIN price p USING (cluster, accelerator_type)
WHERE r.jobs >= :min_share * s.all_jobs
ORDER BY r.window_start, entity"""


def queue_wait_surge_sql(start: datetime | None, end: datetime | None, cluster: str | None = None,
                         accelerator_type: str | None = None) -> str:
    """Runs of jobs whose queue wait was far above their pool's usual for that hour of day."""
    return bind(_QUEUE_SQL, **bounds(start, end), cluster=cluster, accelerator_type=accelerator_type,
                baseline_days=QUEUE_BASELINE_DAYS, ratio=QUEUE_RATIO, min_extra=QUEUE_MIN_EXTRA_MIN,
                gap=QUEUE_GAP_HOURS, min_jobs=QUEUE_MIN_JOBS, min_hours=QUEUE_MIN_HOURS, min_share=QUEUE_MIN_SHARE)


_FAILURE_SQL = """WITH b AS (
    SELECT team, cluster, accelerator_type,
           date_trunc('day', submit_at) + (CAST(extract(hour FROM submit_at) AS INTEGER) // :bucket * :bucket) * INTERVAL 1 HOUR AS hour,
           count(*) AS n, count(*) FILTER (WHERE state = 'failed') AS failed,
           sum(accelerator_hours) FILTER (WHERE state = 'failed') AS failed_hours
    FROM jobs WHERE (:team IS NULL OR team = :team) AND (:cluster IS NULL OR cluster = :cluster)
      AND (:accelerator_type IS NULL OR accelerator_type = :accelerator_type) AND submit_at >= :since AND submit_at < :end
    GROUP BY ALL
), rate AS (
    SELECT team, cluster, accelerator_type, greatest(sum(failed) / sum(n), 0.005) AS p0,
           sum(failed_hours) / nullif(sum(failed), 0) AS hours_per_failure
    FROM b GROUP BY ALL
), flagged AS (
    SELECT b.*, r.p0, r.hours_per_failure FROM b JOIN rate r USING (team, cluster, accelerator_type)
    WHERE b.failed >= :min_failed AND b.failed >= :ratio * r.p0 * b.n AND b.hour >= :start AND b.hour < :end
), lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY team, cluster, accelerator_type ORDER BY hour) AS prev_hour FROM flagged
), isl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > 2 * :bucket * INTERVAL 1 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY team, cluster, accelerator_type ORDER BY hour) AS run_id
    FROM lagged
), runs AS (
    SELECT team, cluster, accelerator_type, min(hour) AS window_start,
           max(hour) + :bucket * INTERVAL 1 HOUR AS window_end, sum(n) AS jobs,
           sum(failed) / sum(n) AS observed, any_value(p0) AS expected,
           (sum(failed) - sum(n) * any_value(p0)) * any_value(hours_per_failure) AS excess_failed_hours
    FROM isl GROUP BY team, cluster, accelerator_type, run_id
    HAVING count(*) >= :min_buckets AND sum(failed) >= :min_run_failed
       AND (sum(failed) - sum(n) * any_value(p0)) / sqrt(sum(n) * any_value(p0) * (1 - any_value(p0))) >= :run_z
), """ + PRICE_CTE + """
SELECT r.team AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.jobs,
       round(r.observed, 4) AS observed, round(r.expected, 4) AS expected,
       round(r.excess_failed_hours, 1) AS excess_failed_accelerator_hours,
       round(r.excess_failed_hours * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN price p USING (cluster, accelerator_type)
ORDER BY r.window_start, entity"""


def failure_rate_spike_sql(start: datetime | None, end: datetime | None, team: str | None = None,
                           cluster: str | None = None, accelerator_type: str | None = None) -> str:
    """Runs of 6-hour buckets in which a team's jobs on a pool failed far more often than usual."""
    return bind(_FAILURE_SQL, **bounds(start, end), team=team, cluster=cluster, accelerator_type=accelerator_type,
                bucket=FAILURE_BUCKET_HOURS, min_failed=FAILURE_MIN_FAILED, ratio=FAILURE_RATIO,
                min_buckets=FAILURE_MIN_BUCKETS, min_run_failed=FAILURE_MIN_RUN_FAILED, run_z=FAILURE_RUN_Z)


_QUOTA_SQL = """WITH tt AS (
    SELECT team, accelerator_type, hour, sum(allocated_hours) AS alloc
    FROM utilization_hourly WHERE (:team IS NULL OR team = :team) AND (:accelerator_type IS NULL OR accelerator_type = :accelerator_type)
      AND hour >= :since AND hour < :end
    GROUP BY team, accelerator_type, hour
), flagged AS (
    SELECT t.*, q.burst_limit FROM tt t JOIN quotas q
      ON q.team = t.team AND q.accelerator_type = t.accelerator_type
     AND t.hour >= q.effective_from AND (q.effective_to IS NULL OR t.hour < q.effective_to)
    WHERE t.alloc > q.burst_limit AND t.hour >= :start AND t.hour < :end
), lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY team, accelerator_type ORDER BY hour) AS prev_hour FROM flagged
), isl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > INTERVAL 1 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY team, accelerator_type ORDER BY hour) AS run_id
    FROM lagged
), runs AS (
    SELECT team, accelerator_type, run_id, min(hour) AS window_start, max(hour) + INTERVAL 1 HOUR AS window_end,
           count(*) AS hours, max(alloc) AS observed, min(burst_limit) AS expected, sum(alloc - burst_limit) AS over_hours
    FROM isl GROUP BY team, accelerator_type, run_id HAVING count(*) >= :min_hours
), tc AS (
    SELECT u.team, u.accelerator_type, u.cluster, u.hour, sum(u.allocated_hours) AS alloc
    FROM utilization_hourly u WHERE u.hour >= :since AND u.hour < :end
      AND (u.team, u.accelerator_type) IN (SELECT (team, accelerator_type) FROM runs)
    GROUP BY u.team, u.accelerator_type, u.cluster, u.hour
), tc_typical AS (
    SELECT team, accelerator_type, cluster, median(alloc) AS typical FROM tc GROUP BY ALL
), by_cluster AS (
    SELECT r.team, r.accelerator_type, r.run_id, tc.cluster, sum(greatest(tc.alloc - y.typical, 0)) AS rise
    FROM runs r JOIN tc ON tc.team = r.team AND tc.accelerator_type = r.accelerator_type
     AND tc.hour >= r.window_start AND tc.hour < r.window_end
    JOIN tc_typical y ON y.team = tc.team AND y.accelerator_type = tc.accelerator_type AND y.cluster = tc.cluster
    GROUP BY ALL
), attributed AS (
    SELECT team, accelerator_type, run_id, arg_max(cluster, rise) AS cluster, sum(rise) AS rise
    FROM by_cluster GROUP BY ALL
), """ + PRICE_CTE + """
SELECT * FROM (
    SELECT r.team AS entity, a.cluster, r.accelerator_type, r.window_start, r.window_end, r.hours,
           round(r.observed, 1) AS observed, r.expected, round(r.over_hours, 1) AS over_burst_accelerator_hours,
           round(r.over_hours * p.usd_per_hour, 2) AS impact_usd, round(a.rise * p.usd_per_hour, 2) AS rise_usd
    FROM runs r JOIN attributed a USING (team, accelerator_type, run_id)
    JOIN price p ON p.cluster = a.cluster AND p.accelerator_type = r.accelerator_type
) AS found
WHERE (:cluster IS NULL OR cluster = :cluster)
ORDER BY window_start, entity"""


def quota_breach_sql(start: datetime | None, end: datetime | None, team: str | None = None,
                     cluster: str | None = None, accelerator_type: str | None = None) -> str:
    """Runs of hours a team held more of an accelerator type than its quota's burst limit allowed."""
    return bind(_QUOTA_SQL, **bounds(start, end), team=team, cluster=cluster, accelerator_type=accelerator_type,
                min_hours=QUOTA_MIN_HOURS)


QUOTAS_SQL = "SELECT team, accelerator_type, burst_limit, effective_from, effective_to FROM quotas"


def quota_breach_grid(ph: PoolHours, start: datetime | None, end: datetime | None, quotas: pd.DataFrame,
                      prices: pd.DataFrame) -> pd.DataFrame:
    """`quota_breach_sql` on the scan's shared team-pool-hour grid (`quotas` as `QUOTAS_SQL` returns it,
    `prices` per pool); tests/tools/test_scan_grid.py checks both find the same runs and values."""
    columns = ["entity", "cluster", "accelerator_type", "window_start", "window_end", "hours", "observed", "expected",
               "over_burst_accelerator_hours", "impact_usd", "rise_usd"]
    width = ph.shape[1]
    keys = ph.streams[["team", "accelerator_type"]].drop_duplicates().reset_index(drop=True)
    key_of = ph.streams.merge(keys.reset_index(), on=["team", "accelerator_type"], how="left")["index"].to_numpy()
    present = ~np.isnan(ph.alloc_all)
    alloc = np.zeros((len(keys), width))
    np.add.at(alloc, key_of, np.nan_to_num(ph.alloc_all))
    seen = np.zeros((len(keys), width), dtype=bool)
    np.logical_or.at(seen, key_of, present)
    burst = np.full((len(keys), width), np.nan)
    q = quotas.merge(keys.reset_index(), on=["team", "accelerator_type"])
    for k, limit, first, last in zip(q["index"], q["burst_limit"], q["effective_from"], q["effective_to"]):  # quota versions
        a = ph.column(pd.Timestamp(first).to_pydatetime(), 0)
        b = width if pd.isna(last) else ph.column(pd.Timestamp(last).to_pydatetime(), width)
        burst[k, a:b] = float(limit)
    inside = np.zeros(width, dtype=bool)
    inside[ph.column(start, 0):ph.column(end, width)] = True
    with np.errstate(invalid="ignore"):
        flag = seen & (alloc > burst) & inside
    rows, first, last = scan_grid.runs(flag, QUOTA_MIN_HOURS)
    if not len(rows):
        return pd.DataFrame(columns=columns)
    # per stream (team x cluster x accelerator type) of a breaching team: its typical allocation over the rows read
    typical = np.full(len(key_of), np.nan)
    involved = np.flatnonzero(np.isin(key_of, rows))
    typical[involved] = scan_grid.median_rows(ph.alloc_all[involved])
    found = []
    for k, a, b in zip(rows, first, last):  # one per breach (few)
        over = alloc[k, a:b] - burst[k, a:b]
        members = np.flatnonzero(key_of == k)
        rise = np.nansum(np.fmax(ph.alloc_all[members, a:b] - typical[members, None], 0), axis=1)
        pick = members[int(np.argmax(rise))]
        found.append({"entity": keys.at[k, "team"], "cluster": ph.streams.at[pick, "cluster"],
                      "accelerator_type": keys.at[k, "accelerator_type"], "window_start": ph.hour(a),
                      "window_end": ph.hour(b), "hours": b - a, "observed": alloc[k, a:b].max(),
                      "expected": burst[k, a:b].min(), "over": over.sum(), "rise": rise.sum()})
    r = pd.DataFrame(found).merge(prices, on=["cluster", "accelerator_type"])
    return r.assign(observed=_sql_round(r["observed"], 1), over_burst_accelerator_hours=_sql_round(r["over"], 1),
                    impact_usd=_sql_round(r["over"] * r["usd_per_hour"], 2),
                    rise_usd=_sql_round(r["rise"] * r["usd_per_hour"], 2))[columns]


def _sql_round(x: pd.Series, digits: int) -> np.ndarray:
    """DuckDB's round(): half away from zero (numpy's round is half to even)."""
    m = 10.0 ** digits
    v = np.asarray(x, dtype=float) * m
    return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5)) / m
