"""Periods and comparisons in people's own words (issue 22, second probe round), on two as-of dates.

Each test states a rule over a small catalog: full calendar units, fortnights, ordinal day ranges,
'the same day last week' and two periods side by side in buckets that never mix the sides.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.planner.offline import PlannerInputs
from assistant.timeparse import monday_of
from semantic_layer.query import MetricQuery
from tests.assistant.fakes import ask, dt


def _query(inputs: PlannerInputs, question: str) -> MetricQuery:
    p = ask(inputs, question)
    assert p.kind == "query" and p.query is not None, p.message
    assert not any("Ignored" in n for n in p.notes), p.notes
    return p.query


def _months_back(d: date, n: int) -> date:
    idx = d.year * 12 + d.month - 1 - n
    return date(idx // 12, idx % 12 + 1, 1)


@pytest.mark.parametrize("question", ["spend over the last 3 full weeks", "jobs in the past three complete weeks",
                                      "busy hours for the last 3 whole weeks"])
def test_full_weeks_are_calendar_weeks_that_ended(inputs: PlannerInputs, question: str) -> None:
    q = _query(inputs, question)
    assert q.time_range is not None
    end = monday_of(inputs.today)
    assert (q.time_range.start, q.time_range.end) == (dt(end - timedelta(weeks=3)), dt(end))


@pytest.mark.parametrize(("question", "n"), [("spend for the last 2 complete months", 2), ("jobs over the last full month", 1),
                                             ("cost in the past 3 calendar months by month", 3)])
def test_full_months_end_where_this_month_starts(inputs: PlannerInputs, question: str, n: int) -> None:
    q = _query(inputs, question)
    assert q.time_range is not None
    start_of_month = inputs.today.replace(day=1)
    assert (q.time_range.start, q.time_range.end) == (dt(_months_back(start_of_month, n)), dt(start_of_month))


@pytest.mark.parametrize("question", ["utilization by cluster for the past fortnight", "jobs over the last couple of weeks"])
def test_a_fortnight_is_the_last_14_days(inputs: PlannerInputs, question: str) -> None:
    q = _query(inputs, question)
    assert q.time_range is not None
    assert (q.time_range.start, q.time_range.end) == (dt(inputs.today - timedelta(days=14)), dt(inputs.today))


@pytest.mark.parametrize("phrase", ["between the 1st and the 10th of {m}", "from the 1st to the 10th of {m}", "{m} 1st to the 10th"])
def test_ordinal_days_of_a_month_are_that_range(inputs: PlannerInputs, phrase: str) -> None:
    first = _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, "jobs " + phrase.format(m=first.strftime("%B")))
    assert q.time_range is not None
    assert (q.time_range.start, q.time_range.end) == (dt(first), dt(first + timedelta(days=10)))


@pytest.mark.parametrize(("question", "back"), [
    ("jobs yesterday vs the same day last week", 7),
    ("spend yesterday compared with the same day a week earlier", 7),
    ("busy hours yesterday and the same day the previous week", 7),
])
def test_the_same_day_last_week_is_the_other_side(inputs: PlannerInputs, question: str, back: int) -> None:
    """Both days are answered (never yesterday alone with 'last week' ignored), in day buckets that hold one side each."""
    q = _query(inputs, question)
    assert q.time_range is not None
    assert q.time_range.start == dt(inputs.today - timedelta(days=1 + back))
    assert q.time_range.end == dt(inputs.today)
    assert [g.grain for g in q.group_by if g.grain] == ["day"]


def test_a_named_month_against_the_same_month_a_year_earlier(inputs: PlannerInputs) -> None:
    month = _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, f"spend in {month.strftime('%B')} vs the same month last year")
    assert q.time_range is not None
    assert q.time_range.start == dt(date(month.year - 1, month.month, 1))
    assert q.time_range.end == dt(_months_back(month, -1))
    assert [g.grain for g in q.group_by if g.grain] == ["month"]


@pytest.mark.parametrize(("question", "grain"), [
    ("jobs between {a} 1 and {a} 15 vs between {b} 1 and {b} 15", "day"),  # a week bucket would mix in the days between
    ("spend this year vs last year", "quarter"),  # years are shown by quarter, never by a grain the layer lacks
])
def test_two_periods_side_by_side_never_share_a_bucket(inputs: PlannerInputs, question: str, grain: str) -> None:
    a, b = _months_back(inputs.today.replace(day=1), 2), _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, question.format(a=a.strftime("%B"), b=b.strftime("%B")))
    assert [g.grain for g in q.group_by if g.grain] == [grain]
