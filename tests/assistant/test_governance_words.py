"""Governance, quota and incident questions in people's words, on a small catalog (planner/governance_words.py).

Each test proves one rule: severity levels however written, request outcomes in plain English, a bare
noun read as the rows the question's attribute applies to, a value that names what is counted, an
attribute value before its metric, 'who' as the owning team, two readings that ask, and records pace
lacks said as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest

from assistant.planner.governance_words import NAMES, _severity_names
from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, ask, measured_metric

AS_OF = [date(2026, 11, 23), date(2026, 6, 1)]


@dataclass
class GovCatalog(MeasuredCatalog):
    sources: dict[str, set[str]] = field(default_factory=dict)

    def dimensions_for(self, metric: str) -> list[str]:
        m = self.metrics[metric]
        facts = {self.measures[n].entity for n in (getattr(m, "measure", None), getattr(m, "numerator", None)) if n in self.measures}
        return ["time", *(d for d, where in self.sources.items() if facts & where)]


def _dim(name: str, synonyms: list[str], values: list[str], *entities: str) -> FakeDimension:
    d = FakeDimension(name, name.replace("_", " ").capitalize(), synonyms, values=values)
    d.sources = [SimpleNamespace(entity=e) for e in entities]  # type: ignore[attr-defined]
    return d


def gov_catalog() -> GovCatalog:
    m = measured_metric
    metrics = [
        m("incidents", "Incidents", ["outages", "pages"], "incident_count", "count"),
        m("mttr_hours", "MTTR", ["mttr", "time to resolve"], "resolve_avg", "hours"),
        m("escalated_incidents", "Incidents escalated", ["escalated beyond tier 1"], "escalated_count", "count"),
        m("tier3_escalations", "Incidents escalated to tier 3", ["escalated to engineering", "incidents escalated to engineering"], "tier3_count", "count"),
        m("requests_submitted", "Compute requests submitted", ["compute requests"], "request_count", "count"),
        m("requests_denied", "Requests denied", ["denied requests"], "denied_count", "count"),
        m("requests_pending", "Requests pending", ["pending requests", "awaiting approval"], "pending_count", "count"),
        m("accelerators_requested", "Accelerators requested", ["gpus requested", "asked for"], "accel_requested", "count"),
        m("over_quota_hours", "Over-quota accelerator-hours", ["over quota"], "over_quota", "accelerator-hours"),
        m("quota_accelerator_hours", "Guaranteed quota", ["quota", "guaranteed quota"], "quota_hours", "accelerator-hours"),
        m("approval_rate_pct", "Approval rate", ["approval rate"], "", "%", kind="ratio"),
        m("inference_requests", "Inference requests", ["requests"], "serving_requests", "count"),
    ]
    for metric in metrics:
        metric.higher_is_better = False
    rate = next(x for x in metrics if x.name == "approval_rate_pct")
    rate.numerator, rate.denominator = "pending_count", "decided_count"  # type: ignore[attr-defined]
    measures = [
        Measure("incident_count", "incidents", "count"), Measure("resolve_avg", "incidents", "avg", "resolve_hours"),
        Measure("escalated_count", "incidents", "count", "escalations > 0"),
        Measure("tier3_count", "incidents", "count", "escalated_to_tier3"), Measure("request_count", "compute_requests", "count"),
        Measure("denied_count", "compute_requests", "count", "status = 'denied'"),
        Measure("pending_count", "compute_requests", "count", "status = 'submitted'"),
        Measure("accel_requested", "compute_requests", "sum", "accelerators_requested"),
        Measure("over_quota", "quota_hourly", "sum", "greatest(allocated - guaranteed, 0)"),
        Measure("quota_hours", "quota_hourly", "sum", "guaranteed"), Measure("decided_count", "compute_requests", "count", "decided"),
        Measure("serving_requests", "serving_hourly", "sum", "requests"),
    ]
    dims = [
        _dim("team", ["teams"], ["atlas", "orion", "vega"], "incidents", "compute_requests", "quota_hourly", "serving_hourly"),
        _dim("severity", ["sev"], ["SEV1", "SEV2", "SEV3", "SEV4"], "incidents"),
        _dim("category", ["incident type"], ["hardware", "network"], "incidents"),
        _dim("resolved_tier", ["tier", "support tier"], [1, 2, 3], "incidents"),
        _dim("request_status", ["status"], ["submitted", "denied", "approved"], "compute_requests"),
        _dim("priority", ["urgency"], ["urgent", "normal"], "compute_requests"),
        _dim("accelerator_type", ["gpu", "hardware"], ["H100", "A100"], "incidents", "compute_requests", "quota_hourly"),
        FakeDimension("time", "Time", ["date"], kind="time"),
    ]
    sources = {d.name: {s.entity for s in getattr(d, "sources", [])} for d in dims}
    return GovCatalog({x.name: x for x in metrics}, {d.name: d for d in dims}, [], {x.name: x for x in measures}, sources)


@pytest.fixture(params=AS_OF, ids=lambda d: d.isoformat())
def inputs(request: pytest.FixtureRequest) -> PlannerInputs:
    cat = gov_catalog()
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=request.param)


def query(inputs: PlannerInputs, q: str):
    plan = ask(inputs, q)
    assert plan.kind == "query" and plan.query is not None, (q, plan)
    return plan


def filters(plan) -> dict[str, list]:
    return {f.dimension: f.values for f in plan.query.filters}


def test_every_way_of_writing_a_severity_level_is_that_level() -> None:
    assert {"SEV1", "sev 1", "sev-1", "sev-1s", "severity 1", "p1", "p1s", "sev1s"} <= set(_severity_names(1))
    assert all(group[0] == f"SEV{n}" for n, group in enumerate(NAMES[:5], start=1))


@pytest.mark.parametrize("said", ["sev 2", "sev-2", "SEV2", "severity 2", "P2"])
def test_a_severity_level_filters_the_incidents_however_written(inputs: PlannerInputs, said: str) -> None:
    plan = query(inputs, f"how many {said} incidents last month")
    assert plan.query.metrics == ["incidents"] and filters(plan) == {"severity": ["SEV2"]}


@pytest.mark.parametrize("q", ["how many sev-1s last month", "how many P1s last month", "sev1s last week"])
def test_a_severity_alone_counts_the_incidents_of_that_level(inputs: PlannerInputs, q: str) -> None:
    plan = query(inputs, q)
    assert plan.query.metrics == ["incidents"] and filters(plan) == {"severity": ["SEV1"]}
    assert any("Counted as incidents" in n for n in plan.notes)


@pytest.mark.parametrize("word", ["rejected", "declined", "turned down"])
def test_a_turned_down_request_is_a_denied_one(inputs: PlannerInputs, word: str) -> None:
    plan = query(inputs, f"how many requests got {word} last month")
    assert plan.query.metrics == ["requests_denied"] and not plan.query.filters  # the dedicated count, not inference traffic


def test_bare_requests_with_a_request_attribute_are_compute_requests(inputs: PlannerInputs) -> None:
    plan = query(inputs, "how many urgent requests last month")
    assert plan.query.metrics == ["requests_submitted"] and filters(plan) == {"priority": ["urgent"]}
    assert any("inference requests" in n for n in plan.notes)
    assert query(inputs, "how many requests last month").query.metrics == ["inference_requests"]  # no attribute: serving traffic


def test_bare_requests_beside_a_request_metric_are_its_population(inputs: PlannerInputs) -> None:
    assert query(inputs, "how many requests are awaiting approval").query.metrics == ["requests_pending"]


def test_an_incident_attribute_value_before_the_metric_filters_it(inputs: PlannerInputs) -> None:
    plan = query(inputs, "how many hardware incidents last month")  # 'hardware' also names the accelerator type
    assert filters(plan) == {"category": ["hardware"]} and not plan.query.group_by
    ranked = query(inputs, "who had the most hardware outages last month")
    assert filters(ranked) == {"category": ["hardware"]} and [g.dimension for g in ranked.query.group_by] == ["team"]


def test_who_ranks_the_owning_team_not_the_thing_counted(inputs: PlannerInputs) -> None:
    plan = query(inputs, "who asked for the most GPUs last month")
    q = plan.query
    assert [g.dimension for g in q.group_by] == ["team"] and q.limit == 1 and q.order_by[0].descending
    named = query(inputs, "who had the most outages by category last month").query  # a list the question names is kept
    assert [g.dimension for g in named.group_by] == ["category"]


def test_who_without_a_ranking_lists_the_teams_that_had_any(inputs: PlannerInputs) -> None:
    q = query(inputs, "who is over quota last week").query
    assert [g.dimension for g in q.group_by] == ["team"] and q.positive_only and q.order_by[0].descending


def test_who_outside_requests_incidents_and_quotas_is_left_to_the_ranking(inputs: PlannerInputs) -> None:
    plan = ask(inputs, "who served the most requests last week")  # serving traffic: ranking's own 'who', not this rule
    assert not any("owning team" in n for n in plan.notes)


def test_escalated_alone_asks_which_tier(inputs: PlannerInputs) -> None:
    plan = ask(inputs, "how many incidents were escalated last month")
    assert plan.kind == "clarify" and plan.replaces == "escalated" and len(plan.options) == 2
    assert ask(inputs, "incidents that got escalated last month").kind == "clarify"  # the verb alone, not beside a metric phrase
    assert query(inputs, "how many incidents escalated beyond tier 1 last month").query.metrics == ["escalated_incidents"]
    assert query(inputs, "incidents escalated to engineering last month").query.metrics == ["tier3_escalations"]


def test_critical_incidents_ask_which_severity(inputs: PlannerInputs) -> None:
    plan = ask(inputs, "how many critical incidents last month")
    assert plan.kind == "clarify" and plan.replaces == "critical" and plan.options == ["SEV1", "major"]


@pytest.mark.parametrize(("q", "what"), [("how many postmortems did we write last month", "postmortems"),
                                         ("who is on call this week", "on-call schedules")])
def test_incident_records_pace_lacks_are_named(inputs: PlannerInputs, q: str, what: str) -> None:
    plan = ask(inputs, q)
    assert plan.kind == "abstain" and f"pace has no {what}" in plan.message


@pytest.mark.parametrize("q", ["tier 3 incidents last month", "how many incidents were resolved by tier 3 last month"])
def test_a_number_after_a_numbered_attribute_is_its_value(inputs: PlannerInputs, q: str) -> None:
    plan = query(inputs, q)
    assert plan.query.metrics == ["incidents"] and filters(plan) == {"resolved_tier": [3]} and not plan.query.group_by


def test_beyond_a_tier_is_not_that_tier(inputs: PlannerInputs) -> None:
    plan = query(inputs, "how many incidents escalated beyond tier 1 last month")
    assert plan.query.metrics == ["escalated_incidents"] and "resolved_tier" not in filters(plan)


def test_a_count_of_the_rows_another_metric_is_about_is_not_a_second_metric(inputs: PlannerInputs) -> None:
    plan = query(inputs, "mttr for sev-1 incidents last quarter")
    assert plan.query.metrics == ["mttr_hours"] and filters(plan) == {"severity": ["SEV1"]}
    assert set(query(inputs, "mttr and incidents last month").query.metrics) == {"mttr_hours", "incidents"}  # 'and': both


def test_an_attribute_value_after_the_metric_filters_it_too(inputs: PlannerInputs) -> None:
    plan = query(inputs, "mttr hardware last month")  # how a duration rewrite leaves 'time to resolve hardware incidents'
    assert plan.query.metrics == ["mttr_hours"] and filters(plan) == {"category": ["hardware"]}


def test_a_rate_over_bare_requests_is_the_rate_of_compute_requests(inputs: PlannerInputs) -> None:
    plan = query(inputs, "what's the approval rate for urgent requests last month")
    assert plan.query.metrics == ["approval_rate_pct"] and filters(plan) == {"priority": ["urgent"]}


def test_a_count_of_guaranteed_accelerators_is_not_answered_with_quota_hours(inputs: PlannerInputs) -> None:
    plan = ask(inputs, "how many GPUs does atlas have guaranteed")
    assert plan.kind == "abstain" and "accelerator-hours" in plan.message


def test_an_outcome_word_on_a_metric_without_request_status_keeps_its_plain_sense(inputs: PlannerInputs) -> None:
    plan = query(inputs, "have outages declined since last month")  # a change, not the governance status 'denied'
    assert plan.query.metrics == ["incidents"] and "request_status" not in filters(plan)
    assert query(inputs, "how many requests were declined last month").query.metrics == ["requests_denied"]
