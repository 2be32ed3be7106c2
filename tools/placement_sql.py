"""The warehouse queries behind placement, one builder each; an optional type filter gives the same
query narrowed to one accelerator, which is the evidence a single recommendation cites.

Each is a constant template whose values are bound as sqlglot expressions (`tools._warehouse.bind`),
so each string runs as-is in `pace sql`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlglot import exp

from tools._warehouse import bind

HISTORY_DAYS = 180  # throughput history: long enough for a sample, short enough to reflect today's stack
RECENT_DAYS = 7  # "recent allocation" for capacity, quota and commitment headroom
POWER_DAYS = 28


def _type_is(column: str, accelerator_type: str | None) -> exp.Expression:
    """`column = 'TYPE'` as a sqlglot condition, or TRUE when no type is given."""
    if not accelerator_type:
        return exp.true()
    return exp.column(*reversed(column.split("."))).eq(exp.Literal.string(accelerator_type))


CATALOG = """SELECT accelerator_type, kind, memory_gb, tdp_watts, peak_bf16_tflops, on_demand_usd_per_hour,
       committed_usd_per_hour, on_device, introduced_on
FROM accelerator_types WHERE :type_ok
ORDER BY accelerator_type"""


def catalog_sql(accelerator_type: str | None = None) -> str:
    return bind(CATALOG, type_ok=_type_is("accelerator_type", accelerator_type))


THROUGHPUT = """SELECT accelerator_type, count(*) AS jobs, sum(accelerator_hours) AS accelerator_hours,
       median(mfu) AS mfu_median, quantile_cont(mfu, 0.25) AS mfu_p25, quantile_cont(mfu, 0.75) AS mfu_p75,
       sum(tokens_processed) / sum(accelerator_hours) AS tokens_per_accelerator_hour,
       sum(samples_processed) / sum(accelerator_hours) AS samples_per_accelerator_hour
FROM jobs
WHERE state = 'completed' AND workload_type = :workload AND mfu IS NOT NULL AND accelerator_hours > 0
  AND end_at >= :since AND end_at < :stop AND :type_ok
GROUP BY accelerator_type
ORDER BY accelerator_type"""


def throughput_sql(workload: str, end: datetime, accelerator_type: str | None = None) -> str:
    """Completed jobs' MFU (throughput per peak FLOP, already normalized by model size) and raw rates."""
    return bind(THROUGHPUT, workload=workload, since=end - timedelta(days=HISTORY_DAYS), stop=end,
                type_ok=_type_is("accelerator_type", accelerator_type))


POWER = """SELECT accelerator_type,
       sum(energy_kwh) FILTER (WHERE workload_type = :workload)
         / nullif(sum(allocated_hours) FILTER (WHERE workload_type = :workload), 0) AS kw_workload,
       sum(energy_kwh) / nullif(sum(allocated_hours), 0) AS kw_all
FROM utilization_hourly
WHERE hour >= :since AND hour < :stop
GROUP BY accelerator_type
ORDER BY accelerator_type"""


def power_sql(workload: str, end: datetime) -> str:
    """Measured kW per allocated accelerator: for this workload, and over all work on the type."""
    return bind(POWER, workload=workload, since=end - timedelta(days=POWER_DAYS), stop=end)


POOLS = """WITH cap AS (
    SELECT cluster, accelerator_type, arg_max(accelerators, effective_from) AS capacity
    FROM cluster_capacity WHERE effective_from < :stop AND :type_ok
    GROUP BY cluster, accelerator_type
), hourly AS (
    SELECT cluster, accelerator_type, hour, sum(allocated_hours) AS allocated
    FROM utilization_hourly WHERE hour >= :since AND hour < :stop AND :type_ok
    GROUP BY cluster, accelerator_type, hour
), used AS (
    SELECT cluster, accelerator_type, quantile_cont(allocated, 0.9) AS allocated_p90
    FROM hourly GROUP BY cluster, accelerator_type
), unused AS (
    SELECT x_cluster AS cluster, x_accelerator_type AS accelerator_type,
           CAST(sum(PricingQuantity) AS DOUBLE) / :recent_days AS unused_commitment_per_day
    FROM cost_daily
    WHERE CommitmentDiscountStatus = 'Unused' AND ChargePeriodStart >= :since AND ChargePeriodStart < :stop
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


def pools_sql(end: datetime, accelerator_type: str | None = None) -> str:
    """Per cluster and type: installed capacity, p90 of hourly allocation, unused commitment per day."""
    return bind(POOLS, stop=end, since=end - timedelta(days=RECENT_DAYS), recent_days=float(RECENT_DAYS),
                type_ok=_type_is("accelerator_type", accelerator_type))


QUOTA = """WITH q AS (
    SELECT accelerator_type, arg_max(burst_limit, effective_from) AS burst_limit,
           arg_max(guaranteed, effective_from) AS guaranteed
    FROM quotas
    WHERE team = :team AND effective_from < :stop AND (effective_to IS NULL OR effective_to >= CAST(:stop AS DATE))
    GROUP BY accelerator_type
), hourly AS (
    SELECT accelerator_type, hour, sum(allocated_hours) AS allocated FROM utilization_hourly
    WHERE team = :team AND hour >= :since AND hour < :stop
    GROUP BY accelerator_type, hour
), used AS (
    SELECT accelerator_type, quantile_cont(allocated, 0.9) AS allocated_p90 FROM hourly GROUP BY accelerator_type
)
SELECT q.accelerator_type, q.guaranteed, q.burst_limit, coalesce(used.allocated_p90, 0) AS allocated_p90,
       q.burst_limit - coalesce(used.allocated_p90, 0) AS headroom
FROM q LEFT JOIN used ON used.accelerator_type = q.accelerator_type
ORDER BY q.accelerator_type"""


def quota_sql(team: str, end: datetime) -> str:
    """The team's burst limit in force at `end` and its p90 hourly allocation over the last week, per type."""
    return bind(QUOTA, team=team, stop=end, since=end - timedelta(days=RECENT_DAYS))


TEAMS_SQL = "SELECT team FROM teams ORDER BY team"
END_SQL = "SELECT max(hour) AS last_hour FROM utilization_hourly"
