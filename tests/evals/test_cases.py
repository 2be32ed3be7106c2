"""The eval suite itself: enough cases, every category, gold SQL that runs, and clear errors for bad YAML."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from evals.cases import load_cases
from core.errors import UserError

REQUIRED = {
    "single_metric", "group_by", "top_n", "time_filter", "trend", "ratio", "comparison", "multi_filter",
    "governance", "jobs", "serving", "energy", "support", "follow_up", "ambiguous", "out_of_scope", "hostile",
}


def test_suite_covers_every_category_with_paraphrases() -> None:
    cases = load_cases()
    items = sum(len(c.questions) or 1 for c in cases)
    assert items >= 200
    assert REQUIRED <= {c.category for c in cases}
    assert Counter(c.category for c in cases)["follow_up"] >= 20
    assert all(len(c.questions) >= 3 for c in cases if c.questions)


def test_every_gold_query_runs_and_returns_rows(demo_db: Path) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        for case in load_cases():
            if case.gold_sql:
                rows = con.execute(case.gold("2026-11-23")).fetchall()
                assert rows and any(v is not None for v in rows[0]), case.id


def test_bad_case_file_names_file_and_case(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("- id: x\n  category: group_by\n  questions: [only one]\n  gold_sql: SELECT 1\n")
    with pytest.raises(UserError, match=r"bad.yaml: case #1 \(x\).*paraphrases"):
        load_cases(tmp_path)
