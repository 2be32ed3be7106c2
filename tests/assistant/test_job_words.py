"""Job questions in Slurm users' and ML engineers' words (planner.job_words): what happened to a job is
read as its Slurm state, the reason wins over the verb, a failure word names the states counted, and the
jobs' own GPU-hours are not the fleet's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from assistant.planner.plan import PlannerPlan
from semantic_layer.query import MetricQuery
from tests.assistant.fakes import FakeDimension, FakeMetric, Measure, MeasuredCatalog, ask

AS_OF = date(2026, 11, 23)
JOB_DIMS = {"team", "user", "job_state", "time"}


@dataclass
class JobCatalog(MeasuredCatalog):
    reach: dict[str, set[str]] = field(default_factory=dict)

    def dimensions_for(self, metric: str) -> list[str]:
        return sorted(self.reach[metric])


def _metric(name: str, label: str, synonyms: list[str], measure: str, unit: str = "count", **extra: object) -> FakeMetric:
    m = FakeMetric(name, label, synonyms, unit=unit)
    m.measure = measure  # type: ignore[attr-defined]
    for k, v in extra.items():
        setattr(m, k, v)
    return m


@pytest.fixture(scope="module")
def inputs() -> PlannerInputs:
    metrics = [
        _metric("jobs", "Jobs", ["job count", "number of jobs"], "job_count"),
        _metric("failed_jobs", "Failed jobs", ["failures", "job failures"], "failed_job_count"),
        _metric("preemptions", "Preemptions", ["preempted jobs", "evictions"], "preempted_job_count"),
        _metric("pending_jobs", "Pending jobs", ["pending jobs", "queued jobs", "jobs pending"], "pending_job_count", current_state=True),
        _metric("job_accelerator_hours", "Job accelerator-hours", ["job gpu hours"], "job_hours", "accelerator-hours"),
        _metric("allocated_hours", "Allocated accelerator-hours", ["gpu hours", "accelerator hours"], "alloc_hours", "accelerator-hours"),
    ]
    measures = {n: Measure(n, "jobs", "count") for n in ("job_count", "failed_job_count", "preempted_job_count", "pending_job_count")}
    measures["job_hours"] = Measure("job_hours", "jobs", "sum")
    measures["alloc_hours"] = Measure("alloc_hours", "utilization", "sum")
    dims = [
        FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]),
        FakeDimension("user", "User", ["users"], values=["atlas-user1"]),
        FakeDimension("job_state", "Job state", ["state"], values=["completed", "failed", "cancelled", "preempted"]),
        FakeDimension("time", "Time", ["date"], kind="time"),
    ]
    reach = {m.name: JOB_DIMS for m in metrics} | {"allocated_hours": {"team", "time"}}
    cat = JobCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, measures=measures, reach=reach)
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=AS_OF)


def planned(inputs: PlannerInputs, q: str, previous: MetricQuery | None = None) -> tuple[MetricQuery, PlannerPlan]:
    p = ask(inputs, q, previous)
    assert p.kind == "query" and p.query is not None, (q, p)
    return p.query, p


def states(query: MetricQuery) -> list[object]:
    return [v for f in query.filters if f.dimension == "job_state" for v in f.values]


@pytest.mark.parametrize(("said", "state"), [
    ("got killed for running out of memory", "out_of_memory"), ("were OOM-killed", "out_of_memory"), ("OOMed", "out_of_memory"),
    ("got OOMKilled", "out_of_memory"), ("ran out of memory", "out_of_memory"), ("were killed by the OOM killer", "out_of_memory"),
    ("timed out", "timeout"), ("were killed at the time limit", "timeout"), ("hit their wall time", "timeout"),
    ("died because of a node failure", "node_fail"), ("failed to launch", "boot_fail"), ("missed their deadline", "deadline"),
    ("got killed", "cancelled"), ("were scancelled", "cancelled"), ("were canceled", "cancelled"),
    ("succeeded", "completed"), ("ran to completion", "completed"),
])
def test_what_happened_to_a_job_is_read_as_its_slurm_state(inputs: PlannerInputs, said: str, state: str) -> None:
    query, plan = planned(inputs, f"how many jobs {said} last week")
    assert query.metrics == ["jobs"] and states(query) == [state]
    assert any(state.upper() in n and "Read" in n for n in plan.notes)


@pytest.mark.parametrize("said", ["got killed by preemption", "got bumped", "were evicted", "were pre-empted"])
def test_preemption_words_are_the_preemption_count(inputs: PlannerInputs, said: str) -> None:
    query, _ = planned(inputs, f"how many jobs {said} last week")
    assert query.metrics == ["preemptions"] and not query.filters


def test_the_reason_wins_over_the_verb(inputs: PlannerInputs) -> None:
    """'Killed' alone is CANCELLED; killed for memory, time or by preemption is that state, never cancelled besides."""
    for q, want in [("jobs killed for OOM last week", ["out_of_memory"]), ("jobs killed at the time limit last week", ["timeout"])]:
        query, _ = planned(inputs, q)
        assert states(query) == want, q


@pytest.mark.parametrize("said", ["crashed", "died", "blew up", "errored out", "fell over", "bombed"])
def test_failure_words_are_failed_jobs_with_the_states_named(inputs: PlannerInputs, said: str) -> None:
    query, plan = planned(inputs, f"how many jobs {said} yesterday")
    assert query.metrics == ["failed_jobs"]  # the catalog's failure definition, whose rule the answer states
    assert any(f"Read '{said}' as a failed job" in n for n in plan.notes)


def test_a_failure_word_as_a_filter_says_it_is_the_failed_state_only(inputs: PlannerInputs) -> None:
    query, plan = planned(inputs, "gpu hours of crashed jobs last week")
    assert query.metrics == ["job_accelerator_hours"] and states(query) == ["failed"]
    assert any("Slurm job state FAILED" in n and "states of their own" in n for n in plan.notes)


def test_finished_successfully_keeps_its_time_verb() -> None:
    """'Finished' places jobs by their End (planner.job_times); 'successfully' adds COMPLETED, it does not replace the verb."""
    from assistant.planner.job_words import state_words

    assert state_words("how many jobs finished successfully yesterday")[0] == "how many jobs finished completed yesterday"


def test_a_success_rate_is_not_read_as_completed_jobs(inputs: PlannerInputs) -> None:
    p = ask(inputs, "what was the job success rate last week")
    assert not (p.kind == "query" and p.query is not None and "completed" in states(p.query))


def test_stuck_in_the_queue_is_pending(inputs: PlannerInputs) -> None:
    query, _ = planned(inputs, "how many jobs are stuck in the queue")
    assert query.metrics == ["pending_jobs"]


def test_state_words_outside_jobs_are_not_job_states(inputs: PlannerInputs) -> None:
    p = ask(inputs, "how many gpus died last week")
    assert not (p.kind == "query" and p.query is not None and ("failed_jobs" in p.query.metrics or states(p.query)))


def test_a_follow_up_to_a_job_question_reads_the_verbs_as_states(inputs: PlannerInputs) -> None:
    previous = MetricQuery(metrics=["jobs"], time_range={"start": "2026-11-16", "end": "2026-11-23"})
    query, _ = planned(inputs, "and how many crashed?", previous)
    assert query.metrics == ["failed_jobs"]


@pytest.mark.parametrize("q", ["gpu hours used by jobs last week", "how many gpu hours did jobs use last week",
                               "jobs' accelerator hours last week", "gpu hours by user last week"])
def test_gpu_hours_of_jobs_are_the_jobs_own_hours(inputs: PlannerInputs, q: str) -> None:
    query, plan = planned(inputs, q)
    assert query.metrics == ["job_accelerator_hours"]
    assert any("jobs' own accelerator-hours" in n for n in plan.notes)


def test_gpu_hours_by_team_stay_the_fleets(inputs: PlannerInputs) -> None:
    query, _ = planned(inputs, "gpu hours by team last week")
    assert query.metrics == ["allocated_hours"]


def test_an_ml_run_is_a_job(inputs: PlannerInputs) -> None:
    query, plan = planned(inputs, "how many of our runs crashed last week")
    assert query.metrics == ["failed_jobs"] and any("a run is one Slurm job" in n for n in plan.notes)


def test_a_question_already_rewritten_to_a_job_metric_is_still_about_jobs() -> None:
    """Another rule may have named the metric ('job_duration_avg_hours that succeeded'): its state words are still read."""
    from assistant.planner.job_words import about_jobs

    assert about_jobs("job_duration_avg_hours that succeeded last week")


@pytest.mark.parametrize("q", ["top user by gpu hours last week", "the user with the most accelerator hours last week"])
def test_ranking_users_by_gpu_hours_ranks_their_jobs_hours(inputs: PlannerInputs, q: str) -> None:
    query, _ = planned(inputs, q)
    assert query.metrics == ["job_accelerator_hours"] and [g.dimension for g in query.group_by] == ["user"]


@pytest.mark.parametrize(("said", "hours"), [("ran longer than 24 hours", 24.0), ("that ran for more than 2 days", 48.0),
                                             ("running over 90 minutes", 1.5), ("with a wall time over 36h", 36.0)])
def test_a_run_time_threshold_is_the_thresholded_count_with_that_parameter(said: str, hours: float) -> None:
    """'Jobs that ran longer than N hours': a per-job filter on run time, the threshold set as the metric's parameter."""
    from assistant.planner.job_words import THRESHOLD_METRIC, with_readings, state_words

    text, readings = state_words(f"how many jobs {said} last week")
    assert "jobs over run hours" in text
    plan = PlannerPlan(kind="query", query=MetricQuery(metrics=[THRESHOLD_METRIC]))
    out = with_readings(plan, [], readings)
    assert out.query is not None and out.query.parameters == {"min_run_hours": hours}
    assert any(f"over {hours:g} hours" in n for n in out.notes)


