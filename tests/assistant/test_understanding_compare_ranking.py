"""Ranking words always rank something: lists, time buckets, sort orders; a bound on values is never dropped.

Rules, on a small hand-built catalog and two as-of dates (a Monday that starts a month, a mid-month
Wednesday): 'worst' follows the metric's direction; 'which day' ranks days; a ranking word with
nothing to rank asks what to rank; 'rank/order/sort/list teams' is a grouping; 'ascending' orders
without cutting the list; 'more than 100' is a bound pace does not filter on, so it abstains.
"""

from __future__ import annotations

from datetime import date

import pytest

from assistant.planner.offline import PlannerInputs
from assistant.planner.plan import PlannerPlan
from semantic_layer.query import MetricQuery
from tests.assistant.fakes import ask


def _query(p: PlannerPlan) -> MetricQuery:
    assert p.kind == "query" and p.query is not None, (p.kind, p.message)
    return p.query


@pytest.mark.parametrize(("question", "grain", "limit"), [
    ("which day had the highest spend last month", "day", 1),
    ("what week had the most jobs last month", "week", 1),
    ("top 3 days by spend last month", "day", 3),
    ("the 4 weeks with the most jobs this quarter", "week", 4),
])
def test_a_ranking_over_time_ranks_the_buckets_it_names(inputs: PlannerInputs, question: str, grain: str, limit: int) -> None:
    q = _query(ask(inputs, question))
    assert [(g.dimension, g.grain) for g in q.group_by] == [("time", grain)]
    assert q.order_by[0].field == q.metrics[0] and q.order_by[0].descending
    assert q.limit == limit


@pytest.mark.parametrize(("question", "metric", "descending"), [
    ("worst day for queue wait last week", "queue_wait_p95", True),     # higher is worse: the longest wait
    ("worst day for utilization last week", "sm_utilization", False),   # higher is better: the lowest
    ("best day for queue wait last week", "queue_wait_p95", False),
])
def test_worst_and_best_follow_the_metrics_direction_for_time_buckets_too(inputs: PlannerInputs, question: str, metric: str,
                                                                         descending: bool) -> None:
    q = _query(ask(inputs, question))
    assert q.metrics == [metric] and q.order_by[0].descending is descending and q.limit == 1


@pytest.mark.parametrize(("question", "metric", "descending"), [
    ("which teams have the worst queue wait", "queue_wait_p95", True),
    ("which clusters have the worst utilization", "sm_utilization", False),
    ("which teams had the lowest utilization last month", "sm_utilization", False),
])
def test_worst_ranks_groups_the_right_way_and_plural_gives_a_list(inputs: PlannerInputs, question: str, metric: str,
                                                                 descending: bool) -> None:
    q = _query(ask(inputs, question))
    assert q.metrics == [metric] and q.order_by[0].descending is descending
    assert q.limit == 5  # 'which teams': a ranked list, not one winner


@pytest.mark.parametrize("question", [
    "what was the highest utilization last week",
    "the biggest spend last month",
])  # 'who' and 'spenders' name the people ranked: tests/assistant/test_ranking_who.py
def test_a_ranking_word_with_nothing_to_rank_asks_what_to_rank(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    assert p.kind == "clarify" and p.query is None
    assert "by team" in p.options and "by day" in p.options


def test_picking_what_to_rank_answers_the_ranked_list(inputs: PlannerInputs) -> None:
    p = ask(inputs, "what was the highest utilization last week")
    picked = f"what was the highest utilization last week {p.options[p.options.index('by cluster')]}"  # how the graph appends an option
    q = _query(ask(inputs, picked))
    assert [g.dimension for g in q.group_by] == ["cluster"] and q.order_by[0].descending


@pytest.mark.parametrize(("question", "dim"), [
    ("rank teams by utilization last week", "team"),
    ("order clusters by spend", "cluster"),
    ("list the clusters by spend last month", "cluster"),
    ("compare teams on queue wait last week", "team"),
    ("clusters by spend last week", "cluster"),
    ("teams ranked by utilization last month", "team"),
])
def test_rank_order_list_and_compare_name_the_grouping(inputs: PlannerInputs, question: str, dim: str) -> None:
    q = _query(ask(inputs, question))
    assert [g.dimension for g in q.group_by] == [dim]
    assert q.order_by and q.order_by[0].field == q.metrics[0] and q.limit is None


@pytest.mark.parametrize(("question", "descending"), [
    ("sort teams by spend ascending", False),
    ("spend by cluster, lowest first", False),
    ("spend by cluster from low to high", False),
    ("spend by team, highest first", True),
    ("utilization by team in descending order", True),
])
def test_a_sort_order_orders_the_whole_list(inputs: PlannerInputs, question: str, descending: bool) -> None:
    q = _query(ask(inputs, question))
    assert q.order_by[0].descending is descending and q.limit is None


def test_a_follow_up_sort_keeps_the_list_and_reverses_it(inputs: PlannerInputs) -> None:
    first = _query(ask(inputs, "spend by team last month"))
    q = _query(ask(inputs, "sorted ascending", previous=first))
    assert q.group_by == first.group_by and q.time_range == first.time_range
    assert q.order_by[0].descending is False and q.limit is None


@pytest.mark.parametrize("question", [
    "teams with at least 100 jobs last week",
    "which teams ran more than 500 jobs last week",
    "clusters with spend over $10,000 last month",
    "teams whose queue wait was above 30 minutes",
])
def test_a_bound_on_values_is_not_dropped(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    assert p.kind == "abstain" and p.query is None
    assert "bounds the values" in p.message


def test_at_least_is_a_bound_not_a_bottom_n(inputs: PlannerInputs) -> None:
    p = ask(inputs, "teams with at least 3 jobs")
    assert p.kind == "abstain"  # never 'the 3 teams with the fewest jobs'


@pytest.mark.parametrize(("question", "descending", "limit"), [
    ("what are the five most expensive clusters last month", True, 5),
    ("the costliest clusters last month", True, 5),
    ("cheapest team last week", False, 1),
    ("which cluster was the least expensive last week", False, 1),
])
def test_a_superlative_adjective_carries_the_ranking_and_the_measure(inputs: PlannerInputs, question: str, descending: bool,
                                                                     limit: int) -> None:
    q = _query(ask(inputs, question))
    assert q.metrics == ["effective_cost"] and q.order_by[0].descending is descending and q.limit == limit


@pytest.mark.parametrize(("question", "limit"), [
    ("top cluster by spend last week", 1),     # the rank names one cluster
    ("top clusters by spend last week", 5),    # a list
    ("highest spend by team last week", 5),    # 'by team' asks for the list, ranked
])
def test_a_singular_ranked_noun_is_one_winner_and_a_plural_a_list(inputs: PlannerInputs, question: str, limit: int) -> None:
    assert _query(ask(inputs, question)).limit == limit


def test_spent_names_the_spend_when_nothing_else_does(inputs: PlannerInputs) -> None:
    q = _query(ask(inputs, "which team spent the most on H100 last month"))
    assert q.metrics == ["effective_cost"] and [g.dimension for g in q.group_by] == ["team"] and q.limit == 1
    assert [(f.dimension, f.values) for f in q.filters] == [("accelerator_type", ["H100"])]
