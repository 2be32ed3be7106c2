"""Routing to tools reads each tool spec's own words: a subject ('leaking', 'red flag') inside a request
frame ('where are we', 'anything'), compared as stems; a subject alone or a frame alone is no tool
reading; help never swallows a tool request; words that also name a metric make a tie that asks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest

from assistant.intents import classify, tool_scores
from assistant.models import Answer
from assistant.planner.lexicon import Lexicon
from assistant.tool_ties import chosen_tool, metric_tie, tie_possible, tool_option
from assistant.tool_words import read
from tests.assistant.fakes import FakeMetric, fake_catalog
from tools.specs import SPECS, ToolSpec, register, specs


@pytest.mark.parametrize("spec", specs(), ids=lambda s: s.name)
def test_every_subject_word_in_every_request_frame_reads_the_tool(spec: ToolSpec) -> None:
    for keyword in spec.keywords:
        for frame in spec.asks:
            assert read(f"{frame} the {keyword} on us-east-aws", spec).score >= 2.0, (frame, keyword)


@pytest.mark.parametrize("spec", specs(), ids=lambda s: s.name)
def test_a_subject_alone_or_a_frame_alone_is_no_tool_reading(spec: ToolSpec) -> None:
    for keyword in spec.keywords:
        assert read(f"{keyword} by team last week", spec).score == 0.0, keyword
    for frame in spec.asks:
        assert read(f"{frame} the cost by team last week", spec).score == 0.0, frame


def test_inflections_are_one_word() -> None:
    savings = SPECS["savings"]
    assert all(read(f"where are we {w} money", savings).score >= 2 for w in ("leaking", "leaks", "leaked", "wasting", "wasted"))


def test_routing_vocabulary_comes_from_the_spec() -> None:
    """A spec registered with its own words is reached by them: no second list to keep in step."""
    before = dict(SPECS)
    register(ToolSpec(name="fleet_haiku", purpose="A haiku about the fleet", entry="x:y", cues=r"\bfleet haiku\b",
                      examples=("write a fleet haiku",), keywords=("poem", "verse"), asks=("compose", "pen")))
    try:
        assert classify("could you pen a little verse about our gpus").kind == "fleet_haiku"
        assert classify("poem by team last week").kind == "metric"
    finally:
        SPECS.clear()
        SPECS.update(before)


@pytest.mark.parametrize(("question", "tool"), [
    ("anything weird going on", "scan"), ("any red flags in the last 7 days", "scan"),
    ("where are we leaking money", "savings"), ("how can we stop wasting money on idle gpus", "savings"),
    ("are we going to have enough A100s for next quarter", "forecast"),
    ("how much would we gain if the fleet were 15 points busier", "impact"),
    ("help me triage the nccl timeouts on us-east-aws", "triage"),
    ("best place to run a 13B fine-tune", "placement"),
    ("can you put together this week's recap for the execs", "weekly"),
    ("how is the MI300X rollout going", "platform_review"),
    ("what would our bill look like if utilization went up 10 points", "impact"), ("how much runway do we have on H200s", "forecast"),
    ("give me a cost optimization plan", "savings"), ("summarize last week for my boss", "weekly"),
])
def test_everyday_requests_reach_their_tool(question: str, tool: str) -> None:
    assert classify(question).kind == tool


@pytest.mark.parametrize("question", [
    "how many incidents were caused by nccl timeouts last month", "idle cost wasted last week",
    "give me a summary of spend by team last week", "which gpu is running the most jobs", "where do we run the most jobs",
    "how much did we save with commitments last month", "how much headroom do we have on H100 quota", "give me spend by team",
    "summarize spend by team last week", "how much demand did we have last week",
])
def test_metric_questions_with_tool_words_stay_metric_questions(question: str) -> None:
    assert classify(question).kind == "metric", tool_scores(question)


def test_help_alone_is_help_and_help_with_a_tool_request_is_the_tool() -> None:
    assert classify("help").kind == "help" and classify("what can you do?").kind == "help"
    assert classify("help me with the xid outage on eu-west-gcp").kind == "triage"


@pytest.fixture
def lexicon_with_savings_metric() -> Iterator[tuple[Lexicon, dict[str, str]]]:
    cat = fake_catalog()
    cat.metrics["savings_vs_list"] = FakeMetric("savings_vs_list", "Savings vs list", ["savings", "discount"], unit="USD")
    cat.metrics["incidents"] = FakeMetric("incidents", "Incidents", ["incident", "outage"])
    yield Lexicon.from_catalog(cat), {n: m.label for n, m in cat.metrics.items()}


def test_words_that_name_both_a_tool_and_a_metric_ask_which(lexicon_with_savings_metric: tuple[Lexicon, dict[str, str]]) -> None:
    lexicon, labels = lexicon_with_savings_metric
    plan = metric_tie("find me some cost savings last month", "savings", lexicon, labels)
    assert plan is not None and plan.kind == "clarify" and plan.replaces == "savings"
    assert plan.options == [tool_option("savings"), "Savings vs list (savings_vs_list)"]
    assert chosen_tool(plan.options[0]) == "savings" and chosen_tool(plan.options[1]) is None
    # the spec's own strong phrase names the tool; a subject no metric is named by is no tie
    assert not tie_possible("any savings opportunities?", "savings")
    assert metric_tie("any savings opportunities?", "savings", lexicon, labels) is None
    assert metric_tie("where are we leaking money", "savings", lexicon, labels) is None


def test_a_tie_is_answered_by_number_on_the_question_asked(ask: Callable[..., Answer], thread: str) -> None:
    first = ask("find me some cost savings last month", thread)
    assert first.status == "clarify" and "1." in first.text and "2." in first.text
    tool = ask("1", thread)
    assert tool.status == "answered" and tool.rows and "monthly_usd" in tool.columns
    ask("find me some cost savings last month", thread)
    metric = ask("2", thread)
    assert metric.status == "answered" and "savings_usd" in metric.columns
    assert metric.period is not None and metric.period.label == "last month"


def test_a_request_only_a_tool_answers_is_no_tie(lexicon_with_savings_metric: tuple[Lexicon, dict[str, str]]) -> None:
    """'outage' names incidents too, but nobody drafts a count: a frame of the tool's own verbs is no tie."""
    lexicon, labels = lexicon_with_savings_metric
    assert metric_tie("draft a write up for the xid outage on eu-west-gcp", "triage", lexicon, labels) is None
    assert metric_tie("help me with the outage on eu-west-gcp", "triage", lexicon, labels) is None


