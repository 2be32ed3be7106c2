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

from tools._warehouse import literal as lit
from tools.scan_sql import MAD_SCALE, PRICE_CTE, Z_THRESHOLD, equals, history_filter, islands, window_filter

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


def queue_wait_surge_sql(start: datetime | None, end: datetime | None, cluster: str | None = None,
                         accelerator_type: str | None = None) -> str:
    """Runs of jobs whose queue wait was far above their pool's usual for that hour of day."""
    where = equals({"cluster": cluster, "accelerator_type": accelerator_type})
    return f"""WITH j AS (
    SELECT cluster, accelerator_type, submit_at, accelerators, queue_wait_minutes AS wait
    FROM jobs WHERE {where} AND {history_filter("submit_at", start, end)}
), ph AS (
    SELECT cluster, accelerator_type, date_trunc('hour', submit_at) AS hour, extract(hour FROM submit_at) AS hod,
           count(*) AS n, median(wait) AS wait, median(ln(1 + wait)) AS lw, sum(accelerators * wait) AS acc_wait
    FROM j GROUP BY cluster, accelerator_type, date_trunc('hour', submit_at), extract(hour FROM submit_at)
), local AS (
    SELECT *, median(lw) OVER (PARTITION BY cluster, accelerator_type, hod ORDER BY hour
                               RANGE BETWEEN INTERVAL {QUEUE_BASELINE_DAYS} DAYS PRECEDING
                                         AND INTERVAL {QUEUE_BASELINE_DAYS} DAYS FOLLOWING) AS m
    FROM ph
), spread AS (
    SELECT cluster, accelerator_type, hod, {MAD_SCALE} * median(abs(lw - m)) AS mad FROM local GROUP BY ALL
), flagged AS (
    SELECT l.*, exp(l.m) - 1 AS wait_med FROM local l JOIN spread s USING (cluster, accelerator_type, hod)
    WHERE l.lw - l.m > {Z_THRESHOLD} * greatest(s.mad, 0.05) AND l.wait >= {QUEUE_RATIO} * (exp(l.m) - 1)
      AND l.wait - (exp(l.m) - 1) >= {QUEUE_MIN_EXTRA_MIN} AND {window_filter("l.hour", start, end)}
), {islands("flagged", ["cluster", "accelerator_type"], QUEUE_GAP_HOURS)},
runs AS (
    SELECT cluster, accelerator_type, min(hour) AS window_start, max(hour) + INTERVAL 1 HOUR AS window_end,
           sum(n) AS jobs, sum(wait * n) / sum(n) AS observed, sum(wait_med * n) / sum(n) AS expected,
           (sum(acc_wait) - sum(wait_med * n)) / 60 AS waiting_accelerator_hours
    FROM isl GROUP BY cluster, accelerator_type, run_id HAVING sum(n) >= {QUEUE_MIN_JOBS} AND count(*) >= {QUEUE_MIN_HOURS}
), share AS (
    SELECT r.cluster, r.accelerator_type, r.window_start, sum(p.n) AS all_jobs
    FROM runs r JOIN ph p ON p.cluster = r.cluster AND p.accelerator_type = r.accelerator_type
     AND p.hour >= r.window_start AND p.hour < r.window_end
    GROUP BY ALL
), {PRICE_CTE}
SELECT r.cluster AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.jobs,
       round(r.observed, 1) AS observed, round(r.expected, 1) AS expected,
       round(greatest(r.waiting_accelerator_hours, 0), 1) AS waiting_accelerator_hours,
       round(greatest(r.waiting_accelerator_hours, 0) * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN share s USING (cluster, accelerator_type, window_start)
JOIN price p USING (cluster, accelerator_type)
WHERE r.jobs >= {QUEUE_MIN_SHARE} * s.all_jobs
ORDER BY r.window_start, entity"""


