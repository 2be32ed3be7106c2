"""LLM planner replayed from hand-written cassettes (OpenAI Chat Completions wire format); no network.

The matcher compares method, host, path, and the request body's model, tool names and last message
(role, and content for user turns), so a changed catalog prompt does not invalidate the cassettes
while a changed question, tool set or turn structure fails loudly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.models import Answer
from assistant.planner.llm import tool_specs
from core.settings import Settings

BASE_URL = "http://llm.pace.test/v1"
CASSETTES = Path(__file__).parent / "cassettes"
pytestmark = [pytest.mark.vcr, pytest.mark.block_network]


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": ["authorization", "openai-organization", "openai-project", "cookie"],
        "match_on": ["method", "scheme", "host", "path", "openai_turn"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture
def llm_settings(demo_db: Path) -> Settings:
    # A hosted model's budget: large enough to list the tables, so `run_sql` is offered as in these cassettes.
    return Settings(PACE_DB=demo_db, OPENAI_API_KEY="sk-test-not-a-real-key", OPENAI_BASE_URL=BASE_URL,
                    PACE_MODEL="gpt-4o-mini", PACE_LLM_PROMPT_TOKENS=8000)


@pytest.fixture
def sent() -> list[dict[str, Any]]:
    """JSON bodies of the requests pace actually sent (captured by an httpx event hook)."""
    return []


@pytest.fixture
def ask_llm(llm_settings: Settings, spy: Any, sent: list[dict[str, Any]]) -> Callable[..., Answer]:
    import httpx2
    from openai import OpenAI

    from assistant.graph.context import Context
    from assistant.service import answer

    def capture(request: Any) -> None:
        sent.append(json.loads(request.read()))

    def _ask(question: str, planner: str = "llm") -> Answer:
        client = OpenAI(api_key=llm_settings.openai_api_key, base_url=BASE_URL, timeout=5.0, max_retries=2,
                        http_client=httpx2.Client(event_hooks={"request": [capture]}))
        ctx = Context(settings=llm_settings, resources=spy, charts=False, llm_client=client)
        return answer(question, planner=planner, settings=llm_settings, context=ctx)  # type: ignore[arg-type]

    return _ask


def test_tool_call_yields_valid_plan(ask_llm: Callable[..., Answer], spy: Any, vcr: Any) -> None:
    a = ask_llm("effective cost by team last week")
    assert a.status == "answered" and a.planner == "llm"
    assert a.metric_query["metrics"] == ["effective_cost_usd"] and a.columns == ["team", "effective_cost_usd"]
    assert a.usage == {"prompt_tokens": 1843, "completion_tokens": 61, "total_tokens": 1904}
    assert spy.ran == ["run_query"] and vcr.all_played


def test_plan_failing_validation_is_repaired(ask_llm: Callable[..., Answer], sent: list[dict[str, Any]], vcr: Any) -> None:
    a = ask_llm("idle hours by squad last week")
    assert a.status == "answered", a.text
    assert a.metric_query["group_by"] == [{"dimension": "team", "grain": None}]
    assert "Repaired after" in a.text and "squad" in a.text
    assert a.usage["total_tokens"] == 1890 + 2051
    second = sent[1]
    assert second["messages"][-1]["role"] == "tool" and "squad" in second["messages"][-1]["content"]
    assert second["messages"][-1]["tool_call_id"] == "call_pace_0002"
    assert vcr.all_played


def test_rate_limited_then_success(ask_llm: Callable[..., Answer], sent: list[dict[str, Any]], vcr: Any) -> None:
    a = ask_llm("busy hours by cluster yesterday")
    assert len(sent) == 2  # the client retried after the 429
    assert a.status == "answered" and a.metric_query["metrics"] == ["busy_hours"]
    assert [r["status"]["code"] for r in vcr.responses] == [429, 200] and vcr.play_count == 2 and vcr.all_played


def test_malformed_output_is_an_error_answer(ask_llm: Callable[..., Answer], spy: Any, vcr: Any) -> None:
    a = ask_llm("effective cost by cluster last month")
    assert a.status == "error" and "not JSON" in a.text
    assert spy.ran == [] and a.sql is None and vcr.all_played


@pytest.mark.default_cassette("test_malformed_output_is_an_error_answer.yaml")
def test_auto_mode_falls_back_to_offline(ask_llm: Callable[..., Answer], vcr: Any) -> None:
    a = ask_llm("effective cost by cluster last month", planner="auto")
    assert a.status == "answered" and a.planner == "offline"
    assert any("offline planner instead" in w for w in a.warnings)


def test_model_sql_refused_by_validator_never_runs(ask_llm: Callable[..., Answer], spy: Any, vcr: Any) -> None:
    a = ask_llm("list every user account on the machine")
    assert a.status == "refused" and "read_csv" in a.text and "Nothing was run" in a.text
    assert spy.ran == [] and a.rows == [] and vcr.all_played


@pytest.mark.default_cassette("test_tool_call_yields_valid_plan.yaml")
def test_request_is_chat_completions_with_tools(ask_llm: Callable[..., Answer], sent: list[dict[str, Any]]) -> None:
    ask_llm("effective cost by team last week")
    body = sent[0]
    assert body["tool_choice"] == "required" and [t["function"]["name"] for t in body["tools"]] == ["plan_metric_query", "run_sql"]
    assert body["messages"][0]["role"] == "system" and "effective_cost_usd" in body["messages"][0]["content"]
    assert "start=2026-11-16T00:00:00" in body["messages"][0]["content"]  # the period is resolved before the model


def test_tool_schema_is_metric_query() -> None:
    spec = tool_specs()[0]["function"]["parameters"]
    assert "metrics" in spec["properties"] and spec["properties"]["metrics"]["type"] == "array"


@pytest.mark.default_cassette("test_llm_plan_with_a_share_of_total.yaml")
def test_tool_schema_offers_the_derived_fields(ask_llm: Callable[..., Answer], sent: list[dict[str, Any]], vcr: Any) -> None:
    """share_of_total, per, convert and per_count are in the schema the model fills, with enums of what pace accepts."""
    ask_llm("what share of spend did each team have last week")
    props = sent[0]["tools"][0]["function"]["parameters"]["properties"]
    assert props["share_of_total"]["type"] == "boolean"
    assert props["per"]["enum"] == ["second", "minute", "hour", "day", "week"]
    assert {"hours", "thousands", "kW"} <= set(props["convert"]["additionalProperties"]["enum"])
    assert props["per_count"]["enum"] == props["metrics"]["items"]["enum"]


@pytest.mark.default_cassette("test_llm_plan_with_a_share_of_total.yaml")
def test_llm_plan_with_a_share_of_total(ask_llm: Callable[..., Answer], spy: Any, vcr: Any) -> None:
    a = ask_llm("what share of spend did each team have last week")
    assert a.status == "answered" and a.planner == "llm", a.text
    assert a.metric_query["share_of_total"] is True
    assert a.columns == ["team", "effective_cost_usd", "effective_cost_usd__share_pct"]
    shares = [row[2] for row in a.rows]
    assert abs(sum(shares) - 100) < 0.01 and spy.ran == ["run_query"] and vcr.all_played


def test_llm_unit_the_metric_lacks_is_repaired(ask_llm: Callable[..., Answer], sent: list[dict[str, Any]], vcr: Any) -> None:
    """A derived field the metric cannot take (USD in kWh) is refused by the compiler and repaired, never run."""
    a = ask_llm("effective cost by team last week in thousands")
    assert a.status == "answered", a.text
    assert a.metric_query["convert"] == {"effective_cost_usd": "thousands"}
    assert any(c.startswith("effective_cost_usd__in_") for c in a.columns)
    repair = sent[1]["messages"][-1]
    assert repair["role"] == "tool" and "does not convert to kWh" in repair["content"]
    assert vcr.all_played
