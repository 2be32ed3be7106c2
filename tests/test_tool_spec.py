"""One spec per tool: a tool declared by its spec alone shows up in the CLI, in Slack's `/pace` help and
dispatch, in the agent's tool list and routing, and in the eval scoring."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from tools.registry import ToolAnswer
from tools.specs import SPECS, ToolSpec, register, specs

HAIKU = ToolSpec(
    name="fleet_haiku", purpose="A haiku about the fleet, with its one number",
    entry="tests.test_tool_spec:haiku_tool", cues=r"\bfleet haiku\b", examples=("write a fleet haiku",),
    slack_usage="TOPIC")


def haiku_tool(settings: Settings, question: str, time_range: Any = None) -> ToolAnswer:
    """The test tool: echoes the question so each face can be seen passing it through."""
    return ToolAnswer(f"Eight types hum along; you asked: {question}", ["line"], [["eight types hum"]],
                      ["SELECT count(*) AS n FROM accelerator_types"])


@pytest.fixture
def haiku() -> Iterator[ToolSpec]:
    before = dict(SPECS)
    register(HAIKU)
    yield HAIKU
    SPECS.clear()
    SPECS.update(before)


def test_every_spec_example_routes_to_its_tool() -> None:
    from assistant.intents import classify

    for spec in specs():
        for example in spec.examples:
            assert classify(example).kind == spec.name, example


def test_a_new_spec_is_a_cli_command(haiku: ToolSpec, demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from faces.cli.app import run_app

    assert run_app(["--help"]) == 0
    assert "fleet-haiku" in capsys.readouterr().out
    assert run_app(["fleet-haiku", "about H100s", "--db", str(demo_db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tool"] == "fleet_haiku" and out["text"].endswith("about H100s") and out["rows"] == [["eight types hum"]]
    SPECS.pop("fleet_haiku")
    assert run_app(["--help"]) == 0
    assert "fleet-haiku" not in capsys.readouterr().out


def test_a_new_spec_is_a_slack_subcommand(haiku: ToolSpec, settings: Settings) -> None:
    from faces.slack.app import default_tools
    from faces.slack.handlers.commands import help_text, parse

    assert "`/pace fleet-haiku TOPIC`: a haiku about the fleet" in help_text()
    assert parse("fleet-haiku about H100s") == ("fleet_haiku", "about H100s")
    reply = default_tools()["fleet_haiku"]("about H100s", settings, date(2026, 11, 23))
    assert reply.summary_text().endswith("about H100s")


def test_a_new_spec_is_in_the_agents_tools(haiku: ToolSpec, settings: Settings) -> None:
    from assistant.intents import TOOL_INTENTS, classify
    from assistant.toolbox import REGISTRY

    assert "fleet_haiku" in TOOL_INTENTS and classify("please write a fleet haiku").kind == "fleet_haiku"
    out = REGISTRY["fleet_haiku"]("please write a fleet haiku", settings, date(2026, 11, 23), None)
    assert out["text"].endswith("please write a fleet haiku") and out["sql"].startswith("SELECT")


def test_a_new_spec_is_in_the_eval_scoring(haiku: ToolSpec) -> None:
    from evals.cases import Case, tool_cases

    assert any(c.expect_tool == "fleet_haiku" and c.turns == ["write a fleet haiku"] for c in tool_cases())
    Case(id="x", category="tools", turns=["write a fleet haiku"], expect_tool="fleet_haiku")
    with pytest.raises(ValueError, match="unknown tool"):
        Case(id="y", category="tools", turns=["write a fleet sonnet"], expect_tool="fleet_sonnet")


def test_the_dead_adapters_are_gone() -> None:
    import assistant.toolbox
    import tools.registry

    assert not hasattr(tools.registry, "AGENT_TOOLS") and not hasattr(assistant.toolbox, "COMING")
    assert set(assistant.toolbox.REGISTRY) == set(tools.registry.TOOLS) == set(SPECS)
