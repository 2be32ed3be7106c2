"""The warehouse queries behind placement, one builder each; an optional type filter gives the same
query narrowed to one accelerator, which is the evidence a single recommendation cites.

Literals are inlined (see `tools._warehouse`), so each string runs as-is in `pace sql`.
"""

from __future__ import annotations

from datetime import datetime

from tools._warehouse import literal as lit
from tools._warehouse import ts

HISTORY_DAYS = 180  # throughput history: long enough for a sample, short enough to reflect today's stack
RECENT_DAYS = 7  # "recent allocation" for capacity, quota and commitment headroom
POWER_DAYS = 28


def _type_filter(column: str, accelerator_type: str | None) -> str:
    return f" AND {column} = {lit(accelerator_type)}" if accelerator_type else ""


def catalog_sql(accelerator_type: str | None = None) -> str:
    where = f"\nWHERE accelerator_type = {lit(accelerator_type)}" if accelerator_type else ""
    return f"""SELECT accelerator_type, kind, memory_gb, tdp_watts, peak_bf16_tflops, on_demand_usd_per_hour,
       committed_usd_per_hour, on_device, introduced_on
FROM accelerator_types{where}
ORDER BY accelerator_type"""


def throughput_sql(workload: str, end: datetime, accelerator_type: str | None = None) -> str:
    """Completed jobs' MFU (throughput per peak FLOP, already normalized by model size) and raw rates."""
    stop = ts(end)
    return f"""SELECT accelerator_type, count(*) AS jobs, sum(accelerator_hours) AS accelerator_hours,
       median(mfu) AS mfu_median, quantile_cont(mfu, 0.25) AS mfu_p25, quantile_cont(mfu, 0.75) AS mfu_p75,
       sum(tokens_processed) / sum(accelerator_hours) AS tokens_per_accelerator_hour,
       sum(samples_processed) / sum(accelerator_hours) AS samples_per_accelerator_hour
FROM jobs
WHERE state = 'completed' AND workload_type = {lit(workload)} AND mfu IS NOT NULL AND accelerator_hours > 0
  AND end_at >= {stop} - INTERVAL {HISTORY_DAYS} DAY AND end_at < {stop}{_type_filter('accelerator_type', accelerator_type)}
GROUP BY accelerator_type
ORDER BY accelerator_type"""


def power_sql(workload: str, end: datetime) -> str:
    """Measured kW per allocated accelerator: for this workload, and over all work on the type."""
    stop = ts(end)
    return f"""SELECT accelerator_type,
       sum(energy_kwh) FILTER (WHERE workload_type = {lit(workload)})
         / nullif(sum(allocated_hours) FILTER (WHERE workload_type = {lit(workload)}), 0) AS kw_workload,
       sum(energy_kwh) / nullif(sum(allocated_hours), 0) AS kw_all
FROM utilization_hourly
WHERE hour >= {stop} - INTERVAL {POWER_DAYS} DAY AND hour < {stop}
GROUP BY accelerator_type
ORDER BY accelerator_type"""


def pools_sql(end: datetime, accelerator_type: str | None = None) -> str:
    """Per cluster and type: installed capacity, p90 of hourly allocation, unused commitment per day."""
    stop = ts(end)
    since = f"{stop} - INTERVAL {RECENT_DAYS} DAY"
    return f"""WITH cap AS (
    SELECT cluster, accelerator_type, arg_max(accelerators, effective_from) AS capacity
    FROM cluster_capacity WHERE effective_from < {stop}{_type_filter('accelerator_type', accelerator_type)}
    GROUP BY cluster, accelerator_type
), hourly AS (
    SELECT cluster, accelerator_type, hour, sum(allocated_hours) AS allocated
    FROM utilization_hourly WHERE hour >= {since} AND hour < {stop}{_type_filter('accelerator_type', accelerator_type)}
    GROUP BY cluster, accelerator_type, hour
), used AS (
    SELECT cluster, accelerator_type, quantile_cont(allocated, 0.9) AS allocated_p90
    FROM hourly GROUP BY cluster, accelerator_type
), unused AS (
    SELECT x_cluster AS cluster, x_accelerator_type AS accelerator_type,
           sum(PricingQuantity)::DOUBLE / {RECENT_DAYS} AS unused_commitment_per_day
    FROM cost_daily
    WHERE CommitmentDiscountStatus = 'Unused' AND ChargePeriodStart >= {since} AND ChargePeriodStart < {stop}
    GROUP BY x_cluster, x_accelerator_type
)
SELECT cap.cluster, cap.accelerator_type, cap.capacity, coalesce(used.allocated_p90, 0) AS allocated_p90,
       cap.capacity - coalesce(used.allocated_p90, 0) AS free, clusters.is_on_prem,
       coalesce(unused.unused_commitment_per_day, 0) AS unused_commitment_per_day
FROM cap
JOIN clusters ON clusters.cluster = cap.cluster
LEFT JOIN used ON used.cluster = cap.cluster AND used.accelerator_type = cap.accelerator_type
LEFT JOIN unused ON unused.cluster = cap.cluster AND unused.accelerator_type = cap.accelerator_type
ORDER BY cap.accelerator_type, cap.cluster"""


def quota_sql(team: str, end: datetime) -> str:
    """The team's burst limit in force at `end` and its p90 hourly allocation over the last week, per type."""
    stop = ts(end)
    return f"""WITH q AS (
    SELECT accelerator_type, arg_max(burst_limit, effective_from) AS burst_limit,
           arg_max(guaranteed, effective_from) AS guaranteed
    FROM quotas
    WHERE team = {lit(team)} AND effective_from < {stop} AND (effective_to IS NULL OR effective_to >= CAST({stop} AS DATE))
    GROUP BY accelerator_type
), hourly AS (
    SELECT accelerator_type, hour, sum(allocated_hours) AS allocated FROM utilization_hourly
    WHERE team = {lit(team)} AND hour >= {stop} - INTERVAL {RECENT_DAYS} DAY AND hour < {stop}
    GROUP BY accelerator_type, hour
), used AS (
    SELECT accelerator_type, quantile_cont(allocated, 0.9) AS allocated_p90 FROM hourly GROUP BY accelerator_type
)
SELECT q.accelerator_type, q.guaranteed, q.burst_limit, coalesce(used.allocated_p90, 0) AS allocated_p90,
       q.burst_limit - coalesce(used.allocated_p90, 0) AS headroom
FROM q LEFT JOIN used ON used.accelerator_type = q.accelerator_type
ORDER BY q.accelerator_type"""


TEAMS_SQL = "SELECT team FROM teams ORDER BY team"
END_SQL = "SELECT max(hour) AS last_hour FROM utilization_hourly"
