"""A ranking over a dimension that names no measure ('which team is the biggest', 'rank the clusters')
is a tie between the measures the word means: pace asks, numbered, instead of abstaining or picking
one; anything else it cannot place still abstains; a named measure is answered."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.models import Answer
from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from assistant.planner.thread_and_ties import plan_in_thread
from tests.assistant.fakes import FakeMetric, fake_catalog

HEADLINE = [FakeMetric("effective_cost_usd", "Effective cost", ["cost", "spend"], unit="USD"),
            FakeMetric("allocated_hours", "Allocated accelerator-hours", ["gpu hours"], unit="accelerator-hours"),
            FakeMetric("jobs_ran", "Jobs that ran", ["jobs"]),
            FakeMetric("busy_hours", "Busy accelerator-hours", ["busy hours"], unit="accelerator-hours"),
            FakeMetric("utilization_pct", "Utilization", ["utilization"], unit="%"),
            FakeMetric("sm_activity_pct", "SM activity", ["sm activity"], unit="%"),
            FakeMetric("job_failure_rate_pct", "Job failure rate", ["failure rate"], unit="%", higher_is_better=False)]


@pytest.fixture
def headline(inputs: PlannerInputs) -> PlannerInputs:
    cat = fake_catalog()
    cat.metrics = {m.name: m for m in HEADLINE}
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=inputs.today)


SIZE = ["effective_cost_usd", "allocated_hours", "jobs_ran"]
USE = ["allocated_hours", "busy_hours", "utilization_pct"]
LOAD = ["utilization_pct", "sm_activity_pct", "allocated_hours"]


@pytest.mark.parametrize(("template", "named"), [
    ("which {dim} is the biggest", SIZE), ("show me the top {dims}", SIZE), ("rank the {dims}", SIZE),
    ("compare the {dims}", SIZE), ("which {dims} are the largest", SIZE), ("which {dims} used the most last month", USE),
    ("what's the busiest {dim}", LOAD), ("which {dim} was quietest last week", LOAD),
])
@pytest.mark.parametrize("dim", ["team", "cluster"])
def test_a_ranking_without_a_measure_asks_which(headline: PlannerInputs, template: str, named: list[str], dim: str) -> None:
    plan = plan_in_thread(template.format(dim=dim, dims=f"{dim}s"), headline)
    assert plan.kind == "clarify", plan.message
    assert [o.rsplit("(", 1)[1].rstrip(")") for o in plan.options] == named
    assert dim in plan.message


def test_an_unplaced_word_still_abstains_and_a_named_measure_answers(headline: PlannerInputs) -> None:
    assert plan_in_thread("which team is the biggest giraffe", headline).kind == "abstain"
    answered = plan_in_thread("which team is the biggest by spend last month", headline)
    assert answered.kind == "query" and answered.query is not None and answered.query.metrics == ["effective_cost_usd"]


def test_a_superlative_the_parser_does_not_rank_is_replaced_by_the_choice(headline: PlannerInputs) -> None:
    plan = plan_in_thread("which cluster is the busiest", headline)
    assert plan.replaces == "busiest" and all(o.startswith("highest ") for o in plan.options)
    quiet = plan_in_thread("which cluster is the quietest", headline)
    assert all(o.startswith("lowest ") for o in quiet.options)


def test_the_reply_by_number_answers_the_ranking(ask: Callable[..., Answer], thread: str) -> None:
    first = ask("which team is the biggest last month", thread)
    assert first.status == "clarify" and "1. Effective cost" in first.text
    chosen = ask("1", thread)
    assert chosen.status == "answered" and chosen.columns == ["team", "effective_cost_usd"] and len(chosen.rows) == 1
    busiest = ask("which cluster was the busiest last week", f"{thread}-b")
    assert busiest.status == "clarify"
    picked = ask("1", f"{thread}-b")
    assert picked.status == "answered" and picked.columns == ["cluster", "utilization_pct"] and len(picked.rows) == 1


def test_a_follow_up_word_naming_other_measures_than_the_thread_asks(headline: PlannerInputs) -> None:
    """'which cluster was the busiest?' after spend is no spend question; after utilization it is."""
    from semantic_layer.query import GroupBy, MetricQuery

    headline.previous = MetricQuery(metrics=["effective_cost_usd"], group_by=[GroupBy(dimension="team")])
    try:
        assert plan_in_thread("which cluster was the busiest", headline).kind == "clarify"
        headline.previous = MetricQuery(metrics=["utilization_pct"], group_by=[GroupBy(dimension="team")])
        kept = plan_in_thread("which cluster was the busiest", headline)
        assert kept.kind == "query" and kept.query is not None and kept.query.metrics == ["utilization_pct"]
    finally:
        headline.previous = None
