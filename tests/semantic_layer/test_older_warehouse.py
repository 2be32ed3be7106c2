"""A warehouse written by an older pace (a table the catalog now knows is missing) still answers the
questions it has data for; only questions on the missing table fail, and they say which table."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from assistant.service import answer
from core.settings import Settings


def _without_table(demo_db: Path, tmp_path: Path, table: str) -> Path:
    path = tmp_path / "older.duckdb"
    shutil.copy(demo_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute(f"DROP TABLE {table}")  # noqa: S608 - a constant test table name
    return path


def test_missing_table_leaves_other_questions_answered(demo_db: Path, tmp_path: Path) -> None:
    settings = Settings(PACE_DB=_without_table(demo_db, tmp_path, "gpu_hourly"))
    spend = answer("spend by team last week", settings=settings)
    assert spend.status == "answered", spend.text
    per_gpu = answer("idle GPU-hours under 5% last week", settings=settings)
    assert per_gpu.status != "answered"
    assert "gpu_hourly" in per_gpu.text
