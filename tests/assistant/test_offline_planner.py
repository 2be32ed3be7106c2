"""Offline planner on a hand-built catalog: group-by phrases, values, top-N, comparisons, clarify, abstain."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan
from semantic_layer.query import GroupBy, MetricQuery, TimeRange
from tests.assistant.fakes import fake_catalog

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def inputs() -> PlannerInputs:
    cat = fake_catalog()
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=AS_OF)


def plan(inputs: PlannerInputs, q: str, previous: MetricQuery | None = None) -> PlannerPlan:
    inputs.previous = previous
    return plan_offline(q, inputs)


def query(inputs: PlannerInputs, q: str, previous: MetricQuery | None = None) -> MetricQuery:
    p = plan(inputs, q, previous)
    assert p.kind == "query", (q, p)
    assert p.query is not None
    return p.query


@pytest.mark.parametrize(
    ("phrase", "dims"),
    [("by team", ["team"]), ("per cluster", ["cluster"]), ("for each team", ["team"]), ("across clusters", ["cluster"]),
     ("broken down by workload", ["workload_type"]), ("by team and cluster", ["team", "cluster"]),
     ("split by gpu type", ["accelerator_type"])],
)
def test_group_by_phrases(inputs: PlannerInputs, phrase: str, dims: list[str]) -> None:
    q = query(inputs, f"busy hours {phrase} last week")
    assert [g.dimension for g in q.group_by] == dims


@pytest.mark.parametrize(
    ("phrase", "grain"),
    [("daily", "day"), ("per day", "day"), ("hourly", "hour"), ("weekly", "week"), ("weekly trend", "week"),
     ("by month", "month"), ("over time", "day")],
)
def test_time_grain_phrases(inputs: PlannerInputs, phrase: str, grain: str) -> None:
    q = query(inputs, f"busy hours {phrase} last month")
    assert q.group_by[0] == GroupBy(dimension="time", grain=grain)


def test_weekly_trend_without_period_gets_a_long_enough_window(inputs: PlannerInputs) -> None:
    p = plan(inputs, "busy hours weekly trend")
    assert p.query and p.query.time_range and (p.query.time_range.end - p.query.time_range.start).days >= 56
    assert any("No period given" in n for n in p.notes)


@pytest.mark.parametrize(
    ("text", "dim", "values"),
    [("H100s", "accelerator_type", ["H100"]), ("atlas", "team", ["atlas"]), ("us-east-aws", "cluster", ["us-east-aws"]),
     ("us east aws", "cluster", ["us-east-aws"]), ("TPU v5e", "accelerator_type", ["TPU v5e"]),
     ("training", "workload_type", ["training"]), ("us-west", "cluster", ["us-west-onprem"])],
)
def test_filters_by_values_found_in_data(inputs: PlannerInputs, text: str, dim: str, values: list[str]) -> None:
    q = query(inputs, f"busy hours for {text} last week")
    assert [(f.dimension, f.operator, f.values) for f in q.filters] == [(dim, "=", values)]


def test_several_values_and_negation(inputs: PlannerInputs) -> None:
    q = query(inputs, "effective cost for atlas and orion excluding us-east-aws yesterday")
    got = {f.dimension: (f.operator, f.values) for f in q.filters}
    assert got == {"team": ("in", ["atlas", "orion"]), "cluster": ("!=", ["us-east-aws"])}


@pytest.mark.parametrize(
    ("text", "desc", "limit"),
    [("top 3 teams by busy hours", True, 3), ("bottom 2 clusters by busy hours", False, 2),
     ("which team had the most busy hours", True, 1), ("top teams by busy hours", True, 5),
     ("lowest 4 teams by utilization", False, 4)],
)
def test_top_n(inputs: PlannerInputs, text: str, desc: bool, limit: int) -> None:
    q = query(inputs, f"{text} last week")
    assert q.limit == limit and q.order_by[0].descending is desc and q.group_by


def test_best_respects_higher_is_better(inputs: PlannerInputs) -> None:
    q = query(inputs, "best 3 clusters by queue wait last week")
    assert q.order_by[0].descending is False  # lower queue wait is better


@pytest.mark.parametrize(
    ("text", "days"),
    [("busy hours week over week", 7), ("busy hours vs last month", 30), ("busy hours last week compared to the previous period", 7)],
)
def test_comparisons(inputs: PlannerInputs, text: str, days: int) -> None:
    q = query(inputs, text)
    assert q.compare_to_previous and q.time_range is not None
    assert (q.time_range.end - q.time_range.start).days == days


def test_default_period_is_stated(inputs: PlannerInputs) -> None:
    p = plan(inputs, "busy hours by team")
    assert p.query and p.query.time_range == TimeRange(start=datetime(2026, 11, 16), end=datetime(2026, 11, 23))
    assert any("No period given" in n for n in p.notes)


def test_generic_cost_means_effective_cost_and_says_so(inputs: PlannerInputs) -> None:
    p = plan(inputs, "cost by team last week")
    assert p.query and p.query.metrics == ["effective_cost"]
    assert any("effective cost" in n for n in p.notes)


def test_ambiguous_metric_clarifies_with_options(inputs: PlannerInputs) -> None:
    p = plan(inputs, "what was our usage last week")
    assert p.kind == "clarify" and len(p.options) == 2
    assert any("allocated_hours" in o for o in p.options) and any("busy_hours" in o for o in p.options)


def test_typo_in_value_is_corrected_and_said(inputs: PlannerInputs) -> None:
    p = plan(inputs, "busy hours for atals last week")
    assert p.kind == "query" and p.query and p.query.filters[0].values == ["atlas"]
    assert any("'atals' as 'atlas'" in n for n in p.notes)


@pytest.mark.parametrize("text", ["what is the weather in paris", "tell me a joke", "", "busy hours for project zeppelin frobnication"])
def test_abstains_when_unsure(inputs: PlannerInputs, text: str) -> None:
    p = plan(inputs, text)
    assert p.kind in ("abstain", "clarify"), p
    assert p.query is None


def test_abstain_suggests_close_questions(inputs: PlannerInputs) -> None:
    p = plan(inputs, "which teams spent a fortune on frobnication")
    assert p.kind == "abstain" and p.suggestions


def test_verified_question_is_trusted(inputs: PlannerInputs) -> None:
    p = plan(inputs, "which teams spent the most last month")
    assert p.kind == "query" and p.trusted and p.verified_question
    assert p.query and p.query.time_range and p.query.time_range.start == datetime(2026, 10, 1)


def test_non_verified_question_is_not_trusted(inputs: PlannerInputs) -> None:
    assert plan(inputs, "busy hours by cluster yesterday").trusted is False


class TestFollowUps:
    """Follow-ups edit the previous query; everything they don't name carries over."""

    @pytest.fixture
    def prev(self, inputs: PlannerInputs) -> MetricQuery:
        return query(inputs, "effective cost by team last week")

    def test_and_by_cluster_replaces_grouping(self, inputs: PlannerInputs, prev: MetricQuery) -> None:
        q = query(inputs, "and by cluster?", prev)
        assert [g.dimension for g in q.group_by] == ["cluster"] and q.metrics == prev.metrics
        assert q.time_range == prev.time_range

    def test_also_by_cluster_adds_grouping(self, inputs: PlannerInputs, prev: MetricQuery) -> None:
        q = query(inputs, "also by cluster", prev)
        assert [g.dimension for g in q.group_by] == ["team", "cluster"]

    def test_only_h100s_adds_filter(self, inputs: PlannerInputs, prev: MetricQuery) -> None:
        q = query(inputs, "only H100s", prev)
        assert [(f.dimension, f.values) for f in q.filters] == [("accelerator_type", ["H100"])]
        assert q.group_by == prev.group_by

    def test_what_about_last_month_changes_period(self, inputs: PlannerInputs, prev: MetricQuery) -> None:
        q = query(inputs, "what about last month?", prev)
        assert q.time_range == TimeRange(start=datetime(2026, 10, 1), end=datetime(2026, 11, 1))
        assert q.group_by == prev.group_by and q.metrics == prev.metrics

    def test_top_3_instead(self, inputs: PlannerInputs, prev: MetricQuery) -> None:
        q = query(inputs, "top 3 instead", prev)
        assert q.limit == 3 and q.order_by[0].field == "effective_cost"

    def test_what_about_other_metric(self, inputs: PlannerInputs, prev: MetricQuery) -> None:
        q = query(inputs, "what about busy hours?", prev)
        assert q.metrics == ["busy_hours"] and q.group_by == prev.group_by

    def test_new_full_question_starts_over(self, inputs: PlannerInputs, prev: MetricQuery) -> None:
        q = query(inputs, "top 5 clusters by busy hours in October", prev)
        assert [g.dimension for g in q.group_by] == ["cluster"] and q.metrics == ["busy_hours"]


