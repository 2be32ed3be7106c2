"""The weekly narrative's queries: one read-only SELECT per block of numbers, values bound, never pasted.

A figure the catalog defines (spend, utilization, idle cost, accelerator-hours, incidents...) comes from
the compiler: the week and the week before are compiled as one MetricQuery at a weekly (or daily) grain,
and a thin sqlglot SELECT around it only lays the cells side by side (this_week, last_week, change,
change_pct). So a change to a metric's definition changes the narrative too, and every figure in the
narrative is still a cell of a query result that a reader can rerun with `pace sql`.

Blocks with no catalog metric for what they say (approvals counted by decision time, resolution times
by resolve time, peak allocation against installed capacity) are constant templates whose values
`tools._warehouse.bind` fills.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlglot import exp

from semantic_layer.catalog import load_catalog
from semantic_layer.compiler import compile_query
from semantic_layer.query import MetricQuery
from tools._warehouse import bind, value_expression
from tools.weekly_types import Week

__all__ = ["Week", "spend", "utilization", "idle_cost", "hours_by_type", "spend_movers", "idle_by_team",
           "idle_vs_baseline", "daily_spend", "governance", "incidents", "incidents_by_severity", "resolution",
           "capacity_headroom", "data_bounds"]

SEVERITY_LEVELS = ("SEV1", "SEV2", "SEV3", "SEV4")
MOVER_DIMENSIONS = ("team", "accelerator_type")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def metric_select(metrics: Sequence[str], start: date, end: date, *, by: Sequence[str] = (),
                  grain: str | None = None) -> exp.Select:
    """The compiler's SELECT for `metrics` over [start, end), grouped by `by` (and time at `grain`)."""
    group = [{"dimension": d} for d in by] + ([{"dimension": "time", "grain": grain}] if grain else [])
    query = MetricQuery(metrics=list(metrics), group_by=group, time_range={"start": _at(start), "end": _at(end)})
    compiled = compile_query(load_catalog(), query).expression
    assert isinstance(compiled, exp.Select)
    return compiled


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _in_week(grain_column: str, start: date) -> exp.Expression:
    return _col(grain_column).eq(value_expression(_at(start)))


def _cell(metric: str, when: exp.Expression, *, zero: bool = False) -> exp.Expression:
    """The one cell of `metric` where `when` holds (a pivot: each group has one row per week)."""
    cell: exp.Expression = exp.Filter(this=exp.Max(this=_col(metric)), expression=exp.Where(this=when))
    return exp.func("coalesce", cell, exp.Literal.number(0)) if zero else cell


def _change_pct(this: exp.Expression, last: exp.Expression) -> exp.Expression:
    return exp.Div(this=exp.Mul(this=exp.Literal.number("100.0"), expression=exp.paren(exp.Sub(this=this, expression=last))),
                   expression=exp.func("nullif", last, exp.Literal.number(0)))


def week_over_week(week: Week, metric: str, *, by: str | None = None, order: Sequence[exp.Ordered] = (),
                   limit: int | None = None, zero: bool = False) -> exp.Select:
    """key (when grouped), this_week, last_week, change, change_pct of one catalog metric.

    The metric is compiled once over both weeks at a weekly grain and pivoted, so a group present in
    only one of the weeks still shows (with the other week empty)."""
    inner = metric_select([metric], week.prev_start, week.end, by=[by] if by else [], grain="week")
    keys = [_col(by).as_("key", quoted=False)] if by else []
    pivot = (exp.select(*keys,
                        exp.alias_(_cell(metric, _in_week("time__week", week.start), zero=zero), "this_week"),
                        exp.alias_(_cell(metric, _in_week("time__week", week.prev_start), zero=zero), "last_week"))
             .from_(inner.subquery("m")))
    if by:
        pivot = pivot.group_by(_col(by))
    this, last = exp.column("this_week"), exp.column("last_week")
    out = exp.select(*([exp.column("key")] if by else []), this, last,
                     exp.alias_(exp.Sub(this=this, expression=last), "change"),
                     exp.alias_(_change_pct(this, last), "change_pct")).from_(pivot.subquery("t"))
    if order:
        out = out.order_by(*order)
    if limit:
        out = out.limit(limit)
    return out


def _sql(select: exp.Expression) -> str:
    """DuckDB SQL, laid out for the reader of the sources appendix."""
    return select.sql(dialect="duckdb", pretty=True)


def spend(week: Week) -> str:
    """Spend: the catalog's effective_cost_usd (FOCUS EffectiveCost)."""
    return _sql(week_over_week(week, "effective_cost_usd"))


def utilization(week: Week) -> str:
    """Utilization: the catalog's utilization_pct (busy / allocated hours with a busy measure); change in pp."""
    return _sql(week_over_week(week, "utilization_pct"))


