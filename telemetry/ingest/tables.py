"""Files already in one of pace's table shapes (`--format csv|parquet --table T`).

Columns are matched by name and cast to the warehouse types with TRY_CAST; NOT NULL columns are
required; the ranges below guard pace's own telemetry (never billing lines, which may be negative).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.errors import UserError
from telemetry.ingest import gates as g
from telemetry.ingest.gates import q, sql, text
from telemetry.ingest.load import IngestPlan
from telemetry.ingest.sacct import UPSERT as JOB_UPSERT
from telemetry.ingest.staging import raw_ref, raw_type, require_columns
from telemetry.schema import DIMENSION_TABLES, FACT_TABLES, JOB_STATES

TABLES: tuple[str, ...] = FACT_TABLES + DIMENSION_TABLES
# Keys for tables without a primary key in the DDL.
KEYS: dict[str, tuple[str, ...]] = {
    "utilization_hourly": ("hour", "cluster", "accelerator_type", "team", "project", "workload_type"),
}
RANGES: dict[str, tuple[tuple[str, float | None, float | None], ...]] = {
    "utilization_hourly": (
        ("allocated_hours", 0, None), ("busy_hours", 0, None), ("idle_hours", 0, None),
        ("sm_active", 0, 1), ("memory_used_gb", 0, None), ("energy_kwh", 0, None), ("peak_util_pct", 0, 100),
    ),
    "jobs": (("accelerators", 0, None), ("queue_wait_minutes", 0, None), ("accelerator_hours", 0, None), ("mfu", 0, 1)),
    "serving_hourly": (("requests", 0, None), ("tokens", 0, None), ("errors", 0, None),
                       ("latency_p50_ms", 0, None), ("latency_p95_ms", 0, None)),
    "quotas": (("guaranteed", 0, None), ("burst_limit", 0, None)),
    "cluster_capacity": (("accelerators", 0, None),),
}
ORDERS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "jobs": (("submit_at", "start_at", False), ("start_at", "end_at", False)),
    "cost_daily": (("ChargePeriodStart", "ChargePeriodEnd", True),),
    "incidents": (("opened_at", "acknowledged_at", False),),
}
# Columns that may not exceed another column of the same row: busy and idle time within allocated time.
BOUNDS: dict[str, tuple[tuple[str, str], ...]] = {
    "utilization_hourly": (("busy_hours", "allocated_hours"), ("idle_hours", "allocated_hours")),
}
DIMENSIONS: dict[str, tuple[str, ...]] = {"team": ("teams",), "project": ("projects",), "cluster": ("clusters",)}


def _schema(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool, bool]]:
    """(column, type, not null, has default) for a warehouse table, in DDL order."""
    return [
        (name, dtype, not nullable, default is not None)
        for name, dtype, nullable, default in con.execute(
            "SELECT column_name, data_type, is_nullable = 'YES', column_default FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position", [table]
        ).fetchall()
    ]


def primary_key(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """The table's primary-key columns (empty when it has none)."""
    row = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? "
        "AND constraint_type = 'PRIMARY KEY'", [table]
    ).fetchone()
    return tuple(row[0]) if row else ()


def plan(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], file: Path, fmt: str) -> IngestPlan:
    """A plan that loads a file shaped like `table`."""
    if table not in TABLES:
        raise UserError(f"--table {table!r} is not a pace table you can ingest; choose one of {', '.join(TABLES)}")
    schema = _schema(con, table)
    needed = tuple(c for c, _, not_null, has_default in schema if not_null and not has_default)
    require_columns(columns, needed, f"{table} ({fmt})", file)
    cols: dict[str, str] = {}
    checks: list[g.Gate] = []
    for name, dtype, not_null, has_default in schema:
        raw = raw_ref(columns, name)
        if name == "x_source" and name not in columns:
            cols[name] = sql(text(f"{fmt}:{file.name}"))
            continue
        if has_default and name not in columns:
            continue  # the table's DEFAULT applies
        same_type = name in columns and raw_type(con, name) == dtype
        cols[name] = raw if same_type else f"TRY_CAST({raw} AS {dtype})"
        if not_null:
            checks.append(g.required(name, raw))
        if name in columns and not same_type:
            checks.append(g.typed(name, dtype, raw))
    checks += [g.in_range(c, lo, hi) for c, lo, hi in RANGES.get(table, ())]
    checks += [g.at_most(c, bound) for c, bound in BOUNDS.get(table, ())]
    checks += [g.ordered(a, b, strict=s) for a, b, s in ORDERS.get(table, ())]
    if table == "jobs":
        states = ", ".join(sql(text(s)) for s in JOB_STATES)
        checks.append(g.Gate("state", f"state NOT IN ({states})",
                             f"'state must be one of {', '.join(JOB_STATES)}, not ' || state"))
    if "accelerator_type" in cols and table != "accelerator_types":
        checks.append(g.known_accelerator(con))
    key = primary_key(con, table) or KEYS.get(table) or tuple(c for c in cols if c != "x_source")
    dims: dict[str, tuple[str, ...]] = {}
    if table not in DIMENSION_TABLES:
        for column, (dim,) in DIMENSIONS.items():
            if column in cols:
                dims[dim] = (column, "team") if dim == "projects" and "team" in cols else (column,)
    # Bounding the scan of existing rows is only sound when the bounding column is part of the key.
    window = next((c for c in ("hour", "ChargePeriodStart") if c in key), None)
    # A jobs file, like a sacct dump, moves running and pending jobs along (idempotent upsert by job_id).
    replace_when = JOB_UPSERT if table == "jobs" else None
    return IngestPlan(table, cols, tuple(checks), key, key_window=window, dimensions=dims, replace_when=replace_when)
