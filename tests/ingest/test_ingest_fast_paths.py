"""The shortcuts the bulk ingest takes (issue 25) keep the gates' results: a key repeated in the file keeps
its first record, a bad name is quarantined and adds no dimension value, and the summary says where the
time went."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from telemetry.ingest import ingest
from tests.ingest.support import query

ROWS = """SELECT TIMESTAMP '2026-11-20' + to_hours(i // 4) AS hour, 'c1' AS cluster, 'H100' AS accelerator_type,
    CASE WHEN i = 5 THEN 'bad' || chr(1) ELSE 'team-' || (i % 4) END AS team, 'p1' AS project,
    'training' AS workload_type, 8.0 AS allocated_hours, 0.5 * i AS busy_hours, 2.0 AS idle_hours, 0.5 AS sm_active,
    60.0 AS memory_used_gb, 4.0 AS energy_kwh FROM range(12) t(i)"""


def _file(tmp_path: Path, fmt: str, repeat: bool) -> Path:
    """12 rows on distinct keys (row 5 has a control character in its team); with `repeat`, row 2's key again,
    with another value."""
    f = tmp_path / f"util.{fmt}"
    again = " UNION ALL SELECT * REPLACE (3.0 AS busy_hours) FROM (" + ROWS + ") WHERE busy_hours = 1.0"
    select = ROWS + (again if repeat else "")
    with duckdb.connect() as con:
        con.execute("CREATE TABLE rows AS " + select)
        copy = "COPY rows TO $path (HEADER)" if fmt == "csv" else "COPY rows TO $path (FORMAT parquet)"
        con.execute(copy, {"path": str(f)})
    return f


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("repeat", [False, True], ids=["unique keys", "a key repeated"])
def test_repeats_names_and_dimensions(db: Path, tmp_path: Path, fmt: str, repeat: bool) -> None:
    s = ingest(_file(tmp_path, fmt, repeat), fmt, db, table="utilization_hourly")
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (12 + repeat, 11, 1, int(repeat))
    assert s.quarantine_reasons == {"text(team)": 1}
    assert s.new_dimension_values["teams"] == ["team-0", "team-1", "team-2", "team-3"]
    # the first record of a repeated key stands
    assert query(db, "SELECT count(*), sum(busy_hours) FROM utilization_hourly") == [(11, 0.5 * (66 - 5))]
    assert query(db, "SELECT count(*) FROM teams WHERE team LIKE 'bad%'") == [(0,)]


def test_summary_times_each_stage(db: Path, tmp_path: Path) -> None:
    s = ingest(_file(tmp_path, "parquet", False), "parquet", db, table="utilization_hourly")
    assert list(s.stage_seconds) == ["setup", "read", "type and gate", "quarantine", "dimensions", "load",
                                     "rollups", "coverage", "commit", "checkpoint"]
    assert all(v >= 0 for v in s.stage_seconds.values())
    assert sum(s.stage_seconds.values()) <= s.seconds + 0.01
