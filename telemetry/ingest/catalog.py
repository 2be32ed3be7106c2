"""Reference rows an empty warehouse needs before real data can pass the gates, and its `pace_meta` row.

Ingesting into a fresh file must not generate demo facts, but the accelerator catalog is reference
data (prices, capability), so it is loaded from `telemetry.fleet` when the table is empty. A
`pace_meta` row marks an ingested warehouse as built, so other commands do not replace it with demo
data; its period widens with each ingest and is never touched when the warehouse was generated.
"""

from __future__ import annotations

import duckdb

from telemetry.fleet import ACCELERATORS

TIME_COLUMNS: dict[str, str] = {"utilization_hourly": "hour", "jobs": "submit_at", "cost_daily": "ChargePeriodStart"}


def ensure_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """Insert the built-in accelerator catalog when `accelerator_types` is empty."""
    if con.execute("SELECT count(*) FROM accelerator_types").fetchone()[0]:
        return
    con.executemany(
        "INSERT INTO accelerator_types VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [row[:11] for row in ACCELERATORS],
    )


def record_meta(con: duckdb.DuckDBPyConnection, table: str, fmt: str) -> None:
    """Create or widen the ingest `pace_meta` row to cover the table's data (generated warehouses untouched)."""
    column = TIME_COLUMNS.get(table)
    if column is None:
        return
    # data_end is exclusive and midnight-aligned (docs/data-model.md): the day after the last day with data
    start, end = con.execute(
        f'SELECT min("{column}"), date_trunc(\'day\', max("{column}")) + INTERVAL 1 DAY FROM {table}'
    ).fetchone()
    if start is None:
        return
    latest = con.execute("SELECT source FROM pace_meta ORDER BY built_at DESC LIMIT 1").fetchone()
    if latest is None:
        con.execute(
            "INSERT INTO pace_meta VALUES ('ingest', 0, 'ingested', ?, ?, now()::TIMESTAMP, ?)",
            [start, end, f"ingest:{fmt}"],
        )
    elif str(latest[0]).startswith("ingest"):
        con.execute(
            "UPDATE pace_meta SET data_start = least(data_start, ?), data_end = greatest(data_end, ?) "
            "WHERE starts_with(source, 'ingest')",
            [start, end],
        )
