"""A superlative over a word of change ranks groups by the change, never by the value.

Rule, on the small catalog and two as-of dates: 'grew/rose/increased the most' orders by the change
from the previous period, largest increase first; 'fell/dropped' largest decrease first; 'changed'
by the size of the change; 'improved' and 'worsened' follow the metric's direction; 'the least'
reverses; 'in percent' ranks the % change; a named period is compared with the one before it, and
the answer states both. A change between two periods that are not adjacent is not ranked.
"""

from __future__ import annotations

import pytest

from assistant.planner.offline import PlannerInputs
from assistant.planner.plan import PlannerPlan
from semantic_layer.compiler import previous_period
from semantic_layer.query import MetricQuery
from tests.assistant.fakes import ask


def _query(p: PlannerPlan) -> MetricQuery:
    assert p.kind == "query" and p.query is not None, (p.kind, p.message)
    return p.query


@pytest.mark.parametrize(("question", "metric", "field", "descending"), [
    ("which teams' spend grew the most last month", "effective_cost", "effective_cost__change", True),
    ("which clusters saw job count rise the most last week", "job_count", "job_count__change", True),
    ("which teams' gpu hours dropped the most last month", "allocated_hours", "allocated_hours__change", False),
    ("which teams' spend fell the least last month", "effective_cost", "effective_cost__change", True),
    ("which teams' spend grew the least last month", "effective_cost", "effective_cost__change", False),
    ("which clusters changed their job count the most last week", "job_count", "job_count__change_abs", True),
    ("which teams' queue wait improved the most last week", "queue_wait_p95", "queue_wait_p95__change", False),
    ("which clusters' utilization improved the most last week", "sm_utilization", "sm_utilization__change", True),
    ("which clusters' utilization worsened the most last week", "sm_utilization", "sm_utilization__change", False),
    ("which teams' spend grew proportionally the most last month", "effective_cost", "effective_cost__change_pct", True),
])
def test_a_change_word_ranks_by_the_change_from_the_previous_period(inputs: PlannerInputs, question: str, metric: str, field: str,
                                                                   descending: bool) -> None:
    plan = ask(inputs, question)
    q = _query(plan)
    assert q.metrics == [metric] and q.compare_to_previous and not q.share_of_total
    assert [(o.field, o.descending) for o in q.order_by] == [(field, descending)]
    assert q.limit == 5  # 'which teams': a list
    assert q.time_range is not None
    prev = previous_period(q.time_range)
    assert any(prev.describe() in n and q.time_range.describe() in n and n.startswith("Ranked") for n in plan.notes)


def test_month_over_month_and_top_n_rank_the_change(inputs: PlannerInputs) -> None:
    q = _query(ask(inputs, "top 3 teams by spend growth month over month"))
    assert q.compare_to_previous and q.order_by[0].field == "effective_cost__change" and q.limit == 3
    one = _query(ask(inputs, "which team's spend increased the most last week"))
    assert one.limit == 1 and one.order_by[0].field == "effective_cost__change"


def test_a_ranking_without_a_change_word_still_ranks_the_value(inputs: PlannerInputs) -> None:
    q = _query(ask(inputs, "which teams spent the most last month vs the month before"))
    assert q.order_by[0].field == "effective_cost" and q.compare_to_previous


def test_a_change_between_periods_apart_is_not_ranked_as_a_value(inputs: PlannerInputs) -> None:
    plan = ask(inputs, f"which teams' spend grew the most from january {inputs.today.year} to march {inputs.today.year}")
    assert plan.kind in ("abstain", "clarify")
    assert plan.query is None or not plan.query.order_by or plan.query.order_by[0].field != "effective_cost"
