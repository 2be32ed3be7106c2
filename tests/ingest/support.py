"""Paths and a query helper shared by the ingest tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
FOCUS_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "focus-1.0" / "focus_sample.csv"


def query(db: Path, sql: str) -> list[tuple]:
    """Rows of one read-only query against the warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()
