"""Opening the warehouse file for writing, and building the demo one on first use.

Only the generator, ingest and feedback write; questions go through `semantic_layer.engine`, which
opens the same file read-only and hardened.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from core.errors import UserError
from telemetry.schema import create_schema
from core.settings import Settings


@contextmanager
def open_writable(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection with the schema in place; closed on exit."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise UserError(
            f"cannot open the warehouse {path} for writing ({exc}); another pace process may hold it, "
            "stop it and try again"
        ) from None
    try:
        create_schema(con)
        yield con
    finally:
        con.close()


def warehouse_exists(path: Path) -> bool:
    """True when the file exists and holds generated or ingested data (a `pace_meta` row)."""
    if not Path(path).exists():
        return False
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return bool(con.execute("SELECT count(*) FROM pace_meta").fetchone()[0])
    except duckdb.Error:
        return False


def ensure_warehouse(settings: Settings, *, quiet: bool = False) -> Path:
    """Build the demo-scale warehouse at `settings.db` when it is missing (with a progress bar)."""
    if not warehouse_exists(settings.db):
        from telemetry.generator import generate

        generate(settings.db, scale="demo", progress=not quiet)
    return settings.db


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The `pace_meta` row as a dict (empty when the warehouse has none)."""
    cur = con.execute("SELECT * FROM pace_meta ORDER BY built_at DESC LIMIT 1")
    row = cur.fetchone()
    if row is None:
        return {}
    return dict(zip([d[0] for d in cur.description], row))
