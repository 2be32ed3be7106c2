"""Renderers: markdown, Slack Block Kit (<= 50 blocks, buttons), terminal, and the tour."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

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


IDS = [f"REQ-{i:06d}-{'abcdef'[i % 6]}{i * 7919 % 100000:05d}" for i in range(1, 7)]
WIDE_COLUMNS = ["request_id", "metric", "team", "accelerator_type", "accelerators", "status", "requester", "waiting_reason",
                "approver", "submitted_at", "decided_at", "priority", "workload_type"]
WIDE_ROWS = [[rid, "approval_lead_time_avg_hours" if i % 2 else "approval_lead_time_hours", "atlas-research", "H100-SXM5",
              64, "waiting", "alice.example", "quota review by the platform team board", "bob", "2026-11-01 10:00",
              "2026-11-02 11:00", "high", "training"] for i, rid in enumerate(IDS)]


def _narrow(width: int = 80) -> tuple[object, object]:
    import io

    from assistant.render.console import SafeConsole

    buf = io.StringIO()
    return SafeConsole(file=buf, force_terminal=True, width=width, color_system=None), buf


@pytest.mark.parametrize("width", [80, 60, 40])
def test_narrow_terminal_tables_keep_ids_and_names_whole(width: int) -> None:
    from assistant.render.tables import print_rows

    console, buf = _narrow(width)
    print_rows(console, WIDE_COLUMNS, WIDE_ROWS)
    out = buf.getvalue()
    assert all(rid in out for rid in IDS)
    assert "approval_lead_time_avg_hours" in out and "approval_lead_time_hours" in out
    assert max(len(line) for line in out.splitlines()) <= width


def test_a_table_that_fits_stays_a_table_and_folds_long_text() -> None:
    from assistant.render.tables import print_rows

    console, buf = _narrow(80)
    print_rows(console, ["request_id", "why"], [[IDS[0], "a long explanation " * 8]])
    out = buf.getvalue()
    assert "┃" in out or "│" in out
    assert IDS[0] in out and max(len(line) for line in out.splitlines()) <= 80


def test_piped_tables_are_plain_text_and_never_cut() -> None:
    import io

    from assistant.render.console import SafeConsole
    from assistant.render.tables import print_rows

    buf = io.StringIO()
    print_rows(SafeConsole(file=buf, width=80), WIDE_COLUMNS, WIDE_ROWS)
    lines = buf.getvalue().splitlines()
    assert lines[0].split() == WIDE_COLUMNS and set(lines[1]) <= {"-", " "}
    assert [line.split()[0] for line in lines[2:]] == IDS and "│" not in buf.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_machine_formats_carry_every_row_raw(fmt: str) -> None:
    import csv
    import io

    from assistant.render.console import SafeConsole
    from assistant.render.tables import print_rows

    buf = io.StringIO()
    rows = [*WIDE_ROWS, [None, "x\ny", "[/oops]", "\x1b[31mred", 1.5, "", "", "", "", "", "", "", ""]]
    print_rows(SafeConsole(file=buf, width=80), WIDE_COLUMNS, rows, fmt=fmt)  # type: ignore[arg-type]
    text = buf.getvalue()
    assert "\x1b" not in text
    if fmt == "json":
        data = json.loads(text)
        assert data["columns"] == WIDE_COLUMNS and len(data["rows"]) == 7 and data["rows"][-1][4] == 1.5
    else:
        parsed = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
        assert parsed[0] == WIDE_COLUMNS and [r[0] for r in parsed[1:7]] == IDS and parsed[7][2] == "[/oops]"


def test_safe_console_never_reads_data_as_markup_or_passes_escapes() -> None:
    import io

    from rich.table import Table

    from assistant.render.console import SafeConsole

    buf = io.StringIO()
    console = SafeConsole(file=buf, force_terminal=True, width=100, color_system=None)
    console.print("team [/oops] and [link=https://evil.example]x[/link] \x1b]0;pwned\x07 \x1b[2J")
    table = Table(title="[/oops]")
    table.add_column("team")
    table.add_row("[bold]b[/bold]\x1b[31m")
    console.print(table)
    out = buf.getvalue()
    assert "[/oops]" in out and "[link=https://evil.example]x[/link]" in out and "[bold]b[/bold]" in out
    assert "\x1b" not in out and "\x07" not in out


def test_cli_sql_piped_at_80_columns_keeps_ids_whole(settings: object, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from faces.cli import run_app

    monkeypatch.setenv("COLUMNS", "80")
    code = run_app(["sql", "SELECT * FROM compute_requests ORDER BY request_id LIMIT 5", "--db", str(settings.db)])  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()[2:]]
    assert len(ids) == 5 and all(re.fullmatch(r"REQ-\d{6}", i) for i in ids)
    code = run_app(["sql", "SELECT request_id, team FROM compute_requests ORDER BY 1 LIMIT 3", "--db",
                    str(settings.db), "--format", "csv"])  # type: ignore[attr-defined]
    assert code == 0 and capsys.readouterr().out.splitlines()[0] == "request_id,team"
