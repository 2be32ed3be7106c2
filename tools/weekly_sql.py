"""The weekly narrative's queries: one read-only SELECT per block of numbers, literals inlined.

Week-over-week numbers come out of SQL already compared (this_week, last_week, change, change_pct), so
every figure in the narrative is a cell of a query result, not something computed after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tools._warehouse import ts

SPEND = "CAST(EffectiveCost AS DOUBLE)"
IDLE_FROM = "utilization_hourly AS u JOIN accelerator_types AS a ON u.accelerator_type = a.accelerator_type"
IDLE_USD = "u.idle_hours * a.committed_usd_per_hour"


@dataclass(frozen=True)
class Week:
    """An ISO week: its label, Monday start (inclusive) and next-Monday end (exclusive)."""

    label: str
    start: date
    end: date

    @property
    def prev_start(self) -> date:
        return self.start - timedelta(days=7)

    def params(self) -> dict[str, str]:
        return {"week": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "previous_start": self.prev_start.isoformat()}


def wow_sql(week: Week, agg: str, source: str, time_col: str, *, group: str | None = None,
            where: str = "TRUE", order: str | None = None, limit: int | None = None) -> str:
    """this_week / last_week / change / change_pct of `agg` (with `{cond}` where the week filter goes)."""
    c0, c1, p0 = ts(week.start), ts(week.end), ts(week.prev_start)
    this = agg.format(cond=f"{time_col} >= {c0}")
    last = agg.format(cond=f"{time_col} < {c0}")
    g_sel, g_by = (f"{group} AS key, ", f" GROUP BY {group}") if group else ("", "")
    key = "key, " if group else ""
    sql = (
        f"SELECT {key}this_week, last_week, this_week - last_week AS change,\n"
        f"       100.0 * (this_week - last_week) / NULLIF(last_week, 0) AS change_pct\n"
        f"FROM (SELECT {g_sel}{this} AS this_week, {last} AS last_week\n"
        f"      FROM {source}\n"
        f"      WHERE {time_col} >= {p0} AND {time_col} < {c1} AND {where}{g_by}) AS t"
    )
    if order:
        sql += f"\nORDER BY {order}"
    if limit:
        sql += f"\nLIMIT {limit}"
    return sql


def spend(week: Week) -> str:
    return wow_sql(week, f"SUM({SPEND}) FILTER (WHERE {{cond}})", "cost_daily", "ChargePeriodStart")


def utilization(week: Week) -> str:
    agg = ("100.0 * SUM(busy_hours) FILTER (WHERE {cond}) / NULLIF(SUM(allocated_hours) FILTER (WHERE {cond}), 0)")
    return wow_sql(week, agg, "utilization_hourly", "hour")


def idle_cost(week: Week) -> str:
    return wow_sql(week, f"SUM({IDLE_USD}) FILTER (WHERE {{cond}})", IDLE_FROM, "u.hour")


def hours_by_type(week: Week) -> str:
    return wow_sql(week, "SUM(allocated_hours) FILTER (WHERE {cond})", "utilization_hourly", "hour",
                   group="accelerator_type", order="this_week DESC NULLS LAST, key")


def spend_movers(week: Week, column: str, limit: int = 3) -> str:
    """Teams (x_team) or accelerator types (x_accelerator_type) whose spend moved most, either way."""
    return wow_sql(week, f"SUM({SPEND}) FILTER (WHERE {{cond}})", "cost_daily", "ChargePeriodStart",
                   group=column, where=f"{column} IS NOT NULL",
                   order="abs(coalesce(this_week, 0) - coalesce(last_week, 0)) DESC, key", limit=limit)


def idle_by_team(week: Week) -> str:
    c0, c1 = ts(week.start), ts(week.end)
    return (
        f"SELECT u.team AS key, SUM({IDLE_USD}) AS idle_usd,\n"
        f"       100.0 * SUM({IDLE_USD}) / SUM(SUM({IDLE_USD})) OVER () AS share_pct\n"
        f"FROM {IDLE_FROM}\nWHERE u.hour >= {c0} AND u.hour < {c1}\n"
        f"GROUP BY u.team ORDER BY idle_usd DESC, key LIMIT 1"
    )


def idle_vs_baseline(week: Week) -> str:
    """This week's idle cost against the weekly average of the up-to-four weeks before it."""
    c0, c1, b0 = ts(week.start), ts(week.end), ts(week.start - timedelta(days=28))
    return (
        "SELECT this_week, baseline, baseline - this_week AS reduction, abs(baseline - this_week) AS difference FROM (\n"
        f"  SELECT SUM({IDLE_USD}) FILTER (WHERE u.hour >= {c0}) AS this_week,\n"
        f"         SUM({IDLE_USD}) FILTER (WHERE u.hour < {c0})\n"
        f"           / NULLIF(COUNT(DISTINCT date_trunc('day', u.hour)) FILTER (WHERE u.hour < {c0}) / 7.0, 0) AS baseline\n"
        f"  FROM {IDLE_FROM}\n  WHERE u.hour >= {b0} AND u.hour < {c1}) AS t"
    )


