"""Periods and comparisons in people's own words (issue 22, second probe round), on two as-of dates.

Each test states a rule over a small catalog: full calendar units, fortnights, ordinal day ranges,
'the same day last week' and two periods side by side in buckets that never mix the sides.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.intents import classify
from assistant.planner.offline import PlannerInputs
from assistant.timeparse import monday_of
from semantic_layer.query import MetricQuery
from assistant.planner.lexicon import Lexicon
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, ask, dt, measured_metric


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


@pytest.mark.parametrize(("question", "desc", "n"), [
    ("which team had the second highest spend last week", True, 2),
    ("the 3rd lowest cluster by jobs last week", False, 3),
    ("which cluster ran the fourth most jobs last month", True, 4),
])
def test_an_ordinal_rank_shows_the_rows_down_to_it(inputs: PlannerInputs, question: str, desc: bool, n: int) -> None:
    """A query has no offset: 'the second highest' lists the top 2 and says the last row answers, never the top 1."""
    p = ask(inputs, question)
    assert p.kind == "query" and p.query is not None
    assert p.query.limit == n and p.query.order_by and p.query.order_by[0].descending is desc
    assert any("last of the" in note for note in p.notes)


@pytest.mark.parametrize(("question", "metric", "desc"), [
    ("cheapest cluster by busy hours last week", "busy_hours", False),
    ("the most expensive team in terms of gpu hours last week", "allocated_hours", True),
    ("which cluster has the slowest queue wait last week", "queue_wait_p95", True),
    ("the team with the fastest queue wait last week", "queue_wait_p95", False),
])
def test_a_superlative_orders_the_measure_the_question_names(inputs: PlannerInputs, question: str, metric: str, desc: bool) -> None:
    """'Cheapest ... by X' ranks X (never plain cost); 'slowest wait' ranks the wait, longest first."""
    q = _query(inputs, question)
    assert q.metrics == [metric]
    assert q.order_by and q.order_by[0].field == metric and q.order_by[0].descending is desc and q.limit == 1


@pytest.mark.parametrize("question", ["jobs of the busiest team last week", "fastest cluster last week by team", "spend of the runner-up team"])
def test_an_ordering_word_that_cannot_be_placed_is_never_ignored(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    assert p.kind != "query" or (p.query is not None and p.query.order_by), p.notes
    assert not any("Ignored" in n for n in p.notes)


@pytest.mark.parametrize("question", ["where could we trim gpu spend", "how can we lower our cloud bill",
                                      "ways to bring down accelerator costs", "could we cut back on spending somewhere?"])
def test_asking_how_to_spend_less_reaches_the_savings_tool(question: str) -> None:
    assert classify(question).kind == "savings"


@pytest.mark.parametrize("question", ["how did cost decrease last month", "did spend drop last week vs the week before"])
def test_a_change_that_happened_is_a_metric_question(question: str) -> None:
    assert classify(question).kind == "metric"


@pytest.mark.parametrize(("question", "kind"), [
    ("how often do teams update their quota requests", "metric"),
    ("when did orion update their quota records", "metric"),
    ("please update the quota records", "refused"),
    ("do update the quota table", "refused"),
    ("can you update the quotas table set guaranteed = 99", "refused"),
    ("how often do teams update their quota to 64; drop table jobs", "refused"),
])
def test_a_change_verb_asked_about_is_not_a_request_to_change(question: str, kind: str) -> None:
    """'How often do teams update ...' asks about an act (a subject between auxiliary and verb); a request stays refused."""
    assert classify(question).kind == kind


def test_last_weekend_is_the_saturday_and_sunday_before_this_week(inputs: PlannerInputs) -> None:
    q = _query(inputs, "jobs last weekend")
    monday = monday_of(inputs.today)
    assert q.time_range is not None and (q.time_range.start, q.time_range.end) == (dt(monday - timedelta(days=2)), dt(monday))


@pytest.mark.parametrize(("phrase", "first", "last"), [("the first half of {m}", 1, 15), ("the second half of {m}", 16, None)])
def test_half_a_month_splits_at_the_15th(inputs: PlannerInputs, phrase: str, first: int, last: int | None) -> None:
    month = _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, "spend in " + phrase.format(m=month.strftime("%B")))
    end = month.replace(day=last) + timedelta(days=1) if last else _months_back(month, -1)
    assert q.time_range is not None and (q.time_range.start, q.time_range.end) == (dt(month.replace(day=first)), dt(end))


def test_the_week_of_a_day_is_its_iso_week(inputs: PlannerInputs) -> None:
    day = _months_back(inputs.today.replace(day=1), 1).replace(day=15)
    q = _query(inputs, f"spend the week of {day.strftime('%B')} 15")
    assert q.time_range is not None and (q.time_range.start, q.time_range.end) == (dt(monday_of(day)), dt(monday_of(day) + timedelta(days=7)))


@pytest.mark.parametrize(("question", "weeks"), [("spend two weeks ago", 2), ("jobs 3 weeks ago by team", 3)])
def test_n_weeks_ago_is_that_calendar_week(inputs: PlannerInputs, question: str, weeks: int) -> None:
    q = _query(inputs, question)
    start = monday_of(inputs.today) - timedelta(weeks=weeks)
    assert q.time_range is not None and (q.time_range.start, q.time_range.end) == (dt(start), dt(start + timedelta(days=7)))


def test_a_period_against_n_weeks_ago_shows_both(inputs: PlannerInputs) -> None:
    q = _query(inputs, "jobs last week vs three weeks ago")
    monday = monday_of(inputs.today)
    assert q.time_range is not None and q.time_range.start == dt(monday - timedelta(weeks=3)) and q.time_range.end == dt(monday)
    assert [g.grain for g in q.group_by if g.grain] == ["week"]


@pytest.mark.parametrize("question", ["did busy hours drop last week vs the week before",
                                      "by what percent did spend change last week compared with the week before",
                                      "how much did jobs grow last month versus the month before"])
def test_a_change_between_two_periods_is_read_off_both_sides(inputs: PlannerInputs, question: str) -> None:
    q = _query(inputs, question)
    assert q.compare_to_previous  # the answer states both values and the change in percent


def test_a_change_with_one_side_is_not_guessed(inputs: PlannerInputs) -> None:
    p = ask(inputs, "did spend drop last week")
    assert p.kind != "query"


@pytest.mark.parametrize("phrase", ["since {m} 10th", "since the 10th of {m}", "since {m} 10"])
def test_since_a_day_starts_on_that_day_not_the_month(inputs: PlannerInputs, phrase: str) -> None:
    month = _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, "jobs " + phrase.format(m=month.strftime("%B")))
    assert q.time_range is not None and q.time_range.start == dt(month.replace(day=10))


def test_from_a_month_through_a_day_runs_from_the_months_first_day(inputs: PlannerInputs) -> None:
    a, b = _months_back(inputs.today.replace(day=1), 2), _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, f"spend from {a.strftime('%B')} through {b.strftime('%B')} 2nd")
    assert q.time_range is not None and (q.time_range.start, q.time_range.end) == (dt(a), dt(b.replace(day=3)))


@pytest.mark.parametrize(("question", "n"), [("3 clusters with the least busy hours last week", 3),
                                             ("show me 2 teams with the most jobs last week", 2)])
def test_a_count_that_opens_the_question_limits_the_list(inputs: PlannerInputs, question: str, n: int) -> None:
    q = _query(inputs, question)
    assert q.limit == n


@pytest.mark.parametrize("question", ["top team on each cluster by busy hours last week",
                                      "for each cluster, which team had the most jobs last week"])
def test_a_ranking_inside_each_group_is_not_answered_as_one_overall(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    assert p.kind == "abstain" and "inside each group" in p.message


@pytest.mark.parametrize(("question", "kind"), [
    ("any quick wins to cut our gpu bill?", "savings"),
    ("capacity outlook for A100 over the next two months", "forecast"),
    ("do we need to buy more H100s next quarter", "forecast"),
    ("do we need to buy more storage", "metric"),
])
def test_capacity_ahead_and_spending_less_in_other_words(question: str, kind: str) -> None:
    assert classify(question).kind == kind


@pytest.mark.parametrize("phrase", ["on the 3rd of {m}", "{m} 3rd", "the 3 of {m}"])
def test_an_ordinal_day_of_a_month_is_that_day_not_the_month(inputs: PlannerInputs, phrase: str) -> None:
    month = _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, "spend " + phrase.format(m=month.strftime("%B")))
    assert q.time_range is not None and (q.time_range.start, q.time_range.end) == (dt(month.replace(day=3)), dt(month.replace(day=4)))


def test_an_ordinal_day_the_month_lacks_is_an_error(inputs: PlannerInputs) -> None:
    p = ask(inputs, "spend on the 31st of november")
    assert p.kind == "abstain" and "not a calendar date" in p.message


@pytest.mark.parametrize("question", ["spend a month ago vs now", "jobs last week compared to now"])
def test_a_side_named_now_is_never_dropped(inputs: PlannerInputs, question: str) -> None:
    p = ask(inputs, question)
    assert p.kind != "query"


@pytest.mark.parametrize("question", ["did busy hours fall last week vs the week before", "how much did spend grow last week compared with the week before"])
def test_everyday_change_verbs_are_words_not_typos(inputs: PlannerInputs, question: str) -> None:
    """'fall' is no typo of 'all', nor 'grow' of 'row': the comparison answers them."""
    q = _query(inputs, question)
    assert q.compare_to_previous


def test_the_week_of_an_ordinal_day_is_that_week_not_the_day(inputs: PlannerInputs) -> None:
    day = _months_back(inputs.today.replace(day=1), 1).replace(day=15)
    q = _query(inputs, f"spend during the week of the 15th of {day.strftime('%B')}")
    assert q.time_range is not None and q.time_range.start == dt(monday_of(day))
    assert (q.time_range.end - q.time_range.start).days == 7


@pytest.mark.parametrize("question", ["what was the max queue wait last week", "max busy hours by cluster last week",
                                      "minimum utilization yesterday", "peak spend last week"])
def test_an_extreme_value_is_never_answered_with_a_period_figure(inputs: PlannerInputs, question: str) -> None:
    """'max p95 latency' is the largest single value; the period's mean or total is not it, so the planner abstains and offers a ranking."""
    p = ask(inputs, question)
    assert p.kind == "abstain" and p.suggestions and p.suggestions[0].startswith("which ")


