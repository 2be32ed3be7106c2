"""Impact model: freed hours follow from the utilization gain, priced at each pool's rate."""

from __future__ import annotations

import pytest

from core.errors import UserError
from core.settings import Settings
from tools.impact import utilization_gain_value


def test_ten_point_gain_frees_hours_at_pool_prices(settings: Settings) -> None:
    r = utilization_gain_value(settings, points=10)
    assert r.to_pct == pytest.approx(r.from_pct + 10) and r.from_pct == r.measured_pct
    # uniform proportional gain: freed share of allocated = 1 - from/to (no pool hits the 100% cap here)
    assert r.freed_hours_month == pytest.approx(r.allocated_hours_month * (1 - r.from_pct / r.to_pct), rel=1e-3)
    onprem_h100 = next(p for p in r.by_pool if p["cluster"] == "us-west-onprem" and p["accelerator_type"] == "H100")
    assert onprem_h100["usd_per_hour"] == pytest.approx(2.60)  # on-prem rate card = committed catalog price
    assert onprem_h100["usd_per_month"] == pytest.approx(onprem_h100["freed_hours_month"] * 2.60, rel=1e-3)
    assert r.usd_per_month == pytest.approx(sum(p["usd_per_month"] for p in r.by_pool), abs=1)
    text = r.summary_text()
    assert f"{r.from_pct:.1f}%" in text and "$" in text and "accelerator-hours" in text


def test_explicit_levels_and_monotonic_value(settings: Settings) -> None:
    low = utilization_gain_value(settings, from_pct=60, to_pct=70)
    high = utilization_gain_value(settings, from_pct=60, to_pct=80)
    assert 0 < low.usd_per_month < high.usd_per_month
    capped = utilization_gain_value(settings, to_pct=100)
    assert all(p["freed_hours_month"] <= p["allocated_hours_month"] for p in capped.by_pool)


@pytest.mark.parametrize("kwargs", [{"to_pct": 40}, {"points": -5}, {"to_pct": 120}, {"to_pct": 90, "points": 5}])
def test_bad_levels_are_user_errors(settings: Settings, kwargs: dict[str, float]) -> None:
    with pytest.raises(UserError):
        utilization_gain_value(settings, **kwargs)