def idle_cost(week: Week) -> str:
    """Idle cost: the catalog's idle_cost_usd (idle hours x committed $/h)."""
    return _sql(week_over_week(week, "idle_cost_usd"))


def hours_by_type(week: Week) -> str:
    """The catalog's allocated_hours per accelerator type, largest this week first."""
    order = [exp.Ordered(this=exp.column("this_week"), desc=True, nulls_first=False), exp.Ordered(this=exp.column("key"))]
    return _sql(week_over_week(week, "allocated_hours", by="accelerator_type", order=order))


def spend_movers(week: Week, dimension: str, limit: int = 3) -> str:
    """Teams or accelerator types whose spend (effective_cost_usd) moved most, either way; spend no team
    or type claims is left out (it has no owner to name)."""
    if dimension not in MOVER_DIMENSIONS:
        raise ValueError(f"spend movers are by one of {MOVER_DIMENSIONS}, not {dimension!r}")
    moved = exp.func("abs", exp.Sub(this=exp.func("coalesce", exp.column("this_week"), exp.Literal.number(0)),
                                    expression=exp.func("coalesce", exp.column("last_week"), exp.Literal.number(0))))
    select = week_over_week(week, "effective_cost_usd", by=dimension,
                            order=[exp.Ordered(this=moved, desc=True), exp.Ordered(this=exp.column("key"))], limit=limit)
    return _sql(select.where(exp.Not(this=exp.Is(this=exp.column("key"), expression=exp.Null()))))


def idle_by_team(week: Week) -> str:
    """The team with the most idle cost (idle_cost_usd by team) and its share of the week's idle cost."""
    inner = metric_select(["idle_cost_usd"], week.start, week.end, by=["team"])
    idle = _col("idle_cost_usd")
    share = exp.Div(this=exp.Mul(this=exp.Literal.number("100.0"), expression=idle),
                    expression=exp.Window(this=exp.Sum(this=idle.copy())))
    return _sql(exp.select(_col("team").as_("key", quoted=False), exp.alias_(idle.copy(), "idle_usd"),
                           exp.alias_(share, "share_pct"))
                .from_(inner.subquery("m"))
                .order_by(exp.Ordered(this=exp.column("idle_usd"), desc=True), exp.Ordered(this=exp.column("key")))
                .limit(1))


def idle_vs_baseline(week: Week) -> str:
    """This week's idle cost against the weekly average of the up-to-four weeks before it: the catalog's
    idle_cost_usd by day, summed per side (the metric is a sum), the baseline scaled by its days of data."""
    inner = metric_select(["idle_cost_usd"], week.start - timedelta(days=28), week.end, grain="day")
    before = exp.LT(this=_col("time__day"), expression=value_expression(_at(week.start)))
    after = exp.GTE(this=_col("time__day"), expression=value_expression(_at(week.start)))
    idle = _col("idle_cost_usd")
    days = exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=before.copy()))
    baseline = exp.Div(this=exp.Filter(this=exp.Sum(this=idle.copy()), expression=exp.Where(this=before)),
                       expression=exp.func("nullif", exp.Div(this=days, expression=exp.Literal.number("7.0")),
                                           exp.Literal.number(0)))
    sides = exp.select(exp.alias_(exp.Filter(this=exp.Sum(this=idle), expression=exp.Where(this=after)), "this_week"),
                       exp.alias_(baseline, "baseline")).from_(inner.subquery("m"))
    this, base = exp.column("this_week"), exp.column("baseline")
    return _sql(exp.select(this, base, exp.alias_(exp.Sub(this=base, expression=this), "reduction"),
                           exp.alias_(exp.func("abs", exp.Sub(this=base.copy(), expression=this.copy())), "difference"))
                .from_(sides.subquery("t")))


def daily_spend(week: Week) -> str:
    """Spend (effective_cost_usd) per day over this week and the one before, for the chart."""
    inner = metric_select(["effective_cost_usd"], week.prev_start, week.end, grain="day")
    day = exp.cast(_col("time__day"), exp.DataType.Type.DATE)
    return _sql(exp.select(exp.alias_(day, "day"), exp.alias_(_col("effective_cost_usd"), "spend"))
                .from_(inner.subquery("m")).order_by(exp.column("day")))


def incidents(week: Week) -> str:
    """Incidents opened (this week, change), tier-3 escalations, accelerator-hours lost and the median
    time to acknowledge: the catalog's incident metrics by open time, pivoted by week."""
    metrics = ["incidents", "tier3_escalations", "accelerator_hours_lost", "mtta_p50_minutes"]
    inner = metric_select(metrics, week.prev_start, week.end, grain="week")
    this, last = _in_week("time__week", week.start), _in_week("time__week", week.prev_start)
    opened = _cell("incidents", this, zero=True)
    return _sql(exp.select(exp.alias_(opened, "this_week"),
                           exp.alias_(exp.Sub(this=opened.copy(), expression=_cell("incidents", last, zero=True)), "change"),
                           exp.alias_(_cell("tier3_escalations", this.copy(), zero=True), "tier3"),
                           exp.alias_(_cell("accelerator_hours_lost", this.copy()), "hours_lost"),
                           exp.alias_(_cell("mtta_p50_minutes", this.copy()), "mtta_p50_minutes"))
                .from_(inner.subquery("m")))


