"""Ingesting into a generated warehouse: known names are not re-added and pace_meta is left alone."""

from __future__ import annotations

import shutil
from pathlib import Path

from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query


def test_sacct_into_demo_warehouse(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_db, db)
    meta = query(db, "SELECT * FROM pace_meta")
    jobs_before = query(db, "SELECT count(*) FROM jobs")[0][0]
    s = ingest(FIXTURES / "sacct_sample.txt", "sacct", db)
    assert s.new_dimension_values["teams"] == ["newteam"]  # atlas, orion... already exist
    assert query(db, "SELECT count(*) FROM jobs")[0][0] == jobs_before + s.loaded
    assert query(db, "SELECT * FROM pace_meta") == meta
