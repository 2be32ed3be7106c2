"""Coverage of what people ask, on the demo warehouse: commitments, means and medians, top-N of attributed groups."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.words import ALIASES
from semantic_layer.catalog import Catalog, load_catalog
from semantic_layer.engine import Engine
from semantic_layer.query import GroupBy, MetricQuery, OrderBy, TimeRange

OCTOBER = TimeRange(start=datetime(2026, 10, 1), end=datetime(2026, 11, 1))


@pytest.fixture(scope="module")
def catalog(engine: Engine) -> Catalog:
    return load_catalog().with_values(engine)


@pytest.fixture(scope="module")
def inputs(catalog: Catalog) -> PlannerInputs:
    return PlannerInputs(catalog=catalog, lexicon=Lexicon.from_catalog(catalog, ALIASES), today=date(2026, 11, 23))


def test_a_top_n_never_spends_a_slot_on_the_unattributed_group(catalog: Catalog, engine: Engine) -> None:
    ranked = MetricQuery(metrics=["effective_cost_usd"], group_by=[GroupBy(dimension="team")],
                         order_by=[OrderBy(field="effective_cost_usd")], time_range=OCTOBER)
    everyone = engine.run_query(catalog, ranked).rows
    top3 = engine.run_query(catalog, ranked.model_copy(update={"limit": 3})).rows
    assert any(r[0] is None for r in everyone[:3])  # unattributed cost would rank in the top 3 ...
    assert len(top3) == 3 and all(r[0] is not None for r in top3)  # ... but the top 3 are teams
    assert [r[0] for r in top3] == [r[0] for r in everyone if r[0] is not None][:3]


def test_commitment_utilization_is_the_used_share_of_commitment_cost(catalog: Catalog, engine: Engine) -> None:
    q = MetricQuery(metrics=["commitment_utilization_pct", "unused_commitment_cost_usd"], time_range=OCTOBER)
    util, unused = engine.run_query(catalog, q).rows[0]
    assert 0 <= util <= 100 and unused >= 0
    assert (util < 100) == (unused > 0)


@pytest.mark.parametrize(
    ("question", "metric"),
    [("commitment utilization last month", "commitment_utilization_pct"),  # not accelerator utilization
     ("unused commitments last month", "unused_commitment_cost_usd"),
     ("average job duration by team last week", "job_duration_avg_hours"),
     ("median job duration by team last week", "job_duration_p50_hours"),
     ("average queue wait last week", "queue_wait_avg_minutes"),  # not the median
     ("median time to resolve incidents last month", "resolve_time_p50_hours"),
     ("hours over quota by team last week", "over_quota_hours"),  # not quota hours
     ("idle gpu spend last week", "idle_cost_usd"),  # not idle hours plus total spend
     ("installed capacity by cluster last month", "installed_accelerators"),
     ("how many gpus do we have", "installed_accelerators"),
     ("capacity utilization by cluster last month", "capacity_allocated_pct")],  # not accelerator busy time
)
def test_what_people_ask_reaches_the_metric_that_answers_it(inputs: PlannerInputs, question: str, metric: str) -> None:
    inputs.previous = None
    p = plan_offline(question, inputs)
    assert p.kind == "query" and p.query and p.query.metrics == [metric], p


def test_installed_capacity_is_the_pools_accelerators_and_bounds_allocation(catalog: Catalog, engine: Engine) -> None:
    q = MetricQuery(metrics=["installed_accelerators", "installed_capacity_hours", "allocated_hours", "capacity_allocated_pct"],
                    group_by=[GroupBy(dimension="cluster")], time_range=OCTOBER)
    for _cluster, installed, capacity_hours, allocated, pct in engine.run_query(catalog, q).rows:
        assert installed > 0 and capacity_hours >= installed
        assert allocated <= capacity_hours * (1 + 1e-9)  # nothing allocates more than is installed
        assert pct == pytest.approx(100 * allocated / capacity_hours)


def test_attributed_cost_adds_up_to_effective_cost(catalog: Catalog, engine: Engine) -> None:
    total = engine.run_query(catalog, MetricQuery(metrics=["effective_cost_usd", "attributed_cost_usd"], time_range=OCTOBER)).rows[0]
    assert total[1] == pytest.approx(total[0], rel=1e-9)
    for dim in ("workload_type", "endpoint", "model"):
        rows = engine.run_query(catalog, MetricQuery(metrics=["attributed_cost_usd"], group_by=[GroupBy(dimension=dim)],
                                                     time_range=OCTOBER)).rows
        assert sum(r[1] for r in rows) == pytest.approx(total[0], rel=1e-9) and any(r[0] is not None for r in rows)


@pytest.mark.parametrize(("question", "dim"), [("cost by workload type last month", "workload_type"),
                                               ("spend per endpoint last month", "endpoint"),
                                               ("what did each model cost last month", "model")])
def test_cost_split_by_workload_endpoint_or_model_is_attributed_cost_and_says_so(inputs: PlannerInputs, question: str, dim: str) -> None:
    inputs.previous = None
    p = plan_offline(question, inputs)
    assert p.kind == "query" and p.query and p.query.metrics == ["attributed_cost_usd"]
    assert [g.dimension for g in p.query.group_by] == [dim]
    assert any("Attributed cost" in n for n in p.notes)
