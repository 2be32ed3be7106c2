"""Periods in anyone's words: since, between, through, the week before, same for October, invalid dates, empty periods.

Each rule is checked on two as-of dates (a Monday at the start of a month and a mid-month Wednesday),
so no expectation is pinned to one calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assistant.planner.offline import PlannerInputs
from assistant.timeparse import monday_of, resolve_period
from tests.assistant.fakes import ask, dt as _dt


def test_since_a_month_runs_from_its_first_day_to_now(inputs: PlannerInputs) -> None:
    p = ask(inputs, "busy hours since September")
    assert p.query and p.query.time_range
    assert p.query.time_range.start == datetime(2026, 9, 1)
    assert p.query.time_range.end == _dt(inputs.today + timedelta(days=1))  # through today, like 'since Monday'


@pytest.mark.parametrize("phrase", ["between August and September", "from August through September", "August to September"])
def test_a_month_range_covers_every_month_in_it(inputs: PlannerInputs, phrase: str) -> None:
    p = ask(inputs, f"busy hours {phrase}")
    assert p.query and p.query.time_range
    assert (p.query.time_range.start, p.query.time_range.end) == (datetime(2026, 8, 1), datetime(2026, 10, 1))


@pytest.mark.parametrize("follow", ["same for the previous week", "and the week before?"])
def test_the_week_before_steps_back_from_the_previous_question_and_says_so(inputs: PlannerInputs, follow: str) -> None:
    first = ask(inputs, "busy hours by team last week")
    assert first.query and first.query.time_range
    p = ask(inputs, follow, first.query)
    assert p.kind == "query" and p.query and p.query.time_range
    assert p.query.time_range.start == first.query.time_range.start - timedelta(days=7)
    assert p.query.time_range.end == first.query.time_range.start
    assert p.period_label and "last week" not in p.period_label
    assert p.query.group_by == first.query.group_by


def test_same_for_a_named_month_changes_the_period_and_its_label(inputs: PlannerInputs) -> None:
    first = ask(inputs, "busy hours by team last week")
    p = ask(inputs, "same for October", first.query)
    assert p.query and p.query.time_range and p.query.time_range.start.month == 10
    assert p.period_label and "October" in p.period_label


def test_the_month_before_keeps_whole_months(inputs: PlannerInputs) -> None:
    first = ask(inputs, "busy hours last month")
    assert first.query and first.query.time_range
    p = ask(inputs, "and the month before?", first.query)
    assert p.query and p.query.time_range
    prev_start = first.query.time_range.start
    assert p.query.time_range.end == prev_start and p.query.time_range.start.day == 1
    assert p.query.time_range.start.month == (prev_start.month - 2) % 12 + 1


@pytest.mark.parametrize("bad", ["on Feb 30", "on 2026-13-01", "on April 31"])
def test_an_impossible_date_is_refused_not_guessed(inputs: PlannerInputs, bad: str) -> None:
    p = ask(inputs, f"busy hours {bad}")
    assert p.kind == "abstain" and p.query is None and "not a calendar date" in p.message


def test_an_empty_current_period_says_so_and_offers_the_last_complete_one(inputs: PlannerInputs) -> None:
    p = ask(inputs, "busy hours this week")
    if monday_of(inputs.today) == inputs.today:  # nothing of this week is complete yet
        assert p.kind == "clarify" and p.options == ["last week"] and "no complete day" in p.message
    else:
        assert p.kind == "query"


def test_a_month_that_has_started_has_data_to_show(inputs: PlannerInputs) -> None:
    period = resolve_period("this month", inputs.today)
    p = ask(inputs, "busy hours this month")
    assert period is not None
    assert (p.kind == "clarify") == (inputs.today.day == 1)


def test_an_empty_period_in_a_question_about_nothing_we_measure_still_abstains(inputs: PlannerInputs) -> None:
    p = ask(inputs, "what is the weather today")
    assert p.kind == "abstain"
