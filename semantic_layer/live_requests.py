"""Live compute requests for the question engine: the governance SQLite store, overlaid per cursor.

The governance workflow writes requests to a SQLite file in WAL mode next to the warehouse
(`store_path`). DuckDB's question connection is read-only with external access off, so it cannot
ATTACH that file; instead, for each query that reads `compute_requests`, the engine reads the live rows
here with sqlite3 (`mode=ro`: WAL readers never wait for writers and never take a write lock), hands
them to its own cursor as an Arrow table, and defines a cursor-local TEMP view `compute_requests` =
the warehouse's historical rows UNION ALL the live ones. Temp objects shadow the main schema and die
with the cursor, so other cursors, the file and the locked configuration are untouched.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa

from telemetry.settings import Settings

log = logging.getLogger("pace.semantic_layer")
TABLE = "compute_requests"
# The store's `requests` columns that mirror the warehouse's compute_requests, with their Arrow types.
COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("request_id", pa.string()), ("team", pa.string()), ("project", pa.string()), ("requester", pa.string()),
    ("approver", pa.string()), ("accelerator_type", pa.string()), ("accelerators_requested", pa.int32()),
    ("accelerators_granted", pa.int32()), ("workload_type", pa.string()), ("priority", pa.string()),
    ("preemptible", pa.bool_()), ("justification", pa.string()), ("status", pa.string()),
    ("submitted_at", pa.timestamp("us")), ("decided_at", pa.timestamp("us")), ("provisioned_at", pa.timestamp("us")),
    ("start_date", pa.date32()), ("end_date", pa.date32()),
)


def store_path(settings: Settings) -> Path:
    """The governance store that belongs to this warehouse: `<warehouse>.governance.sqlite`."""
    return settings.db.with_name(settings.db.name + ".governance.sqlite")


def read_live(path: Path, timeout_s: float = 5.0) -> pa.Table | None:
    """Every stored request as an Arrow table shaped like compute_requests; None when there is no store."""
    if not path.exists():
        return None
    uri = f"file:{path.resolve()}?mode=ro"
    con = sqlite3.connect(uri, uri=True, timeout=timeout_s, detect_types=0)
    try:
        con.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        names = ", ".join(c for c, _ in COLUMNS)
        try:
            rows = con.execute(f"SELECT {names} FROM requests").fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None  # a store created a moment ago, before its schema
            raise
    finally:
        con.close()
    columns = list(zip(*rows)) if rows else [() for _ in COLUMNS]
    arrays = [_array(values, dtype) for values, (_, dtype) in zip(columns, COLUMNS)]
    return pa.Table.from_arrays(arrays, names=[c for c, _ in COLUMNS])


def _array(values: tuple, dtype: pa.DataType) -> pa.Array:
    """SQLite hands back text for dates and 0/1 for booleans; convert through pyarrow's casts."""
    if pa.types.is_timestamp(dtype) or pa.types.is_date(dtype):
        text = pa.array([None if v is None else str(v).replace("T", " ") for v in values], pa.string())
        if pa.types.is_date(dtype):
            return pa.array([None if v is None else _date(v) for v in text.to_pylist()], dtype)
        return text.cast(dtype)
    if pa.types.is_boolean(dtype):
        return pa.array([None if v is None else bool(v) for v in values], dtype)
    return pa.array(list(values), dtype)


def _date(text: str):  # noqa: ANN202 - datetime.date
    from datetime import date

    return date.fromisoformat(text[:10])


def overlay(cur: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Make `compute_requests` on this cursor include the live requests; returns how many were added."""
    try:
        live = read_live(store_path(settings))
    except sqlite3.Error as exc:  # never a lock error for a question: answer from the warehouse alone
        log.warning("governance store unreadable, answering without live requests: %s", exc)
        return 0
    if live is None or live.num_rows == 0:
        return 0
    database = cur.execute("SELECT current_database()").fetchall()[0][0]
    cur.register("_pace_live_requests", live)
    cur.execute(
        f'CREATE OR REPLACE TEMP VIEW {TABLE} AS SELECT * FROM "{database}".main.{TABLE} '
        f"UNION ALL BY NAME SELECT * FROM _pace_live_requests"
    )
    return live.num_rows
