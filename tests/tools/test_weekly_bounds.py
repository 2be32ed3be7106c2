"""Sanity before advice: an out-of-bounds figure in the weekly narrative is a data-quality finding, never a
recommended action; cost movers are linked to the same team's scan findings and incidents."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from tools._warehouse import Warehouse
from tools.grounding import reproduce
from tools.scan import scan
from tools.weekly import weekly_narrative


@pytest.fixture(scope="module")
def seeded(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo warehouse with two impossible figures in week 2026-W47: us-west-onprem A100 said to have
    only 100 accelerators installed (it allocates about 250), and a negative usage charge."""
    db = tmp_path_factory.mktemp("bounds") / "w.duckdb"
    shutil.copy(demo_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO cluster_capacity VALUES ('us-west-onprem', 'A100', 100, DATE '2026-11-16')")
        con.execute("""INSERT INTO cost_daily (ChargePeriodStart, ChargePeriodEnd, ProviderName, ServiceName, ChargeCategory,
                       ListCost, BilledCost, EffectiveCost, BillingCurrency, x_team, x_source)
                       VALUES (TIMESTAMP '2026-11-18', TIMESTAMP '2026-11-19', 'AWS', 'EC2', 'Usage', -500, -500, -500,
                               'USD', 'nova', 'test')""")
    return Settings(PACE_DB=db)


def test_out_of_bounds_figures_are_data_quality_never_advice(seeded: Settings) -> None:
    report = weekly_narrative(seeded, "2026-W47", with_tools=False)
    md = report.to_markdown()
    actions = md.split("## Recommended actions", 1)[1].split("## ", 1)[0]
    quality = md.split("## Data quality", 1)[1].split("## ", 1)[0]
    risks = md.split("## Forecast risks", 1)[1].split("## ", 1)[0]
    for pool in ("us-west-onprem A100", "eu-west-gcp L40S"):  # seeded, and one the generator's quota anomaly made
        assert pool in quality and pool not in actions and pool not in risks, md
    assert "nova" in quality and "usage cost" in quality
    assert "physically impossible" in quality
    assert report.problems() == []
    with Warehouse(seeded) as wh:  # each data-quality number reproduces from its evidence query
        dq = [f for f in report.facts if f.label.endswith(("(out of bounds)", "(bound)"))]
        assert dq and [str(p) for p in reproduce(dq, wh.run)] == []


def test_scan_reports_out_of_bounds_as_data_quality(seeded: Settings) -> None:
    found = scan(seeded, start="2026-11-16", end="2026-11-23", kinds=["data_quality"]).findings
    shapes = {(f.entity, f.shape) for f in found}
    assert ("us-west-onprem A100", "allocation_over_capacity") in shapes
    assert ("nova", "negative_usage_cost") in shapes
    assert all(f.unit and f.impact_usd == 0 for f in found)


def test_cost_mover_is_linked_to_the_scan_finding_of_the_same_team(settings: Settings) -> None:
    md = weekly_narrative(settings, "2026-W47", with_tools=False).to_markdown()
    movers = md.split("## Top movers", 1)[1].split("## ", 1)[0]
    orion = next(line for line in movers.splitlines() if line.startswith("- Team orion"))
    assert "linked to SEV2 cost spike found by `pace scan`" in orion
