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



def test_the_scan_memory_budget_reads_like_duckdbs() -> None:
    import pytest

    from core.errors import UserError
    from tools.scan import memory_bytes
    from tools.scan_grid import cell_budget

    assert memory_bytes("4GB") == 4 * 10**9 and memory_bytes("512MiB") == 512 * 2**20
    assert cell_budget(memory_bytes("4GB") // 3) < cell_budget(memory_bytes("8GB") // 3)  # chunks follow the budget
    with pytest.raises(UserError, match="PACE_SCAN_MEMORY_LIMIT"):
        memory_bytes("plenty")