def failure_rate_spike_sql(start: datetime | None, end: datetime | None, team: str | None = None,
                           cluster: str | None = None, accelerator_type: str | None = None) -> str:
    """Runs of 6-hour buckets in which a team's jobs on a pool failed far more often than usual."""
    where = equals({"team": team, "cluster": cluster, "accelerator_type": accelerator_type})
    keys = ["team", "cluster", "accelerator_type"]
    bucket = f"date_trunc('day', submit_at) + (CAST(extract(hour FROM submit_at) AS INTEGER) // {FAILURE_BUCKET_HOURS} * {FAILURE_BUCKET_HOURS}) * INTERVAL 1 HOUR"
    return f"""WITH b AS (
    SELECT team, cluster, accelerator_type, {bucket} AS hour, count(*) AS n,
           count(*) FILTER (WHERE state = 'failed') AS failed,
           sum(accelerator_hours) FILTER (WHERE state = 'failed') AS failed_hours
    FROM jobs WHERE {where} AND {history_filter("submit_at", start, end)} GROUP BY ALL
), rate AS (
    SELECT team, cluster, accelerator_type, greatest(sum(failed) / sum(n), 0.005) AS p0,
           sum(failed_hours) / nullif(sum(failed), 0) AS hours_per_failure
    FROM b GROUP BY ALL
), flagged AS (
    SELECT b.*, r.p0, r.hours_per_failure FROM b JOIN rate r USING (team, cluster, accelerator_type)
    WHERE b.failed >= {FAILURE_MIN_FAILED} AND b.failed >= {FAILURE_RATIO} * r.p0 * b.n
      AND {window_filter("b.hour", start, end)}
), {islands("flagged", keys, 2 * FAILURE_BUCKET_HOURS)},
runs AS (
    SELECT team, cluster, accelerator_type, min(hour) AS window_start,
           max(hour) + INTERVAL {FAILURE_BUCKET_HOURS} HOUR AS window_end, sum(n) AS jobs,
           sum(failed) / sum(n) AS observed, any_value(p0) AS expected,
           (sum(failed) - sum(n) * any_value(p0)) * any_value(hours_per_failure) AS excess_failed_hours
    FROM isl GROUP BY team, cluster, accelerator_type, run_id
    HAVING count(*) >= {FAILURE_MIN_BUCKETS} AND sum(failed) >= {FAILURE_MIN_RUN_FAILED}
       AND (sum(failed) - sum(n) * any_value(p0)) / sqrt(sum(n) * any_value(p0) * (1 - any_value(p0))) >= {FAILURE_RUN_Z}
), {PRICE_CTE}
SELECT r.team AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.jobs,
       round(r.observed, 4) AS observed, round(r.expected, 4) AS expected,
       round(r.excess_failed_hours, 1) AS excess_failed_accelerator_hours,
       round(r.excess_failed_hours * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN price p USING (cluster, accelerator_type)
ORDER BY r.window_start, entity"""


def quota_breach_sql(start: datetime | None, end: datetime | None, team: str | None = None,
                     cluster: str | None = None, accelerator_type: str | None = None) -> str:
    """Runs of hours a team held more of an accelerator type than its quota's burst limit allowed."""
    where = equals({"team": team, "accelerator_type": accelerator_type})
    pick = f"WHERE cluster = {lit(cluster)}" if cluster else ""
    hist = history_filter("hour", start, end)
    return f"""WITH tt AS (
    SELECT team, accelerator_type, hour, sum(allocated_hours) AS alloc
    FROM utilization_hourly WHERE {where} AND {hist} GROUP BY team, accelerator_type, hour
), flagged AS (
    SELECT t.*, q.burst_limit FROM tt t JOIN quotas q
      ON q.team = t.team AND q.accelerator_type = t.accelerator_type
     AND t.hour >= q.effective_from AND (q.effective_to IS NULL OR t.hour < q.effective_to)
    WHERE t.alloc > q.burst_limit AND {window_filter("t.hour", start, end)}
), {islands("flagged", ["team", "accelerator_type"])},
runs AS (
    SELECT team, accelerator_type, run_id, min(hour) AS window_start, max(hour) + INTERVAL 1 HOUR AS window_end,
           count(*) AS hours, max(alloc) AS observed, min(burst_limit) AS expected, sum(alloc - burst_limit) AS over_hours
    FROM isl GROUP BY team, accelerator_type, run_id HAVING count(*) >= {QUOTA_MIN_HOURS}
), tc AS (
    SELECT u.team, u.accelerator_type, u.cluster, u.hour, sum(u.allocated_hours) AS alloc
    FROM utilization_hourly u WHERE {history_filter("u.hour", start, end)}
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
), {PRICE_CTE}
SELECT * FROM (
    SELECT r.team AS entity, a.cluster, r.accelerator_type, r.window_start, r.window_end, r.hours,
           round(r.observed, 1) AS observed, r.expected, round(r.over_hours, 1) AS over_burst_accelerator_hours,
           round(r.over_hours * p.usd_per_hour, 2) AS impact_usd, round(a.rise * p.usd_per_hour, 2) AS rise_usd
    FROM runs r JOIN attributed a USING (team, accelerator_type, run_id)
    JOIN price p ON p.cluster = a.cluster AND p.accelerator_type = r.accelerator_type
) {pick}
ORDER BY window_start, entity"""