@pytest.mark.parametrize(("question", "kinds"), [
    ("anything weird with costs last month", ["cost_spike"]), ("any failed job anomalies?", ["failure_rate_spike"]),
    ("anything odd with utilization", ["utilization_collapse", "utilization_shift"]), ("any idle anomalies?", ["idle_allocation"]),
    ("were queues weird last week", ["queue_wait_surge"]), ("anything odd in the data?", None), ("anything weird going on", None),
])
def test_the_measure_named_filters_the_scan(question: str, kinds: list[str] | None) -> None:
    from tools.registry import kinds_named

    assert kinds_named(question) == kinds


def test_period_and_measure_words_reach_the_scan(ask: Callable[..., Answer], thread: str) -> None:
    month = ask("did anything look fishy with costs last month?", thread)
    assert month.status == "answered" and month.rows
    assert {r[month.columns.index("kind")] for r in month.rows} == {"cost_spike"}
    ever = ask("did anything look fishy with costs?", f"{thread}-ever")
    assert "in all data" in ever.text and "in all data" not in month.text and len(ever.rows) >= len(month.rows)


def test_a_measure_with_no_findings_says_so_and_shows_the_rest(ask: Callable[..., Answer], thread: str) -> None:
    a = ask("did anything look off with utilization last week?", thread)
    kinds = {r[a.columns.index("kind")] for r in a.rows}
    assert a.status == "answered" and (kinds <= {"utilization_collapse", "utilization_shift"} or a.text.startswith("No utilization"))