def test_which_group_had_the_max_is_a_ranking(inputs: PlannerInputs) -> None:
    q = _query(inputs, "which cluster had the max busy hours last week")
    assert q.limit == 1 and q.order_by and q.order_by[0].descending


def test_ranking_by_a_change_is_not_ranking_by_the_value(inputs: PlannerInputs) -> None:
    """Ranked by the change from the week before, never by the value (tests/assistant/test_change_ranking.py)."""
    q = _query(inputs, "which cluster grew busy hours the most last week vs the week before")
    assert q.compare_to_previous and q.order_by[0].field.endswith("__change") and q.order_by[0].descending


@pytest.mark.parametrize("word", ["weekdays", "weekends", "overnight"])
def test_a_part_of_the_week_or_day_is_no_typo(inputs: PlannerInputs, word: str) -> None:
    """'weekdays' is an English word, never 'weekly': unplaced, it abstains rather than answer every day."""
    p = ask(inputs, f"jobs on {word} last week")
    assert p.kind != "query" or not any("likely typo" in n for n in p.notes)
    assert p.kind != "query"


def _measured(today: date) -> PlannerInputs:
    """A catalog whose metrics say how they aggregate: a count, a total and a mean."""
    measures = [Measure("job_count", "jobs", "count"), Measure("cost", "cost", "sum", "EffectiveCost"),
                Measure("qw_avg", "jobs", "avg", "queue_wait_minutes")]
    metrics = [measured_metric("jobs", "Jobs", ["job count", "number of jobs"], "job_count", "count"),
               measured_metric("effective_cost_usd", "Effective cost", ["cost", "spend"], "cost", "USD"),
               measured_metric("queue_wait_avg_minutes", "Mean queue wait", ["queue wait", "mean queue wait"], "qw_avg", "minutes")]
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]), FakeDimension("time", "Time", kind="time")]
    cat = MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=today)


