"""Triage queries: constant templates whose values `tools._warehouse.bind` fills as sqlglot expressions.

Every value is a warehouse dimension value, an id or a timestamp, never user text: the free-text report
only selects which known values go in (`Scope`), so it cannot shape the SQL, and a value that holds a
quote is still one string literal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlglot
from sqlglot import exp

from tools._warehouse import bind
from tools.catalog_rows import counted_by

SCOPE_COLUMNS = ("cluster", "team", "accelerator_type", "workload_type")


@dataclass(frozen=True)
class Scope:
    """Known dimension values the problem is about (None = any)."""

    cluster: str | None = None
    team: str | None = None
    accelerator_type: str | None = None
    endpoint: str | None = None
    workload_type: str | None = None

    def where(self, alias: str | None = None, columns: tuple[str, ...] = SCOPE_COLUMNS) -> exp.Expression:
        """The scope as a condition (TRUE for the whole fleet), each value a string literal."""
        parts = [exp.column(c, table=alias).eq(exp.Literal.string(str(getattr(self, c))))
                 for c in columns if getattr(self, c)]
        return exp.and_(*parts) if parts else exp.true()

    def words(self) -> str:
        named = [f"{k.replace('_', ' ')} {v}" for k, v in vars(self).items() if v]
        return ", ".join(named) or "the whole fleet"


DIMENSIONS = {
    "cluster": "SELECT cluster AS value FROM clusters ORDER BY cluster",
    "team": "SELECT team AS value FROM teams ORDER BY team",
    "accelerator_type": "SELECT accelerator_type AS value FROM accelerator_types ORDER BY accelerator_type",
    "endpoint": "SELECT endpoint AS value FROM endpoints ORDER BY endpoint",
}
LEADS = "SELECT team, tier2_lead FROM teams ORDER BY team"
DATA_END = "SELECT max(data_end) AS data_end FROM pace_meta"

_INCIDENT = "SELECT * FROM incidents WHERE incident_id = :incident_id"
_SOME_INCIDENTS = "SELECT incident_id, title FROM incidents ORDER BY opened_at DESC LIMIT :limit"
_DURATION = """
SELECT date_diff('minute', opened_at, COALESCE(resolved_at, :end)) / 60.0 AS duration_hours
FROM incidents WHERE incident_id = :incident_id
"""
_ENDPOINT_TEAM = "SELECT team FROM endpoints WHERE endpoint = :endpoint"

_JOB_IMPACT = """
WITH per_team AS (
  SELECT team,
    COUNT(:ended) FILTER (WHERE end_at >= :w0) AS jobs,
    COUNT(:failed) FILTER (WHERE end_at >= :w0) AS failed,
    SUM(accelerator_hours) FILTER (WHERE end_at >= :w0) AS hours,
    SUM(accelerator_hours) FILTER (WHERE end_at >= :w0 AND :failed IS NOT NULL) AS failed_hours,
    COUNT(:ended) FILTER (WHERE end_at < :w0) AS base_jobs,
    COUNT(:failed) FILTER (WHERE end_at < :w0) AS base_failed,
    MIN(end_at) FILTER (WHERE end_at >= :w0 AND :failed IS NOT NULL) AS first_failure,
    MAX(end_at) FILTER (WHERE end_at >= :w0 AND :failed IS NOT NULL) AS last_failure
  FROM jobs WHERE end_at >= :b0 AND end_at < :w1 AND :in_scope
  GROUP BY team)
SELECT COALESCE(SUM(jobs), 0) AS jobs, COALESCE(SUM(failed), 0) AS failed,
  100.0 * SUM(failed) / NULLIF(SUM(jobs), 0) AS failure_rate_pct,
  100.0 * SUM(base_failed) / NULLIF(SUM(base_jobs), 0) AS baseline_failure_rate_pct,
  COALESCE(SUM(failed_hours), 0) AS failed_hours,
  greatest(0, COALESCE(SUM(failed_hours), 0) * (1 - COALESCE((SUM(base_failed) / NULLIF(SUM(base_jobs), 0))
    / NULLIF(SUM(failed) / NULLIF(SUM(jobs), 0), 0), 1))) AS excess_failed_hours,
  COUNT(*) FILTER (WHERE failed >= 2 AND failed > 1.5 * jobs * COALESCE(base_failed / NULLIF(base_jobs, 0), 0)) AS teams_affected,
  arg_max(team, failed_hours) AS top_team,
  date_diff('minute', MIN(first_failure), MAX(last_failure)) / 60.0 AS failure_span_hours,
  MIN(first_failure) AS first_failure
