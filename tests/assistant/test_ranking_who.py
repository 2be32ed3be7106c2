"""'Who' ranks the people who use the fleet: the owning team, or the user, or a question which.

Rule, on a small catalog that knows what each metric splits by, on two as-of dates: a ranking asked
with 'who' (or 'spender', 'consumer') and no list named ranks teams where the metric has teams and
no users; where it has both (jobs carry the submitting user) the planner asks which; where it has
neither, it asks what to rank. 'Who' never leaves the ranking word without a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from tests.assistant.fakes import FakeDimension, Measure, MeasuredCatalog, measured_metric as _m


@dataclass
class ReachCatalog(MeasuredCatalog):
    reach: dict[str, set[str]] = field(default_factory=dict)

    def dimensions_for(self, metric: str) -> list[str]:
        return sorted(self.reach[metric])


def catalog() -> ReachCatalog:
    measures = [Measure("cost", "costs", "sum"), Measure("hours", "alloc", "sum"), Measure("failed", "jobs", "count"),
                Measure("gpus", "gpu", "count_distinct", "gpu_uuid")]
    metrics = [_m("cost", "Effective cost", ["cost", "spend", "spending"], "cost", "USD"),
               _m("gpu_hours", "Allocated accelerator-hours", ["gpu hours", "accelerator hours"], "hours", "accelerator-hours"),
               _m("failed_jobs", "Failed jobs", ["failed jobs", "job failures"], "failed", "count"),
               _m("gpu_count", "GPU count", ["gpu count", "number of gpus"], "gpus", "count")]
    for m in metrics:
        m.higher_is_better = m.name != "cost"
    dims = [FakeDimension("team", "Team", ["teams"], values=["atlas", "orion", "vega"]),
            FakeDimension("user", "User", ["users"], values=["alice", "bob"]),
            FakeDimension("cluster", "Cluster", ["clusters"], values=["east", "west"]),
            FakeDimension("time", "Time", kind="time")]
    reach = {"cost": {"time", "team", "cluster"}, "gpu_hours": {"time", "team", "cluster"},
             "failed_jobs": {"time", "team", "user", "cluster"}, "gpu_count": {"time", "cluster"}}
    return ReachCatalog({m.name: m for m in metrics}, {d.name: d for d in dims}, [], {m.name: m for m in measures}, reach)


@pytest.fixture(params=[date(2026, 11, 23), date(2026, 6, 1)], ids=["mid-month", "monday-1st"])
def inputs(request: pytest.FixtureRequest) -> PlannerInputs:
    cat = catalog()
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=request.param)


@pytest.mark.parametrize(("question", "metric", "descending", "limit"), [
    ("who used the most gpu hours last week", "gpu_hours", True, 1),
    ("who spent the most last month", "cost", True, 1),
    ("who spent the least last month", "cost", False, 1),
    ("biggest spender last month", "cost", True, 1),
    ("who are the top 3 spenders last week", "cost", True, 3),
    ("who are the biggest spenders last month", "cost", True, 5),
])
def test_who_ranks_teams_where_only_teams_are_recorded(inputs: PlannerInputs, question: str, metric: str, descending: bool,
                                                       limit: int) -> None:
    plan = plan_offline(question, inputs)
    assert plan.kind == "query" and plan.query is not None, (plan.kind, plan.message)
    q = plan.query
    assert q.metrics == [metric]
    assert [(g.dimension, g.grain) for g in q.group_by] == [("team", None)]
    assert q.order_by[0].field == metric and q.order_by[0].descending is descending
    assert q.limit == limit


def test_who_asks_team_or_user_where_both_are_recorded(inputs: PlannerInputs) -> None:
    plan = plan_offline("who had the most failed jobs last week", inputs)
    assert plan.kind == "clarify" and plan.options == ["by team", "by user"]
    picked = plan_offline("who had the most failed jobs last week by user", inputs)
    assert picked.kind == "query" and picked.query is not None
    assert [g.dimension for g in picked.query.group_by] == ["user"] and picked.query.limit == 1


def test_who_over_a_metric_without_people_asks_what_to_rank(inputs: PlannerInputs) -> None:
    plan = plan_offline("who has the highest gpu count last week", inputs)
    assert plan.kind == "clarify" and "by team" not in plan.options and "by user" not in plan.options


def test_a_named_list_wins_over_who(inputs: PlannerInputs) -> None:
    plan = plan_offline("which cluster spent the most last month", inputs)
    assert plan.kind == "query" and plan.query is not None
    assert [g.dimension for g in plan.query.group_by] == ["cluster"]


def test_who_with_a_change_word_ranks_the_teams_by_the_change(inputs: PlannerInputs) -> None:
    plan = plan_offline("whose spend grew the most last month", inputs)
    assert plan.kind == "query" and plan.query is not None
    q = plan.query
    assert [g.dimension for g in q.group_by] == ["team"] and q.compare_to_previous
    assert [(o.field, o.descending) for o in q.order_by] == [("cost__change", True)] and q.limit == 1
