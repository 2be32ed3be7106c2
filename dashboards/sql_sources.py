"""Tiles the catalog has no single metric for, as SQL that runs through the validator.

The fleet capacity tile is made of catalog metrics (allocated_hours, busy_hours, installed_accelerators,
installed_capacity_hours), compiled by the semantic layer and combined by one sqlglot SELECT, so it says
what `pace query` says for the same period and filters. Hour-of-day, idle runs, quota headroom and
request age are not in the semantic layer; each is a constant SQL template whose values (period, the
view's filters) are bound as sqlglot expressions by `tools._warehouse.bind`, never pasted into text.
`Engine.run_sql` validates the result (read-only, known tables, row limit) before it runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlglot
from sqlglot import exp

from dashboards.state import FilterState
from semantic_layer.catalog import Catalog
from semantic_layer.query import MetricQuery
from semantic_layer.rollups import table_for
from telemetry import rollups
from tools._warehouse import bind, value_expression

IDLE_SHARE = rollups.IDLE_SHARE  # an hour counts as idle when under 10% of the allocation was busy
IDLE_RUN_HOURS = 3


def condition(state: FilterState, columns: dict[str, str], start: datetime | None = None, end: datetime | None = None,
              time_col: str | None = "hour") -> tuple[exp.Expression, list[str]]:
    """The period and the filters this table has, as one sqlglot condition; and the filters it cannot apply."""
    parts: list[exp.Expression] = []
    if time_col:
        col = exp.column(*reversed(time_col.split(".")))
        parts += [col >= value_expression(start or state.start), col.copy() < value_expression(end or state.end)]
    ignored = []
    for name, value in state.values.items():
        if name in columns:
            parts.append(exp.column(*reversed(columns[name].split("."))).eq(value_expression(value)))
        else:
            ignored.append(name)
    return (exp.and_(*parts) if parts else exp.true()), ignored


UTIL_COLS = {k: k for k in ("cluster", "accelerator_type", "team", "workload_type")}
CAPACITY_FILTERS = ("cluster", "accelerator_type")


def fleet_capacity_queries(state: FilterState) -> tuple[MetricQuery, MetricQuery, list[str]]:
    """Allocated and busy accelerator-hours (every filter), installed capacity (cluster and type only)."""
    period = {"start": state.start, "end": state.end}
    use_filters = [{"dimension": k, "values": [v]} for k, v in state.values.items() if k in UTIL_COLS]
    cap_filters = [f for f in use_filters if f["dimension"] in CAPACITY_FILTERS]
    use = MetricQuery(metrics=["allocated_hours", "busy_hours"], filters=use_filters, time_range=period,
                      compare_to_previous=True)
    cap = MetricQuery(metrics=["installed_accelerators", "installed_capacity_hours"], filters=cap_filters,
                      time_range=period, compare_to_previous=True)
    return use, cap, [k for k in state.values if k not in UTIL_COLS]


def fleet_capacity_sql(state: FilterState, catalog: Catalog | None = None) -> tuple[str, list[str]]:
    """Installed, allocated and busy accelerators (means over the period's hours) and the share of
    installed capacity allocated, now vs the previous period of equal length: catalog metrics."""
    from semantic_layer.catalog import load_catalog
    from semantic_layer.compiler import compile_query

    catalog = catalog or load_catalog()
    use, cap, ignored = fleet_capacity_queries(state)
    hours = exp.Literal.number((state.end - state.start).total_seconds() / 3600)

    def per_hour(col: str) -> exp.Expression:
        return exp.Div(this=exp.column(col), expression=hours.copy())

    def pct(num: str, den: str) -> exp.Expression:
        return exp.Div(this=exp.Mul(this=exp.Literal.number(100), expression=exp.column(num)),
                       expression=exp.func("nullif", exp.column(den), exp.Literal.number(0)))

    tiles = [("Accelerators installed", exp.column("installed_accelerators"), exp.column("installed_accelerators__previous"), "count"),
             ("Accelerators allocated", per_hour("allocated_hours"), per_hour("allocated_hours__previous"), "count"),
             ("Accelerators busy", per_hour("busy_hours"), per_hour("busy_hours__previous"), "count"),
             ("Allocation %", pct("allocated_hours", "installed_capacity_hours"),
              pct("allocated_hours__previous", "installed_capacity_hours__previous"), "%")]
    selects = [exp.select(exp.Literal.string(k).as_("kpi"), exp.cast(v, "DOUBLE").as_("value"),
                          exp.cast(p, "DOUBLE").as_("previous"), exp.Literal.string(u).as_("unit")).from_("use").join("cap")
               for k, v, p, u in tiles]
    union = selects[0]
    for nxt in selects[1:]:
        union = exp.union(union, nxt, distinct=False)
    # the compiled trees are fresh per call, so they are nested as they are (no re-parse, no copy)
    sql = union.with_("use", as_=compile_query(catalog, use).expression, copy=False) \
        .with_("cap", as_=compile_query(catalog, cap).expression, copy=False)
    return sql.sql(dialect="duckdb"), ignored


HOUR_OF_DAY = """
SELECT cluster, CAST(EXTRACT(hour FROM hour) AS INTEGER) AS hour_of_day,
  100 * SUM(busy_hours) / NULLIF(SUM(allocated_hours), 0) AS utilization_pct
FROM utilization_hourly WHERE :cond GROUP BY 1, 2 ORDER BY 1, 2"""


def hour_of_day_sql(state: FilterState, catalog: Catalog | None = None) -> tuple[str, list[str]]:
    """Utilization % by cluster and hour of day (UTC): when in the day pools sit idle.

    Reads the smallest hourly rollup that has the cluster and the view's filter columns, when the
    warehouse has one (the same hourly sums, far fewer rows), else utilization_hourly.
    """
    cond, ignored = condition(state, UTIL_COLS)
    hourly = state.start.minute == state.start.second == state.end.minute == state.end.second == 0
    columns = {"cluster"} | {k for k in state.values if k in UTIL_COLS}
    table = table_for(getattr(catalog, "rollups", ()), "utilization_hourly", columns, {"busy_hours", "allocated_hours"},
                      "hour") if hourly else "utilization_hourly"
    tree = sqlglot.parse_one(bind(HOUR_OF_DAY, cond=cond), read="duckdb")
    if table != "utilization_hourly":
        tree = tree.transform(lambda n: exp.to_table(table) if isinstance(n, exp.Table) and n.name == "utilization_hourly" else n)
    return tree.sql(dialect="duckdb"), ignored


# An allocation-hour (team, project, pool, hour: its workload types summed) is idle when its busy sum is
# under 10% of its allocated sum; that can only happen if one of its rows has busy unmeasured or under
# 10% of its own allocation (were every row at 10% or more, so would the sums be). So the hours are
# first narrowed to those rows (a filter scan), and only those allocation-hours are summed: the same
# runs, without grouping every hour of the period (36 s -> about 1 s over three years on `large`).
IDLE_ALLOCATIONS = """
WITH candidates AS (
  SELECT DISTINCT u.team, u.project, u.cluster, u.accelerator_type, u.hour FROM utilization_hourly u
  WHERE :cond AND (u.busy_hours IS NULL OR u.busy_hours < :idle_share * u.allocated_hours)),
h AS (
  SELECT u.team, u.project, u.cluster, u.accelerator_type, u.hour, SUM(u.allocated_hours) AS alloc, SUM(u.busy_hours) AS busy
  FROM utilization_hourly u SEMI JOIN candidates c
    ON c.team = u.team AND c.project = u.project AND c.cluster = u.cluster AND c.accelerator_type = u.accelerator_type AND c.hour = u.hour
  WHERE :cond GROUP BY 1, 2, 3, 4, 5),
idle AS (
  SELECT *, EPOCH(hour) / 3600 - ROW_NUMBER() OVER (PARTITION BY team, project, cluster, accelerator_type ORDER BY hour) AS run
  FROM h WHERE alloc >= 1 AND busy < :idle_share * alloc)
SELECT i.team, i.project, i.cluster, i.accelerator_type, MIN(i.hour) AS start, COUNT(*) AS hours,
  ROUND(SUM(i.alloc - i.busy), 1) AS idle_accelerator_hours,
  ROUND(SUM(i.alloc - i.busy) * MAX(a.committed_usd_per_hour), 0) AS idle_cost_usd
FROM idle i JOIN accelerator_types a ON a.accelerator_type = i.accelerator_type
GROUP BY i.team, i.project, i.cluster, i.accelerator_type, i.run HAVING COUNT(*) >= :run_hours
ORDER BY idle_cost_usd DESC LIMIT 25"""


def idle_allocations_sql(state: FilterState, windows: list[tuple[datetime, datetime]] | None = None) -> tuple[str, list[str]]:
    """Runs of 3+ consecutive hours where an allocation was under 10% busy, largest idle cost first.

    `windows` narrows the hours read to the spans of days that can hold an idle hour (`idle_windows`);
    the runs found are the same, as no idle hour lies outside them (a run crossing midnight has an idle
    hour, so a candidate row, on both days). An empty list reads no hour."""
    cond, ignored = condition(state, {k: f"u.{k}" for k in UTIL_COLS}, time_col="u.hour")
    if windows is not None:
        col = exp.column("hour", table="u")
        spans = [exp.Paren(this=exp.and_(col.copy() >= value_expression(lo), col.copy() < value_expression(hi)))
                 for lo, hi in windows]
        cond = exp.and_(cond, exp.Paren(this=exp.or_(*spans)) if spans else exp.false())
    return bind(IDLE_ALLOCATIONS, cond=cond, idle_share=IDLE_SHARE, run_hours=IDLE_RUN_HOURS), ignored


IDLE_DAYS = """
SELECT DISTINCT u.hour AS day FROM utilization_daily u
WHERE :cond AND u.idle_candidate_rows > 0 ORDER BY 1"""
MAX_IDLE_WINDOWS = 24
"""Spans of candidate days read one by one at most; beyond, one span from the first to the last (DuckDB
skips row groups outside each span, so a few spans read far fewer rows than one wide window)."""


def idle_days_sql(state: FilterState, catalog: Catalog | None) -> str | None:
    """The days of the period with a row that could make an allocation-hour idle, from the daily rollup
    (4M rows for 102M on `large`); None without a current one or for a period off midnight."""
    current = {i.rollup.name for i in getattr(catalog, "rollups", ())}
    if "utilization_daily" not in current or any(t.hour or t.minute or t.second for t in (state.start, state.end)):
        return None
    cond, _ = condition(state, {k: f"u.{k}" for k in UTIL_COLS}, time_col="u.hour")
    return bind(IDLE_DAYS, cond=cond)


def idle_windows(days: list[datetime], limit: int = MAX_IDLE_WINDOWS) -> list[tuple[datetime, datetime]]:
    """Sorted candidate days as half-open spans of consecutive days; one span from first to last when
    there are more than `limit` (the condition stays short; the same hours are still covered)."""
    spans: list[tuple[datetime, datetime]] = []
    for day in days:
        if spans and spans[-1][1] == day:
            spans[-1] = (spans[-1][0], day + timedelta(days=1))
        else:
            spans.append((day, day + timedelta(days=1)))
    return spans if len(spans) <= limit else [(spans[0][0], spans[-1][1])]


QUOTA_HEADROOM = """
WITH q AS (SELECT team, accelerator_type, SUM(guaranteed) AS guaranteed, SUM(burst_limit) AS burst_limit FROM quotas
  WHERE effective_from < :end AND (effective_to IS NULL OR effective_to > :end) GROUP BY 1, 2),
h AS (SELECT u.team, u.accelerator_type, u.hour, SUM(u.allocated_hours) AS alloc FROM utilization_hourly u WHERE :cond GROUP BY 1, 2, 3),
use AS (SELECT team, accelerator_type, MAX(alloc) AS peak, AVG(alloc) AS mean FROM h GROUP BY 1, 2)
SELECT q.team, q.accelerator_type, q.guaranteed, q.burst_limit, ROUND(use.peak, 1) AS peak_allocated,
  ROUND(use.mean, 1) AS mean_allocated, ROUND(q.guaranteed - use.peak, 1) AS headroom_at_peak,
  ROUND(100 * use.mean / NULLIF(q.guaranteed, 0), 1) AS quota_used_pct
FROM q JOIN use ON use.team = q.team AND use.accelerator_type = q.accelerator_type
ORDER BY headroom_at_peak ASC LIMIT 50"""


def quota_headroom_sql(state: FilterState) -> tuple[str, list[str]]:
    """Per team and accelerator type: guaranteed quota, peak and mean hourly allocation, headroom at peak."""
    cond, ignored = condition(state, {k: f"u.{k}" for k in ("team", "accelerator_type", "cluster", "workload_type")},
                              time_col="u.hour")
    return bind(QUOTA_HEADROOM, cond=cond, end=state.end), ignored


PENDING_REQUESTS = """
SELECT CASE WHEN DATE_DIFF('hour', submitted_at, :end) / 24.0 < 1 THEN '< 1 day'
            WHEN DATE_DIFF('hour', submitted_at, :end) / 24.0 < 3 THEN '1-3 days'
            WHEN DATE_DIFF('hour', submitted_at, :end) / 24.0 < 7 THEN '3-7 days' ELSE '7+ days' END AS age,
  priority, COUNT(*) AS requests, SUM(accelerators_requested) AS accelerators
FROM compute_requests
WHERE status IN ('submitted', 'needs_info') AND submitted_at < :end AND :cond
GROUP BY 1, 2 ORDER BY MIN(DATE_DIFF('hour', submitted_at, :end)) ASC, requests DESC"""


def pending_requests_sql(state: FilterState) -> tuple[str, list[str]]:
    """Requests waiting for a decision at the period's end, by age bucket and priority."""
    cond, ignored = condition(state, {"team": "team", "accelerator_type": "accelerator_type", "workload_type": "workload_type"},
                              time_col=None)
    return bind(PENDING_REQUESTS, cond=cond, end=state.end), ignored
