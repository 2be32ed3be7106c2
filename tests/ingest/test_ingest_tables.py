"""Files already in pace's table shapes: --format csv|parquet --table T."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.errors import UserError
from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

UTIL = FIXTURES / "utilization_sample.csv"


def test_csv_utilization_gates(db: Path) -> None:
    s = ingest(UTIL, "csv", db, table="utilization_hourly")
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (9, 3, 5, 1)
    assert s.quarantine_reasons == {
        "range(allocated_hours)": 1, "range(sm_active)": 1, "required(team)": 1,
        "type(hour)": 1, "unknown_accelerator_type": 1,
    }
    assert s.new_dimension_values["teams"] == ["atlas", "newteam"]
    assert query(db, "SELECT org FROM teams WHERE team = 'newteam'") == [("unassigned",)]
    assert query(db, "SELECT team FROM projects WHERE project = 'newproject'") == [("newteam",)]


def test_parquet_same_rows_are_duplicates_of_the_csv(db: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "u.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_csv('{UTIL}')) TO '{parquet}'")
    first = ingest(UTIL, "csv", db, table="utilization_hourly")
    second = ingest(parquet, "parquet", db, table="utilization_hourly")
    assert (second.loaded, second.quarantined) == (0, first.quarantined)
    assert second.duplicates == first.loaded + first.duplicates


def test_table_is_required_and_checked(db: Path) -> None:
    with pytest.raises(UserError, match="needs --table"):
        ingest(UTIL, "csv", db)
    with pytest.raises(UserError, match="not a pace table"):
        ingest(UTIL, "csv", db, table="ingest_quarantine")
    with pytest.raises(UserError, match="--table applies to"):
        ingest(UTIL, "focus", db, table="jobs")


def test_new_accelerator_type_then_its_rows_load(db: Path, tmp_path: Path) -> None:
    types = tmp_path / "types.csv"
    types.write_text(
        "accelerator_type,kind,vendor,model_name,memory_gb,tdp_watts,peak_bf16_tflops,"
        "on_demand_usd_per_hour,committed_usd_per_hour\nB200,GPU,NVIDIA,B200 SXM 192GB,192,1000,2250,6.5,4.3\n"
    )
    assert ingest(types, "csv", db, table="accelerator_types").loaded == 1
    assert "unknown_accelerator_type" not in ingest(UTIL, "csv", db, table="utilization_hourly").quarantine_reasons
