"""The agent's view of the tools: four plain functions answering the issue's four questions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.settings import Settings
from assistant.toolbox import REGISTRY
from tools.registry import TOOLS

QUESTIONS = {
    "scan": "any anomalies last week?",
    "savings": "where can we save money?",
    "forecast": "will we run out of H100s next month?",
    "impact": "what is a 10-point utilization gain worth?",
}


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_each_tool_answers_with_numbers_a_table_and_sql(settings: Settings, name: str) -> None:
    period = (date(2026, 11, 16), date(2026, 11, 23)) if name == "scan" else None
    answer = TOOLS[name](settings, QUESTIONS[name], period)
    text = answer.summary_text()
    assert any(ch.isdigit() for ch in text) and 1 <= text.count(". ") + 1 <= 6
    assert answer.columns and all(len(r) == len(answer.columns) for r in answer.rows)
    assert answer.evidence_sql and all(sql.lstrip().upper().startswith(("WITH", "SELECT")) for sql in answer.evidence_sql)


def test_question_details_reach_the_tools(settings: Settings) -> None:
    scan = TOOLS["scan"](settings, "any latency spikes?", None)
    assert {r[1] for r in scan.rows} == {"latency_spike"}
    forecast = TOOLS["forecast"](settings, "will we run out of H200s in the next 3 weeks?", None)
    assert forecast.result.weeks == 3 and forecast.summary_text().startswith("H200")
    impact = TOOLS["impact"](settings, "what if utilization went from 60% to 75%?", None)
    assert (impact.result.from_pct, impact.result.to_pct) == (60.0, 75.0)


def test_agent_adapter_matches_the_toolbox_signature(settings: Settings) -> None:
    out = REGISTRY["impact"]("what is a 10-point utilization gain worth?", settings, date(2026, 11, 23), None)
    assert {"text", "columns", "rows", "sql"} <= set(out) and out["sql"].startswith("WITH")


def test_every_command_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "tools.md").read_text()
    for command in ("pace scan", "pace savings", "pace forecast", "pace impact"):
        assert command in doc
