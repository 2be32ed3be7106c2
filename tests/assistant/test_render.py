"""Renderers: markdown, Slack Block Kit (<= 50 blocks, buttons), terminal, and the tour."""

from __future__ import annotations

import json
from collections.abc import Callable

from rich.console import Console

from assistant.models import Answer
from assistant.render import print_answer, to_blocks, to_markdown


def test_markdown_has_table_card_and_sql(ask: Callable[..., Answer]) -> None:
    md = to_markdown(ask("effective cost by team last week"))
    assert "| team | effective_cost_usd |" in md and "$" in md
    assert "**Effective cost**" in md and "```sql" in md


def test_slack_blocks_shape(ask: Callable[..., Answer]) -> None:
    a = ask("top 20 projects by busy hours last month")
    blocks = to_blocks(a)
    assert 1 < len(blocks) <= 50
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    types = [b["type"] for b in blocks]
    assert "context" in types and "actions" in types and "context_actions" in types
    actions = next(b for b in blocks if b["type"] == "actions")
    assert actions["elements"][0]["action_id"] == "pace_show_sql"
    assert all(len(json.dumps(b)) < 3500 for b in blocks)


def test_slack_blocks_for_single_number_and_refusal(ask: Callable[..., Answer]) -> None:
    one = to_blocks(ask("utilization yesterday"))
    assert "%" in one[0]["text"]["text"] and "2026-11-22" in one[0]["text"]["text"]
    refused = to_blocks(ask("drop table jobs"))
    assert refused[0]["text"]["text"] == "Request refused"
    assert not any(b["type"] in ("actions", "context_actions") for b in refused)


def test_terminal_prints_table_and_card(ask: Callable[..., Answer]) -> None:
    console = Console(record=True, width=140)
    print_answer(ask("busy hours by cluster last week"), console, show_sql=True)
    text = console.export_text()
    assert "us-west-onprem" in text and "planner: offline" in text and "SELECT" in text.upper()


def test_tour_runs_offline(settings: object) -> None:
    from assistant.tour import TOUR, run_tour

    console = Console(record=True, width=140)
    run_tour(settings, console)  # type: ignore[arg-type]
    text = console.export_text()
    assert all(q in text for _, q in TOUR) and "Refused" in text and "Traceback" not in text
