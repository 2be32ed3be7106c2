"""Paths and a query helper shared by the ingest tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
# The real FinOps FOCUS 1.0 sample (CC BY 4.0, attribution in its README), kept inside the repository.
FOCUS_SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "focus" / "focus_sample.csv"


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one read-only query against the warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()
