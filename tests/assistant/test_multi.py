"""Two statistics or two metrics in one question: both columns, or the missing one named; never one dropped.

Rule, on a small catalog with measures (a wait kept as a mean, a median and a p95 of one column, a
duration kept as a mean only, a cost as a sum), on two as-of dates: each statistic a question lists
('total and average', 'mean, median and p95') is its own metric of the same column; a statistic the
catalog lacks for that column makes the planner abstain and say which ones exist; a lone 'total' of a
column kept only as a mean or percentile is not answered with one; two metrics ('spend and gpu hours
by team') are both columns.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, measured_metric as _m


def catalog() -> MeasuredCatalog:
    measures = [Measure("wait_avg", "jobs", "avg", "wait_minutes"), Measure("wait_p50", "jobs", "p50", "wait_minutes"),
                Measure("wait_p95", "jobs", "p95", "wait_minutes"), Measure("run_avg", "jobs", "avg", "run_hours"),
                Measure("cost", "costs", "sum", "EffectiveCost"), Measure("hours", "alloc", "sum", "allocated_hours")]
    metrics = [_m("wait_avg", "Mean queue wait", ["queue wait", "wait time"], "wait_avg", "minutes"),
               _m("wait_p50", "Median queue wait", ["median queue wait", "p50 queue wait"], "wait_p50", "minutes"),
               _m("wait_p95", "p95 queue wait", ["p95 queue wait", "95th percentile queue wait"], "wait_p95", "minutes"),
               _m("run_avg", "Mean run time", ["run time", "job runtime"], "run_avg", "hours"),
               _m("cost", "Effective cost", ["cost", "spend"], "cost", "USD"),
               _m("gpu_hours", "Allocated accelerator-hours", ["gpu hours", "accelerator hours"], "hours", "accelerator-hours")]
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["east", "west"]),
            FakeDimension("time", "Time", kind="time")]
    return MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})


@pytest.fixture(params=[date(2026, 11, 23), date(2026, 6, 1)], ids=["mid-month", "monday-1st"])
def inputs(request: pytest.FixtureRequest) -> PlannerInputs:
    cat = catalog()
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=request.param)


@pytest.mark.parametrize(("question", "metrics"), [
    ("average and median queue wait last week", ["wait_avg", "wait_p50"]),
    ("mean, median and p95 queue wait last week", ["wait_avg", "wait_p50", "wait_p95"]),
    ("the median and the average wait time by cluster last week", ["wait_p50", "wait_avg"]),
])
def test_each_statistic_listed_is_its_own_column(inputs: PlannerInputs, question: str, metrics: list[str]) -> None:
    plan = plan_offline(question, inputs)
    assert plan.kind == "query" and plan.query is not None, (plan.kind, plan.message)
    assert plan.query.metrics == metrics


@pytest.mark.parametrize(("question", "missing", "has"), [
    ("total and average queue wait last week", "total", ["mean", "median", "95th percentile"]),
    ("mean and p95 run time last week", "95th percentile", ["mean"]),
    ("total queue wait last week", "total", ["mean"]),
])
def test_a_statistic_the_catalog_lacks_is_named_not_dropped(inputs: PlannerInputs, question: str, missing: str, has: list[str]) -> None:
    plan = plan_offline(question, inputs)
    assert plan.kind in ("abstain", "clarify") and plan.query is None, (plan.kind, plan.query)
    assert missing in plan.message and all(h in plan.message for h in has)


def test_two_metrics_are_both_columns(inputs: PlannerInputs) -> None:
    plan = plan_offline("spend and gpu hours by team last month", inputs)
    assert plan.kind == "query" and plan.query is not None
    assert plan.query.metrics == ["cost", "gpu_hours"] and [g.dimension for g in plan.query.group_by] == ["team"]


def test_a_total_of_a_sum_is_that_sum(inputs: PlannerInputs) -> None:
    plan = plan_offline("total spend last month", inputs)
    assert plan.kind == "query" and plan.query is not None and plan.query.metrics == ["cost"]