def test_long_running_without_a_threshold_is_not_given_one() -> None:
    from assistant.planner.job_words import state_words

    assert "over run hours" not in state_words("how many long-running jobs last week")[0]


@pytest.mark.parametrize("q", ["how many jobs did we kill last week", "how many jobs did atlas cancel last week"])
def test_a_present_tense_verb_is_the_state_not_a_typo(inputs: PlannerInputs, q: str) -> None:
    """'kill' is no typo of 'bill': in a job question it is scancel's verb."""
    query, _ = planned(inputs, q)
    assert query.metrics == ["jobs"] and states(query) == ["cancelled"]


def test_the_failed_code_is_the_failed_state_only(inputs: PlannerInputs) -> None:
    """'state F' names Slurm's FAILED alone: never the failed-jobs count, which adds TIMEOUT, OUT_OF_MEMORY, NODE_FAIL..."""
    query, _ = planned(inputs, "how many jobs with state F last week")
    assert query.metrics == ["jobs"] and states(query) == ["failed"]


def test_a_job_metric_named_by_its_catalog_name_is_about_jobs(inputs: PlannerInputs) -> None:
    from assistant.planner.job_words import about_jobs

    assert about_jobs("job_accelerator_hours that got bumped last week", inputs.catalog)
    assert not about_jobs("allocated_hours that died last week", inputs.catalog)
