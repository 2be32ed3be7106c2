"""Durations of events in anyone's words, on a small catalog: the event and statistic pick the declared metric.

Each test proves one rule of planner/durations.py: an event named by its words (alone, or beside the
thing it happens to), a duration phrasing, a statistic by declaration (never a substitute), the plain
figure when none is named, and that counts and rankings keep their own readings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from assistant.planner.durations import duration_question, timed_metrics
from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from assistant.planner.plan import PlannerPlan
from semantic_layer.events import DurationEvent
from semantic_layer.models import DurationOf
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, ask, measured_metric

AS_OF = date(2026, 11, 23)


@dataclass
class TimedCatalog(MeasuredCatalog):
    events: dict[str, DurationEvent] = field(default_factory=dict)


def _timed(name: str, label: str, agg: str, event: str, unit: str = "hours", plain: bool = False, synonyms: list[str] | None = None):
    m = measured_metric(name, label, synonyms or [], f"{name}_m", unit)
    m.higher_is_better = False
    m.duration = DurationOf(event=event, plain=plain)  # type: ignore[attr-defined]
    return m, Measure(f"{name}_m", "tickets", agg, "x")


def timed_catalog() -> TimedCatalog:
    events = [
        DurationEvent(name="approval", label="approval time", description="submission to approval",
                      words=["approve", "approved", "approval", "sign off"], things=["request"], takes=["request"]),
        DurationEvent(name="ack", label="time to acknowledge", description="open to first acknowledgement",
                      words=["acknowledge", "ack"], with_things=["respond", "response"], things=["incident", "page"], takes=["page"]),
        DurationEvent(name="resolve", label="time to resolve", description="open to resolution",
                      words=["resolve", "fix"], with_things=["close"], things=["incident", "page"], takes=["incident"]),
        DurationEvent(name="run", label="run time", description="start to end", words=["runtime"],
                      with_things=["run", "last"], things=["job", "run"], takes=["job", "run"]),
    ]
    timed = [
        _timed("approval_p50", "Approval lead time", "p50", "approval", plain=True),
        _timed("approval_avg", "Mean approval time", "avg", "approval"),
        _timed("approval_p90", "p90 approval time", "p90", "approval"),
        _timed("tta_avg", "MTTA", "avg", "ack", unit="minutes", plain=True, synonyms=["mtta"]),
        _timed("tta_p50", "Median time to acknowledge", "p50", "ack", unit="minutes"),
        _timed("ttr_avg", "MTTR", "avg", "resolve", plain=True, synonyms=["mttr"]),
        _timed("run_avg", "Mean job duration", "avg", "run", plain=True),
    ]
    counts = [measured_metric("incidents", "Incidents", ["incidents"], "incident_count", "count"),
              measured_metric("jobs", "Jobs", ["jobs"], "job_count", "count")]
    measures = {m.name: m for _, m in timed} | {"incident_count": Measure("incident_count", "incidents", "count"),
                                                "job_count": Measure("job_count", "jobs", "count")}
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["us-east-aws"]),
            FakeDimension("workload_type", "Workload type", ["workload"], values=["training"]),
            FakeDimension("time", "Time", ["date", "day"], kind="time")]
    metrics = [m for m, _ in timed] + counts
    return TimedCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], measures, {e.name: e for e in events})


@pytest.fixture(scope="module")
def inputs() -> PlannerInputs:
    cat = timed_catalog()
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=AS_OF)


def metrics_of(inputs: PlannerInputs, q: str) -> list[str]:
    p = ask(inputs, q)
    assert p.kind == "query" and p.query is not None, (q, p)
    return p.query.metrics


@pytest.mark.parametrize(("q", "metric"), [
    ("how long does it take to get a request approved", "approval_p50"),
    ("approval turnaround last month", "approval_p50"),
    ("how long are requests waiting for sign off", "approval_p50"),
    ("time to ack a page", "tta_avg"),
    ("how long until incidents are acknowledged", "tta_avg"),
    ("how long are incidents taking to fix", "ttr_avg"),
    ("time to close an incident", "ttr_avg"),
    ("how long did runs last in october", "run_avg"),
])
def test_event_and_duration_phrasing_pick_the_events_plain_metric(inputs: PlannerInputs, q: str, metric: str) -> None:
    p = ask(inputs, q)
    assert p.kind == "query" and p.query is not None and p.query.metrics == [metric], (q, p)
    assert any("No statistic named" in n for n in p.notes)  # the answer says which statistic it is


@pytest.mark.parametrize(("q", "metric"), [
    ("average time to get a request approved", "approval_avg"),
    ("mean approval turnaround", "approval_avg"),
    ("p90 time to approve requests", "approval_p90"),
    ("90th percentile approval time", "approval_p90"),
    ("median time to acknowledge a page", "tta_p50"),
    ("how long does it typically take to ack a page", "tta_p50"),
])
def test_the_statistic_picks_the_metric_declared_with_it(inputs: PlannerInputs, q: str, metric: str) -> None:
    assert metrics_of(inputs, q) == [metric]


def test_typical_is_read_as_the_median_and_the_answer_says_so(inputs: PlannerInputs) -> None:
    p = ask(inputs, "typical approval time last week")
    assert p.query is not None and p.query.metrics == ["approval_p50"]
    assert any("'typical' read as the median" in n for n in p.notes)


@pytest.mark.parametrize(("q", "word", "first"), [
    ("p75 approval time", "p75", "p90"),
    ("what's the max time to ack a page", "max", "mean"),
    ("longest time to resolve an incident last month", "longest", "mean"),
    ("p95 time to fix incidents", "p95", "mean"),
])
def test_a_statistic_the_event_lacks_is_never_substituted(inputs: PlannerInputs, q: str, word: str, first: str) -> None:
    p = ask(inputs, q)
    assert p.kind == "clarify" and p.query is None, p
    assert p.message.startswith("pace has no") and p.replaces == word
    assert p.options[0] == first  # the nearest statistic that exists is offered first


def test_words_that_need_a_thing_do_not_name_the_event_alone() -> None:
    cat = timed_catalog()
    assert duration_question("average response time last week", cat) is None  # an endpoint's latency, perhaps
    rewritten = duration_question("average response time for incidents last week", cat)
    assert isinstance(rewritten, tuple) and rewritten[0].split()[0] == "tta_avg"


@pytest.mark.parametrize("q", [
    "how many jobs ran last week",        # 'ran' and 'last' without a duration phrasing
    "average incidents per week",         # an average of a count, no duration
    "how many incidents were resolved last month",
    "approvals over time",                # 'time' of a trend, not a duration
    "how long between incidents",         # a gap between events, which no event's duration is
])
def test_counts_and_gaps_are_not_read_as_durations(q: str) -> None:
    assert duration_question(q, timed_catalog()) is None


def test_filters_groups_and_periods_around_the_duration_words_survive(inputs: PlannerInputs) -> None:
    p = ask(inputs, "how long did training runs on atlas last by cluster in october")
    assert p.query is not None and p.query.metrics == ["run_avg"]
    assert [(f.dimension, f.values) for f in p.query.filters] == [("workload_type", ["training"]), ("team", ["atlas"])]
    assert [g.dimension for g in p.query.group_by] == ["cluster"]
    assert p.query.time_range is not None and p.query.time_range.start.month == 10


def test_how_many_units_converts(inputs: PlannerInputs) -> None:
    p = ask(inputs, "how many minutes does it take to approve a request")
    assert p.query is not None and p.query.metrics == ["approval_p50"] and p.query.convert == {"approval_p50": "minutes"}


def test_two_events_joined_give_both_metrics_and_unjoined_ones_ask(inputs: PlannerInputs) -> None:
    assert metrics_of(inputs, "time to acknowledge and time to resolve last month") == ["tta_avg", "ttr_avg"]
    assert metrics_of(inputs, "mean time to ack vs time to fix") == ["tta_avg", "ttr_avg"]
    p = duration_question("how long after an incident is acknowledged is it fixed", timed_catalog())
    assert isinstance(p, PlannerPlan) and p.kind == "clarify"


def test_a_superlative_that_ranks_stays_a_rank(inputs: PlannerInputs) -> None:
    p = ask(inputs, "which team waits longest for approvals last month")
    assert p.query is not None and p.query.metrics == ["approval_p50"] and [g.dimension for g in p.query.group_by] == ["team"]
    assert p.query.order_by[0].descending and p.query.limit == 1
    p = ask(inputs, "which teams get their requests approved fastest")
    assert p.query is not None and not p.query.order_by[0].descending and (p.query.limit or 0) > 1
    out = duration_question("the team with the longest median approval time", timed_catalog())
    assert isinstance(out, tuple) and out[0].startswith("the team with the highest approval_p50")


def test_a_catalog_without_events_changes_nothing(inputs: PlannerInputs) -> None:
    cat = timed_catalog()
    cat.events = {}
    assert duration_question("how long does it take to get a request approved", cat) is None


def test_a_misspelt_event_word_is_corrected_and_said_but_a_real_word_is_not() -> None:
    cat = timed_catalog()
    out = duration_question("how long dose it take to get a request aproved", cat)
    assert isinstance(out, tuple) and out[0] == "approval_p50" and "Read 'aproved' as 'approved' (a likely typo)." in out[1]
    out = duration_question("time to acknowlege a page", cat)
    assert isinstance(out, tuple) and out[0] == "tta_avg"
    out = duration_question("how long have we wanted approvals", cat)  # 'wanted' is a word: never read as another
    assert isinstance(out, tuple) and "wanted" in out[0] and not any("typo" in n for n in out[1])


def test_a_statistic_alone_after_a_duration_answer_is_that_events_statistic(inputs: PlannerInputs) -> None:
    first = ask(inputs, "how long did approvals take for team atlas last month")
    assert first.query is not None and first.query.metrics == ["approval_p50"]
    p = ask(inputs, "and the p90?", previous=first.query)
    assert p.query is not None and p.query.metrics == ["approval_p90"]
    assert p.query.time_range == first.query.time_range and p.query.filters == first.query.filters  # the thread's period and team
    p = ask(inputs, "what about the p75", previous=first.query)
    assert p.kind == "clarify" and p.message.startswith("pace has no p75 of approval time")


def test_how_long_a_thing_takes_is_its_own_event_and_the_answer_says_which(inputs: PlannerInputs) -> None:
    p = ask(inputs, "how long do incidents take last month")
    assert p.query is not None and p.query.metrics == ["ttr_avg"]
    assert any(n.startswith("Read as time to resolve: open to resolution") for n in p.notes)


def test_an_end_to_end_time_over_steps_timed_apart_asks_which_step() -> None:
    cat = timed_catalog()
    cat.events["queue"] = DurationEvent(name="queue", label="queue wait", description="submit to start", words=["queue wait"],
                                        with_things=["wait", "start"], things=["job"])
    cat.metrics["wait_p50"], cat.measures["wait_p50_m"] = _timed("wait_p50", "Median queue wait", "p50", "queue", plain=True)
    for q in ("job turnaround last week", "how long do jobs take end to end"):
        p = duration_question(q, cat)
        assert isinstance(p, PlannerPlan) and p.kind == "clarify" and set(p.options) == {"wait_p50", "run_avg"}, q
    out = duration_question("how long do jobs take", cat)  # no end-to-end cue: the run, as 'takes' declares
    assert isinstance(out, tuple) and out[0] == "run_avg"


def test_the_llm_planner_is_shown_every_statistic_of_the_event_asked_about() -> None:
    from assistant.planner.llm_context import rank_catalog

    cat = timed_catalog()
    assert timed_metrics("how long does it take to get a request approved", cat) == ["approval_avg", "approval_p50", "approval_p90"]
    ranked = rank_catalog("how long does it take to get a request approved", cat, Lexicon.from_catalog(cat)).metrics
    assert set(ranked[:3]) == {"approval_avg", "approval_p50", "approval_p90"}
    assert timed_metrics("how many jobs ran last week", cat) == []


def test_another_metrics_phrase_keeps_its_words_and_a_still_waiting_population_is_no_duration() -> None:
    cat = timed_catalog()
    cat.metrics["approval_rate"] = measured_metric("approval_rate", "Approval rate", ["approval rate"], "approval_p50_m", "%")
    cat.metrics["pending"] = measured_metric("pending", "Pending requests", ["pending requests"], "approval_p50_m", "count")
    out = duration_question("what was the approval rate and how long did approvals take", cat)
    assert isinstance(out, tuple) and out[0] == "what was the approval rate and approval_p50"
    assert duration_question("how long have pending requests been waiting", cat) is None  # their age: no metric times it
    assert duration_question("how long do open incidents stay open", cat) is None


def test_a_statistic_and_duration_word_inside_another_metrics_name_stay_that_metrics() -> None:
    """'mean queue wait and p95 latency': 'p95 latency' is the serving metric, never a p95 of the wait."""
    cat = timed_catalog()
    cat.metrics["latency_p95"] = measured_metric("latency_p95", "p95 latency", ["p95 latency"], "approval_p50_m", "ms")
    out = duration_question("median time to ack and p95 latency last month", cat)
    assert isinstance(out, tuple) and out[0] == "tta_p50 and p95 latency last month"
