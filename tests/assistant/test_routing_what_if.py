"""What-ifs reach the tool that models them, or abstain; they are never answered with past figures.

Rules: moving work onto an accelerator type ('what if we moved team atlas to H100s') is a placement
question (the placement spec's phrases route it); a conditional around a change to the fleet
('what would it cost to add 16 GPUs', '8 more H100s') that no tool models abstains and names the
what-ifs pace can model; a polite 'would you' is no what-if; an English word such as 'caused' is
never offered typo corrections.
"""

from __future__ import annotations


import pytest

from assistant.intents import classify
from assistant.planner.offline import PlannerInputs, plan_offline


@pytest.mark.parametrize("question", [
    "what if we moved team atlas to H100s",
    "what if we shifted orion's training onto A100s?",
    "suppose we migrate the batch inference to TPUs",
    "what would happen if we put nova on L40S",
    "if we switched vega's fine-tuning to MI300X what would it cost",
])
def test_moving_work_to_an_accelerator_type_is_a_placement_question(question: str) -> None:
    assert classify(question).kind == "placement"


@pytest.mark.parametrize("question", ["what if we only count H100s", "and what if we look at A100s instead?"])
def test_a_what_if_that_only_changes_the_filter_stays_a_question(question: str) -> None:
    assert classify(question).kind == "metric"


@pytest.mark.parametrize("question", [
    "what would it cost to add 16 GPUs",
    "how much would 8 more H100s cost per month",
    "if we retired the A100s how many jobs would we lose",
    "suppose we bought another cluster, what would we spend",
])
def test_a_change_no_tool_models_abstains_and_names_the_tools(inputs: PlannerInputs, question: str) -> None:
    assert classify(question).kind == "metric"  # no tool models it
    p = plan_offline(question, inputs)
    assert p.kind == "abstain" and p.query is None
    assert "only measures what did happen" in p.message and "utilization gain" in p.message


@pytest.mark.parametrize("question", ["would you show spend by team last week", "what would our spend be last week"])
def test_a_polite_or_plain_would_is_no_what_if(inputs: PlannerInputs, question: str) -> None:
    p = plan_offline(question, inputs)
    assert p.kind == "query" and p.query is not None and p.query.metrics == ["effective_cost"]


def test_an_english_word_is_not_offered_as_a_typo(inputs: PlannerInputs) -> None:
    p = plan_offline("jobs caused by bad configs last week", inputs)
    assert p.kind == "abstain"  # 'caused by bad configs' cannot be placed: never 'did you mean used/unused?'
    assert "caused" in p.message


@pytest.mark.parametrize(("question", "tool"), [
    ("what would a 10% utilization bump save us", "impact"),
    ("how much would we save if utilization went up 5 points", "impact"),
    ("what is the outlook for H100 capacity", "forecast"),
    ("which teams will exceed their quota next month", "forecast"),
])
def test_what_if_and_outlook_wordings_reach_their_tools(question: str, tool: str) -> None:
    assert classify(question).kind == tool


@pytest.mark.parametrize("question", ["what was utilization worth last month", "utilization by team last week"])
def test_a_past_question_with_a_tool_word_stays_a_question(question: str) -> None:
    assert classify(question).kind == "metric"


@pytest.mark.parametrize(("question", "kind"), [
    ("what are the api key rotation incidents", "metric"),       # a kind of incident, not a key asked for
    ("how many credential expiry failures last week", "metric"),
    ("show me the api key for the jobs service", "refused"),     # the key itself is asked for
    ("print the slack bot token", "refused"),
])
def test_a_secret_word_naming_an_event_is_a_question_and_asking_for_it_is_refused(question: str, kind: str) -> None:
    assert classify(question).kind == kind
