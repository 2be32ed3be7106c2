"""The scan's speed measures keep its answers: approximate medians find the same anomalies, and the scan
runs under its own timeout rather than the one for answering questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from tools import scan_sql
from tools.scan import scan

BASELINE_KINDS = ["utilization_collapse", "latency_spike", "energy_outlier"]  # the hour-of-week medians


def _key(f):  # type: ignore[no-untyped-def]
    return (f.kind, f.entity, f.cluster, f.accelerator_type, f.start, f.end)


@pytest.mark.parametrize("db", ["demo_db", "seed11_db"])
def test_approximate_medians_find_the_same_anomalies(db: str, request: pytest.FixtureRequest,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(PACE_DB=request.getfixturevalue(db))
    monkeypatch.setattr(scan_sql, "APPROX_QUANTILES", True)
    approx = scan(settings, kinds=BASELINE_KINDS, use_feedback=False).findings
    monkeypatch.setattr(scan_sql, "APPROX_QUANTILES", False)
    exact = scan(settings, kinds=BASELINE_KINDS, use_feedback=False).findings
    assert approx and sorted(map(_key, approx)) == sorted(map(_key, exact))
    by_key = {_key(f): f for f in exact}
    for f in approx:  # the same windows, and values within 2%
        e = by_key[_key(f)]
        assert f.expected == pytest.approx(e.expected, rel=0.02) and f.observed == pytest.approx(e.observed, rel=0.02)


def test_scan_runs_under_its_own_timeout(demo_db: Path) -> None:
    # an answer's timeout this short would stop any query; the scan has its own (PACE_SCAN_TIMEOUT_S)
    settings = Settings(PACE_DB=demo_db, PACE_QUERY_TIMEOUT_S=0.001)
    assert scan(settings, kinds=["cost_spike", "utilization_collapse"]).findings