def test_plural_which_gives_a_ranked_list_and_singular_one_winner(inputs: PlannerInputs) -> None:
    assert query(inputs, "which team had the most busy hours last week").limit == 1
    many = query(inputs, "which teams had the most busy hours last week")
    assert many.limit and many.limit > 1 and many.order_by[0].descending


def test_a_follow_up_that_changes_the_shape_drops_the_old_limit(inputs: PlannerInputs) -> None:
    first = query(inputs, "top 3 teams by busy hours last week")
    assert first.limit == 3
    again = query(inputs, "and by cluster?", first)
    assert [g.dimension for g in again.group_by] == ["cluster"] and again.limit is None
    assert query(inputs, "top 2 instead", first).limit == 2


@pytest.mark.parametrize(("text", "dim"), [("atlas vs orion", "team"), ("H100 and A100", "accelerator_type"),
                                           ("us-east-aws versus eu-west-gcp", "cluster")])
def test_x_vs_y_values_give_one_row_per_side(inputs: PlannerInputs, text: str, dim: str) -> None:
    q = query(inputs, f"busy hours for {text} last week")
    assert [g.dimension for g in q.group_by] == [dim] and q.filters[0].operator == "in" and len(q.filters[0].values) == 2


def test_x_vs_y_metrics_give_both_metrics(inputs: PlannerInputs) -> None:
    assert query(inputs, "busy hours vs allocated hours last week").metrics == ["busy_hours", "allocated_hours"]


def test_x_vs_y_adjacent_periods_compare_the_later_with_the_earlier(inputs: PlannerInputs) -> None:
    q = query(inputs, "busy hours in October vs September")
    assert q.compare_to_previous and q.time_range == TimeRange(start=datetime(2026, 10, 1), end=datetime(2026, 11, 1))


def test_x_vs_y_distant_periods_span_both_by_month(inputs: PlannerInputs) -> None:
    q = query(inputs, "busy hours in July vs October")
    assert q.time_range == TimeRange(start=datetime(2026, 7, 1), end=datetime(2026, 11, 1))
    assert q.group_by[0] == GroupBy(dimension="time", grain="month")
