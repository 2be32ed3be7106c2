"""Triage queries. Every literal is a warehouse dimension value or a timestamp, never user text: the
free-text report only selects which known values go in (`Scope`), so it cannot shape the SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tools._warehouse import literal as lit
from tools._warehouse import ts


@dataclass(frozen=True)
class Scope:
    """Known dimension values the problem is about (None = any)."""

    cluster: str | None = None
    team: str | None = None
    accelerator_type: str | None = None
    endpoint: str | None = None
    workload_type: str | None = None

    def where(self, alias: str = "", columns: tuple[str, ...] = ("cluster", "team", "accelerator_type", "workload_type")) -> str:
        p = f"{alias}." if alias else ""
        parts = [f"{p}{c} = {lit(getattr(self, c))}" for c in columns if getattr(self, c)]
        return " AND ".join(parts) or "TRUE"

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


def incident(incident_id: str) -> str:
    return f"SELECT * FROM incidents WHERE incident_id = {lit(incident_id)}"


def some_incidents(limit: int = 5) -> str:
    return f"SELECT incident_id, title FROM incidents ORDER BY opened_at DESC LIMIT {limit}"


def job_impact(scope: Scope, w0: datetime, w1: datetime, b0: datetime) -> str:
    """Failures in the window against the scope's own baseline failure rate in [b0, w0).

    excess_failed_hours = failed accelerator-hours x (1 - baseline rate / window rate): the share of the
    failed work that the usual failure rate does not explain (0 when failures are at or below usual)."""
    return (
        "WITH per_team AS (\n"
        f"  SELECT team,\n"
        f"    COUNT(*) FILTER (WHERE end_at >= {ts(w0)}) AS jobs,\n"
        f"    COUNT(*) FILTER (WHERE end_at >= {ts(w0)} AND state = 'failed') AS failed,\n"
        f"    SUM(accelerator_hours) FILTER (WHERE end_at >= {ts(w0)}) AS hours,\n"
        f"    SUM(accelerator_hours) FILTER (WHERE end_at >= {ts(w0)} AND state = 'failed') AS failed_hours,\n"
        f"    COUNT(*) FILTER (WHERE end_at < {ts(w0)}) AS base_jobs,\n"
        f"    COUNT(*) FILTER (WHERE end_at < {ts(w0)} AND state = 'failed') AS base_failed,\n"
        f"    MIN(end_at) FILTER (WHERE end_at >= {ts(w0)} AND state = 'failed') AS first_failure,\n"
        f"    MAX(end_at) FILTER (WHERE end_at >= {ts(w0)} AND state = 'failed') AS last_failure\n"
        f"  FROM jobs WHERE end_at >= {ts(b0)} AND end_at < {ts(w1)} AND {scope.where()}\n"
        "  GROUP BY team)\n"
        "SELECT COALESCE(SUM(jobs), 0) AS jobs, COALESCE(SUM(failed), 0) AS failed,\n"
        "  100.0 * SUM(failed) / NULLIF(SUM(jobs), 0) AS failure_rate_pct,\n"
        "  100.0 * SUM(base_failed) / NULLIF(SUM(base_jobs), 0) AS baseline_failure_rate_pct,\n"
        "  COALESCE(SUM(failed_hours), 0) AS failed_hours,\n"
        "  greatest(0, COALESCE(SUM(failed_hours), 0) * (1 - COALESCE((SUM(base_failed) / NULLIF(SUM(base_jobs), 0))\n"
        "    / NULLIF(SUM(failed) / NULLIF(SUM(jobs), 0), 0), 1))) AS excess_failed_hours,\n"
        "  COUNT(*) FILTER (WHERE failed >= 2 AND failed > 1.5 * jobs * COALESCE(base_failed / NULLIF(base_jobs, 0), 0)) AS teams_affected,\n"
        "  arg_max(team, failed_hours) AS top_team,\n"
        "  date_diff('minute', MIN(first_failure), MAX(last_failure)) / 60.0 AS failure_span_hours,\n"
        "  MIN(first_failure) AS first_failure\n"
        "FROM per_team"
    )


def failed_jobs(scope: Scope, w0: datetime, w1: datetime, limit: int = 5) -> str:
    return (
        "SELECT job_id, team, cluster, accelerator_type, workload_type, end_at, accelerator_hours FROM jobs\n"
        f"WHERE state = 'failed' AND end_at >= {ts(w0)} AND end_at < {ts(w1)} AND {scope.where()}\n"
        f"ORDER BY end_at DESC LIMIT {limit}"
    )


def serving_impact(endpoint: str, w0: datetime, w1: datetime, b0: datetime) -> str:
    this, base = f"hour >= {ts(w0)}", f"hour < {ts(w0)}"
    return (
        "SELECT 100.0 * SUM(errors) FILTER (WHERE {t}) / NULLIF(SUM(requests) FILTER (WHERE {t}), 0) AS error_rate_pct,\n"
        "  100.0 * SUM(errors) FILTER (WHERE {b}) / NULLIF(SUM(requests) FILTER (WHERE {b}), 0) AS baseline_error_rate_pct,\n"
        "  MAX(latency_p95_ms) FILTER (WHERE {t}) AS p95_ms_max,\n"
        "  quantile_cont(latency_p95_ms, 0.5) FILTER (WHERE {b}) AS p95_ms_baseline,\n"
        "  bool_or(e.is_production) AS is_production\n"
        "FROM serving_hourly AS s JOIN endpoints AS e ON e.endpoint = s.endpoint\n"
        f"WHERE s.endpoint = {lit(endpoint)} AND hour >= {ts(b0)} AND hour < {ts(w1)}"
    ).format(t=this, b=base)


def recent_requests(scope: Scope, w0: datetime, w1: datetime, limit: int = 5) -> str:
    """Requests for the scope's team and type; for a cluster, only the types that cluster has."""
    on_cluster = (f" AND accelerator_type IN (SELECT accelerator_type FROM cluster_capacity WHERE cluster = {lit(scope.cluster)})"
                  if scope.cluster and not scope.accelerator_type else "")
    return (
        "SELECT request_id, team, accelerator_type, accelerators_requested, status, submitted_at FROM compute_requests\n"
        f"WHERE submitted_at >= {ts(w0)} AND submitted_at < {ts(w1)} AND {scope.where(columns=('team', 'accelerator_type'))}"
        f"{on_cluster}\nORDER BY submitted_at DESC LIMIT {limit}"
    )


