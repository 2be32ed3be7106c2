"""The assistant answers questions over ingested data the same way it does over generated data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from assistant.service import answer
from telemetry.ingest.runner import ingest
from core.settings import Settings
from tests.ingest.support import FIXTURES, FOCUS_SAMPLE


def _ask(db: Path, question: str):
    return answer(question, planner="offline", settings=Settings(PACE_DB=db))


def test_real_focus_export_answers_by_provider_and_service(db: Path) -> None:
    ingest(FOCUS_SAMPLE, "focus", db)
    a = _ask(db, "billed cost by billing provider in September 2024")
    assert a.status == "answered" and a.period and a.period.start == "2024-09-01", a.text
    with duckdb.connect(str(db), read_only=True) as con:
        truth = dict(con.execute("SELECT ProviderName, sum(BilledCost)::DOUBLE FROM cost_daily GROUP BY 1").fetchall())
    assert {r[0]: pytest.approx(r[1]) for r in a.rows} == truth  # credits and corrections included, as billed
    by_service = _ask(db, "effective cost by service name in September 2024")
    assert by_service.status == "answered" and len(by_service.rows) > 5
    # with no period, relative time resolves against the ingested data's own last day, not today's date
    recent = _ask(db, "billed cost last 7 days")
    assert recent.status == "answered" and recent.period.end == "2024-10-01"


def test_slurm_accounting_answers_job_questions(db: Path) -> None:
    ingest(FIXTURES / "sacct_sample.txt", "sacct", db)
    with duckdb.connect(str(db), read_only=True) as con:
        n_jobs, failed = con.execute("SELECT count(*), count(*) FILTER (WHERE state IN ('failed', 'timeout', 'out_of_memory', 'node_fail', 'boot_fail', 'deadline')) FROM jobs").fetchone()
        first, last = con.execute("SELECT min(submit_at)::DATE, max(submit_at)::DATE FROM jobs").fetchone()
    a = _ask(db, f"how many jobs between {first} and {last}?")
    assert a.status == "answered" and a.rows == [[n_jobs]]
    f = _ask(db, f"failed jobs between {first} and {last}")
    assert f.status == "answered" and f.rows == [[failed]]
