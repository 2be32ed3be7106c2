"""Which of a job's times a question means (sacct Submit, Start, End): the verb anchors the period, a
job count is never answered by another time silently, and the compiler places jobs by that time."""

from __future__ import annotations

from datetime import datetime as dt
from types import SimpleNamespace

import duckdb
import pytest

from assistant.planner.job_times import anchor_jobs, anchors
from semantic_layer.catalog import load_catalog
from semantic_layer.compiler import compile_query
from semantic_layer.query import MetricQuery
from telemetry.schema import TABLES

DAY = {"start": "2026-11-20", "end": "2026-11-21"}
# job: (submit, start, end) around 2026-11-20
JOBS = {
    "queued-never-started": (dt(2026, 11, 20, 9), None, None),
    "submitted-started-next-day": (dt(2026, 11, 20, 22), dt(2026, 11, 21, 1), dt(2026, 11, 21, 3)),
    "all-that-day": (dt(2026, 11, 20, 1), dt(2026, 11, 20, 2), dt(2026, 11, 20, 5)),
    "from-the-day-before": (dt(2026, 11, 18), dt(2026, 11, 19, 20), dt(2026, 11, 20, 4)),
    "still-running": (dt(2026, 11, 19), dt(2026, 11, 19, 1), None),
    "ended-at-midnight": (dt(2026, 11, 19), dt(2026, 11, 19, 1), dt(2026, 11, 20)),
    "after": (dt(2026, 11, 21, 5), dt(2026, 11, 21, 6), dt(2026, 11, 21, 7)),
}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(TABLES["jobs"])
    c.executemany(
        "INSERT INTO jobs (job_id, team, project, user_name, cluster, accelerator_type, workload_type, accelerators, submit_at, "
        "start_at, end_at, state, accelerator_hours) VALUES (?, 'atlas', 'p', 'u', 'c', 'H100', 'training', 1, ?, ?, ?, 'completed', 1.0)",
        [(job, *times) for job, times in JOBS.items()],
    )
    return c


@pytest.mark.parametrize(("metric", "want"), [
    ("jobs", {"queued-never-started", "submitted-started-next-day", "all-that-day"}),
    ("jobs_started", {"all-that-day"}),
    ("jobs_finished", {"all-that-day", "from-the-day-before", "ended-at-midnight"}),
    ("jobs_ran", {"all-that-day", "from-the-day-before", "still-running"}),  # [Start, End) overlaps the day
])
def test_each_time_places_jobs_in_the_period(con: duckdb.DuckDBPyConnection, metric: str, want: set[str]) -> None:
    sql = compile_query(load_catalog(), MetricQuery(metrics=[metric], time_range=DAY)).sql
    assert con.execute(sql).fetchall() == [(len(want),)]


def test_two_times_in_one_query_are_two_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Jobs submitted and jobs that ran, side by side per team: each read by its own time, not one WHERE."""
    q = MetricQuery(metrics=["jobs", "jobs_ran", "jobs_started"], group_by=[{"dimension": "team"}], time_range=DAY)
    assert con.execute(compile_query(load_catalog(), q).sql).fetchall() == [("atlas", 3, 3, 1)]


def test_jobs_that_ran_are_not_split_by_time_buckets() -> None:
    from core.errors import UserError

    with pytest.raises(UserError, match="every period it ran through"):
        compile_query(load_catalog(), MetricQuery(metrics=["jobs_ran"], group_by=[{"dimension": "time", "grain": "day"}], time_range=DAY))


@pytest.mark.parametrize(("question", "times"), [
    ("how many jobs ran on the 20th", {"ran"}), ("jobs running yesterday", {"ran"}), ("jobs that began last week", {"started"}),
    ("how many jobs finished today", {"finished"}), ("jobs queued on monday", {"submitted"}), ("how many jobs last week", set()),
])
def test_the_verb_names_the_time(question: str, times: set[str]) -> None:
    assert anchors(question) == times


def _catalog(*counts: str) -> SimpleNamespace:
    """A small catalog: the submit count, a failure rate on jobs, a current-state count, and the given time counts."""
    metric = lambda measure, **kw: SimpleNamespace(measure=measure, numerator=None, denominator=None, **kw)  # noqa: E731
    metrics = {"jobs": metric("job_count"), "running_jobs": metric("running", current_state=True),
               "failure_rate": SimpleNamespace(measure=None, numerator="failed", denominator="ended"),
               "spend": metric("cost")}
    metrics |= {c: metric(c) for c in counts}
    measures = {m: SimpleNamespace(entity="jobs") for m in ("job_count", "running", "failed", "ended", *counts)}
    return SimpleNamespace(metrics=metrics, measures=measures | {"cost": SimpleNamespace(entity="cost_daily")})


FULL = _catalog("jobs_ran", "jobs_started", "jobs_finished")


@pytest.mark.parametrize(("question", "metric"), [
    ("how many jobs ran on 2026-11-20", "jobs_ran"), ("jobs started yesterday by team", "jobs_started"),
    ("jobs that ended last week", "jobs_finished"), ("jobs submitted last week", "jobs"), ("jobs last week", "jobs"),
])
def test_a_job_count_takes_the_time_its_verb_names(question: str, metric: str) -> None:
    q = MetricQuery(metrics=["jobs"], order_by=[{"field": "jobs"}])
    got, _, ask = anchor_jobs(question, q, FULL, period_given=True)
    assert ask is None and got.metrics == [metric] and got.order_by[0].field == metric


def test_without_that_time_in_the_catalog_it_asks_never_substitutes() -> None:
    q = MetricQuery(metrics=["jobs"])
    got, _, ask = anchor_jobs("how many jobs ran yesterday", q, _catalog(), period_given=True)
    assert got.metrics == ["jobs"] and ask and "submitted (Slurm Submit)" in ask


def test_two_times_named_at_once_ask_which() -> None:
    _, _, ask = anchor_jobs("jobs submitted and started yesterday", MetricQuery(metrics=["jobs"]), FULL, period_given=True)
    assert ask and "started (Start)" in ask and "submitted (Submit)" in ask


def test_running_with_a_past_period_means_running_then_not_now() -> None:
    q = MetricQuery(metrics=["running_jobs"])
    got, notes, _ = anchor_jobs("jobs running on 2026-11-20", q, FULL, period_given=True)
    assert got.metrics == ["jobs_ran"] and "not jobs running now" in notes[0]
    now, notes, _ = anchor_jobs("jobs running right now", q, FULL, period_given=False)
    assert now.metrics == ["running_jobs"] and notes == []


def test_other_job_metrics_say_they_count_by_submit_time() -> None:
    q = MetricQuery(metrics=["failure_rate"])
    got, notes, ask = anchor_jobs("failure rate of jobs that finished last week", q, FULL, period_given=True)
    assert got == q and ask is None and notes == ["Jobs are placed in the period by when they were submitted (Slurm Submit), "
                                                  "not by when they finished."]
    assert anchor_jobs("spend on runs that finished last week", MetricQuery(metrics=["spend"]), FULL, True)[1] == []


def test_time_verbs_are_placed_only_on_job_metrics() -> None:
    """'jobs that began' no longer blocks (the verb picks the time); 'incidents that ended' still does."""
    from assistant.planner.job_times import placed_job_times

    words = ["began", "launched", "widgets"]
    assert placed_job_times(words, MetricQuery(metrics=["jobs"]), FULL) == ["widgets"]
    assert placed_job_times(words, MetricQuery(metrics=["failure_rate"]), FULL) == ["widgets"]
    assert placed_job_times(words, MetricQuery(metrics=["spend"]), FULL) == words