def daily_spend(week: Week) -> str:
    c1, p0 = ts(week.end), ts(week.prev_start)
    return (
        f"SELECT CAST(ChargePeriodStart AS DATE) AS day, SUM({SPEND}) AS spend\n"
        f"FROM cost_daily WHERE ChargePeriodStart >= {p0} AND ChargePeriodStart < {c1}\n"
        "GROUP BY CAST(ChargePeriodStart AS DATE) ORDER BY day"
    )


def governance(week: Week) -> str:
    c0, c1 = ts(week.start), ts(week.end)
    decided = f"decided_at >= {c0} AND decided_at < {c1}"
    lead = "date_diff('second', submitted_at, decided_at) / 3600.0"
    return (
        "SELECT\n"
        f"  COUNT(*) FILTER (WHERE submitted_at < {c1} AND (decided_at IS NULL OR decided_at >= {c1})\n"
        "                   AND status <> 'cancelled') AS pending,\n"
        f"  COUNT(*) FILTER (WHERE submitted_at >= {c0} AND submitted_at < {c1}) AS submitted,\n"
        f"  COUNT(*) FILTER (WHERE {decided} AND status <> 'denied') AS approved,\n"
        f"  COUNT(*) FILTER (WHERE {decided} AND status = 'denied') AS denied,\n"
        f"  quantile_cont({lead}, 0.5) FILTER (WHERE {decided} AND status <> 'denied') AS lead_p50_hours,\n"
        f"  quantile_cont({lead}, 0.9) FILTER (WHERE {decided} AND status <> 'denied') AS lead_p90_hours\n"
        "FROM compute_requests"
    )


def incidents(week: Week) -> str:
    c0, c1, p0 = ts(week.start), ts(week.end), ts(week.prev_start)
    this = f"opened_at >= {c0}"
    sev = ",\n".join(f"  COUNT(*) FILTER (WHERE {this} AND severity = 'SEV{i}') AS sev{i}" for i in range(1, 5))
    return (
        f"SELECT COUNT(*) FILTER (WHERE {this}) AS this_week,\n"
        f"  COUNT(*) FILTER (WHERE {this}) - COUNT(*) FILTER (WHERE opened_at < {c0}) AS change,\n{sev},\n"
        f"  COUNT(*) FILTER (WHERE {this} AND escalated_to_tier3) AS tier3,\n"
        f"  SUM(accelerator_hours_lost) FILTER (WHERE {this}) AS hours_lost,\n"
        f"  quantile_cont(date_diff('second', opened_at, acknowledged_at) / 60.0, 0.5) FILTER (WHERE {this}) AS mtta_p50_minutes\n"
        f"FROM incidents WHERE opened_at >= {p0} AND opened_at < {c1}"
    )


def resolution(week: Week) -> str:
    c0, c1 = ts(week.start), ts(week.end)
    return (
        "SELECT COUNT(*) AS resolved, quantile_cont(h, 0.5) AS mttr_p50_hours, quantile_cont(h, 0.9) AS mttr_p90_hours\n"
        "FROM (SELECT date_diff('second', opened_at, resolved_at) / 3600.0 AS h FROM incidents\n"
        f"      WHERE resolved_at >= {c0} AND resolved_at < {c1}) AS t"
    )


def capacity_headroom(week: Week, limit: int = 3) -> str:
    """Pools (cluster x type) whose peak hourly allocation came closest to installed capacity."""
    c0, c1 = ts(week.start), ts(week.end)
    return (
        "WITH hourly AS (\n"
        "  SELECT cluster, accelerator_type, hour, SUM(allocated_hours) AS allocated FROM utilization_hourly\n"
        f"  WHERE hour >= {c0} AND hour < {c1} GROUP BY cluster, accelerator_type, hour\n"
        "), cap AS (\n"
        "  SELECT cluster, accelerator_type, arg_max(accelerators, effective_from) AS accelerators\n"
        f"  FROM cluster_capacity WHERE effective_from < {c1} GROUP BY cluster, accelerator_type\n"
        ")\n"
        "SELECT h.cluster || ' ' || h.accelerator_type AS key, MAX(h.allocated) AS peak_allocated,\n"
        "       MAX(c.accelerators) AS capacity, 100.0 * MAX(h.allocated) / MAX(c.accelerators) AS peak_pct\n"
        "FROM hourly AS h JOIN cap AS c ON c.cluster = h.cluster AND c.accelerator_type = h.accelerator_type\n"
        f"GROUP BY h.cluster, h.accelerator_type ORDER BY peak_pct DESC, key LIMIT {limit}"
    )


def data_bounds() -> str:
    return "SELECT min(data_start) AS data_start, max(data_end) AS data_end FROM pace_meta"
