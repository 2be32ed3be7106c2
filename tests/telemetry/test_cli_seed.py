"""`pace seed`: builds a warehouse; bad input exits 2 with a line that says how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faces.cli.app import run_app


def test_seed_builds_and_reports_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.duckdb"
    assert run_app(["seed", "--db", str(db), "--end", "2026-11-23", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"]["utilization_hourly"] > 50_000 and db.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--end", "2026-13-01"], "YYYY-MM-DD"), (["--scale", "huge"], "choose one of demo, small, large")],
)
def test_seed_rejects_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert run_app(["seed", "--db", str(tmp_path / "w.duckdb"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err


def test_bad_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PACE_AS_OF", "yesterday-ish")
    assert run_app(["seed", "--json"]) == 2
    assert "PACE_AS_OF" in capsys.readouterr().err


def test_usage_errors_exit_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["seed", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "No such option: --bogus" in err and "Traceback" not in err


def test_help_lists_the_working_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("seed", "demo", "ask", "metrics", "query", "sql", "ingest", "eval"):
        assert command in out
