"""The warehouse queries behind a platform review, over the window [since, end) for one type.

Incumbents are the other types running the same workload types in the same window, so every
comparison is like for like: same work, same weeks.
"""

from __future__ import annotations

from datetime import datetime

import sqlglot
from sqlglot import exp

from semantic_layer.catalog import load_catalog
from semantic_layer.compiler import compile_query
from semantic_layer.query import Filter, GroupBy, MetricQuery, TimeRange
from tools._warehouse import bind, value_expression
from tools.catalog_rows import counted_by, row_expression


ADOPTION_METRICS = ("allocated_hours", "utilization_pct", "sm_activity_pct")


def adoption_query(acc: str, since: datetime, end: datetime) -> MetricQuery:
    """Weekly accelerator-hours, utilization and SM activity of the type: catalog metrics, so the review
    says what `pace query --metric allocated_hours --by time:week --where accelerator_type=TYPE` says."""
    return MetricQuery(metrics=list(ADOPTION_METRICS), group_by=[GroupBy(dimension="time", grain="week")],
                       filters=[Filter(dimension="accelerator_type", values=[acc])],
                       time_range=TimeRange(start=since, end=end))


def adoption_teams_sql(acc: str, since: datetime, end: datetime) -> str:
    """Distinct teams on the type per week (no catalog metric counts teams), built as a sqlglot expression."""
    week = exp.func("date_trunc", exp.Literal.string("week"), exp.column("hour"))
    return (
        exp.select(week.copy().as_("week"), exp.Count(this=exp.Distinct(expressions=[exp.column("team")])).as_("teams"))
        .from_("utilization_hourly")
        .where(exp.column("accelerator_type").eq(exp.Literal.string(acc)))
        .where(exp.column("hour") >= value_expression(since))
        .where(exp.column("hour") < value_expression(end))
        .group_by(week)
        .order_by("week")
        .sql(dialect="duckdb")
    )


WORKLOADS = "workload_type IN (SELECT DISTINCT workload_type FROM utilization_hourly WHERE accelerator_type = :acc AND hour >= :since AND hour < :end)"

COMPARE = """WITH u AS (
    SELECT accelerator_type, workload_type, sum(allocated_hours) AS accelerator_hours,
           sum(:busy) / nullif(sum(:busy_measured), 0) AS busy_share,
           sum(energy_kwh) / nullif(sum(allocated_hours), 0) AS kw_per_accelerator
    FROM utilization_hourly
    WHERE hour >= :since AND hour < :end AND """ + WORKLOADS + """
    GROUP BY accelerator_type, workload_type
), j AS (
    SELECT accelerator_type, workload_type, count(*) AS jobs,
           count(:failed) / nullif(count(:ended), 0) AS failure_rate,
           count(:preempted) / nullif(count(:ended), 0) AS preemption_rate,
           sum(coalesce(tokens_processed, samples_processed)) FILTER (WHERE state = 'completed')
             / nullif(sum(accelerator_hours) FILTER (WHERE state = 'completed'), 0) AS work_per_accelerator_hour,
           CASE WHEN count(tokens_processed) > 0 THEN 'tokens' ELSE 'samples' END AS work_unit,
           median(mfu) FILTER (WHERE state = 'completed') AS mfu
    FROM jobs
    WHERE submit_at >= :since AND submit_at < :end AND """ + WORKLOADS + """
    GROUP BY accelerator_type, workload_type
), p AS (
    SELECT x_accelerator_type AS accelerator_type,
           CAST(sum(EffectiveCost) AS DOUBLE) / CAST(nullif(sum(PricingQuantity), 0) AS DOUBLE) AS usd_per_accelerator_hour
    FROM cost_daily
    WHERE ChargePeriodStart >= :since AND ChargePeriodStart < :end
    GROUP BY x_accelerator_type
)
SELECT u.accelerator_type, u.workload_type, u.accelerator_hours, u.busy_share, u.kw_per_accelerator,
       j.jobs, j.failure_rate, j.preemption_rate, j.work_per_accelerator_hour, j.work_unit, j.mfu,
       p.usd_per_accelerator_hour
FROM u
LEFT JOIN j ON j.accelerator_type = u.accelerator_type AND j.workload_type = u.workload_type
LEFT JOIN p ON p.accelerator_type = u.accelerator_type
ORDER BY u.workload_type, u.accelerator_type"""


