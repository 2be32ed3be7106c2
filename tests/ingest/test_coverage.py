"""Coverage per table and source: recorded at ingest, stated in no_data answers, used to pick between sources."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from assistant.service import answer
from core.settings import Settings
from semantic_layer.coverage import Span, covered_period
from telemetry.ingest import ingest
from tests.ingest.support import FIXTURES, query

SACCT = FIXTURES.parent / "sacct" / "states_first_dump.txt"  # jobs submitted 2026-11-20


def _ask(db: Path, question: str):
    return answer(question, planner="offline", settings=Settings(PACE_DB=db))


@pytest.fixture
def two_sources(db: Path, tmp_path: Path) -> Path:
    """Slurm jobs on 2026-11-20 and utilization telemetry for 2026-06-10 only: two tables, two periods."""
    june = tmp_path / "util_june.csv"
    june.write_text((FIXTURES / "utilization_sample.csv").read_text().replace("2026-11-20", "2026-06-10"))
    ingest(SACCT, "sacct", db)
    ingest(june, "csv", db, table="utilization_hourly")
    return db


def test_coverage_is_kept_per_table_and_source(two_sources: Path) -> None:
    rows = query(two_sources, "SELECT table_name, source, data_start, data_end FROM pace_coverage ORDER BY 1")
    assert rows == [
        ("jobs", "sacct", dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 21)),
        ("utilization_hourly", "csv", dt.datetime(2026, 6, 10), dt.datetime(2026, 6, 11)),
    ]
    source, start, end = query(two_sources, "SELECT source, data_start, data_end FROM pace_meta")[0]
    assert source == "ingest:csv,sacct"  # every source named, not the last one ingested
    assert (start, end) == (dt.datetime(2026, 6, 10), dt.datetime(2026, 11, 21))
    with duckdb.connect(str(two_sources), read_only=True) as con:
        assert covered_period(con, "jobs", "submit_at") == [
            Span("jobs", "sacct", dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 21))]
        assert covered_period(con, "cost_daily", "ChargePeriodStart") == []


def test_a_later_file_widens_its_source_span(two_sources: Path) -> None:
    ingest(FIXTURES.parent / "sacct" / "states_later_dump.txt", "sacct", two_sources)  # adds a job on 2026-11-21
    assert query(two_sources, "SELECT data_start, data_end FROM pace_coverage WHERE table_name = 'jobs'") == [
        (dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 22))]


@pytest.mark.parametrize(("period", "metric"), [
    ("from 2026-11-20 to 2026-11-21", "job_accelerator_hours"),  # only jobs cover it
    ("on 2026-06-10", "allocated_hours"),  # only utilization covers it
])
def test_gpu_hours_come_from_the_table_that_covers_the_period(two_sources: Path, period: str, metric: str) -> None:
    a = _ask(two_sources, f"GPU-hours by team {period}")
    assert a.status == "answered", a.text
    assert a.metric_query["metrics"] == [metric]
    assert a.rows
    if metric == "job_accelerator_hours":
        assert "utilization_hourly" in a.text and "misses the period asked" in a.text  # the choice is stated


def test_a_period_no_table_covers_is_no_data_that_says_what_exists(two_sources: Path) -> None:
    a = _ask(two_sources, "GPU-hours by team from 2025-01-01 to 2025-05-31")
    assert a.status == "no_data"
    assert "utilization_hourly, which holds csv data from 2026-06-10 to 2026-06-10" in a.text
    jobs = _ask(two_sources, "job failure rate from 2025-01-01 to 2025-05-31")
    assert jobs.status == "no_data"
    assert "jobs, which holds sacct data from 2026-11-20 to 2026-11-20" in jobs.text
    cost = _ask(two_sources, "effective cost on 2026-11-20")
    assert cost.status == "no_data" and "cost_daily, which holds no data" in cost.text


def test_a_generated_warehouse_states_its_period_before_its_data(settings: Settings) -> None:
    a = answer("GPU-hours by team from 2019-01-01 to 2019-02-01", planner="offline", settings=settings)
    assert a.status == "no_data"
    assert "utilization_hourly, which holds generated data from" in a.text
    inside = answer("GPU-hours by team last week", planner="offline", settings=settings)
    assert inside.status == "answered" and inside.metric_query["metrics"] == ["allocated_hours"]


def test_cli_no_data_is_done_exit_0(two_sources: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from faces.cli.app import run_app

    code = run_app(["ask", "effective cost on 2026-11-20", "--json", "--db", str(two_sources)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "no_data" and out["rows"] == []
    assert "cost_daily, which holds no data" in out["text"]