def incidents_by_severity(week: Week) -> str:
    """Incidents opened this week per severity level (sev1..sev4), the catalog's incidents by severity."""
    inner = metric_select(["incidents"], week.start, week.end, by=["severity"])
    cells = [exp.alias_(_cell("incidents", _col("severity").eq(exp.Literal.string(level)), zero=True), level.lower())
             for level in SEVERITY_LEVELS]
    return _sql(exp.select(*cells).from_(inner.subquery("m")))


# Pending at week end, and decisions counted by decision time (the catalog's request metrics count by
# submit time), so a template; requests submitted in the week are the catalog's requests_submitted.
_GOVERNANCE = """
SELECT
  COUNT(*) FILTER (WHERE submitted_at < :end AND (decided_at IS NULL OR decided_at >= :end)
                   AND status <> 'cancelled') AS pending,
  COUNT(*) FILTER (WHERE decided_at >= :start AND decided_at < :end AND status <> 'denied') AS approved,
  COUNT(*) FILTER (WHERE decided_at >= :start AND decided_at < :end AND status = 'denied') AS denied,
  quantile_cont(date_diff('second', submitted_at, decided_at) / 3600.0, 0.5)
    FILTER (WHERE decided_at >= :start AND decided_at < :end AND status <> 'denied') AS lead_p50_hours,
  quantile_cont(date_diff('second', submitted_at, decided_at) / 3600.0, 0.9)
    FILTER (WHERE decided_at >= :start AND decided_at < :end AND status <> 'denied') AS lead_p90_hours
FROM compute_requests
"""

# Incidents resolved in the week, timed by resolve time (the catalog's MTTR counts by open time).
_RESOLUTION = """
SELECT COUNT(*) AS resolved, quantile_cont(h, 0.5) AS mttr_p50_hours, quantile_cont(h, 0.9) AS mttr_p90_hours
FROM (SELECT date_diff('second', opened_at, resolved_at) / 3600.0 AS h FROM incidents
      WHERE resolved_at >= :start AND resolved_at < :end) AS t
"""

# Peak hourly allocation against installed capacity (the catalog's capacity_allocated_pct is an average).
_CAPACITY_HEADROOM = """
WITH hourly AS (
  SELECT cluster, accelerator_type, hour, SUM(allocated_hours) AS allocated FROM utilization_hourly
  WHERE hour >= :start AND hour < :end GROUP BY cluster, accelerator_type, hour
), cap AS (
  SELECT cluster, accelerator_type, arg_max(accelerators, effective_from) AS accelerators
  FROM cluster_capacity WHERE effective_from < :end GROUP BY cluster, accelerator_type
)
SELECT h.cluster || ' ' || h.accelerator_type AS key, MAX(h.allocated) AS peak_allocated,
       MAX(c.accelerators) AS capacity, 100.0 * MAX(h.allocated) / MAX(c.accelerators) AS peak_pct
FROM hourly AS h JOIN cap AS c ON c.cluster = h.cluster AND c.accelerator_type = h.accelerator_type
GROUP BY h.cluster, h.accelerator_type ORDER BY peak_pct DESC, key LIMIT :limit
"""


def governance(week: Week) -> str:
    """Requests pending at week end, submitted (requests_submitted), approved and denied in the week,
    approval lead times."""
    decided = exp.maybe_parse(bind(_GOVERNANCE, start=_at(week.start), end=_at(week.end)), dialect="duckdb")
    submitted = metric_select(["requests_submitted"], week.start, week.end)
    return _sql(exp.select("g.pending", exp.alias_(exp.column("requests_submitted", table="s"), "submitted"),
                           "g.approved", "g.denied", "g.lead_p50_hours", "g.lead_p90_hours")
                .from_(decided.subquery("g")).join(submitted.subquery("s"), join_type="cross"))


def resolution(week: Week) -> str:
    return bind(_RESOLUTION, start=_at(week.start), end=_at(week.end))


def capacity_headroom(week: Week, limit: int = 3) -> str:
    """Pools (cluster x type) whose peak hourly allocation came closest to installed capacity."""
    return bind(_CAPACITY_HEADROOM, start=_at(week.start), end=_at(week.end), limit=limit)


def data_bounds() -> str:
    return "SELECT min(data_start) AS data_start, max(data_end) AS data_end FROM pace_meta"
