"""Shared by tests/test_concurrency.py and benchmarks/bench_concurrency.py: a synthetic Slurm export and
the reader / governance / feedback processes that run while an ingest swaps the warehouse.

Every worker runs in its own process (spawn), loops until the stop event is set, and reports one dict
on the queue: calls made, errors (with their messages), latencies and what it saw.
"""

from __future__ import annotations

import time
import traceback
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import duckdb

QUESTIONS: tuple[str, ...] = (
    "effective cost by team last week",
    "how many jobs failed last month",
    "idle hours by cluster last week",
    "job failure rate by team last month",
)


def write_sacct(path: Path, rows: int, *, first_id: int) -> Path:
    """`rows` finished GPU jobs in `sacct --parsable2` form (pipe-delimited, header), ids from `first_id`.

    Built by DuckDB in one COPY (no Python loop); submit times fall inside the demo warehouse's period.
    """
    with duckdb.connect() as con:
        con.execute(
            f"""
            COPY (
              SELECT (? + i)::VARCHAR AS "JobID", 'user' || (i % 50) AS "User",
                     ['atlas', 'orion', 'vega'][1 + i % 3] AS "Account", 'h100' AS "Partition", 'normal' AS "QOS",
                     CASE WHEN i % 10 = 0 THEN 'FAILED' ELSE 'COMPLETED' END AS "State",
                     strftime(t, '%Y-%m-%dT%H:%M:%S') AS "Submit", strftime(t, '%Y-%m-%dT%H:%M:%S') AS "Eligible",
                     strftime(t + INTERVAL 5 MINUTE, '%Y-%m-%dT%H:%M:%S') AS "Start",
                     strftime(t + INTERVAL 65 MINUTE, '%Y-%m-%dT%H:%M:%S') AS "End", 3600 AS "ElapsedRaw",
                     'billing=8,cpu=8,gres/gpu:h100=1,gres/gpu=1,mem=64G,node=1' AS "AllocTRES",
                     'billing=8,cpu=8,gres/gpu:h100=1,mem=64G,node=1' AS "ReqTRES", '0:0' AS "ExitCode"
              FROM (SELECT range AS i, TIMESTAMP '2026-09-01' + to_seconds((range * 7919) % (80 * 86400)) AS t
                    FROM range(?))
            ) TO '{path}' (DELIMITER '|', HEADER)
            """,
            [first_id, rows],
        )
    return path


def reader(db: str, stop: Event, out: Any, index: int, ready: Any, pause_s: float = 0.0) -> None:
    """Ask questions through the assistant and count jobs through the engine until `stop`.

    Puts its index on `ready` after its first call; reports each call's wall-clock start (`started`)."""
    from assistant.service import answer
    from core.settings import Settings
    from semantic_layer.engine import Engine

    settings = Settings(PACE_DB=Path(db))
    calls, errors, latencies, counts, starts = 0, [], [], set(), []
    engine = Engine(settings)
    i = index
    while not stop.is_set():
        starts.append(time.time())
        started = time.perf_counter()
        try:
            if i % 2:
                a = answer(QUESTIONS[i % len(QUESTIONS)], settings=settings, planner="offline")
                if a.status not in ("answered", "no_data"):
                    errors.append(f"{a.status}: {a.text[:200]}")
            else:
                counts.add(engine.run_sql("SELECT count(*) FROM jobs").rows[0][0])
        except Exception as exc:  # noqa: BLE001 - every failure is the finding
            errors.append(f"{type(exc).__name__}: {exc}"[:300] + " | " + traceback.format_exc(limit=3)[-300:])
        latencies.append((time.perf_counter() - started) * 1000)
        if calls == 0:
            ready.put(index)
        calls += 1
        i += 1
        if pause_s:
            time.sleep(pause_s)
    engine.close()
    out.put({"kind": "reader", "calls": calls, "errors": errors, "latencies_ms": latencies, "job_counts": sorted(counts),
             "started": starts})


def governance_writer(db: str, stop: Event, out: Any) -> None:
    """Submit compute requests through the governance core until `stop` (its own SQLite store)."""
    from core.settings import Settings
    from governance.service import Governance
    from governance.requests import RequestDraft

    gov = Governance.open(Settings(PACE_DB=Path(db)), use_forecast=False)
    calls, errors = 0, []
    while not stop.is_set():
        try:
            gov.submit(RequestDraft(requester="alice", team="atlas", accelerator="H100", count=1, start="2026-12-01",
                                    days=1, justification="concurrency test"), channel="cli")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        calls += 1
        time.sleep(0.05)
    out.put({"kind": "governance", "calls": calls, "errors": errors})


def feedback_clicker(db: str, stop: Event, out: Any) -> None:
    """Record feedback clicks the way the Slack app does until `stop`."""
    from core.settings import Settings
    from faces.slack.feedback import feedback_row, record_feedback
    from faces.slack.store import SlackStore, state_path

    settings = Settings(PACE_DB=Path(db))
    store = SlackStore(state_path(settings))
    calls, errors = 0, []
    while not stop.is_set():
        try:
            row = feedback_row(user="U1", channel="C1", thread="slack:C1:1.1", question="cost by team", verdict="good",
                               sql="SELECT 1")
            if not record_feedback(settings, store, row):
                errors.append("feedback not recorded")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        calls += 1
        time.sleep(0.02)
    out.put({"kind": "feedback", "calls": calls, "errors": errors})
