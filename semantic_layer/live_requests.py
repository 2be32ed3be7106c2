"""Live compute requests for the question engine: the governance SQLite store, overlaid per cursor.

The governance workflow writes requests to a SQLite file in WAL mode next to the warehouse
(`store_path`). DuckDB's question connection is read-only with external access off, so it cannot
ATTACH that file; instead, for each query that reads `compute_requests`, the engine reads the live rows
here with sqlite3 (`mode=ro`: WAL readers never wait for writers and never take a write lock), hands
them to its own cursor as an Arrow table, and defines a cursor-local TEMP view `compute_requests` =
the warehouse's rows whose id the store does not hold UNION ALL the store's rows. The store is the one
source of truth for every request it holds: governance imports the warehouse's open requests into it
(`governance.imports`), so an approval made there replaces the warehouse's stale "submitted" row instead
of being counted beside it, and `pace request list`, queue positions and questions count the same rows. Temp objects shadow the main schema and die
with the cursor, so other cursors, the file and the locked configuration are untouched. One
read-only SQLite connection per store is kept, and the rows are re-read only when its
`PRAGMA data_version` says another connection has committed since.
"""

from __future__ import annotations

import contextvars
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from core.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger("pace.semantic_layer")
TABLE = "compute_requests"
# The store's `requests` columns that mirror the warehouse's compute_requests, with their Arrow types
# (pyarrow is imported only when a store exists, to keep the engine's import light).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("request_id", "string"), ("team", "string"), ("project", "string"), ("requester", "string"),
    ("approver", "string"), ("accelerator_type", "string"), ("accelerators_requested", "int32"),
    ("accelerators_granted", "int32"), ("workload_type", "string"), ("priority", "string"),
    ("preemptible", "bool"), ("justification", "string"), ("status", "string"),
    ("submitted_at", "timestamp"), ("decided_at", "timestamp"), ("provisioned_at", "timestamp"),
    ("start_date", "date"), ("end_date", "date"),
)

_WAREHOUSE_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("pace_warehouse_only", default=False)


@contextmanager
def warehouse_only() -> Iterator[None]:
    """Within this block the engine reads the warehouse's own compute_requests, without the store's rows
    (for governance's import of the warehouse's open requests, which must see what the file holds)."""
    token = _WAREHOUSE_ONLY.set(True)
    try:
        yield
    finally:
        _WAREHOUSE_ONLY.reset(token)


def store_path(settings: Settings) -> Path:
    """The governance store that belongs to this warehouse: `<warehouse>.governance.sqlite`."""
    return settings.db.with_name(settings.db.name + ".governance.sqlite")


class _Reader:
    """A read-only connection kept per store, and the rows as of its last `PRAGMA data_version`.

    SQLite changes `data_version` on a connection whenever any other connection (any process) commits,
    so a question re-reads the rows only after a write, and never serves rows older than the last commit.
    """

    def __init__(self, path: Path, timeout_s: float) -> None:
        self.inode = path.stat().st_ino
        self.con = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=timeout_s, check_same_thread=False)
        self.version: int | None = None
        self.table: Any = None
        self.lock = threading.Lock()

    def read(self) -> pa.Table | None:
        with self.lock:
            version = self.con.execute("PRAGMA data_version").fetchall()[0][0]
            if version != self.version:
                self.table, self.version = _read(self.con), version
            return self.table


_READERS: dict[Path, _Reader] = {}
_READERS_LOCK = threading.Lock()


def read_live(path: Path, timeout_s: float = 5.0) -> pa.Table | None:
    """Every stored request as an Arrow table shaped like compute_requests; None when there is no store."""
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        return None
    key = path.resolve()
    with _READERS_LOCK:
        reader = _READERS.get(key)
        if reader is None or reader.inode != inode:  # first use, or the store was replaced
            if reader is not None:
                reader.con.close()
            reader = _READERS[key] = _Reader(path, timeout_s)
    try:
        return reader.read()
    except sqlite3.Error:
        with _READERS_LOCK:  # start afresh next time
            if _READERS.get(key) is reader:
                del _READERS[key]
        reader.con.close()
        raise


