"""Bad values, one class per test: quarantined with a reason, counted, never loaded; sums stay finite."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from faces.cli.app import run_app
from tests.ingest.support import query

HEADER = "hour,cluster,accelerator_type,team,project,workload_type,allocated_hours,busy_hours,idle_hours,sm_active,memory_used_gb,energy_kwh"
GOOD = {"hour": "2026-11-20 00:00:00", "cluster": "c1", "accelerator_type": "H100", "team": "atlas",
        "project": "p1", "workload_type": "training", "allocated_hours": "8", "busy_hours": "6",
        "idle_hours": "2", "sm_active": "0.5", "memory_used_gb": "60", "energy_kwh": "4"}

# (class, column, bad value, gate that must name it)
BAD_VALUES = [
    ("nan", "energy_kwh", "NaN", "finite(energy_kwh)"),
    ("infinity", "busy_hours", "Infinity", "finite(busy_hours)"),
    ("minus_infinity", "idle_hours", "-inf", "finite(idle_hours)"),
    ("negative_hours", "allocated_hours", "-1", "range(allocated_hours)"),
    ("negative_energy", "energy_kwh", "-0.5", "range(energy_kwh)"),
    ("busy_above_allocated", "busy_hours", "999999", "bound(busy_hours<=allocated_hours)"),
    ("utilization_above_100pct", "sm_active", "1.5", "range(sm_active)"),
    ("year_9999", "hour", "9999-12-31 23:00:00", "time(hour)"),
    ("year_294247", "hour", "294247-01-01 00:00:00", "time(hour)"),
    ("before_1970", "hour", "1969-12-31 23:00:00", "time(hour)"),
    ("control_character", "team", "at\x01las", "text(team)"),
    ("escape_sequence", "project", "p\x1b[31mred", "text(project)"),
    ("longer_than_200", "team", "t" * 201, "text(team)"),
]


def _row(**changes: str) -> str:
    values = {**GOOD, **changes}
    return ",".join(f'"{values[c]}"' for c in HEADER.split(","))


@pytest.mark.parametrize(("column", "value", "gate"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_bad_value_is_quarantined_counted_and_never_loaded(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, value: str, gate: str
) -> None:
    f = tmp_path / "util.csv"
    f.write_text("\n".join([HEADER, _row(), _row(**{column: value}, hour="2026-11-20 01:00:00")
                            if column != "hour" else _row(hour=value)]) + "\n")
    code = run_app(["ingest", str(f), "--format", "csv", "--table", "utilization_hourly", "--db", str(db), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    s = json.loads(out.out)
    assert (s["read"], s["loaded"], s["quarantined"], s["duplicates"]) == (2, 1, 1, 0)
    assert s["read"] == s["loaded"] + s["quarantined"] + s["duplicates"]
    assert s["quarantine_reasons"] == {gate: 1}
    assert query(db, "SELECT count(*) FROM utilization_hourly") == [(1,)]
    sums = query(db, "SELECT sum(allocated_hours), sum(busy_hours), sum(idle_hours), sum(energy_kwh) FROM utilization_hourly")[0]
    assert sums == (8.0, 6.0, 2.0, 4.0)
    assert query(db, "SELECT line, reason LIKE ? FROM ingest_quarantine", [gate + ": %"]) == [(2, True)]
    if column in ("team", "project"):
        assert s["new_dimension_values"] == {"teams": ["atlas"], "projects": ["p1"], "clusters": ["c1"]}
    # pace_meta keeps timestamps (a year-9999 row once made data_end a string)
    start, end = query(db, "SELECT data_start, data_end FROM pace_meta")[0]
    assert (start, end) == (dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 21))


def test_nan_in_parquet_is_quarantined_too(db: Path, tmp_path: Path) -> None:
    import duckdb

    from telemetry.ingest import ingest

    f = tmp_path / "util.parquet"
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT TIMESTAMP '2026-11-20' + to_hours(i) AS hour, 'c1' AS cluster, 'H100' AS accelerator_type, "
            "'atlas' AS team, 'p1' AS project, 'training' AS workload_type, 8.0 AS allocated_hours, "
            "CASE WHEN i = 1 THEN 'NaN'::DOUBLE WHEN i = 2 THEN 'inf'::DOUBLE ELSE 6.0 END AS busy_hours, "
            "2.0 AS idle_hours, 0.5 AS sm_active, 60.0 AS memory_used_gb, 4.0 AS energy_kwh FROM range(4) t(i)) "
            "TO $path (FORMAT parquet)", {"path": str(f)}
        )
    s = ingest(f, "parquet", db, table="utilization_hourly")
    assert (s.read, s.loaded, s.quarantined) == (4, 2, 2)
    assert s.quarantine_reasons == {"finite(busy_hours)": 2}
    assert query(db, "SELECT sum(busy_hours) FROM utilization_hourly") == [(12.0,)]
