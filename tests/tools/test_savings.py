"""Savings: every lever priced from the catalog, and no accelerator-hour counted by two levers."""

from __future__ import annotations

from collections import defaultdict

import pytest

from core.errors import UserError
from core.settings import Settings
from tools._warehouse import run
from tools.savings import LEVERS, SavingsReport, estimate_savings


@pytest.fixture(scope="module")
def report(demo_db) -> SavingsReport:  # type: ignore[no-untyped-def]
    return estimate_savings(Settings(PACE_DB=demo_db))


def test_every_lever_finds_something_with_its_reasoning(report: SavingsReport) -> None:
    assert {o.lever for o in report.opportunities} == set(LEVERS)
    for o in report.opportunities:
        assert o.monthly_usd > 0 and o.assumptions and o.formula and o.evidence_sql.startswith("WITH")
    assert report.total_monthly_usd == pytest.approx(sum(o.monthly_usd for o in report.opportunities), abs=0.05)
    assert "a month" in report.summary_text()


def test_no_accelerator_hour_is_counted_twice(report: SavingsReport, settings: Settings) -> None:
    """Per pool, the hours all levers claim never exceed the hours allocated in the period."""
    scale = 730 / ((report.period_end - report.period_start).total_seconds() / 3600)
    alloc = run(settings, f"""SELECT cluster, accelerator_type, sum(allocated_hours) AS h FROM utilization_hourly
        WHERE hour >= TIMESTAMP '{report.period_start}' AND hour < TIMESTAMP '{report.period_end}' GROUP BY ALL""")
    allocated = {(r.cluster, r.accelerator_type): r.h * scale for r in alloc.itertuples()}
    claimed: dict[tuple[str, str], float] = defaultdict(float)
    per_stream: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for o in report.opportunities:
        claimed[(o.cluster, o.accelerator_type)] += o.accelerator_hours_per_month
        if o.lever in ("rightsizing", "bin_packing"):
            per_stream[(o.entity, o.cluster, o.accelerator_type, o.action.split(" (")[0].split()[-1])].add(o.lever)
    for pool, hours in claimed.items():
        assert hours <= allocated[pool] + 1e-6, pool
    assert all(len(levers) == 1 for levers in per_stream.values())  # a stream is rightsized or packed, not both
    assert sum(report.hours_by_lever.values()) <= report.allocated_hours_per_month


def test_rightsizing_uses_catalog_prices(report: SavingsReport) -> None:
    move = next(o for o in report.opportunities if o.lever == "rightsizing" and "pulse-labels" in o.action)
    assert move.action.endswith("to L40S")  # A100 $2.50/h on GCP -> L40S $1.60/h
    assert move.monthly_usd == pytest.approx(move.accelerator_hours_per_month * (2.50 - 1.60), rel=1e-3)
    mig = next(o for o in report.opportunities if o.lever == "rightsizing" and "MIG" in o.action)
    k, slices = (int(x) for x in mig.action.rsplit(" ", 1)[-1].split("/"))
    assert k < slices


def test_idle_reclamation_prices_idle_hours(report: SavingsReport) -> None:
    idle = next(o for o in report.opportunities if o.lever == "idle_reclamation" and o.entity == "orion")
    assert idle.monthly_usd == pytest.approx(idle.accelerator_hours_per_month * 4.00, rel=1e-3)  # H100 on AWS


def test_too_short_a_period_is_refused(settings: Settings) -> None:
    with pytest.raises(UserError, match="7 or more"):
        estimate_savings(settings, days=3)
