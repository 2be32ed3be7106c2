"""Measures people name: the ones the catalog holds are answered; the ones it lacks get "pace has no X; the closest is Y".

A small catalog with measures (like the real one): energy, a mean power ratio, sm activity and
incidents. The rule under test is the mechanism, not one sentence: every missing measure in
`unmeasured.MISSING` abstains, names only closest metrics that exist, and yields as soon as the
catalog places the word itself.
"""

from __future__ import annotations

import doctest
from datetime import date

import pytest

import assistant.planner.fleet_power as fleet_power
import assistant.planner.unmeasured as unmeasured

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.unmeasured import MISSING, missing_measure
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, measured_metric as _m


def catalog(*, with_temperature: bool = False) -> MeasuredCatalog:
    measures = [Measure("energy", "util", "sum", "energy_kwh"), Measure("energy_wh", "util", "sum", "energy_kwh * 1000"),
                Measure("sm", "util", "sum", "sm_active"), Measure("peak", "gpu", "max", "power_w"), Measure("incidents", "incidents", "count"),
                Measure("cost", "cost", "sum", "EffectiveCost")]
    metrics = [_m("energy_kwh", "Energy", ["energy", "power consumption", "kwh"], "energy", "kWh"),
               _m("mean_power_w", "Mean power draw per accelerator", ["power draw", "power", "average power"], "energy_wh", "W",
                  kind="ratio"),
               _m("peak_power_w", "Peak hourly power draw of one GPU", ["peak power", "max power", "maximum power draw"], "peak", "W"),
               _m("sm_activity_pct", "SM activity", ["sm activity"], "sm", "%", kind="ratio"),
               _m("incidents", "Incidents", ["incidents"], "incidents", "count"),
               _m("effective_cost_usd", "Effective cost", ["cost", "spend"], "cost", "USD")]
    if with_temperature:
        metrics.append(_m("gpu_temp_c", "GPU temperature", ["gpu temperature", "temperature"], "sm", "count", kind="ratio"))
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["us-east-aws"]), FakeDimension("time", "Time", kind="time")]
    return MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})


@pytest.fixture(params=[date(2026, 11, 23), date(2026, 6, 1)], ids=["pinned", "month-start-monday"])
def inp(request: pytest.FixtureRequest) -> PlannerInputs:
    cat = catalog()
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=request.param)


@pytest.mark.parametrize("q", ["average power draw by team last week", "mean power by cluster yesterday", "power for atlas last month"])
def test_power_words_reach_the_power_metric_not_energy(inp: PlannerInputs, q: str) -> None:
    plan = plan_offline(q, inp)
    assert plan.kind == "query" and plan.query is not None
    assert plan.query.metrics == ["mean_power_w"]


@pytest.mark.parametrize("q", ["max power per cluster last month", "maximum power draw by team last week", "peak power by cluster"])
def test_a_statistic_word_that_begins_a_metric_name_is_that_metric_not_a_ranking(inp: PlannerInputs, q: str) -> None:
    """'max power per cluster' is the peak power of each cluster, never the clusters ranked by mean power."""
    plan = plan_offline(q, inp)
    assert plan.kind == "query" and plan.query is not None
    assert plan.query.metrics == ["peak_power_w"] and plan.query.limit is None


def test_a_ranking_word_before_a_metric_still_ranks(inp: PlannerInputs) -> None:
    plan = plan_offline("which clusters had the highest power draw last week", inp)
    assert plan.kind == "query" and plan.query is not None and plan.query.metrics == ["mean_power_w"]
    assert plan.query.order_by and plan.query.order_by[0].descending


def test_power_consumption_stays_energy(inp: PlannerInputs) -> None:
    plan = plan_offline("power consumption by team last week", inp)
    assert plan.kind == "query" and plan.query is not None and plan.query.metrics == ["energy_kwh"]


def test_power_in_kilowatts_is_converted_and_energy_in_watts_is_not(inp: PlannerInputs) -> None:
    kw = plan_offline("average power draw in kW by team last week", inp)
    assert kw.kind == "query" and kw.query is not None and kw.query.metrics == ["mean_power_w"]
    assert kw.query.convert == {"mean_power_w": "kW"}
    watts = plan_offline("energy in watts last week", inp)  # energy is no power: kWh never turns into W
    assert watts.kind == "abstain" and watts.query is None