def compare_sql(acc: str, since: datetime, end: datetime) -> str:
    """Per type and workload (the type's workloads only): hours, utilization, power, reliability, throughput, price.

    The busy share is the catalog's utilization_pct as a fraction (busy over the allocated hours whose
    activity was measured, so an hour DCGM did not report is neither busy nor idle); failure and
    preemption rates are job_failure_rate_pct and preemption_rate_pct as fractions (failed or preempted
    over ended jobs), all in the catalog measures' own terms."""
    return bind(COMPARE, acc=acc, since=since, end=end, failed=counted_by("failed_job_count"),
                ended=counted_by("ended_job_count"), preempted=counted_by("preempted_job_count"),
                busy=row_expression("busy_hours"), busy_measured=row_expression("activity_measured_hours"))


# Incidents still open per type (no catalog metric counts open incidents); the counts beside it are metrics.
OPEN_INCIDENTS = """SELECT accelerator_type, count(*) AS open_incidents FROM incidents
WHERE resolved_at IS NULL AND opened_at >= :since AND opened_at < :end GROUP BY accelerator_type"""


def _metrics_by_type(metrics: list[str], since: datetime, end: datetime) -> exp.Select:
    """The compiler's SELECT for catalog metrics per accelerator type over [since, end)."""
    query = MetricQuery(metrics=metrics, group_by=[GroupBy(dimension="accelerator_type")],
                        time_range=TimeRange(start=since, end=end))
    compiled = compile_query(load_catalog(), query).expression
    assert isinstance(compiled, exp.Select)
    return compiled


def incidents_sql(since: datetime, end: datetime) -> str:
    """Incidents per type in the window (the catalog's incidents, major_incidents, accelerator_hours_lost,
    and the ones still open), with the type's allocated_hours to put them per 1,000 hours."""
    def on(alias: str) -> exp.Expression:
        return exp.column("accelerator_type", table=alias).eq(exp.column("accelerator_type", table="a"))

    def zero_if_none(column: str, alias: str, name: str) -> exp.Expression:
        return exp.alias_(exp.func("coalesce", exp.column(column, table=alias), exp.Literal.number(0)), name)

    hours = _metrics_by_type(["allocated_hours"], since, end)
    counts = _metrics_by_type(["incidents", "major_incidents", "accelerator_hours_lost"], since, end)
    still_open = sqlglot.parse_one(bind(OPEN_INCIDENTS, since=since, end=end), read="duckdb")
    select = (exp.select("a.accelerator_type", exp.alias_(exp.column("allocated_hours", table="a"), "accelerator_hours"),
                         zero_if_none("incidents", "i", "incidents"), zero_if_none("major_incidents", "i", "major"),
                         zero_if_none("open_incidents", "o", "open_incidents"),
                         zero_if_none("accelerator_hours_lost", "i", "hours_lost"))
              .from_(hours.subquery("a"))
              .join(counts.subquery("i"), on=on("i"), join_type="left")
              .join(still_open.subquery("o"), on=on("o"), join_type="left")
              .order_by("a.accelerator_type"))
    return select.sql(dialect="duckdb")


OPEN_ISSUES = """SELECT 'incident' AS kind, incident_id AS id, severity AS detail, title, opened_at AS at,
       resolved_at IS NULL AS open
FROM incidents
WHERE accelerator_type = :acc AND opened_at >= :since AND opened_at < :end
UNION ALL
SELECT 'request', request_id, status, team || ' asks for ' || CAST(accelerators_requested AS VARCHAR) || ' for ' || workload_type,
       submitted_at, TRUE
FROM compute_requests
WHERE accelerator_type = :acc AND status IN ('submitted', 'needs_info', 'approved')
ORDER BY open DESC, at DESC"""


def open_issues_sql(acc: str, since: datetime, end: datetime) -> str:
    """The type's incidents in the window (open ones first) and its pending compute requests."""
    return bind(OPEN_ISSUES, acc=acc, since=since, end=end)
