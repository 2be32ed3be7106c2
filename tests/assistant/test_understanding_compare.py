"""'X vs Y' and 'X and Y' show both sides, for values, periods and metrics; open-ended periods ask.

Rules, on a small hand-built catalog and two as-of dates (a Monday that starts a month, a mid-month
Wednesday): two values of one dimension give one row each; a comparative ('more', 'higher') is
answered by showing both sides, and blocks the answer when only one side is named; a period to date
against the whole one before is shown in one bucket each; 'the week before last' and 'since the
start of the year' are periods; 'through October' without a start asks from when.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from assistant.planner.offline import PlannerInputs
from assistant.planner.plan import PlannerPlan
from assistant.timeparse import monday_of
from semantic_layer.query import MetricQuery
from tests.assistant.fakes import ask, dt as _dt


def _query(p: PlannerPlan) -> MetricQuery:
    assert p.kind == "query" and p.query is not None, (p.kind, p.message)
    return p.query


@pytest.mark.parametrize(("question", "dim", "values"), [
    ("spend for atlas vs orion last month", "team", {"atlas", "orion"}),
    ("cost of atlas and orion last month", "team", {"atlas", "orion"}),
    ("H100 versus A100 utilization last week", "accelerator_type", {"H100", "A100"}),
    ("jobs on us-east-aws compared with eu-west-gcp", "cluster", {"us-east-aws", "eu-west-gcp"}),
    ("spend for atlas, orion and vega last week", "team", {"atlas", "orion", "vega"}),
])
def test_two_values_give_one_row_each(inputs: PlannerInputs, question: str, dim: str, values: set[str]) -> None:
    q = _query(ask(inputs, question))
    (f,) = q.filters
    assert f.dimension == dim and f.operator == "in" and set(f.values) == values
    assert [g.dimension for g in q.group_by if g.grain is None] == [dim]  # one row per side, never one total


@pytest.mark.parametrize("question", [
    "did atlas spend more than orion last month?",
    "which had higher utilization last week, H100 or A100?",
    "is atlas's queue wait worse than orion's?",
])
def test_a_comparative_is_answered_by_showing_both_sides(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    q = _query(p)
    assert any(f.operator == "in" and len(f.values) == 2 for f in q.filters)
    assert not any("Ignored" in n for n in p.notes)


def test_a_comparative_with_one_side_is_not_guessed(inputs: PlannerInputs) -> None:
    p = ask(inputs, "did atlas spend more last month?")
    assert p.kind in ("abstain", "clarify")  # more than what? never atlas's spend alone with full confidence


@pytest.mark.parametrize(("question", "grain"), [
    ("spend this month vs last month", "month"),
    ("utilization this month compared to last month", "month"),
    ("jobs this quarter versus last quarter", "quarter"),
])
def test_a_period_to_date_against_the_whole_one_before_shows_both(inputs: PlannerInputs, question: str, grain: str) -> None:
    p = ask(inputs, question)
    if p.kind == "clarify":  # on the 2nd, this month has one day; only 'this week' on a Monday is empty
        pytest.fail(p.message)
    q = _query(p)
    assert q.time_range is not None and not q.compare_to_previous  # not 'to date' against an equally short window
    assert [g.grain for g in q.group_by if g.grain] == [grain]
    today = inputs.today
    unit_start = date(today.year, today.month, 1) if grain == "month" else date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    assert q.time_range.end == _dt(today) + timedelta(days=1)  # the side to date runs through today
    assert q.time_range.start < _dt(unit_start)  # the whole previous unit is in


def test_adjacent_whole_periods_compare_to_the_previous(inputs: PlannerInputs) -> None:
    q = _query(ask(inputs, "spend last week vs the week before"))
    assert q.compare_to_previous and q.time_range is not None
    assert q.time_range.end == _dt(monday_of(inputs.today))


@pytest.mark.parametrize(("question", "weeks_back"), [
    ("cost the week before last", 2),
    ("jobs by team the week before last", 2),
])
def test_the_week_before_last_is_two_calendar_weeks_back(inputs: PlannerInputs, question: str, weeks_back: int) -> None:
    q = _query(ask(inputs, question))
    start = monday_of(inputs.today) - timedelta(weeks=weeks_back)
    assert q.time_range is not None and q.time_range.start == _dt(start)
    assert (q.time_range.end - q.time_range.start).days == 7


@pytest.mark.parametrize(("question", "start"), [
    ("spend since the start of the year", lambda d: date(d.year, 1, 1)),
    ("jobs since the beginning of the month", lambda d: date(d.year, d.month, 1)),
])
def test_since_the_start_of_a_period_runs_to_today(inputs: PlannerInputs, question: str, start) -> None:  # type: ignore[no-untyped-def]
    q = _query(ask(inputs, question))
    assert q.time_range is not None and q.time_range.start == _dt(start(inputs.today))
    assert q.time_range.end > _dt(inputs.today)


@pytest.mark.parametrize("question", ["cost through October", "spend until the end of September by team"])
def test_an_end_without_a_start_asks_from_when(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    assert p.kind == "clarify" and p.replaces
    assert any(o.startswith("from January through") for o in p.options) and any(o.startswith("in ") for o in p.options)
    picked = re.sub(re.escape(p.replaces), p.options[0], question, flags=re.I)  # how the graph applies a picked option
    assert picked != question
    q = _query(ask(inputs, picked))
    assert q.time_range is not None and q.time_range.start.month == 1 and q.time_range.start.day == 1


def test_a_range_with_both_ends_needs_no_question(inputs: PlannerInputs) -> None:
    q = _query(ask(inputs, "cost from September through October"))
    assert q.time_range is not None and (q.time_range.start.month, q.time_range.end.month) == (9, 11)


@pytest.mark.parametrize("question", ["jobs last week and the week before", "spend last month and the month before",
                                      "jobs last week versus the previous one"])
def test_a_named_period_and_the_one_before_show_both_sides(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    q = _query(p)
    assert q.compare_to_previous  # both periods, never the named one alone
    assert not any("Ignored" in n for n in p.notes)


def test_the_week_before_alone_in_a_thread_still_steps_back(inputs: PlannerInputs) -> None:
    first = _query(ask(inputs, "jobs by team last week"))
    q = _query(ask(inputs, "and the week before?", previous=first))
    assert not q.compare_to_previous and q.time_range is not None and first.time_range is not None
    assert q.time_range.end == first.time_range.start


@pytest.mark.parametrize("question", ["billed vs effective cost last month", "billed and effective cost by team last month"])
def test_two_metrics_sharing_a_noun_are_both_answered(inputs: PlannerInputs, question: str) -> None:
    q = _query(ask(inputs, question))
    assert set(q.metrics) == {"billed_cost", "effective_cost"}


def test_a_modifier_that_names_no_metric_is_not_invented_into_one(inputs: PlannerInputs) -> None:
    q = _query(ask(inputs, "atlas and orion cost last month"))
    assert len(q.metrics) == 1 and set(q.filters[0].values) == {"atlas", "orion"}


@pytest.mark.parametrize(("phrase", "first", "last"), [
    ("from Oct 3 to 10", 3, 10),            # not 'since October 3'
    ("between Oct 3 and 10", 3, 10),
    ("Oct 3-10", 3, 10),
    ("from 3 to 10 October", 3, 10),        # not the whole of October
    ("the first week of October", 1, 7),
])
def test_days_of_one_month_are_that_range(inputs: PlannerInputs, phrase: str, first: int, last: int) -> None:
    q = _query(ask(inputs, f"spend {phrase}"))
    assert q.time_range is not None
    assert (q.time_range.start.month, q.time_range.start.day) == (10, first)
    assert q.time_range.end - q.time_range.start == timedelta(days=last - first + 1)


def test_a_day_range_past_the_months_end_is_an_error(inputs: PlannerInputs) -> None:
    p = ask(inputs, "spend from feb 3 to 30")
    assert p.kind == "abstain" and "not a calendar date" in p.message