def _read(con: sqlite3.Connection) -> pa.Table | None:
    import pyarrow as pa

    try:
        rows = con.execute(exp.select(*(c for c, _ in COLUMNS)).from_("requests").sql(dialect="sqlite")).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None  # a store created a moment ago, before its schema
        raise
    columns = list(zip(*rows)) if rows else [() for _ in COLUMNS]
    arrays = [_array(values, kind) for values, (_, kind) in zip(columns, COLUMNS)]
    return pa.Table.from_arrays(arrays, names=[c for c, _ in COLUMNS])


def _array(values: tuple, kind: str) -> pa.Array:
    """SQLite hands back ISO text for dates and 0/1 for booleans; convert with pyarrow's vectorized casts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind in ("timestamp", "date"):
        text = pa.array([None if v is None else str(v).replace("T", " ") for v in values], pa.string())
        if kind == "date":
            return pc.utf8_slice_codeunits(text, 0, 10).cast(pa.date32())
        return text.cast(pa.timestamp("us"))
    if kind == "bool":
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    return pa.array(list(values), pa.int32() if kind == "int32" else pa.string())

def overlay(cur: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Make `compute_requests` on this cursor the store's requests plus the warehouse's others; returns how
    many came from the store."""
    if _WAREHOUSE_ONLY.get():
        return 0
    try:
        live = read_live(store_path(settings))
    except sqlite3.Error as exc:  # never a lock error for a question: answer from the warehouse alone
        log.warning("governance store unreadable, answering without live requests: %s", exc)
        return 0
    if live is None or live.num_rows == 0:
        return 0
    database = cur.execute("SELECT current_database()").fetchall()[0][0]
    cur.register("_pace_live_requests", live)
    cur.execute(overlay_view(database).sql(dialect="duckdb"))
    return live.num_rows


def overlay_view(database: str) -> exp.Create:
    """CREATE OR REPLACE TEMP VIEW compute_requests AS the warehouse's rows whose id the store lacks,
    UNION ALL BY NAME the store's rows (registered on the cursor as `_pace_live_requests`)."""
    warehouse = exp.Table(this=exp.to_identifier(TABLE), db=exp.to_identifier("main"), catalog=exp.to_identifier(database, quoted=True))
    live = exp.to_table("_pace_live_requests")
    kept = exp.select("*").from_(warehouse).where(exp.column("request_id").isin(query=exp.select("request_id").from_(live)).not_())
    body = exp.Union(this=kept, expression=exp.select("*").from_(live.copy()), distinct=False, by_name=True)
    return exp.Create(this=exp.to_table(TABLE), kind="VIEW", expression=body, replace=True,
                      properties=exp.Properties(expressions=[exp.TemporaryProperty()]))


def store_values(settings: Settings, columns: list[str], timeout_s: float = 5.0) -> dict[str, list[Any]]:
    """Distinct non-null values of some request columns in the store, for dimension vocabularies
    (`Catalog.with_values`): read with sqlite3 alone, no Arrow table or overlay; {} without a store."""
    known = {name for name, _ in COLUMNS}
    path = store_path(settings)
    if not path.exists():
        return {}
    try:
        con = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=timeout_s)
    except sqlite3.Error:
        return {}
    try:
        out: dict[str, list[Any]] = {}
        for column in (c for c in columns if c in known):
            col = exp.column(column)
            query = exp.select(col).distinct().from_("requests").where(col.is_(exp.null()).not_())
            out[column] = [r[0] for r in con.execute(query.sql(dialect="sqlite")).fetchall()]
        return out
    except sqlite3.Error as exc:  # a store being created or unreadable: the warehouse's values stand alone
        log.warning("governance store unreadable for dimension values: %s", exc)
        return {}
    finally:
        con.close()
