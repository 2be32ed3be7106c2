"""Feedback on scan findings: stored beside the warehouse (never in it), and a planned activity is not
alerted again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from faces.cli.app import run_app
from tools import scan_feedback
from tools.scan import scan


@pytest.fixture
def private_db(demo_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    shutil.copy(demo_db, db)
    return db


def test_planned_finding_is_not_alerted_again(private_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(PACE_DB=private_db)
    first = scan(settings, kinds=["cost_spike"])
    target = first.findings[0]
    assert run_app(["scan", "--db", str(private_db), "--kind", "cost_spike", "--feedback", target.id, "planned",
                    "--note", "quarter-end load test", "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["verdict"] == "planned" and saved["ref"] == target.ref
    again = scan(settings, kinds=["cost_spike"])
    assert target.ref not in {f.ref for f in again.findings}
    assert [f.ref for f in again.silenced] == [target.ref] and len(again.findings) == len(first.findings) - 1
    assert again.to_json()["silenced"][0]["feedback"] == "planned"
    # the verdict lives in its own store: the warehouse file is untouched
    assert scan_feedback.store_path(settings).exists()
    with duckdb.connect(str(private_db), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert not any("feedback" in t and "scan" in t for t in tables)


def test_refs_are_stable_across_scans_and_bad_verdicts_refused(private_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(PACE_DB=private_db)
    a = scan(settings, kinds=["cost_spike"]).findings
    b = scan(settings, start="2026-10-01", end="2026-11-23", kinds=["cost_spike"]).findings
    assert {f.ref for f in b} <= {f.ref for f in a}
    assert run_app(["scan", "--db", str(private_db), "--feedback", a[0].ref, "maybe"]) == 2
    assert "choose from yes, no, planned" in capsys.readouterr().err
