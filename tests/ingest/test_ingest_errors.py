"""Bad files: clear errors or quarantine, never a crash; counts always reconcile; re-ingest adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

CASES = [
    (FIXTURES / "focus_small.csv", "focus", None, None),
    (FIXTURES / "sacct_sample.txt", "sacct", None, None),
    (FIXTURES / "dcgm_sample.prom", "dcgm", None, FIXTURES / "dcgm_mapping.yaml"),
    (FIXTURES / "utilization_sample.csv", "csv", "utilization_hourly", None),
]


@pytest.mark.parametrize(("path", "fmt", "table", "mapping"), CASES, ids=[c[1] for c in CASES])
def test_reingest_is_idempotent(db: Path, path: Path, fmt: str, table: str | None, mapping: Path | None) -> None:
    first = ingest(path, fmt, db, table=table, mapping_file=mapping)
    quarantine_rows = query(db, "SELECT count(*) FROM ingest_quarantine")[0][0]
    second = ingest(path, fmt, db, table=table, mapping_file=mapping)
    assert first.loaded > 0 and second.loaded == 0
    assert second.duplicates == first.loaded + first.duplicates
    assert second.quarantined == first.quarantined == quarantine_rows
    assert second.new_dimension_values == {}
    assert query(db, "SELECT count(*) FROM ingest_quarantine")[0][0] == quarantine_rows  # not written twice


def test_empty_file_is_a_clear_error(db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        ingest(empty, "focus", db)


def test_header_only_file_reads_nothing(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text((FIXTURES / "focus_small.csv").read_text().splitlines()[0] + "\n")
    s = ingest(f, "focus", db)
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (0, 0, 0, 0)


def test_missing_required_columns_are_named(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "partial.csv"
    f.write_text("BilledCost,ServiceName\n1,EC2\n")
    with pytest.raises(UserError) as err:
        ingest(f, "focus", db)
    message = str(err.value)
    assert "FOCUS" in message and "ChargePeriodStart" in message and "EffectiveCost" in message
    assert "ServiceName," not in message.split("found:")[0]


def test_latin1_bytes_in_csv_are_quarantined_with_an_encoding_reason(db: Path, tmp_path: Path) -> None:
    lines = (FIXTURES / "focus_small.csv").read_text().splitlines()[:3]
    lines[2] = lines[2].replace("Standard storage", "Stockage caf\xe9")
    f = tmp_path / "latin1.csv"
    f.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    s = ingest(f, "focus", db)
    assert (s.read, s.loaded, s.quarantined) == (2, 1, 1)
    assert "encoding" in s.quarantine_reasons
    assert query(db, "SELECT line, reason LIKE '%iconv%' FROM ingest_quarantine") == [(2, True)]


def test_missing_file_and_unknown_format(db: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        ingest(tmp_path / "nope.csv", "focus", db)
    with pytest.raises(UserError, match="unknown --format"):
        ingest(FIXTURES / "focus_small.csv", "xls", db)


def test_failed_ingest_leaves_the_warehouse_unchanged(db: Path, tmp_path: Path) -> None:
    ingest(FIXTURES / "focus_small.csv", "focus", db)
    before = query(db, "SELECT count(*) FROM cost_daily")
    f = tmp_path / "partial.csv"
    f.write_text("BilledCost\n1\n")
    with pytest.raises(UserError):
        ingest(f, "focus", db)
    assert query(db, "SELECT count(*) FROM cost_daily") == before
