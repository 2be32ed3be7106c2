"""Ties at the top: a ranking (top-N, singular superlative, bottom N) never cuts inside a tie, and the
answer says so. The SQL ranks with RANK() instead of LIMIT; `tie_note` names the tied rows."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from assistant.ties import tie_note
from semantic_layer.catalog import load_catalog
from semantic_layer.compiler import compile_query
from semantic_layer.query import MetricQuery
from telemetry.schema import TABLES

DAY = datetime(2026, 11, 20)
# team -> (failed, completed) jobs: helix, orion and vega fail every job; atlas half; nova none
OUTCOMES = {"helix": (2, 0), "orion": (1, 0), "vega": (3, 0), "atlas": (1, 1), "nova": (0, 4)}


@pytest.fixture(scope="module")
def jobs() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(TABLES["jobs"])
    rows = [(team, state) for team, (failed, done) in OUTCOMES.items() for state in ["failed"] * failed + ["completed"] * done]
    con.executemany(
        "INSERT INTO jobs (job_id, team, project, user_name, cluster, accelerator_type, workload_type, accelerators, submit_at, "
        "start_at, end_at, state, accelerator_hours) VALUES (?, ?, 'p', 'u', 'c', 'H100', 'training', 1, ?, ?, ?, ?, 1.0)",
        [(f"j{i}", team, DAY, DAY, DAY, state) for i, (team, state) in enumerate(rows)],
    )
    return con


def _ranked(con: duckdb.DuckDBPyConnection, limit: int, descending: bool = True) -> list[tuple[str, float]]:
    query = MetricQuery(metrics=["job_failure_rate_pct"], group_by=[{"dimension": "team"}], limit=limit,
                        order_by=[{"field": "job_failure_rate_pct", "descending": descending}],
                        time_range={"start": "2026-11-20", "end": "2026-11-21"})
    return con.execute(compile_query(load_catalog(), query).sql).fetchall()


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_a_superlative_or_top_n_keeps_every_row_tied_with_the_last(jobs: duckdb.DuckDBPyConnection, limit: int) -> None:
    """Three teams share 100%: 'the highest', 'top 2' and 'top 3' all show the three, never an arbitrary one."""
    assert _ranked(jobs, limit) == [("helix", 100.0), ("orion", 100.0), ("vega", 100.0)]


def test_past_the_tie_the_limit_holds(jobs: duckdb.DuckDBPyConnection) -> None:
    assert [t for t, _ in _ranked(jobs, 4)] == ["helix", "orion", "vega", "atlas"]


def test_bottom_n_keeps_ties_too(jobs: duckdb.DuckDBPyConnection) -> None:
    assert _ranked(jobs, 1, descending=False) == [("nova", 0.0)]
    assert [t for t, _ in _ranked(jobs, 3, descending=False)] == ["nova", "atlas", "helix", "orion", "vega"]


class _Metric:
    label, format, unit = "Job failure rate", ".1f", "%"


def _query(limit: int) -> MetricQuery:
    return MetricQuery(metrics=["job_failure_rate_pct"], group_by=[{"dimension": "team"}], limit=limit,
                       order_by=[{"field": "job_failure_rate_pct"}])


COLUMNS = ["team", "job_failure_rate_pct"]


def test_the_answer_names_a_tie_for_first() -> None:
    rows = [["helix", 100.0], ["orion", 100.0], ["vega", 100.0]]
    assert tie_note(_query(1), COLUMNS, rows, {"job_failure_rate_pct": _Metric()}) == [
        "Tie: helix, orion and vega share first place (job failure rate 100.0%), so 3 rows are shown where one was asked for."]


def test_the_answer_names_a_tie_at_the_cut() -> None:
    rows = [["atlas", 90.0], ["helix", 50.0], ["orion", 50.0], [None, 50.0]]
    (note,) = tie_note(_query(2), COLUMNS, rows, {"job_failure_rate_pct": _Metric()})
    assert note.startswith("Tie: helix, orion and (unattributed) share place 2 (job failure rate 50.0%)")
    assert "4 rows are shown where the top 2 was asked for" in note


@pytest.mark.parametrize("rows", [[["helix", 100.0]], [["helix", 100.0], ["orion", 100.0]]])
def test_no_tie_note_when_nothing_past_the_limit(rows: list[list[object]]) -> None:
    """A tie inside the rows asked for cuts nothing, so nothing is said (top 2 of two tied rows)."""
    assert tie_note(_query(len(rows)), COLUMNS, rows, {}) == []
    assert tie_note(MetricQuery(metrics=["job_failure_rate_pct"], group_by=[{"dimension": "team"}]), COLUMNS, rows * 3, {}) == []
