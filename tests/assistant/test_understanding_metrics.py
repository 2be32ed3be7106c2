"""Never substitute: the statistic, the unit and every qualifying word of a metric are honoured or the planner asks.

A small catalog with measures (like the real one): the same queue-wait expression as a median and,
in one variant, as a mean; money and hour metrics that share a subject (idle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan
from tests.assistant.fakes import FakeDimension, FakeMetric, Measure, MeasuredCatalog, measured_metric as _m


def catalog(with_mean: bool) -> MeasuredCatalog:
    measures = [Measure("qw_p50", "jobs", "p50", "queue_wait_minutes"), Measure("qw_avg", "jobs", "avg", "queue_wait_minutes"),
                Measure("job_count", "jobs", "count"), Measure("idle_hours", "util", "sum", "idle_hours"),
                Measure("idle_cost", "util", "sum", "idle_hours * price"), Measure("cost", "cost", "sum", "EffectiveCost"),
                Measure("util", "util", "sum", "busy"), Measure("quota", "quota", "sum", "guaranteed"),
                Measure("over_quota", "quota", "sum", "greatest(allocated - guaranteed, 0)")]
    metrics = [_m("queue_wait_p50_minutes", "Median queue wait", ["queue wait", "median queue wait"], "qw_p50", "minutes"),
               _m("jobs", "Jobs", ["job count", "number of jobs"], "job_count", "count"),
               _m("idle_hours", "Idle accelerator-hours", ["idle", "idle hours"], "idle_hours", "accelerator-hours"),
               _m("idle_cost_usd", "Idle cost", ["idle cost", "cost of idle"], "idle_cost", "USD"),
               _m("effective_cost_usd", "Effective cost", ["cost", "spend"], "cost", "USD"),
               _m("utilization_pct", "Utilization", ["utilization"], "util", "%"),
               _m("quota_hours", "Quota", ["quota"], "quota", "accelerator-hours"),
               _m("over_quota_hours", "Over-quota hours", ["over quota", "quota overage"], "over_quota", "accelerator-hours")]
    if with_mean:
        metrics.append(_m("queue_wait_avg_minutes", "Mean queue wait", ["mean queue wait"], "qw_avg", "minutes"))
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion"]), FakeDimension("time", "Time", kind="time")]
    return MeasuredCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures})


def plan(q: str, with_mean: bool = True) -> PlannerPlan:
    cat = catalog(with_mean)
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    return plan_offline(q, inp)


@pytest.mark.parametrize("word", ["average", "mean", "avg"])
def test_a_mean_is_answered_with_the_mean_never_the_median(word: str) -> None:
    p = plan(f"{word} queue wait by team last week")
    assert p.kind == "query" and p.query and p.query.metrics == ["queue_wait_avg_minutes"]


def test_without_a_mean_in_the_catalog_it_says_which_statistic_exists_and_asks() -> None:
    p = plan("average queue wait last week", with_mean=False)
    assert p.kind == "clarify" and p.query is None
    assert "median" in p.message and p.options == ["Median queue wait"]


def test_median_of_a_total_is_not_answered_with_the_total() -> None:
    p = plan("median spend by team last week")
    assert p.kind == "abstain" and p.query is None and "total" in p.message


def test_the_statistic_a_metric_already_is_needs_nothing_more() -> None:
    p = plan("median queue wait last week")
    assert p.kind == "query" and p.query and p.query.metrics == ["queue_wait_p50_minutes"]


def test_over_quota_is_never_answered_with_quota() -> None:
    p = plan("hours over quota by team last week")
    assert p.kind == "query" and p.query and p.query.metrics == ["over_quota_hours"]


@pytest.mark.parametrize("question", ["commitment utilization last month", "how long do jobs run last week",
                                      "incidents caused by expired credentials last month"])
def test_a_word_qualifying_the_metric_that_cannot_be_placed_abstains_instead_of_being_ignored(question: str) -> None:
    p = plan(question)
    assert p.kind in ("abstain", "clarify") and p.query is None, p


@pytest.mark.parametrize(("question", "metric"), [("idle hours in dollars by team last week", "idle_cost_usd"),
                                                  ("idle gpu spend last week", "idle_cost_usd")])
def test_a_unit_or_money_word_picks_the_metric_of_that_subject_in_that_unit_and_says_so(question: str, metric: str) -> None:
    p = plan(question)
    assert p.kind == "query" and p.query and p.query.metrics == [metric]
    assert any("Idle cost" in n for n in p.notes)


def test_two_metrics_joined_by_and_stay_two() -> None:
    p = plan("idle hours and spend by team last week")
    assert p.query and p.query.metrics == ["idle_hours", "effective_cost_usd"]


def test_a_unit_that_matches_is_understood_and_one_that_cannot_is_refused_honestly() -> None:
    assert plan("spend in dollars by team last week").query.metrics == ["effective_cost_usd"]  # type: ignore[union-attr]
    p = plan("queue wait in dollars last week")
    assert p.kind == "abstain" and "minutes" in p.message


def test_presentation_words_change_nothing() -> None:
    p = plan("utilization as a daily series last month")
    assert p.kind == "query" and p.query and p.query.group_by[0].grain == "day" and not p.notes[1:]


@dataclass
class ReachCatalog(MeasuredCatalog):
    reach: dict[str, set[str]] = field(default_factory=dict)

    def dimensions_for(self, metric: str) -> set[str]:
        return self.reach[metric]


def test_a_split_the_metric_lacks_is_answered_by_the_metric_that_splits_it_and_says_so() -> None:
    base = catalog(with_mean=False)
    attributed = _m("attributed_cost_usd", "Attributed cost", ["attributed cost"], "cost", "USD", "Cost split by usage.")
    attributed.split_of = ["effective_cost_usd"]  # type: ignore[attr-defined]
    metrics = {**base.metrics, "attributed_cost_usd": attributed}
    dims = {**base.dimensions, "workload_type": FakeDimension("workload_type", "Workload type", ["workload"], values=["training"]),
            "cluster": FakeDimension("cluster", "Cluster", values=["east"])}
    reach = {n: {"team", "time"} for n in metrics} | {"attributed_cost_usd": {"team", "time", "workload_type"}}
    cat = ReachCatalog(metrics, dims, [], base.measures, reach)
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    p = plan_offline("spend by workload last week", inp)
    assert p.kind == "query" and p.query and p.query.metrics == ["attributed_cost_usd"]
    assert any("Attributed cost" in n and "workload_type" in n for n in p.notes)
    q = plan_offline("training spend last week", inp).query
    assert q and q.metrics == ["attributed_cost_usd"] and q.filters[0].values == ["training"]
    no = plan_offline("spend by cluster last week", inp)  # nothing splits cost by cluster here: say what is possible
    assert no.kind == "abstain" and "cluster" in no.message


def test_a_share_word_on_a_count_is_the_ratio_with_that_count_on_top() -> None:
    base = catalog(with_mean=False)
    approved = _m("requests_approved", "Requests approved", ["approved requests", "approvals"], "approved", "count")
    rate = FakeMetric("approval_rate_pct", "Approval rate", ["approval rate"], unit="%", kind="ratio",
                      description="Approved as a share of decided requests.")
    rate.numerator = "approved"  # type: ignore[attr-defined]
    metrics = {**base.metrics, approved.name: approved, rate.name: rate}
    measures = {**base.measures, "approved": Measure("approved", "requests", "count", "status = 'approved'")}
    cat = MeasuredCatalog(metrics, base.dimensions, [], measures)
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    p = plan_offline("what share of decided requests were approved requests last week", inp)
    assert p.kind == "query" and p.query and p.query.metrics == ["approval_rate_pct"]
    assert any("share" in n for n in p.notes)
    q = plan_offline("what share of idle hours last week", inp)  # no ratio has idle hours on top: never a guess
    assert q.kind == "abstain"


def test_a_ratio_of_two_metrics_uses_the_catalogs_scaled_ratio_when_one_is_defined() -> None:
    base = catalog(with_mean=False)
    tokens = _m("tokens", "Tokens", ["tokens"], "tokens", "tokens")
    per_m = FakeMetric("cost_per_1m_tokens_usd", "Cost per 1M tokens", ["token cost"], unit="USD", kind="derived")
    per_m.expr = "1000000 * effective_cost_usd / tokens"  # type: ignore[attr-defined]
    metrics = {**base.metrics, tokens.name: tokens, per_m.name: per_m}
    cat = MeasuredCatalog(metrics, base.dimensions, [], {**base.measures, "tokens": Measure("tokens", "serving", "sum", "tokens")})
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=date(2026, 11, 23))
    p = plan_offline("spend per tokens last week", inp)
    assert p.kind == "query" and p.query and p.query.metrics == ["cost_per_1m_tokens_usd"]
