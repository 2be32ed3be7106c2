"""`pace export`: Hive-partitioned Parquet of every queryable table, a manifest, and the CLI (no Java needed)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from faces.cli import run_app
from core.errors import UserError
from telemetry.export import MANIFEST, PARTITION_COLUMNS, export_parquet, read_manifest
from telemetry.schema import QUERYABLE_TABLES


def test_export_writes_partitioned_parquet_with_every_row(demo_db: Path, tmp_path: Path) -> None:
    result = export_parquet(demo_db, tmp_path / "out", partition_by="month")
    assert {t.table for t in result.tables} == set(QUERYABLE_TABLES)
    assert (tmp_path / "out" / "utilization_hourly" / "month=2026-11").is_dir()
    assert (tmp_path / "out" / "teams" / "data_0.parquet").exists()
    with duckdb.connect(":memory:") as con:  # not connect(demo_db): that may share a hardened engine's instance
        con.execute(f"ATTACH '{demo_db}' AS wh (READ_ONLY)")
        for t in result.tables:
            want = con.execute(f'SELECT count(*) FROM wh."{t.table}"').fetchone()[0]
            glob = str(tmp_path / "out" / t.table / "**" / "*.parquet")
            got = con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)").fetchone()[0]
            assert got == want == t.rows, t.table
            assert (t.partition_by is not None) == (t.table in PARTITION_COLUMNS)
    manifest = read_manifest(tmp_path / "out")
    assert manifest["partition_by"] == "month"
    assert manifest["tables"][0]["columns"]


def test_export_refuses_a_folder_that_is_not_an_export(demo_db: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty"):
        export_parquet(demo_db, tmp_path)
    with pytest.raises(UserError, match="pace export"):
        read_manifest(tmp_path)


def test_cli_export_json(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "wh"
    assert run_app(["export", "--format", "parquet", "--out", str(out), "--partition-by", "day", "--db", str(demo_db), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["partition_by"] == "day" and payload["format"] == "parquet"
    assert (out / MANIFEST).exists()
    assert any((out / "jobs").glob("day=*"))
    assert run_app(["export", "--format", "csv", "--out", str(out), "--db", str(demo_db)]) == 2


def test_empty_tables_get_a_schema_only_file(tmp_path: Path) -> None:
    """Spark cannot infer a schema from a partitioned folder with no files, so empty facts are one file."""
    from telemetry.schema import create_schema

    db = tmp_path / "empty.duckdb"
    with duckdb.connect(str(db)) as con:
        create_schema(con)
    result = export_parquet(db, tmp_path / "out", partition_by="day")
    jobs = next(t for t in result.tables if t.table == "jobs")
    assert jobs.rows == 0 and jobs.partition_by is None
    with duckdb.connect(":memory:") as con:
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{tmp_path / 'out' / 'jobs' / 'data_0.parquet'}'").fetchall()]
    assert cols == list(jobs.columns)
