"""Parity: the catalog's metrics, the verified queries and the evals' gold SQL give the same rows on Spark.

Each case runs on the hardened DuckDB engine and on the Spark engine over the same data (the demo
warehouse and its Parquet export). Compiled queries always carry ORDER BY with tie-breaks, so their
rows are compared in order; gold SQL is compared in order when the case asks for an order. A subset
runs in `make test`; everything runs under the `spark_full` marker (`make test-spark`).
"""

from __future__ import annotations

from datetime import date

import pytest

from evals.cases import Case, load_cases
from evals.compare import has_top_level_order_by
from semantic_layer.catalog import Catalog, load_catalog
from semantic_layer.query import MetricQuery
from semantic_layer.spark_dialect import transpile_to_spark
from tests.spark.parity import diff

CATALOG: Catalog = load_catalog()
TODAY = "2026-11-23"  # the demo warehouse's as-of date (data ends 2026-11-23, exclusive)
PERIOD = {"start": date(2026, 10, 26), "end": date(2026, 11, 23)}
SUBSET_METRICS = {"utilization_pct", "effective_savings_rate_pct", "queue_wait_p95_minutes", "mttr_hours",
                  "cumulative_effective_cost_usd", "quota_used_pct", "approval_lead_time_hours"}
SUBSET_VERIFIED = {7, 8, 13, 14, 18, 24, 43}  # compare, week, month, top-N, cumulative, percentiles, date_diff
SUBSET_GOLD = {"util-wow", "spend-lastmonth", "queue-p95-by-cluster-lastmonth", "mttr-last30", "approval-rate-named-month",
               "fu-spend-team-top3", "over-quota-by-team-lastweek"}
ANSWERABLE: list[Case] = [c for c in load_cases() if c.expect == "answered" and c.gold_sql]  # tool cases carry no SQL


def _metric_query(name: str) -> MetricQuery:
    if CATALOG.metrics[name].kind == "cumulative":
        return MetricQuery(metrics=[name], group_by=[{"dimension": "time", "grain": "day"}], time_range=PERIOD)
    return MetricQuery(metrics=[name], group_by=[{"dimension": "team"}], time_range=PERIOD)


def _marks(in_subset: bool) -> list[pytest.MarkDecorator]:
    return [pytest.mark.spark] if in_subset else [pytest.mark.spark, pytest.mark.spark_full]


METRIC_PARAMS = [pytest.param(m, id=m, marks=_marks(m in SUBSET_METRICS)) for m in CATALOG.metrics]
VERIFIED_PARAMS = [pytest.param(i, id=f"vq{i}", marks=_marks(i in SUBSET_VERIFIED)) for i in range(len(CATALOG.verified_queries))]
GOLD_PARAMS = [pytest.param(c, id=c.id, marks=_marks(c.id in SUBSET_GOLD)) for c in ANSWERABLE]


def _same_on_both(query: MetricQuery, duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    catalog = CATALOG.with_values(duck_engine) if query.filters else CATALOG
    duck = duck_engine.run_query(catalog, query)
    spark = spark_engine.run_query(catalog, query)
    assert spark.columns == duck.columns
    assert duck.rows, "the parity case returns no rows on DuckDB; pick a period with data"
    problem = diff(duck.rows, spark.rows, ordered=True)
    assert problem is None, f"{problem}\nSpark SQL:\n{spark.sql}"


@pytest.mark.parametrize("metric", METRIC_PARAMS)
def test_metric_parity(metric: str, duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    _same_on_both(_metric_query(metric), duck_engine, spark_engine)


@pytest.mark.parametrize("index", VERIFIED_PARAMS)
def test_verified_query_parity(index: int, duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    _same_on_both(CATALOG.verified_queries[index].query_on(date.fromisoformat(TODAY))[0], duck_engine, spark_engine)


@pytest.mark.parametrize("case", GOLD_PARAMS)
def test_gold_sql_parity(case: Case, duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    """Hand-written DuckDB gold SQL, transpiled with sqlglot plus pace's renderings, runs alike on Spark."""
    gold = case.gold(TODAY)
    assert gold is not None
    cur = duck_engine.connection().cursor()
    try:
        duck_rows = cur.execute(gold).fetchall()
    finally:
        cur.close()
    spark_sql = transpile_to_spark(gold)
    spark = spark_engine.execute(spark_sql)
    ordered = case.ordered and has_top_level_order_by(gold)
    problem = diff(duck_rows, spark.rows, ordered=ordered)
    assert problem is None, f"{problem}\nSpark SQL:\n{spark_sql}"
