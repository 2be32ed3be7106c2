"""FOCUS cost exports: the real FinOps sample and a small fixture with broken rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, FOCUS_SAMPLE, query


def test_real_focus_sample_loads_every_row_including_negative_costs(db: Path) -> None:
    s = ingest(FOCUS_SAMPLE, "focus", db)
    assert s.read == 1000 and s.loaded == 1000 and s.quarantined == 0 and s.duplicates == 0
    assert s.read == s.loaded + s.quarantined + s.duplicates
    with duckdb.connect() as con:
        raw_negative = con.execute(
            f"SELECT count(*) FROM read_csv('{FOCUS_SAMPLE}', all_varchar=true, nullstr='NULL') "
            "WHERE round(CAST(BilledCost AS DOUBLE), 6) < 0"
        ).fetchone()[0]
    assert raw_negative > 0
    (negative, billed_no_effective, providers, sources) = query(
        db,
        "SELECT count(*) FILTER (BilledCost < 0), count(*) FILTER (BilledCost > 0 AND EffectiveCost = 0), "
        "count(DISTINCT ProviderName), list(DISTINCT x_source) FROM cost_daily",
    )[0]
    assert negative == raw_negative
    assert billed_no_effective > 0  # kept as given, never "repaired"
    assert providers == 3
    assert sources == ["focus:focus_sample.csv"]
    # Columns pace does not model survive inside Tags.
    assert query(db, "SELECT count(*) FROM cost_daily WHERE json_extract_string(Tags, '$.Id') IS NULL") == [(0,)]


def test_small_focus_fixture_gates_and_maps_tags(db: Path) -> None:
    s = ingest(FIXTURES / "focus_small.csv", "focus", db)
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (11, 5, 5, 1)
    assert set(s.quarantine_reasons) == {
        "type(ChargePeriodStart)", "required(BilledCost)", "order(ChargePeriodStart,ChargePeriodEnd)",
        "type(BilledCost)", "type(Tags)",
    }
    assert s.new_dimension_values["teams"] == ["atlas", "nova", "orion"]
    rows = dict(query(db, "SELECT ChargeDescription, x_accelerator_type FROM cost_daily"))
    assert rows["$98.32 per On Demand Linux p5.48xlarge Instance Hour"] == "H100"  # instance family hint
    assert rows["BM.GPU.H100.8 hour"] == "H100"
    assert rows["Standard storage"] is None  # non-accelerator services load too
    assert query(db, "SELECT min(BilledCost) FROM cost_daily") == [(-25,)]
    lines = [r[0] for r in query(db, "SELECT line FROM ingest_quarantine ORDER BY line")]
    assert lines == [5, 6, 7, 8, 9]


def test_focus_parquet_then_same_csv_is_all_duplicates(db: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "focus.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * FROM read_csv('{FIXTURES / 'focus_small.csv'}', all_varchar=true, nullstr='NULL')) "
            f"TO '{parquet}' (FORMAT parquet)"
        )
    first = ingest(parquet, "focus", db)
    assert (first.read, first.loaded, first.quarantined, first.duplicates) == (11, 5, 5, 1)
    again = ingest(FIXTURES / "focus_small.csv", "focus", db)
    assert (again.loaded, again.duplicates) == (0, 6)
