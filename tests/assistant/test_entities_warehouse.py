"""The entity mechanisms on the demo warehouse: a list of GPUs is as long as the count, and spend per GPU is
the spend over the GPU count of the same period and filters (one query, so the two sides agree)."""

from __future__ import annotations

from datetime import datetime

import pytest

from semantic_layer.catalog import Catalog, load_catalog
from semantic_layer.engine import Engine
from semantic_layer.query import Filter, GroupBy, MetricQuery, TimeRange

DAY = TimeRange(start=datetime(2026, 11, 22), end=datetime(2026, 11, 23))
OCTOBER = TimeRange(start=datetime(2026, 10, 1), end=datetime(2026, 11, 1))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_the_gpus_listed_as_idle_all_day_are_as_many_as_the_count_and_none_is_zero(catalog: Catalog, engine: Engine) -> None:
    count = engine.run_query(catalog, MetricQuery(metrics=["gpus_idle_all_day"], time_range=DAY)).rows[0][0]
    every = MetricQuery(metrics=["gpus_idle_all_day"], group_by=[GroupBy(dimension="gpu_uuid")], time_range=DAY)
    listed = engine.run_query(catalog, every.model_copy(update={"positive_only": True})).rows
    assert 0 < len(listed) == count < len(engine.run_query(catalog, every).rows)
    assert all(r[1] > 0 for r in listed)


@pytest.mark.parametrize("filters", [[], [Filter(dimension="accelerator_type", values=["H100"])]])
def test_spend_per_gpu_is_the_spend_over_the_gpus_of_the_same_period_and_filters(catalog: Catalog, engine: Engine, filters: list) -> None:
    q = MetricQuery(metrics=["effective_cost_usd", "gpu_count"], per_count="gpu_count", time_range=OCTOBER, filters=filters)
    result = engine.run_query(catalog, q)
    row = dict(zip(result.columns, result.rows[0]))
    cost = engine.run_query(catalog, MetricQuery(metrics=["effective_cost_usd"], time_range=OCTOBER, filters=filters)).rows[0][0]
    gpus = engine.run_query(catalog, MetricQuery(metrics=["gpu_count"], time_range=OCTOBER, filters=filters)).rows[0][0]
    assert row["effective_cost_usd__per_gpu"] == pytest.approx(cost / gpus) and gpus > 0
