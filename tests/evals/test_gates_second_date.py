"""The question suite on a second as-of date: gold and verified queries are relative, so the same gates hold.

2026-06-01 is a Monday at the start of a month, where "this week" and "this month" are empty and
"last month" is May. Kept in its own file so `make test` (pytest -n 2 --dist loadfile) runs it
beside tests/evals/test_gates.py rather than after it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.settings import Settings
from evals.report import gate_problems
from evals.runner import run_questions
from tests.evals.conftest import SECOND_AS_OF


@pytest.fixture(scope="module")
def second_settings(tmp_path_factory: pytest.TempPathFactory, second_date_db: Path) -> Settings:
    db = tmp_path_factory.mktemp("evals-second") / "demo.duckdb"
    shutil.copy(second_date_db, db)
    return Settings(PACE_DB=db)


def test_question_suite_meets_thresholds_on_a_second_as_of_date(second_settings: Settings) -> None:
    result = run_questions(second_settings, planner="offline").to_json()
    assert result["as_of"] == SECOND_AS_OF.isoformat()
    why = "\n".join(f"{f['id']}: {f['question']} -> {f['got']} ({f['reason']}: {f['detail']})" for f in result["failures"])
    assert not gate_problems(result), f"{gate_problems(result)}\n{why}"


def test_a_verified_question_means_its_period_on_the_day_asked(second_settings: Settings) -> None:
    # "last month" is May on 2026-06-01, not the October the verified query was written in
    from assistant import answer

    got = answer("What did we spend last month?", thread_id="second-date-verified", planner="offline", settings=second_settings)
    assert got.status == "answered" and (got.period.start[:10], got.period.end[:10]) == ("2026-05-01", "2026-06-01")
    assert "Trusted" in got.text
