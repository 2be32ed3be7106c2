"""Which of a job's times a question means. Slurm's sacct records three (sacct(1), JOB ACCOUNTING
FIELDS: Submit, Start, End); "jobs ran on the 20th" asks about jobs running that day, not jobs
submitted then (some never start, some start the next day). The verb anchors the time:

- ran / running / executed: running at any time in the period (its [Start, End) overlaps it)
- started / began / launched: Start in the period
- finished / ended: End in the period
- submitted / queued: Submit in the period (what `jobs` counts)

A job count whose verb names another time is answered with that time's metric when the catalog has
it, else the planner says which time pace counts by and asks. Other job metrics (failure rate,
accelerator-hours, and a job count beside them, as in "hours per job we ran") are counted by submit
time; when the question's verb names another time, the answer says so rather than switching silently.
"""

from __future__ import annotations

import re
from typing import Any

from semantic_layer.query import MetricQuery

VERBS: dict[str, frozenset[str]] = {
    "ran": frozenset({"ran", "run", "running", "executed", "executing"}),
    "started": frozenset({"started", "starting", "began", "begun", "launched"}),
    "finished": frozenset({"finished", "finishing", "ended", "ending"}),
    "submitted": frozenset({"submitted", "submit", "submitting", "queued", "enqueued"}),
}
COUNT_BY: dict[str, str] = {"ran": "jobs_ran", "started": "jobs_started", "finished": "jobs_finished", "submitted": "jobs"}
"""The job count that places jobs by each time."""
SACCT = {"ran": "Start and End", "started": "Start", "finished": "End", "submitted": "Submit"}
CURRENT_RUNNING = "running_jobs"
"""Jobs running now (the latest accounting dump); with a past period, 'running' means running then."""


def anchors(question: str) -> set[str]:
    """The job times the question's verbs name."""
    words = set(re.findall(r"[a-z]+", question.lower()))
    return {name for name, verbs in VERBS.items() if words & verbs}


def on_jobs(catalog: Any, name: str) -> bool:
    """Whether a metric counts or sums rows of the jobs table (by its measures' entity)."""
    metric = getattr(catalog, "metrics", {}).get(name)
    measures = getattr(catalog, "measures", {})
    names = [getattr(metric, k, None) for k in ("measure", "numerator", "denominator")]
    return any(n in measures and getattr(measures[n], "entity", None) == "jobs" for n in names)


def anchor_jobs(question: str, query: MetricQuery, catalog: Any, period_given: bool) -> tuple[MetricQuery, list[str], str | None]:
    """(the query with each job count placed by the time the verb names, notes to state, or a clarifying
    question when that time is not in the catalog or two times compete)."""
    named = anchors(question)
    metrics = getattr(catalog, "metrics", {})
    swap: dict[str, str] = {}
    notes: list[str] = []
    if CURRENT_RUNNING in query.metrics and period_given:
        if COUNT_BY["ran"] not in metrics:
            return query, [], ("Running jobs are counted now, from the latest accounting dump; pace cannot tell which jobs "
                               "were running during a past period here. Ask for jobs submitted in it instead?")
        swap[CURRENT_RUNNING] = COUNT_BY["ran"]
        notes.append("Read 'running' with a period as jobs running at any time in it, not jobs running now.")
    other = [m for m in query.metrics if m not in COUNT_BY.values() and m != CURRENT_RUNNING and on_jobs(catalog, m)
             and not getattr(metrics.get(m), "current_state", False)]
    counts = [m for m in query.metrics if m == "jobs"]
    if counts and not other and query.per_count is None and named - {"submitted"}:  # 'hours per job we ran': one population
        if len(named) > 1:
            times = " or ".join(f"{t} ({SACCT[t]})" for t in sorted(named))
            return query, [], f"Which time should the jobs be counted by: {times}? Each gives a different count."
        (time,) = named
        if COUNT_BY[time] not in metrics:
            return query, [], (f"pace counts jobs by when they were submitted (Slurm Submit); this warehouse has no count of jobs "
                               f"by when they {time}. Count jobs submitted in the period instead?")
        swap["jobs"] = COUNT_BY[time]
    if (other or query.per_count == "jobs") and period_given and named - {"submitted"} and not swap:
        said = "/".join(sorted(named - {"submitted"}))
        notes.append(f"Jobs are placed in the period by when they were submitted (Slurm Submit), not by when they {said}.")
    if not swap:
        return query, notes, None
    order = [o.model_copy(update={"field": swap.get(o.field, o.field)}) for o in query.order_by]
    metrics_out = list(dict.fromkeys(swap.get(m, m) for m in query.metrics))
    return query.model_copy(update={"metrics": metrics_out, "order_by": order}), notes, None


def placed_job_times(unknown: list[str], query: MetricQuery, catalog: Any) -> list[str]:
    """The unplaced words left once a job question's time verbs are placed ('how many jobs began
    yesterday'): `anchor_jobs` gives them their meaning, so they no longer block the answer. On any
    other metric they stay unplaced (incidents that 'ended' are not placed by a job's End)."""
    if not any(m in COUNT_BY.values() or m == CURRENT_RUNNING or on_jobs(catalog, m) for m in query.metrics):
        return unknown
    verbs = frozenset().union(*VERBS.values())
    return [w for w in unknown if w not in verbs]