FROM per_team
"""

_FAILED_JOBS = """
SELECT job_id, team, cluster, accelerator_type, workload_type, end_at, accelerator_hours FROM jobs
WHERE :failed IS NOT NULL AND end_at >= :w0 AND end_at < :w1 AND :in_scope
ORDER BY end_at DESC LIMIT :limit
"""

# Hourly p95 extremes (the catalog's latency_p95_ms is a request-weighted mean, another statistic).
_SERVING_LATENCY = """
SELECT MAX(latency_p95_ms) FILTER (WHERE hour >= :w0) AS p95_ms_max,
  quantile_cont(latency_p95_ms, 0.5) FILTER (WHERE hour < :w0) AS p95_ms_baseline,
  bool_or(e.is_production) AS is_production
FROM serving_hourly AS s JOIN endpoints AS e ON e.endpoint = s.endpoint
WHERE s.endpoint = :endpoint AND hour >= :b0 AND hour < :w1
"""

_RECENT_REQUESTS = """
SELECT request_id, team, accelerator_type, accelerators_requested, status, submitted_at FROM compute_requests
WHERE submitted_at >= :w0 AND submitted_at < :w1 AND :in_scope AND :on_cluster
ORDER BY submitted_at DESC LIMIT :limit
"""

_NEARBY_INCIDENTS = """
SELECT incident_id, title, severity, opened_at, resolved_at FROM incidents
WHERE opened_at < :w1 AND (resolved_at IS NULL OR resolved_at >= :w0)
  AND :in_scope AND incident_id <> :exclude
ORDER BY opened_at DESC LIMIT :limit
"""

_SIMILAR_INCIDENTS = """
SELECT incident_id, title, severity, opened_at, resolution, resolved_tier,
  date_diff('minute', opened_at, resolved_at) / 60.0 AS hours_to_resolve,
  COUNT(*) OVER () AS similar_total,
  quantile_cont(date_diff('minute', opened_at, resolved_at) / 60.0, 0.5) OVER () AS mttr_p50_hours,
  quantile_cont(date_diff('minute', opened_at, resolved_at) / 60.0, 0.9) OVER () AS mttr_p90_hours,
  COUNT(*) FILTER (WHERE resolved_tier = 3) OVER () AS tier3_total
FROM incidents WHERE resolved_at IS NOT NULL AND opened_at < :before AND :in_category
  AND incident_id <> :exclude
