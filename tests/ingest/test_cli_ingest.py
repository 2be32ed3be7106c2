"""`pace ingest` through the CLI's error boundary: JSON keys per DESIGN.md and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faces.cli.app import run_app
from tests.ingest.support import FIXTURES

DESIGN_KEYS = {"file", "format", "read", "loaded", "quarantined", "duplicates", "new_dimension_values", "quarantine_reasons"}


def test_json_output_has_the_design_keys(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_app(["ingest", str(FIXTURES / "sacct_sample.txt"), "--format", "sacct", "--db", str(db), "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert DESIGN_KEYS <= set(payload)
    assert payload["read"] == payload["loaded"] + payload["quarantined"] + payload["duplicates"]


def test_table_output(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_app(["ingest", str(FIXTURES / "focus_small.csv"), "--format", "focus", "--db", str(db)])
    assert code == 0
    out = capsys.readouterr().out
    assert "quarantined" in out and "new teams: atlas, nova, orion" in out


def test_bad_input_exits_2_with_error_line(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "e.txt"
    empty.write_text("")
    assert run_app(["ingest", str(empty), "--format", "sacct", "--db", str(db)]) == 2
    assert capsys.readouterr().err.startswith("error:")
    assert run_app(["ingest", str(FIXTURES / "focus_small.csv"), "--format", "nope", "--db", str(db)]) == 2
    assert "unknown --format" in capsys.readouterr().err
