"""Questions the catalog has no metric or dimension for yet, as SQL that runs through the validator.

Accelerators installed (cluster_capacity), hour-of-day, idle runs, quota headroom and request age are
not in the semantic layer; each builder writes one SELECT with the view's filters as quoted literals,
and `Engine.run_sql` validates it (read-only, known tables, row limit) before it runs.
"""

from __future__ import annotations

from datetime import datetime

from dashboards.state import FilterState

IDLE_SHARE = 0.1  # an hour counts as idle when under 10% of the allocation was busy
IDLE_RUN_HOURS = 3


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ts(value: datetime) -> str:
    return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"


def where(state: FilterState, columns: dict[str, str], start: datetime | None = None, end: datetime | None = None,
          time_col: str | None = "hour") -> tuple[str, list[str]]:
    """A WHERE clause for the period and the filters this table has; and the filters it cannot apply."""
    parts = []
    if time_col:
        parts += [f"{time_col} >= {ts(start or state.start)}", f"{time_col} < {ts(end or state.end)}"]
    ignored = []
    for name, value in state.values.items():
        if name in columns:
            parts.append(f"{columns[name]} = {lit(value)}")
        else:
            ignored.append(name)
    return ("WHERE " + " AND ".join(parts)) if parts else "", ignored


UTIL_COLS = {k: k for k in ("cluster", "accelerator_type", "team", "workload_type")}


def fleet_capacity_sql(state: FilterState) -> tuple[str, list[str]]:
    """Installed, allocated and busy accelerators (hourly means) and allocation %, now vs previous period."""
    span = state.end - state.start
    prev_start = state.start - span
    cap_where, _ = where(state, {"cluster": "cluster", "accelerator_type": "accelerator_type"}, time_col=None)
    cur, ignored = where(state, UTIL_COLS)
    prev, _ = where(state, UTIL_COLS, start=prev_start, end=state.start)
    hours = span.total_seconds() / 3600
    cap_cond = cap_where.replace("WHERE ", "AND ") if cap_where else ""

    def installed(at: datetime) -> str:
        return (f"(SELECT COALESCE(SUM(accelerators), 0) FROM cluster_capacity c WHERE effective_from < {ts(at)} {cap_cond} "
                f"AND effective_from = (SELECT MAX(effective_from) FROM cluster_capacity c2 WHERE c2.cluster = c.cluster "
                f"AND c2.accelerator_type = c.accelerator_type AND c2.effective_from < {ts(at)}))")

    sql = f"""
WITH cur AS (SELECT SUM(allocated_hours) / {hours} AS allocated, SUM(busy_hours) / {hours} AS busy FROM utilization_hourly {cur}),
prev AS (SELECT SUM(allocated_hours) / {hours} AS allocated, SUM(busy_hours) / {hours} AS busy FROM utilization_hourly {prev}),
inst AS (SELECT CAST({installed(state.end)} AS DOUBLE) AS now_installed, CAST({installed(state.start)} AS DOUBLE) AS prev_installed)
SELECT 'Accelerators installed' AS kpi, now_installed AS value, prev_installed AS previous, 'count' AS unit FROM inst
UNION ALL SELECT 'Accelerators allocated', cur.allocated, prev.allocated, 'count' FROM cur, prev
UNION ALL SELECT 'Accelerators busy', cur.busy, prev.busy, 'count' FROM cur, prev
UNION ALL SELECT 'Allocation %', 100 * cur.allocated / NULLIF(now_installed, 0), 100 * prev.allocated / NULLIF(prev_installed, 0), '%'
  FROM cur, prev, inst"""
    return sql.strip(), ignored


def hour_of_day_sql(state: FilterState) -> tuple[str, list[str]]:
    """Utilization % by cluster and hour of day (UTC): when in the day pools sit idle."""
    cond, ignored = where(state, UTIL_COLS)
    sql = (f"SELECT cluster, CAST(EXTRACT(hour FROM hour) AS INTEGER) AS hour_of_day, "
           f"100 * SUM(busy_hours) / NULLIF(SUM(allocated_hours), 0) AS utilization_pct "
           f"FROM utilization_hourly {cond} GROUP BY 1, 2 ORDER BY 1, 2")
    return sql, ignored


