"""The scan tests upward events on the hour's peak too (issue 24): a spike of minutes that the hourly
mean flattens is found from `peak_util_pct`, by the shared grid and by the detector's own SQL alike;
a warehouse written before the peak column scans as before, with evidence queries it can run."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from tools._warehouse import Warehouse
from tools.scan import scan

STREAM = ("lyra", "us-east-aws", "H100")  # a stream of the demo warehouse at about half its allocation busy
SPIKE = datetime(2026, 11, 10, 14)
WINDOWS = [("2026-11-01", "2026-11-16"), ("2026-11-06", "2026-11-21")]


def _shift(findings: list, spike: datetime) -> list:  # type: ignore[type-arg]
    return [f for f in findings if f.kind == "utilization_shift" and (f.entity, f.cluster, f.accelerator_type) == STREAM
            and f.start <= spike < f.end]


@pytest.fixture(scope="module")
def spiked(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse with the stream's peaks steady near 60%, and one of its rows peaking at 100% for
    one hour while its busy hours (so the hourly mean) stay as they were."""
    path = tmp_path_factory.mktemp("peaks") / "spiked.duckdb"
    shutil.copy(demo_db, path)
    with duckdb.connect(str(path)) as con:
        where = "team = ? AND cluster = ? AND accelerator_type = ?"
        con.execute("UPDATE utilization_hourly SET peak_util_pct = 60 + 2 * sin(epoch(hour) / 3600) WHERE " + where,
                    list(STREAM))
        con.execute("UPDATE utilization_hourly SET peak_util_pct = 100 WHERE rowid = (SELECT min(rowid) FROM "
                    "utilization_hourly WHERE hour = ? AND " + where + ")", [SPIKE, *STREAM])
    return path


@pytest.fixture(scope="module")
def unmeasured(spiked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same warehouse as an earlier pace wrote it: no peak column."""
    path = tmp_path_factory.mktemp("peaks") / "older.duckdb"
    shutil.copy(spiked, path)
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE utilization_hourly DROP COLUMN peak_util_pct")
    return path


@pytest.mark.parametrize("window", WINDOWS)
def test_a_spike_seen_only_in_the_hours_peak_is_found(spiked: Path, unmeasured: Path, window: tuple[str, str]) -> None:
    fast = scan(Settings(PACE_DB=spiked), *window, kinds=["utilization_shift"], use_feedback=False).findings
    slow = scan(Settings(PACE_DB=spiked), *window, kinds=["utilization_shift"], use_feedback=False,
                shared_grid=False).findings
    found = _shift(fast, SPIKE)
    assert len(found) == 1
    assert (found[0].start, found[0].end, found[0].shape) == (SPIKE, SPIKE + timedelta(hours=1), "spike_up")
    assert [(f.start, f.end, f.shape) for f in _shift(slow, SPIKE)] == [(found[0].start, found[0].end, found[0].shape)]
    # the hour's mean alone shows nothing there
    assert _shift(scan(Settings(PACE_DB=unmeasured), *window, kinds=["utilization_shift"], use_feedback=False).findings,
                  SPIKE) == []


def test_a_warehouse_without_peaks_scans_the_same_both_ways_with_evidence_it_can_run(unmeasured: Path) -> None:
    settings = Settings(PACE_DB=unmeasured)
    fast = scan(settings, *WINDOWS[0], kinds=["utilization_shift"], use_feedback=False).findings
    slow = scan(settings, *WINDOWS[0], kinds=["utilization_shift"], use_feedback=False, shared_grid=False).findings
    assert fast and sorted((f.entity, f.cluster, f.start, f.shape) for f in fast) == \
        sorted((f.entity, f.cluster, f.start, f.shape) for f in slow)
    with Warehouse(settings) as wh:
        for f in fast:
            assert "peak_util_pct" not in f.evidence_sql
            assert not wh.run(f.evidence_sql).empty