# One question per missing measure, in the words people use for it (DCGM, Slurm, FinOps).
ASKED = {
    "GPU temperature": "what was the gpu temperature on us-east-aws last week",
    "clock frequency": "sm clock speed by cluster last week",
    "clock throttling": "which teams got throttled yesterday",
    "GPU hardware errors (XID, ECC)": "xid errors by cluster last week",
    "PCIe or NVLink traffic": "nvlink bandwidth for atlas last week",
    "SM occupancy": "average sm occupancy by team",
    "per-precision pipe activity": "fp64 activity by team last week",
    "CPU time": "cpu hours by team last month",
    "host (CPU) memory": "maxrss of atlas jobs last week",
    "carbon emissions": "carbon footprint by cluster last quarter",
    "budgets": "are we over budget this month",
    "facility power (PUE)": "what was our PUE last month",
    "fan speed": "average fan speed by cluster yesterday",
    "blended cost": "blended cost by team last month",
    "credit, refund or tax lines": "how much tax did we pay last month",
    "spot-priced cost lines": "spot instance spend last month",
    "purchase lines": "what did we spend on purchases last month",
    "run rate": "what's our annualized run rate",
    "postmortems": "how many postmortems did we write last month",  # planner.governance_words.GAPS
    "on-call schedules": "who is on call this week",
}


def test_every_missing_measure_has_a_question() -> None:
    assert set(ASKED) == {m.what for m in MISSING}


@pytest.mark.parametrize("what", sorted(ASKED))
def test_missing_measure_abstains_naming_it_and_only_existing_neighbours(inp: PlannerInputs, what: str) -> None:
    plan = plan_offline(ASKED[what], inp)
    assert plan.kind == "abstain" and plan.query is None, plan
    assert plan.message.startswith(f"pace has no {what}:")
    entry = next(m for m in MISSING if m.what == what)
    named = [n for n in entry.closest if n in inp.catalog.metrics]
    assert all(f"`{n}`" in plan.message for n in named)
    assert not any(f"`{n}`" in plan.message for n in entry.closest if n not in inp.catalog.metrics)
    assert len(plan.suggestions) == len(named)


def test_a_catalog_that_holds_the_measure_answers_it() -> None:
    cat = catalog(with_temperature=True)
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    plan = plan_offline("gpu temperature by cluster last week", inp)
    assert plan.kind == "query" and plan.query is not None and plan.query.metrics == ["gpu_temp_c"]


@pytest.mark.parametrize("text,leftover", [("wall clock time of jobs", ["wall"]), ("cost by team", []),
                                           ("temperature by team", ["by"])])
def test_only_unplaced_words_count(text: str, leftover: list[str]) -> None:
    assert missing_measure(text, leftover) is None


@pytest.mark.parametrize("q", ["total power last week", "total power draw by team last week", "combined power of the fleet last week"])
def test_total_power_is_energy_per_hour_not_one_accelerators_mean(inp: PlannerInputs, q: str) -> None:
    plan = plan_offline(q, inp)
    assert plan.kind == "query" and plan.query is not None
    assert plan.query.metrics == ["energy_kwh"] and plan.query.per == "hour"
    assert any("kWh per hour = kW" in n for n in plan.notes)


def test_total_power_over_time_asks_which(inp: PlannerInputs) -> None:
    plan = plan_offline("total power by day last week", inp)
    assert plan.kind == "clarify" and plan.options == ["energy", "average power draw"]
    assert plan.replaces == "total power" and plan.query is None


def test_mean_power_is_not_read_as_a_total(inp: PlannerInputs) -> None:
    plan = plan_offline("average power draw by team last week", inp)
    assert plan.kind == "query" and plan.query is not None and plan.query.per is None


@pytest.mark.parametrize("q,what", [("gpu temprature by cluster last week", "GPU temperature"),
                                    ("sm ocupancy by team", "SM occupancy")])
def test_a_misspelled_missing_measure_still_says_what_pace_lacks(inp: PlannerInputs, q: str, what: str) -> None:
    plan = plan_offline(q, inp)
    assert plan.kind == "abstain" and plan.message.startswith(f"pace has no {what}:")


def test_doctests() -> None:
    assert doctest.testmod(unmeasured).failed == 0
    assert doctest.testmod(fleet_power).failed == 0
