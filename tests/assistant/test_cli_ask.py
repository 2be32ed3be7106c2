"""`pace ask` and `pace chat`: JSON shape, exit codes (0 answered/clarify/abstain, 2 refused, 1 error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from faces.cli import app
from faces.cli.app import run_app


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_app(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ask_json_answered(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "effective cost by team last week", "--json", "--db", str(demo_db), "--planner", "offline")
    data = json.loads(out)
    assert code == 0 and data["status"] == "answered" and data["planner"] == "offline"
    assert data["period"] == {"start": "2026-11-16", "end": "2026-11-23", "label": "last week"}


def test_ask_refused_exits_2_with_json_and_stderr(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", "drop table jobs", "--json", "--db", str(demo_db))
    assert code == 2 and json.loads(out)["status"] == "refused" and err.startswith("refused:")


def test_ask_abstain_and_clarify_exit_0(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ask", "tell me a joke", "--db", str(demo_db))[0] == 0
    code, out, _ = run(capsys, "ask", "idle hours for orio", "--json", "--db", str(demo_db))  # orion or Orin?
    assert code == 0 and json.loads(out)["status"] == "clarify"


def test_ask_thread_follow_up_and_show_sql(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ask", "busy hours by team last week", "--thread", "cli-t1", "--db", str(demo_db))
    code, out, _ = run(capsys, "ask", "and by cluster?", "--thread", "cli-t1", "--db", str(demo_db), "--show-sql")
    assert code == 0 and "cluster" in out and "SELECT" in out.upper()
    assert (demo_db.parent / f"{demo_db.stem}.threads.sqlite").exists()


def test_ask_bad_planner_is_usage_error(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ask", "cost", "--planner", "magic", "--db", str(demo_db))[0] == 2


def test_ask_is_documented() -> None:
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    assert {"ask", "chat"} <= names


def test_chat_session_commands(settings: object) -> None:
    from assistant.chat import ChatSession

    console = Console(record=True, width=120)
    session = ChatSession(settings, "chat-test", "offline", console)  # type: ignore[arg-type]
    assert session.handle("idle hours by team last week")
    assert session.handle("/sql") and session.handle("and by cluster?")
    assert session.handle("/chart") and session.handle("/reset") and session.thread != "chat-test"
    assert session.handle("/nope") and not session.handle("/quit")
    text = console.export_text()
    assert "idle" in text.lower() and "SELECT" in text.upper() and "Memory cleared" in text and "Unknown command" in text


def test_internal_error_exits_1(demo_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.service as service

    def boom(*a: object, **k: object) -> object:
        raise RuntimeError("kaput")

    monkeypatch.setattr(service, "graph_for", boom)
    with pytest.raises(SystemExit) as exc:
        run_app(["ask", "idle hours by team", "--json", "--db", str(demo_db)])
    out = capsys.readouterr()
    assert exc.value.code == 1 and json.loads(out.out)["status"] == "error" and out.err.startswith("error:")
