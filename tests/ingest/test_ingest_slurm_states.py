"""Slurm job states as sacct defines them; never-started jobs; running/pending jobs updated by a later dump."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from assistant.service import answer
from core.settings import Settings
from telemetry.ingest import ingest
from tests.ingest.support import query

DUMPS = Path(__file__).resolve().parents[1] / "fixtures" / "sacct"
FIRST, LATER = DUMPS / "states_first_dump.txt", DUMPS / "states_later_dump.txt"
PERIOD = "between 2026-11-20 and 2026-11-21"


def _ask(db: Path, question: str):
    return answer(question, planner="offline", settings=Settings(PACE_DB=db))


def _states(db: Path) -> dict[str, str]:
    return dict(query(db, "SELECT job_id, state FROM jobs"))


def test_every_slurm_state_loads_as_slurm_names_it(db: Path) -> None:
    s = ingest(FIRST, "sacct", db)
    assert (s.read, s.loaded, s.quarantined, s.duplicates) == (15, 15, 0, 0)
    assert s.skipped == {"job_steps": 2}
    assert _states(db) == {
        "slurm/2001": "completed", "slurm/2002": "failed", "slurm/2003": "cancelled", "slurm/2004": "timeout",
        "slurm/2005": "out_of_memory", "slurm/2006": "node_fail", "slurm/2007": "preempted",
        "slurm/2008": "requeued", "slurm/2009": "boot_fail", "slurm/2010": "deadline", "slurm/2011": "running",
        "slurm/2012": "pending", "slurm/2013": "cancelled", "slurm/2014": "pending", "slurm/2015": "running",
    }


def test_never_started_jobs_keep_no_start_and_no_queue_wait(db: Path) -> None:
    ingest(FIRST, "sacct", db)
    never = query(db, "SELECT job_id, start_at, queue_wait_minutes, accelerator_hours FROM jobs "
                      "WHERE start_at IS NULL ORDER BY 1")
    assert never == [("slurm/2003", None, None, 0.0), ("slurm/2010", None, None, 0.0),
                     ("slurm/2012", None, None, 0.0), ("slurm/2014", None, None, 0.0)]
    assert query(db, "SELECT job_id FROM jobs WHERE end_at IS NULL ORDER BY 1") == [
        ("slurm/2011",), ("slurm/2012",), ("slurm/2014",), ("slurm/2015",)]


def test_queue_wait_counts_started_jobs_only(db: Path) -> None:
    ingest(FIRST, "sacct", db)
    started = [10, 20, 30, 40, 50, 60, 5, 2, 15, 10, 30]  # Start - Submit of the 11 jobs that started, minutes
    a = _ask(db, f"median queue wait {PERIOD}")
    assert a.status == "answered", a.text
    assert a.rows[0][-1] == pytest.approx(statistics.median(started))
    assert "jobs that started" in a.text  # the answer states which jobs the figure counts


def test_failure_rate_counts_ended_jobs_and_says_so(db: Path) -> None:
    ingest(FIRST, "sacct", db)
    a = _ask(db, f"job failure rate {PERIOD}")
    assert a.status == "answered", a.text
    # failed, timeout, out_of_memory, node_fail, boot_fail, deadline over the 10 ended jobs
    # (requeued, running and pending jobs have not ended)
    assert a.rows[0][-1] == pytest.approx(100 * 6 / 10)
    assert "jobs that ended" in a.text


def test_later_dump_updates_running_and_pending_jobs_idempotently(db: Path) -> None:
    ingest(FIRST, "sacct", db)
    later = ingest(LATER, "sacct", db)
    # 2008 requeued -> completed, 2011 running -> completed, 2012 pending -> running,
    # 2014 pending -> cancelled (never started), 2015 still running but longer; 2016 is new
    assert (later.read, later.loaded, later.quarantined, later.duplicates) == (16, 6, 0, 10)
    assert (later.updated, later.rows_written) == (5, 1)
    states = _states(db)
    assert (states["slurm/2008"], states["slurm/2011"], states["slurm/2012"], states["slurm/2014"]) == (
        "completed", "completed", "running", "cancelled")
    assert query(db, "SELECT end_at IS NOT NULL, accelerator_hours FROM jobs WHERE job_id = 'slurm/2011'") == [(True, 16.0)]
    assert query(db, "SELECT queue_wait_minutes FROM jobs WHERE job_id = 'slurm/2012'") == [(360.0,)]
    assert query(db, "SELECT accelerator_hours FROM jobs WHERE job_id = 'slurm/2015'") == [(9.0,)]
    assert query(db, "SELECT start_at, queue_wait_minutes FROM jobs WHERE job_id = 'slurm/2014'") == [(None, None)]
    assert query(db, "SELECT count(*) FROM jobs") == [(16,)]
    again = ingest(LATER, "sacct", db)
    assert (again.loaded, again.duplicates) == (0, 16)
    stale = ingest(FIRST, "sacct", db)  # an older dump never moves a job back
    assert (stale.loaded, stale.duplicates) == (0, 15)
    assert _states(db) == states


def test_how_many_jobs_are_still_running(db: Path) -> None:
    ingest(FIRST, "sacct", db)
    first = _ask(db, "how many jobs are still running?")
    assert first.status == "answered", first.text
    assert first.rows[-1][-1] == 2  # 2011 and 2015, whatever period they were submitted in
    ingest(LATER, "sacct", db)
    later = _ask(db, "how many jobs are still running?")
    assert later.rows[-1][-1] == 2  # 2011 ended, 2012 started, 2015 still running
    pending = _ask(db, "how many jobs are pending?")
    assert pending.status == "answered" and pending.rows[-1][-1] == 0


def test_a_jobs_csv_moves_running_jobs_along_too(db: Path, tmp_path: Path) -> None:
    header = "job_id,team,project,user_name,cluster,accelerator_type,workload_type,accelerators,submit_at,start_at,end_at,state,queue_wait_minutes,accelerator_hours"
    running = "c/1,atlas,p,ann,c,H100,training,8,2026-11-20 08:00:00,2026-11-20 08:30:00,,running,30,8"
    done = "c/1,atlas,p,ann,c,H100,training,8,2026-11-20 08:00:00,2026-11-20 08:30:00,2026-11-20 12:30:00,completed,30,32"
    first, later = tmp_path / "jobs1.csv", tmp_path / "jobs2.csv"
    first.write_text(f"{header}\n{running}\n")
    later.write_text(f"{header}\n{done}\n")
    assert ingest(first, "csv", db, table="jobs").loaded == 1
    s = ingest(later, "csv", db, table="jobs")
    assert (s.read, s.loaded, s.duplicates) == (1, 1, 0)
    assert query(db, "SELECT state, accelerator_hours FROM jobs") == [("completed", 32.0)]
    assert ingest(first, "csv", db, table="jobs").duplicates == 1  # never back to running


def test_a_requeued_jobs_records_in_one_dump_keep_the_last(db: Path, tmp_path: Path) -> None:
    """`sacct --duplicates` lists every run of a requeued job in order: the last record is its state."""
    lines = FIRST.read_text().splitlines()
    later_2008 = next(x for x in LATER.read_text().splitlines() if x.startswith("2008|"))
    f = tmp_path / "dup.txt"
    f.write_text("\n".join([*lines, later_2008]) + "\n")
    s = ingest(f, "sacct", db)
    assert (s.read, s.loaded, s.duplicates) == (16, 15, 1)
    assert _states(db)["slurm/2008"] == "completed"