def idle_allocations_sql(state: FilterState) -> tuple[str, list[str]]:
    """Runs of 3+ consecutive hours where an allocation was under 10% busy, largest idle cost first."""
    cond, ignored = where(state, {k: f"u.{k}" for k in UTIL_COLS}, time_col="u.hour")
    sql = f"""
WITH h AS (
  SELECT u.team, u.project, u.cluster, u.accelerator_type, u.hour, SUM(u.allocated_hours) AS alloc, SUM(u.busy_hours) AS busy
  FROM utilization_hourly u {cond} GROUP BY 1, 2, 3, 4, 5),
idle AS (
  SELECT *, EPOCH(hour) / 3600 - ROW_NUMBER() OVER (PARTITION BY team, project, cluster, accelerator_type ORDER BY hour) AS run
  FROM h WHERE alloc >= 1 AND busy < {IDLE_SHARE} * alloc)
SELECT i.team, i.project, i.cluster, i.accelerator_type, MIN(i.hour) AS start, COUNT(*) AS hours,
  ROUND(SUM(i.alloc - i.busy), 1) AS idle_accelerator_hours,
  ROUND(SUM(i.alloc - i.busy) * MAX(a.committed_usd_per_hour), 0) AS idle_cost_usd
FROM idle i JOIN accelerator_types a ON a.accelerator_type = i.accelerator_type
GROUP BY i.team, i.project, i.cluster, i.accelerator_type, i.run HAVING COUNT(*) >= {IDLE_RUN_HOURS}
ORDER BY idle_cost_usd DESC LIMIT 25"""
    return sql.strip(), ignored


def quota_headroom_sql(state: FilterState) -> tuple[str, list[str]]:
    """Per team and accelerator type: guaranteed quota, peak and mean hourly allocation, headroom at peak."""
    cond, ignored = where(state, {k: f"u.{k}" for k in ("team", "accelerator_type", "cluster", "workload_type")},
                          time_col="u.hour")
    sql = f"""
WITH q AS (SELECT team, accelerator_type, SUM(guaranteed) AS guaranteed, SUM(burst_limit) AS burst_limit FROM quotas
  WHERE effective_from < {ts(state.end)} AND (effective_to IS NULL OR effective_to > {ts(state.end)}) GROUP BY 1, 2),
h AS (SELECT u.team, u.accelerator_type, u.hour, SUM(u.allocated_hours) AS alloc FROM utilization_hourly u {cond} GROUP BY 1, 2, 3),
use AS (SELECT team, accelerator_type, MAX(alloc) AS peak, AVG(alloc) AS mean FROM h GROUP BY 1, 2)
SELECT q.team, q.accelerator_type, q.guaranteed, q.burst_limit, ROUND(use.peak, 1) AS peak_allocated,
  ROUND(use.mean, 1) AS mean_allocated, ROUND(q.guaranteed - use.peak, 1) AS headroom_at_peak,
  ROUND(100 * use.mean / NULLIF(q.guaranteed, 0), 1) AS quota_used_pct
FROM q JOIN use ON use.team = q.team AND use.accelerator_type = q.accelerator_type
ORDER BY headroom_at_peak ASC LIMIT 50"""
    return sql.strip(), ignored


def pending_requests_sql(state: FilterState) -> tuple[str, list[str]]:
    """Requests waiting for a decision at the period's end, by age bucket and priority."""
    cond, ignored = where(state, {"team": "team", "accelerator_type": "accelerator_type", "workload_type": "workload_type"},
                          time_col=None)
    extra = cond.replace("WHERE ", "AND ") if cond else ""
    age = f"DATE_DIFF('hour', submitted_at, {ts(state.end)}) / 24.0"
    sql = f"""
SELECT CASE WHEN {age} < 1 THEN '< 1 day' WHEN {age} < 3 THEN '1-3 days' WHEN {age} < 7 THEN '3-7 days' ELSE '7+ days' END AS age,
  priority, COUNT(*) AS requests, SUM(accelerators_requested) AS accelerators
FROM compute_requests
WHERE status IN ('submitted', 'needs_info') AND submitted_at < {ts(state.end)} {extra}
GROUP BY 1, 2 ORDER BY MIN({age}) ASC, requests DESC"""
    return sql.strip(), ignored
