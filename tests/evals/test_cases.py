"""The eval suite itself: enough cases, every category, gold SQL that runs, and clear errors for bad YAML."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

import re

from evals.cases import load_cases, load_suite
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


_FIXED_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b|\b(january|february|march|april|june|july|august|september|october|november|december)\b|\bq[1-4]\b", re.I)


@pytest.mark.parametrize("suite", ["questions", "frozen"])
def test_nothing_is_pinned_to_a_date(suite: str) -> None:
    # gold SQL and questions say "last month" through placeholders, so a case means the same on any day
    for case in load_suite(suite):
        for text in [case.gold_sql or "", *case.questions, *case.turns]:
            assert not _FIXED_DATE.search(text), (case.id, text)


def test_the_frozen_split_is_large_and_covers_what_people_ask() -> None:
    cases = load_suite("frozen")
    assert len(cases) >= 150 and not {c.id for c in cases} & {c.id for c in load_cases()}
    cats = Counter(c.category for c in cases)
    assert min(cats[k] for k in ("typo", "units", "comparison", "period", "follow_up", "hostile", "out_of_scope", "ambiguous", "tools")) >= 4


def test_placeholders_follow_the_as_of_date() -> None:
    case = next(c for c in load_suite("questions") if c.id == "fu-spend-team-what-about-september")
    assert case.asked("2026-06-01") == [["spend by team in May", "what about April?"]]
    assert "DATE '2026-04-01'" in case.gold("2026-06-01") and "DATE '2026-05-01'" in case.gold("2026-06-01")
