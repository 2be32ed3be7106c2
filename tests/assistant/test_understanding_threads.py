"""Follow-ups keep the thread: metric, filters and period carry over unless the follow-up replaces them.

Rules, on a small hand-built catalog and two as-of dates: a follow-up changes only what it names
('as a daily series', 'only for H100s', 'and last month?', 'what about orion?'); a new shape
('and by cluster?') drops the old top-N; a re-ranking ('which one was lowest?') keeps the list and
its period; 'the previous week' after 'last week' shifts the thread's period and is labelled so; an
edit that keeps the thread's period never claims 'no period given'.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan
from assistant.timeparse import monday_of
from semantic_layer.query import MetricQuery


def thread(inputs: PlannerInputs, *turns: str) -> PlannerPlan:
    """Ask each turn with the previous turn's query as memory; the last plan."""
    inputs.previous = None
    plan = None
    for turn in turns:
        plan = plan_offline(turn, inputs)
        assert plan.kind == "query" and plan.query is not None, (turn, plan.kind, plan.message)
        inputs.previous = plan.query
    assert plan is not None
    return plan


def _q(p: PlannerPlan) -> MetricQuery:
    assert p.query is not None
    return p.query


def _last_week(d: date) -> tuple[datetime, datetime]:
    end = monday_of(d)
    start = end - timedelta(days=7)
    return datetime(start.year, start.month, start.day), datetime(end.year, end.month, end.day)


def test_a_presentation_follow_up_keeps_metric_filters_and_period(inputs: PlannerInputs) -> None:
    first = _q(thread(inputs, "spend for atlas by cluster last week"))
    q = _q(thread(inputs, "spend for atlas by cluster last week", "as a daily series"))
    assert q.metrics == first.metrics and q.filters == first.filters and q.time_range == first.time_range
    assert ("time", "day") in [(g.dimension, g.grain) for g in q.group_by]
    assert "cluster" in [g.dimension for g in q.group_by]


def test_a_filter_follow_up_adds_the_filter_and_keeps_the_rest(inputs: PlannerInputs) -> None:
    q = _q(thread(inputs, "spend by team last week", "only for H100s"))
    assert q.metrics == ["effective_cost"] and [g.dimension for g in q.group_by] == ["team"]
    assert [(f.dimension, f.values) for f in q.filters] == [("accelerator_type", ["H100"])]
    assert (q.time_range.start, q.time_range.end) == _last_week(inputs.today)  # type: ignore[union-attr]


def test_a_value_follow_up_replaces_the_value(inputs: PlannerInputs) -> None:
    q = _q(thread(inputs, "spend for atlas last week", "what about orion?"))
    assert [(f.dimension, f.values) for f in q.filters] == [("team", ["orion"])]
    assert (q.time_range.start, q.time_range.end) == _last_week(inputs.today)  # type: ignore[union-attr]


def test_a_period_follow_up_replaces_only_the_period(inputs: PlannerInputs) -> None:
    p = thread(inputs, "spend by team for atlas and orion last week", "and last month?")
    q = _q(p)
    first_of_month = date(inputs.today.year, inputs.today.month, 1)
    prev = (first_of_month - timedelta(days=1)).replace(day=1)
    assert q.time_range.start == datetime(prev.year, prev.month, 1)  # type: ignore[union-attr]
    assert set(q.filters[0].values) == {"atlas", "orion"} and p.period_label == "last month"


def test_the_previous_week_shifts_the_threads_period_and_says_so(inputs: PlannerInputs) -> None:
    p = thread(inputs, "jobs by team last week", "same for the previous week")
    start, end = _last_week(inputs.today)
    assert (_q(p).time_range.start, _q(p).time_range.end) == (start - timedelta(days=7), start)  # type: ignore[union-attr]
    assert p.period_label and "before" in p.period_label  # never labelled 'last week'