def nearby_incidents(scope: Scope, w0: datetime, w1: datetime, exclude: str | None = None, limit: int = 5) -> str:
    return (
        "SELECT incident_id, title, severity, opened_at, resolved_at FROM incidents\n"
        f"WHERE opened_at < {ts(w1)} AND (resolved_at IS NULL OR resolved_at >= {ts(w0)})\n"
        f"  AND {scope.where(columns=('cluster',))} AND incident_id <> {lit(exclude or '')}\n"
        f"ORDER BY opened_at DESC LIMIT {limit}"
    )


def similar_incidents(category: str | None, scope: Scope, before: datetime, exclude: str | None = None, limit: int = 3) -> str:
    """Past resolved incidents of the same category (same cluster first), with resolution and time to resolve."""
    cat = f"category = {lit(category)}" if category else "TRUE"
    same = f"cluster = {lit(scope.cluster)}" if scope.cluster else "FALSE"
    return (
        "SELECT incident_id, title, severity, opened_at, resolution, resolved_tier,\n"
        "  date_diff('minute', opened_at, resolved_at) / 60.0 AS hours_to_resolve,\n"
        "  COUNT(*) OVER () AS similar_total,\n"
        "  quantile_cont(date_diff('minute', opened_at, resolved_at) / 60.0, 0.5) OVER () AS mttr_p50_hours,\n"
        "  quantile_cont(date_diff('minute', opened_at, resolved_at) / 60.0, 0.9) OVER () AS mttr_p90_hours,\n"
        "  COUNT(*) FILTER (WHERE resolved_tier = 3) OVER () AS tier3_total\n"
        f"FROM incidents WHERE resolved_at IS NOT NULL AND opened_at < {ts(before)} AND {cat}\n"
        f"  AND incident_id <> {lit(exclude or '')}\n"
        f"ORDER BY CASE WHEN {same} THEN 0 ELSE 1 END, opened_at DESC LIMIT {limit}"
    )
