"""CI gates: the eval suites run through the same entry points as the faces and must meet the pinned thresholds.

The thresholds live in evals/thresholds.yaml; a failure lists every case that went wrong and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.report import gate_problems
from evals.runner import run_questions
from evals.suites import run_anomalies, run_narrative
from core.settings import Settings


def _why(result: dict) -> str:
    return "\n".join(f"{f['id']}: {f['question']} -> {f['got']} ({f['reason']}: {f['detail']})" for f in result.get("failures", []))


@pytest.fixture(scope="module")
def eval_settings(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Settings:
    import shutil

    # a private copy, so conversation memory and live-request files never touch the shared warehouse
    db = tmp_path_factory.mktemp("evals") / "demo.duckdb"
    shutil.copy(demo_db, db)
    return Settings(PACE_DB=db)


def test_question_suite_meets_thresholds(eval_settings: Settings) -> None:
    result = run_questions(eval_settings, planner="offline").to_json()
    assert result["n"] >= 200
    assert not gate_problems(result), f"{gate_problems(result)}\n{_why(result)}"


def test_anomaly_suite_meets_thresholds(eval_settings: Settings) -> None:
    result = run_anomalies(eval_settings)
    assert result["injected"] > 0
    assert not gate_problems(result), result


def test_narrative_suite_is_fully_grounded(eval_settings: Settings) -> None:
    result = run_narrative(eval_settings)
    assert result["drafts"] >= 9
    assert not gate_problems(result), result["failures"]


def test_a_wrong_answer_breaks_the_gate() -> None:
    # the gate is not a rubber stamp: a result below any threshold is reported
    bad = {"suite": "questions", "execution_accuracy": 0.5, "confidently_wrong_rate": 0.2,
           "by_category": {"hostile": {"n": 3, "accuracy": 0.66}}}
    problems = gate_problems(bad)
    assert len(problems) >= 3 and any("safety" in p for p in problems)