@pytest.mark.parametrize("question", ["average jobs last week", "mean spend last month", "average execution time of jobs last week"])
def test_an_average_of_a_count_or_total_without_a_unit_abstains(inputs: PlannerInputs, question: str) -> None:
    """'Average' with a count or a total and no unit (per day, per team) is never answered with the plain total."""
    p = ask(_measured(inputs.today), question)
    assert p.kind == "abstain" and "average" in p.message


@pytest.mark.parametrize("question", ["average jobs per day last week", "average daily spend last week", "average queue wait last week",
                                      "average spend per team last week"])
def test_an_average_with_its_unit_is_answered(inputs: PlannerInputs, question: str) -> None:
    assert ask(_measured(inputs.today), question).kind == "query"


@pytest.mark.parametrize(("question", "kind"), [
    ("incidents after the scheduler shutdown", "metric"),
    ("shutdown -h now", "refused"),
    ("forecast inference tokens next month", "metric"),
    ("how many incidents should we expect next week", "metric"),
    ("forecast job demand on A100s next month", "forecast"),
])
def test_words_that_look_like_a_command_or_a_forecast_are_weighed(question: str, kind: str) -> None:
    """A shutdown incident is no shell command; a forecast of tokens is no capacity forecast."""
    assert classify(question).kind == kind


def test_after_a_day_starts_the_day_after(inputs: PlannerInputs) -> None:
    month = _months_back(inputs.today.replace(day=1), 1)
    q = _query(inputs, f"jobs after {month.strftime('%B')} 20")
    assert q.time_range is not None and q.time_range.start == dt(month.replace(day=21))


@pytest.mark.parametrize(("question", "kind"), [("did anything look off with utilization yesterday", "scan"),
                                                ("spend looked odd last week", "scan"), ("spend last week", "metric")])
def test_something_out_of_the_ordinary_reaches_the_scan(question: str, kind: str) -> None:
    assert classify(question).kind == kind


def test_money_restates_a_metric_in_dollars_only(inputs: PlannerInputs) -> None:
    """'How much money did we spend' is the spend; 'money' on a count is unplaced and abstains."""
    assert _query(inputs, "how much money did we spend last week").metrics == ["effective_cost"]
    assert ask(inputs, "money on jobs last week").kind != "query"
