"""Questions about the things themselves: "which GPUs ...", "list the teams that ...", "spend per GPU".

A small catalog with measures (sums, a count, a distinct count, a ratio) and what each metric can be
split by, so each test proves the rule for every entity and metric of a kind, on two as-of dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, measured_metric as _m

EVERYWHERE = {"time", "team", "cluster", "host", "gpu_uuid"}


@dataclass
class ReachCatalog(MeasuredCatalog):
    """A catalog that knows which dimensions each metric can be split by (as the real one does)."""

    reach: dict[str, set[str]] = field(default_factory=dict)

    def dimensions_for(self, metric: str) -> list[str]:
        return sorted(self.reach.get(metric, EVERYWHERE))


def catalog() -> ReachCatalog:
    measures = [Measure("cost", "costs", "sum"), Measure("energy", "alloc", "sum"), Measure("idle_days", "gpu_daily", "sum"),
                Measure("failed", "jobs", "count"), Measure("jobs", "jobs", "count"), Measure("gpus", "gpu", "count_distinct", "gpu_uuid"),
                Measure("util", "gpu", "sum"), Measure("over", "quota", "sum")]
    metrics = [_m("cost", "Effective cost", ["cost", "spend", "spending"], "cost", "USD"),
               _m("energy", "Energy", ["energy", "power draw"], "energy", "kWh"),
               _m("gpus_idle_all_day", "GPU-days idle all day", ["idle all day", "gpus idle all day"], "idle_days", "count"),
               _m("failed_jobs", "Failed jobs", ["failed jobs", "job failures", "jobs failed"], "failed", "count"),
               _m("jobs", "Jobs", ["jobs", "job count"], "jobs", "count"),
               _m("over_quota_hours", "Over-quota hours", ["over quota", "over quota hours"], "over", "accelerator-hours"),
               _m("gpu_count", "GPU count", ["gpu count", "number of gpus", "how many gpus"], "gpus", "count"),
               _m("gpu_util", "GPU utilization", ["gpu utilization", "gpu util"], "util", "%", kind="ratio")]
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion", "vega"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["east", "west"]),
            FakeDimension("host", "Host", ["hosts", "node", "nodes"]),
            FakeDimension("gpu_uuid", "GPU", ["gpu uuid", "gpu id"]),
            FakeDimension("pricing_category", "Pricing category", ["pricing category"], values=["Committed", "Standard"]),
            FakeDimension("time", "Time", kind="time")]
    reach = {"cost": {"time", "team", "cluster", "pricing_category"}, "energy": {"time", "team", "cluster"},
             "failed_jobs": {"time", "team", "cluster"}, "jobs": {"time", "team", "cluster"}, "over_quota_hours": {"time", "team"}}
    return ReachCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures}, reach)


@pytest.fixture(params=[date(2026, 11, 23), date(2026, 6, 1)], ids=lambda d: d.isoformat())
def today(request: pytest.FixtureRequest) -> date:
    return request.param


def plan(q: str, today: date) -> PlannerPlan:
    cat = catalog()
    return plan_offline(q, PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=today))


LISTS = [  # (question, metric, key): a plural 'which', a singular 'what', 'list/show the ... that'
    ("which gpus were idle all day yesterday", "gpus_idle_all_day", "gpu_uuid"),
    ("show me the devices that were idle all day last week", "gpus_idle_all_day", "gpu_uuid"),
    ("which nodes had gpus idle all day yesterday", "gpus_idle_all_day", "host"),
    ("which teams were over quota last week", "over_quota_hours", "team"),
    ("list the teams that had failed jobs last month", "failed_jobs", "team"),
    ("what clusters had job failures yesterday", "failed_jobs", "cluster"),
    ("which team had any spend on east last week", "cost", "team"),
]


@pytest.mark.parametrize("question,metric,key", LISTS)
def test_which_entities_lists_the_ones_that_meet_it_not_a_count(question: str, metric: str, key: str, today: date) -> None:
    p = plan(question, today)
    assert p.kind == "query" and p.query is not None, p.message
    q = p.query
    assert q.metrics == [metric] and q.positive_only
    assert [g.dimension for g in q.group_by][0] == key
    assert q.order_by[0].field == metric and q.order_by[0].descending
    assert q.limit is not None and any(f"at most {q.limit} rows" in n for n in p.notes)


@pytest.mark.parametrize("question", ["how many gpus were idle all day yesterday", "gpus idle all day yesterday",
                                      "failed jobs by team last week", "list teams by spend last month", "which teams spent the most last month"])
def test_a_count_a_plain_split_or_a_ranking_is_not_turned_into_a_list(question: str, today: date) -> None:
    p = plan(question, today)
    assert p.kind == "query" and p.query is not None
    assert not p.query.positive_only


def test_the_count_answers_how_many_and_the_list_answers_which_over_the_same_period(today: date) -> None:
    count, listed = plan("how many gpus were idle all day yesterday", today), plan("which gpus were idle all day yesterday", today)
    assert count.query is not None and listed.query is not None
    assert count.query.group_by == [] and count.query.time_range == listed.query.time_range
    assert [g.dimension for g in listed.query.group_by] == ["gpu_uuid"]


@pytest.mark.parametrize("question,noun", [("which jobs failed yesterday", "job"), ("which requests are still pending", "compute request")])
def test_a_thing_the_catalog_cannot_list_is_said_so_never_answered_with_its_count(question: str, noun: str, today: date) -> None:
    p = plan(question, today)
    assert p.kind == "abstain" and f"no {noun} identifier" in p.message


@pytest.mark.parametrize("question,filters", [("which jobs failed yesterday", []), ("which atlas jobs failed yesterday", [("team", ["atlas"])]),
                                              ("list the jobs that failed on east yesterday", [("cluster", ["east"])])])
def test_with_a_key_for_the_thing_the_same_question_lists_them_within_its_filters(question: str, filters: list, today: date) -> None:
    cat = catalog()
    cat.dimensions["job_id"] = FakeDimension("job_id", "Job", ["job id"])
    cat.reach["failed_jobs"] = cat.reach["failed_jobs"] | {"job_id"}
    p = plan_offline(question, PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=today))
    assert p.kind == "query" and p.query is not None, p.message
    assert p.query.metrics == ["failed_jobs"] and [g.dimension for g in p.query.group_by] == ["job_id"] and p.query.positive_only
    assert [(f.dimension, f.values) for f in p.query.filters] == filters


def test_a_list_of_things_the_metric_cannot_be_split_by_abstains(today: date) -> None:
    p = plan("which gpus went over quota last week", today)
    assert p.kind == "abstain" and "gpu_uuid" in p.message


@pytest.mark.parametrize("sum_metric,phrase", [("cost", "spend"), ("energy", "energy")])
def test_a_sum_per_gpu_is_divided_by_the_gpu_count_over_the_same_period_and_filters(sum_metric: str, phrase: str, today: date) -> None:
    p = plan(f"{phrase} per gpu on east last month", today)
    assert p.kind == "query" and p.query is not None, p.message
    q = p.query
    assert q.metrics == [sum_metric, "gpu_count"] and q.per_count == "gpu_count"
    assert [(f.dimension, f.values) for f in q.filters] == [("cluster", ["east"])] and not q.group_by
    assert any(n.startswith("Per GPU:") and "gpu count" in n for n in p.notes)


def test_a_sum_per_gpu_by_team_divides_within_each_team(today: date) -> None:
    p = plan("spend per gpu by team last month", today)
    assert p.kind == "query" and p.query is not None
    assert p.query.per_count == "gpu_count" and [g.dimension for g in p.query.group_by] == ["team"]


def test_a_sum_per_job_names_the_count_too_and_is_divided_not_refused(today: date) -> None:
    p = plan("energy per job last week", today)
    assert p.kind == "query" and p.query is not None, p.message
    assert p.query.metrics == ["energy", "jobs"] and p.query.per_count == "jobs"


def test_a_ratio_per_gpu_is_the_ratio_for_each_gpu(today: date) -> None:
    p = plan("gpu utilization per gpu yesterday", today)
    assert p.kind == "query" and p.query is not None
    assert p.query.metrics == ["gpu_util"] and p.query.per_count is None
    assert [g.dimension for g in p.query.group_by] == ["gpu_uuid"]


def test_per_gpu_where_the_count_cannot_see_the_filter_offers_side_by_side_never_a_wrong_division(today: date) -> None:
    p = plan("spend per gpu for committed pricing last month", today)
    assert p.kind == "abstain" and "side by side" in p.message and "pricing_category" in p.message


def test_per_a_thing_nothing_counts_still_abstains(today: date) -> None:
    p = plan("spend per node last month", today)
    assert p.kind == "abstain" and p.query is None


@pytest.mark.parametrize("noun", ["gpu type", "gpu hour", "gpu uuid"])
def test_a_noun_that_names_a_kind_or_a_quantity_is_not_a_thing_to_count(noun: str) -> None:
    from assistant.planner.entities import listed_entity

    assert listed_entity(f"which {noun} had the most spend") is None


def test_a_count_split_by_one_gpu_lists_the_gpus_that_had_any_and_an_amount_keeps_its_zeros(today: date) -> None:
    count = plan("gpus idle all day by gpu uuid yesterday", today)
    assert count.kind == "query" and count.query is not None and count.query.positive_only
    assert any("count above zero" in n for n in count.notes)
    amount = plan("energy by team last week", today)
    assert amount.kind == "query" and amount.query is not None and not amount.query.positive_only
    by_team = plan("failed jobs by team last week", today)  # a team with no failures is an answer, not noise
    assert by_team.query is not None and not by_team.query.positive_only


@pytest.mark.parametrize("question", ["gpus idle all day yesterday per gpu uuid", "gpu utilization per gpu id last week"])
def test_per_the_things_own_key_is_the_split_by_it_never_a_word_ignored(question: str, today: date) -> None:
    p = plan(question, today)
    assert p.kind == "query" and p.query is not None and p.query.per_count is None
    assert [g.dimension for g in p.query.group_by] == ["gpu_uuid"]
    assert not any("Ignored" in n for n in p.notes)
    assert plan("energy per gpu id last week", today).kind == "abstain"  # energy has no per-GPU data: said, not divided


@pytest.mark.parametrize("question,desc", [("which team had the highest spend per gpu last month", True),
                                           ("which team had the lowest energy per gpu last week", False)])
def test_a_ranking_per_gpu_ranks_the_value_per_gpu_not_the_total_divided(question: str, desc: bool, today: date) -> None:
    p = plan(question, today)
    assert p.kind == "query" and p.query is not None and p.query.per_count == "gpu_count" and p.query.limit == 1
    metric = p.query.metrics[0]
    assert [(o.field, o.descending) for o in p.query.order_by] == [(f"{metric}__per_gpu", desc)]