def test_a_new_shape_drops_the_old_top_n(inputs: PlannerInputs) -> None:
    q = _q(thread(inputs, "top 3 teams by spend last month", "and by cluster?"))
    assert [g.dimension for g in q.group_by] == ["cluster"] and q.limit is None


def test_a_re_ranking_keeps_the_list_and_its_period(inputs: PlannerInputs) -> None:
    first = _q(thread(inputs, "spend by team last month"))
    p = thread(inputs, "spend by team last month", "which one was lowest?")
    q = _q(p)
    assert q.group_by == first.group_by and q.time_range == first.time_range
    assert q.order_by[0].descending is False and q.limit == 1
    assert not any("No period given" in n for n in p.notes)  # the thread's period, not a default one


def test_a_follow_up_top_n_keeps_the_grouping(inputs: PlannerInputs) -> None:
    q = _q(thread(inputs, "utilization by team last week", "worst 3"))
    assert [g.dimension for g in q.group_by] == ["team"] and q.limit == 3
    assert q.order_by[0].descending is False  # worst utilization is the lowest


def test_a_metric_follow_up_keeps_grouping_filters_and_period(inputs: PlannerInputs) -> None:
    first = _q(thread(inputs, "spend by team on H100 last week"))
    q = _q(thread(inputs, "spend by team on H100 last week", "what about jobs?"))
    assert q.metrics == ["job_count"]
    assert q.group_by == first.group_by and q.filters == first.filters and q.time_range == first.time_range


@pytest.mark.parametrize("lift", ["for all accelerators", "drop the H100 filter", "across all gpu types"])
def test_a_follow_up_can_lift_a_filter_and_keeps_the_rest(inputs: PlannerInputs, lift: str) -> None:
    first = _q(thread(inputs, "spend on H100 by team last week"))
    q = _q(thread(inputs, "spend on H100 by team last week", lift))
    assert q.filters == [] and q.group_by == first.group_by and q.time_range == first.time_range


def test_naming_a_new_list_regroups_the_thread(inputs: PlannerInputs) -> None:
    q = _q(thread(inputs, "utilization by team last week", "now show clusters"))
    assert [g.dimension for g in q.group_by] == ["cluster"] and q.metrics == ["sm_utilization"]


def test_excluding_one_value_keeps_the_list(inputs: PlannerInputs) -> None:
    q = _q(thread(inputs, "jobs by cluster last week", "excluding device-lab"))
    assert [g.dimension for g in q.group_by] == ["cluster"]
    assert [(f.dimension, f.operator, f.values) for f in q.filters] == [("cluster", "!=", ["device-lab"])]


def test_a_series_follow_up_drops_the_old_ranking(inputs: PlannerInputs) -> None:
    q = _q(thread(inputs, "top 3 teams by spend last week", "as a daily series"))
    assert ("time", "day") in [(g.dimension, g.grain) for g in q.group_by] and "team" in [g.dimension for g in q.group_by]
    assert q.order_by == [] and q.limit is None


@pytest.mark.parametrize("ask_for", ["show that as a chart", "as a table please"])
def test_a_presentation_request_repeats_the_threads_question(inputs: PlannerInputs, ask_for: str) -> None:
    first = _q(thread(inputs, "utilization by cluster last week"))
    q = _q(thread(inputs, "utilization by cluster last week", ask_for))
    assert q == first


@pytest.mark.parametrize(("first", "follow", "descending"), [
    ("queue wait by cluster last week", "which was worst?", True),    # the longest wait
    ("utilization by cluster last week", "which was worst?", False),  # the lowest utilization
    ("queue wait by cluster last week", "which is best?", False),
])
def test_a_follow_up_worst_follows_the_metrics_direction_and_names_one(inputs: PlannerInputs, first: str, follow: str,
                                                                      descending: bool) -> None:
    q = _q(thread(inputs, first, follow))
    assert q.order_by[0].descending is descending and q.limit == 1 and [g.dimension for g in q.group_by] == ["cluster"]
