"""Tool tiles: the ops tools (scan, savings, forecast) and the validated-SQL sources, by name.

Each returns a `ToolOutput` (columns, rows, the SQL behind it, filters it could not apply). The ops
tools are slow next to a metric query (seconds), so their results are cached per warehouse and
period; the global filters are applied to their rows afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dashboards import sql_sources
from dashboards.state import FilterState
from dashboards.types import TileContext as DashboardContext

if TYPE_CHECKING:
    from semantic_layer.catalog import Catalog


@dataclass
class ToolOutput:
    """What a tool tile shows."""

    columns: list[str]
    rows: list[list[Any]]
    sql: list[str]
    ignored: list[str] = field(default_factory=list)
    summary: str = ""


def _sql_tool(builder: Callable[[FilterState], tuple[str, list[str]]]) -> Callable[[DashboardContext, FilterState], ToolOutput]:
    def run(ctx: DashboardContext, state: FilterState) -> ToolOutput:
        sql, ignored = builder(state)
        result = ctx.engine.run_sql(sql)
        return ToolOutput(result.columns, [list(r) for r in result.rows], [result.sql], ignored)

    run.__doc__ = builder.__doc__
    return run


def _catalog_sql_tool(builder: Callable[[FilterState, Catalog], tuple[str, list[str]]]) -> Callable[[DashboardContext, FilterState], ToolOutput]:
    """A SQL tile built from the view's catalog (its metrics compile to the rollups the warehouse holds)."""
    def run(ctx: DashboardContext, state: FilterState) -> ToolOutput:
        sql, ignored = builder(state, ctx.catalog)
        result = ctx.engine.run_sql(sql)
        return ToolOutput(result.columns, [list(r) for r in result.rows], [result.sql], ignored)

    run.__doc__ = builder.__doc__
    return run


CACHE_SIZE = 64
_CACHE: dict[tuple[Any, ...], Any] = {}
_CACHE_LOCK = threading.Lock()


def _cached(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """One computation per key at a time; later callers reuse it (the warehouse is read-only)."""
    with _CACHE_LOCK:
        if key not in _CACHE and len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))  # oldest first: dicts keep insertion order
        entry = _CACHE.setdefault(key, [threading.Lock(), None])
    with entry[0]:
        if entry[1] is None:
            entry[1] = make()
        return entry[1]


def _keep(columns: list[str], rows: list[list[Any]], state: FilterState, mapping: dict[str, str]) -> tuple[list[list[Any]], list[str]]:
    """Rows matching the view's filters on the columns the tool has; names of filters it lacks."""
    ignored = [k for k in state.values if k not in mapping]
    checks = [(columns.index(mapping[k]), v) for k, v in state.values.items() if k in mapping and mapping[k] in columns]
    return [r for r in rows if all(str(r[i]) == v for i, v in checks)], ignored


def scan_tool(ctx: DashboardContext, state: FilterState) -> ToolOutput:
    """Anomaly findings in the period, most urgent first."""
    from tools.scan import scan

    result = _cached(("scan", str(ctx.settings.db), ctx.stamp, state.start, state.end),
                     lambda: scan(ctx.settings, start=state.start, end=state.end))
    keep = ["severity", "kind", "entity", "cluster", "accelerator_type", "start", "impact_usd", "owner"]
    idx = [result.columns.index(c) for c in keep]
    rows = [[r[i] for i in idx] for r in result.rows]
    rows, ignored = _keep(keep, rows, state, {"cluster": "cluster", "accelerator_type": "accelerator_type", "team": "entity"})
    return ToolOutput(keep, rows, result.evidence_sql[:5], ignored, result.summary_text())


def savings_tool(ctx: DashboardContext, state: FilterState) -> ToolOutput:
    """Open savings opportunities over the 28 days to the period's end, $ per month."""
    from tools.savings import estimate_savings

    report = _cached(("savings", str(ctx.settings.db), ctx.stamp, state.end),
                     lambda: estimate_savings(ctx.settings, end=state.end))
    keep = ["lever", "entity", "cluster", "accelerator_type", "action", "monthly_usd", "confidence"]
    idx = [report.columns.index(c) for c in keep]
    rows = [[r[i] for i in idx] for r in report.rows]
    rows, ignored = _keep(keep, rows, state, {"cluster": "cluster", "accelerator_type": "accelerator_type", "team": "entity"})
    return ToolOutput(keep, rows, report.evidence_sql[:5], ignored, report.summary_text())


def forecast_tool(ctx: DashboardContext, state: FilterState) -> ToolOutput:
    """Per accelerator type: weekly peak demand now and in 8 weeks (90% upper bound) vs capacity."""
    from tools.forecast import forecast_capacity

    result = _cached(("forecast", str(ctx.settings.db), ctx.stamp), lambda: forecast_capacity(ctx.settings, weeks=8))
    columns = ["accelerator_type", "demand_now", "forecast_8w", "upper_8w", "capacity", "headroom_at_upper",
               "runs_out_week", "runs_out_week_upper", "backtest_mape_pct"]
    rows = []
    for t in result.types:
        last = t.forecast[-1] if t.forecast else {"demand": None, "upper": None}
        upper = max((f["upper"] for f in t.forecast), default=None)
        rows.append([t.accelerator_type, t.history[-1]["demand"] if t.history else None, last["demand"], last["upper"],
                     t.capacity, None if upper is None else t.capacity - upper, t.runs_out_week, t.runs_out_week_upper,
                     None if t.backtest_mape is None else 100 * t.backtest_mape])
    rows.sort(key=lambda r: (r[5] is None, r[5]))
    rows, ignored = _keep(columns, rows, state, {"accelerator_type": "accelerator_type"})
    return ToolOutput(columns, rows, result.evidence_sql[:5], ignored, result.summary_text())


def idle_allocations_tool(ctx: DashboardContext, state: FilterState) -> ToolOutput:
    """Runs of 3+ hours under 10% busy, reading only the days the daily rollup says can hold one."""
    windows = None
    if (days_sql := sql_sources.idle_days_sql(state, ctx.catalog)) is not None:
        windows = sql_sources.idle_windows([r[0] for r in ctx.engine.run_sql(days_sql).rows])
    sql, ignored = sql_sources.idle_allocations_sql(state, windows)
    result = ctx.engine.run_sql(sql)
    return ToolOutput(result.columns, [list(r) for r in result.rows], [s for s in (days_sql, result.sql) if s], ignored)


TOOLS: dict[str, Callable[[DashboardContext, FilterState], ToolOutput]] = {
    "scan": scan_tool,
    "savings": savings_tool,
    "forecast": forecast_tool,
    "fleet_capacity": _catalog_sql_tool(sql_sources.fleet_capacity_sql),
    "hour_of_day_utilization": _catalog_sql_tool(sql_sources.hour_of_day_sql),
    "idle_allocations": idle_allocations_tool,
    "quota_headroom": _sql_tool(sql_sources.quota_headroom_sql),
    "pending_requests": _sql_tool(sql_sources.pending_requests_sql),
}

TOOL_QUESTIONS: dict[str, str] = {
    "scan": "What anomalies are open",
    "savings": "Where can we save money",
    "forecast": "Will we run out of capacity in the next 8 weeks",
    "fleet_capacity": "How many accelerators are installed, allocated and busy",
    "hour_of_day_utilization": "Utilization by cluster and hour of day",
    "idle_allocations": "Which allocations sat idle for 3 hours or more",
    "quota_headroom": "Quota headroom by team and accelerator type",
    "pending_requests": "Pending compute requests by age",
}