ORDER BY CASE WHEN :same_cluster THEN 0 ELSE 1 END, opened_at DESC LIMIT :limit
"""


def incident(incident_id: str) -> str:
    return bind(_INCIDENT, incident_id=incident_id)


def some_incidents(limit: int = 5) -> str:
    return bind(_SOME_INCIDENTS, limit=limit)


def incident_duration(incident_id: str, end: datetime) -> str:
    """Hours from open to resolution (or to `end` while still open)."""
    return bind(_DURATION, incident_id=incident_id, end=end)


def endpoint_team(endpoint: str) -> str:
    return bind(_ENDPOINT_TEAM, endpoint=endpoint)


def job_impact(scope: Scope, w0: datetime, w1: datetime, b0: datetime) -> str:
    """Failures among jobs that ended in the window against the scope's own baseline failure rate in [b0, w0).

    Failed and ended are the catalog's (`failed_job_count`, `ended_job_count`, as in job_failure_rate_pct);
    the window is by end time (the catalog's period is by submit time), which the draft says.
    excess_failed_hours = failed accelerator-hours x (1 - baseline rate / window rate): the share of the
    failed work that the usual failure rate does not explain (0 when failures are at or below usual)."""
    return bind(_JOB_IMPACT, w0=w0, w1=w1, b0=b0, in_scope=scope.where(), failed=counted_by("failed_job_count"),
                ended=counted_by("ended_job_count"))


def failed_jobs(scope: Scope, w0: datetime, w1: datetime, limit: int = 5) -> str:
    """The most recent jobs that failed (the catalog's failure states) in the window."""
    return bind(_FAILED_JOBS, w0=w0, w1=w1, in_scope=scope.where(), limit=limit, failed=counted_by("failed_job_count"))


def _error_rate(endpoint: str, start: datetime, end: datetime) -> exp.Select:
    """The catalog's inference_error_rate_pct for one endpoint over [start, end), compiled."""
    from semantic_layer.catalog import load_catalog
    from semantic_layer.compiler import compile_query
    from semantic_layer.query import MetricQuery

    query = MetricQuery(metrics=["inference_error_rate_pct"], filters=[{"dimension": "endpoint", "values": [endpoint]}],
                        time_range={"start": start, "end": end})
    compiled = compile_query(load_catalog(), query).expression
    assert isinstance(compiled, exp.Select)
    return compiled


def serving_impact(endpoint: str, w0: datetime, w1: datetime, b0: datetime) -> str:
    """The endpoint's error rate in the window and in [b0, w0) (the catalog's inference_error_rate_pct),
    its worst hourly p95 latency in the window against the median hourly p95 before, and whether it serves
    production."""
    rate = exp.column("inference_error_rate_pct", table="cur")
    base = exp.column("inference_error_rate_pct", table="base")
    latency = sqlglot.parse_one(bind(_SERVING_LATENCY, endpoint=endpoint, w0=w0, w1=w1, b0=b0), read="duckdb")
    select = (exp.select(rate.as_("error_rate_pct"), base.as_("baseline_error_rate_pct"), "lat.p95_ms_max",
                         "lat.p95_ms_baseline", "lat.is_production")
              .from_(_error_rate(endpoint, w0, w1).subquery("cur"))
              .join(_error_rate(endpoint, b0, w0).subquery("base"), join_type="cross")
              .join(latency.subquery("lat"), join_type="cross"))
    return select.sql(dialect="duckdb")


def recent_requests(scope: Scope, w0: datetime, w1: datetime, limit: int = 5) -> str:
    """Requests for the scope's team and type; for a cluster, only the types that cluster has."""
    on_cluster: exp.Expression = exp.true()
    if scope.cluster and not scope.accelerator_type:
        types = (exp.select("accelerator_type").from_("cluster_capacity")
                 .where(exp.column("cluster").eq(exp.Literal.string(scope.cluster))))
        on_cluster = exp.In(this=exp.column("accelerator_type"), query=exp.Subquery(this=types))
    return bind(_RECENT_REQUESTS, w0=w0, w1=w1, in_scope=scope.where(columns=("team", "accelerator_type")),
                on_cluster=on_cluster, limit=limit)


def nearby_incidents(scope: Scope, w0: datetime, w1: datetime, exclude: str | None = None, limit: int = 5) -> str:
    return bind(_NEARBY_INCIDENTS, w0=w0, w1=w1, in_scope=scope.where(columns=("cluster",)), exclude=exclude or "",
                limit=limit)


def similar_incidents(category: str | None, scope: Scope, before: datetime, exclude: str | None = None, limit: int = 3) -> str:
    """Past resolved incidents of the same category (same cluster first), with resolution and time to resolve."""
    in_category = exp.column("category").eq(exp.Literal.string(category)) if category else exp.true()
    same_cluster = exp.column("cluster").eq(exp.Literal.string(scope.cluster)) if scope.cluster else exp.false()
    return bind(_SIMILAR_INCIDENTS, before=before, in_category=in_category, exclude=exclude or "",
                same_cluster=same_cluster, limit=limit)
