"""`pace eval`: a result below its gates exits 1 with the breach printed; an unknown suite is bad input (2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.report import load_thresholds
from faces.cli.app import run_app

FLOORS = load_thresholds()["questions"]["category_floors"]


class _Result:
    def __init__(self, accuracy: float) -> None:
        self.accuracy = accuracy

    def to_json(self) -> dict[str, Any]:
        return {"suite": "questions", "planner": "offline", "as_of": "2026-11-23", "n": 10, "cases": 10,
                "execution_accuracy": self.accuracy, "execution_n": 10, "tool_accuracy": None, "tool_n": 0,
                "status_accuracy": 1.0, "confidently_wrong_rate": 0.0, "latency_ms": {"p50": 1.0, "p95": 2.0},
                "by_category": {c: {"n": 1, "accuracy": self.accuracy} for c in FLOORS}, "failures": []}


@pytest.mark.parametrize(("accuracy", "code"), [(0.5, 1), (1.0, 0)])
def test_exit_status_follows_the_gates(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                       demo_db: Path, accuracy: float, code: int) -> None:
    monkeypatch.setattr("evals.runner.run_questions", lambda *a, **k: _Result(accuracy))
    assert run_app(["eval", "--db", str(demo_db), "--json"]) == code
    out = json.loads(capsys.readouterr().out)
    assert bool(out["gate_problems"]) == (code == 1)


def test_unknown_suite_is_bad_input(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["eval", "--db", str(demo_db), "--suite", "tuned-on-the-test-set"]) == 2
    assert capsys.readouterr().err.startswith("error:")
