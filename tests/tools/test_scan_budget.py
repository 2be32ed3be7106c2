"""The scan runs under its own timeout rather than the one for answering questions (its speed measures
keep its answers: tests/tools/test_scan_grid.py)."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from tools.scan import scan


def test_scan_runs_under_its_own_timeout(demo_db: Path) -> None:
    # an answer's timeout this short would stop any query; the scan has its own (PACE_SCAN_TIMEOUT_S)
    settings = Settings(PACE_DB=demo_db, PACE_QUERY_TIMEOUT_S=0.001)
    assert scan(settings, kinds=["cost_spike", "utilization_collapse"]).findings

