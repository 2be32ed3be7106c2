"""Reference rows an empty warehouse needs before real data can pass the gates, and its `pace_meta` row.

Ingesting into a fresh file must not generate demo facts, but the accelerator catalog is reference
data (prices, capability), so it is loaded from `telemetry.fleet` when the table is empty. A
`pace_meta` row marks an ingested warehouse as built; its period widens with each ingest and is never
touched when the warehouse was generated. `pace_coverage` keeps the period per table and source, so
answers can say which data covers which period (semantic_layer/coverage.py).
"""

from __future__ import annotations

import duckdb

from sqlglot import exp

from telemetry.fleet import ACCELERATORS

TIME_COLUMNS: dict[str, str] = {
    "utilization_hourly": "hour", "gpu_hourly": "hour", "jobs": "submit_at", "cost_daily": "ChargePeriodStart",
    "serving_hourly": "hour",
}


def ensure_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """Insert the built-in accelerator catalog when `accelerator_types` is empty."""
    if con.execute("SELECT count(*) FROM accelerator_types").fetchone()[0]:
        return
    con.executemany(
        "INSERT INTO accelerator_types VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [row[:11] for row in ACCELERATORS],
    )


def record_meta(con: duckdb.DuckDBPyConnection, table: str, fmt: str) -> None:
    """Record the period this ingest covers in `pace_coverage` (per table and source) and widen `pace_meta`.

    The span is [first day, day after the last day) of the rows this file carried (`_checked`, loaded
    or already present), else of the whole table. A generated warehouse's `pace_meta` is never changed;
    an ingested one's spans all sources and is labelled with every format ingested (`ingest:dcgm,sacct`).
    """
    tables = (table, "gpu_hourly") if fmt == "dcgm" and table != "gpu_hourly" else (table,)
    for name in tables:
        _record_coverage(con, name, fmt)
    spans = con.execute("SELECT min(data_start), max(data_end), string_agg(DISTINCT source, ',' ORDER BY source) "
                        "FROM pace_coverage").fetchone()
    if spans[0] is None:
        return
    start, end, sources = spans
    latest = con.execute("SELECT source FROM pace_meta ORDER BY built_at DESC LIMIT 1").fetchone()
    if latest is None:
        con.execute(
            "INSERT INTO pace_meta VALUES ('ingest', 0, 'ingested', ?, ?, now()::TIMESTAMP, ?)",
            [start, end, f"ingest:{sources}"],
        )
    elif str(latest[0]).startswith("ingest"):
        con.execute(
            "UPDATE pace_meta SET data_start = least(data_start, ?), data_end = greatest(data_end, ?), source = ? "
            "WHERE starts_with(source, 'ingest')",
            [start, end, f"ingest:{sources}"],
        )


def _record_coverage(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
    column = TIME_COLUMNS.get(table)
    if column is None or not _has_column(con, table, column):
        return
    time = exp.column(column, quoted=True)
    rows = exp.select(time.as_("t")).from_(exp.to_table("_checked")).where(exp.column("_reason").is_(exp.null())) \
        if _has_column(con, "_checked", column) else exp.select(time.as_("t")).from_(exp.to_table(table, quoted=True))
    # data_end is exclusive and midnight-aligned (docs/data-model.md): the day after the last day with data
    day = exp.var("DAY")
    first = exp.TimestampTrunc(this=exp.func("min", exp.column("t")), unit=day)
    last = exp.Add(this=exp.TimestampTrunc(this=exp.func("max", exp.column("t")), unit=day.copy()),
                   expression=exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY")))
    start, end = con.execute(exp.select(first, last).from_(rows.subquery()).sql("duckdb")).fetchone()
    if start is None:
        return
    con.execute(
        """INSERT INTO pace_coverage VALUES (?, ?, ?, ?, now()::TIMESTAMP)
        ON CONFLICT (table_name, source) DO UPDATE SET data_start = least(data_start, excluded.data_start),
            data_end = greatest(data_end, excluded.data_end), updated_at = excluded.updated_at""",
        [table, source, start, end],
    )


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?", [table, column]
    ).fetchone()[0])
