"""Platform review: the demo warehouse's TPU v5e pilot (introduced 42 days before the end), and the rules."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from semantic_layer.engine import Engine
from core.errors import UserError
from core.settings import Settings
from tools.platform_review import _recommend, poisson_tail, review_platform


@pytest.fixture(scope="module")
def tpu(demo_db):  # type: ignore[no-untyped-def]
    return review_platform(Settings(PACE_DB=demo_db), "tpu v5e")


def test_tpu_pilot_is_reviewed_from_its_introduction_against_the_same_work(tpu) -> None:  # type: ignore[no-untyped-def]
    assert tpu.accelerator_type == "TPU v5e" and tpu.introduced_on == date(2026, 10, 12)
    assert tpu.since == datetime(2026, 10, 12) and (tpu.end - tpu.since).days == 42
    assert tpu.workloads == ["evaluation", "online-inference"]
    assert {"A100", "H100", "L40S"} <= set(tpu.incumbents) and "MI300X" not in tpu.incumbents  # MI300X only trains
    assert {r["workload_type"] for r in tpu.comparison} == {"evaluation", "online-inference"}


def test_adoption_and_utilization_ramp_up(tpu) -> None:  # type: ignore[no-untyped-def]
    weeks = tpu.adoption
    assert len(weeks) >= 6 and weeks[0]["week"] <= tpu.since
    full = [w for w in weeks[1:-1]]  # first and last weeks are partial
    assert full[-1]["accelerator_hours"] > 2 * weeks[0]["accelerator_hours"]  # the generator ramps over 21 days
    assert full[-1]["busy_share"] > weeks[0]["busy_share"] + 0.1
    assert all(w["teams"] == 2 for w in weeks)  # atlas (evals) and vega (serving)


def test_rates_efficiency_and_recommendation_have_numbers(tpu) -> None:  # type: ignore[no-untyped-def]
    m = tpu.measures
    assert 0 < m["failure_new"] < 0.2 and 0 < m["preemption_incumbents"] < 0.2 and 0 <= m["preemption_new"] < 0.2
    assert m["per_usd_ratio"] is not None and m["per_kwh_ratio"] is not None
    assert tpu.recommendation in ("expand", "hold", "fix first") and tpu.reasons
    text = tpu.summary_text()
    assert text.startswith("TPU v5e since 2026-10-12") and f"Recommendation: {tpu.recommendation}" in text
    assert tpu.columns and all(len(r) == len(tpu.columns) for r in tpu.rows)
    new = [r for r in tpu.rows if r[2] == "new"]
    assert {r[8] for r in new} == {"samples", "tokens"} and all(r[11] > 0 for r in new)


def test_evidence_passes_the_validator(tpu, demo_db) -> None:  # type: ignore[no-untyped-def]
    with Engine(Settings(PACE_DB=demo_db)) as engine:
        for sql in tpu.evidence_sql:
            engine.run_sql(sql)


def _measures(**kw: float | None) -> dict[str, float | None]:
    base = {"open_major_new": 0.0, "failure_new": 0.05, "failure_incumbents": 0.05, "preemption_new": 0.02,
            "preemption_incumbents": 0.02, "jobs_new": 2000.0, "incident_rate_new": 0.03,
            "incident_rate_incumbents": 0.03, "incidents_new": 1.0, "hours_new": 30000.0, "per_usd_ratio": 1.2,
            "busy_incumbents": 0.6}
    return base | kw


ADOPTION = pd.DataFrame([{"week": datetime(2026, 11, 16), "accelerator_hours": 5000.0, "teams": 3, "busy_share": 0.7}])


def test_recommendation_rules() -> None:
    assert _recommend(_measures(), ADOPTION)[0] == "expand"
    assert _recommend(_measures(per_usd_ratio=0.8), ADOPTION) == (
        "hold", ["not yet: throughput per $ 0.80x the incumbents'",
                 "met: last week's busy share 70.0% vs 60.0% for the incumbents", "met: 3 teams using it last week"])
    assert _recommend(_measures(open_major_new=1.0), ADOPTION)[0] == "fix first"
    rec, why = _recommend(_measures(failure_new=0.12), ADOPTION)
    assert rec == "fix first" and why == ["job failure rate 12.0% vs 5.0% for the incumbents over 2,000 jobs"]
    assert _recommend(_measures(failure_new=0.12, jobs_new=20.0), ADOPTION)[0] == "expand"  # 20 jobs: noise
    assert _recommend(_measures(incidents_new=3.0), ADOPTION)[0] == "expand"  # 0.9 expected, 3 seen: p = 0.06
    assert _recommend(_measures(incidents_new=5.0), ADOPTION)[0] == "fix first"
    assert poisson_tail(0, 2.0) == pytest.approx(1.0) and poisson_tail(3, 0.0) == 0.0


def test_bad_input(settings: Settings) -> None:
    with pytest.raises(UserError, match="known types: .*TPU v5e"):
        review_platform(settings, "B200")
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        review_platform(settings, "H200", since="last tuesday")
    with pytest.raises(UserError, match="not before the data's end"):
        review_platform(settings, "H200", since="2030-01-01")
