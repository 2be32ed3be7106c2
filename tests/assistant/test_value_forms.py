"""A dimension value answers to every way it is written and to its source's documented codes; a value
word two dimensions hold is settled by what the asked metric can be filtered by (planner.value_forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from assistant.planner.value_forms import absent_values, domain_values, spelled_codes
from semantic_layer.query import Filter, MetricQuery
from tests.assistant.fakes import FakeCatalog, FakeDimension, FakeMetric, ask

AS_OF = date(2026, 11, 23)
JOB_DIMS = {"team", "job_state", "time"}
REQUEST_DIMS = {"team", "request_status", "time"}


@dataclass
class ReachCatalog(FakeCatalog):
    """A catalog that knows which dimensions each metric can be split or filtered by."""

    reach: dict[str, set[str]] = field(default_factory=dict)

    def dimensions_for(self, metric: str) -> list[str]:
        return sorted(self.reach[metric])


def job_catalog(states: list[str]) -> ReachCatalog:
    metrics = [
        FakeMetric("jobs", "Jobs", ["job count", "number of jobs"]),
        FakeMetric("requests_submitted", "Compute requests", ["compute requests", "requests"]),
    ]
    dims = [
        FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]),
        FakeDimension("job_state", "Job state", ["state"], values=states),
        FakeDimension("request_status", "Request status", ["status"], values=["submitted", "approved", "cancelled"]),
        FakeDimension("time", "Time", ["date"], kind="time"),
    ]
    return ReachCatalog({m.name: m for m in metrics}, {d.name: d for d in dims},
                        reach={"jobs": JOB_DIMS, "requests_submitted": REQUEST_DIMS})


@pytest.fixture(scope="module")
def inputs() -> PlannerInputs:
    cat = job_catalog(["completed", "failed", "cancelled", "preempted", "out_of_memory", "node_fail"])
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=AS_OF)


@pytest.fixture(scope="module")
def four_states() -> PlannerInputs:
    """A generated warehouse: four of Slurm's states in the data."""
    cat = job_catalog(["completed", "failed", "cancelled", "preempted"])
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=AS_OF)


def state_filter(inputs: PlannerInputs, q: str) -> list[object]:
    p = ask(inputs, q)
    assert p.kind == "query" and p.query is not None, (q, p)
    return [v for f in p.query.filters if f.dimension == "job_state" for v in f.values]


@pytest.mark.parametrize("written", ["out_of_memory", "out-of-memory", "out of memory", "Out Of Memory", "OUT_OF_MEMORY"])
def test_a_value_is_matched_by_its_words_however_joined(inputs: PlannerInputs, written: str) -> None:
    assert state_filter(inputs, f"jobs in state {written} last week") == ["out_of_memory"]


@pytest.mark.parametrize("written", ["node_fail", "node-fail", "node fail", "NODE_FAIL"])
def test_every_value_with_an_underscore_is_matched_the_same_way(inputs: PlannerInputs, written: str) -> None:
    assert state_filter(inputs, f"jobs {written} by team last week") == ["node_fail"]


@pytest.mark.parametrize(("code", "state"), [("CA", "cancelled"), ("CD", "completed"), ("NF", "node_fail"), ("OOM", "out_of_memory"),
                                             ("F", "failed"), ("TO", "timeout"), ("PR", "preempted"), ("BF", "boot_fail"),
                                             ("DL", "deadline")])
def test_slurm_codes_after_a_state_word_name_the_state(inputs: PlannerInputs, code: str, state: str) -> None:
    said, notes = spelled_codes(f"how many jobs with state {code} last week")
    assert state.replace("_", " ") in said and notes and code in notes[0]


@pytest.mark.parametrize("q", ["jobs sent TO atlas", "what is F1", "how many DL jobs", "atlas's jobs", "jobs in CA", "is it R or S",
                               "open a PR"])
def test_codes_without_a_state_word_are_english_or_other_abbreviations(q: str) -> None:
    assert spelled_codes(q) == (q, [])


def test_squeue_column_form_is_a_state() -> None:
    assert spelled_codes("jobs with ST=PD on orion")[0] == "jobs in job state pending on orion"


def test_a_documented_state_the_data_lacks_is_still_that_state(four_states: PlannerInputs) -> None:
    """Asked for OUT_OF_MEMORY on a warehouse without one: the filter is that state, never another, and the answer says none are recorded."""
    p = ask(four_states, "how many jobs in state out of memory last week")
    assert p.kind == "query" and p.query is not None
    assert p.query.filters == [Filter(dimension="job_state", operator="=", values=["out_of_memory"])]
    assert any("No job in this warehouse" in n and "OUT_OF_MEMORY" in n and "completed" in n for n in p.notes)


def test_documented_domain_adds_ended_states_only() -> None:
    have = domain_values("job_state", FakeDimension("job_state", "Job state", values=["completed"]))
    assert {"timeout", "out_of_memory", "node_fail", "boot_fail", "deadline", "revoked"} <= set(have)
    assert not {"running", "pending"} & set(have)  # counted by the current-state metrics; 'running' is also a time verb
    assert domain_values("team", FakeDimension("team", "Team", values=["atlas"])) == ["atlas"]


def test_absent_note_only_for_values_the_data_lacks(four_states: PlannerInputs) -> None:
    held = MetricQuery(metrics=["jobs"], filters=[Filter(dimension="job_state", values=["failed"])])
    lacked = MetricQuery(metrics=["jobs"], filters=[Filter(dimension="job_state", values=["timeout"])])
    assert absent_values(held, four_states.catalog) == []
    assert "TIMEOUT" in absent_values(lacked, four_states.catalog)[0]


@pytest.mark.parametrize(("q", "dim"), [("how many jobs were cancelled last week", "job_state"),
                                        ("how many compute requests were cancelled last week", "request_status")])
def test_a_value_two_dimensions_hold_is_settled_by_the_metric(inputs: PlannerInputs, q: str, dim: str) -> None:
    p = ask(inputs, q)
    assert p.kind == "query" and p.query is not None, p
    assert [(f.dimension, f.values) for f in p.query.filters] == [(dim, ["cancelled"])]


def test_a_value_no_metric_settles_is_asked(inputs: PlannerInputs) -> None:
    """Two metrics, one per dimension: 'cancelled' could filter either, so the planner asks."""
    p = ask(inputs, "jobs and compute requests cancelled last week")
    assert p.kind == "clarify" and any("job_state" in o for o in p.options) and any("request_status" in o for o in p.options)


def test_a_code_after_status_is_the_job_state_not_a_request_status(inputs: PlannerInputs) -> None:
    """'status' alone also names a request's status: the code makes it a job state."""
    assert state_filter(inputs, "jobs with status CA last week") == ["cancelled"]
