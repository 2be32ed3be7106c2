"""Pace's Spark renderings, pinned as text (no Java needed): one test per DuckDB/Spark difference.

tests/spark/test_spark_semantics.py runs the same constructs on both engines.
"""

from __future__ import annotations

import pytest
import sqlglot

from semantic_layer.catalog import load_catalog
from semantic_layer.compiler import compile_query
from semantic_layer.query import MetricQuery
from semantic_layer.spark_dialect import SparkUnsupported, transpile_to_spark


def test_percentile_is_spark_exact_percentile_not_percentile_cont() -> None:
    assert transpile_to_spark("SELECT quantile_cont(x, 0.95) FROM t") == "SELECT PERCENTILE(x, 0.95) FROM t"
    assert "PERCENTILE_CONT(" in sqlglot.transpile("SELECT quantile_cont(x, 0.95) FROM t", read="duckdb", write="spark")[0]


def test_within_group_percentile_stays_exact() -> None:
    sql = "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t"
    assert "PERCENTILE_APPROX" in sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    assert transpile_to_spark(sql) == "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY x NULLS LAST) FROM t"


def test_date_trunc_of_a_date_stays_a_timestamp() -> None:
    sql = transpile_to_spark("SELECT date_trunc('month', DATE '2026-11-19')")
    assert sql == "SELECT CAST(DATE_TRUNC('MONTH', CAST('2026-11-19' AS DATE)) AS TIMESTAMP)"
    assert "TRUNC(CAST" in sqlglot.transpile("SELECT date_trunc('month', DATE '2026-11-19')", read="duckdb", write="spark")[0]


def test_interval_arithmetic_on_a_date_is_done_on_a_timestamp() -> None:
    assert transpile_to_spark("SELECT DATE '2026-11-23' - INTERVAL 7 DAY") == (
        "SELECT CAST(CAST('2026-11-23' AS DATE) AS TIMESTAMP) - INTERVAL '7' DAY"
    )


def test_date_diff_counts_boundaries_like_duckdb() -> None:
    sql = transpile_to_spark("SELECT date_diff('second', a, b) FROM t")
    assert sql == "SELECT TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND', a), DATE_TRUNC('SECOND', b)) FROM t"
    with pytest.raises(SparkUnsupported, match="week"):
        transpile_to_spark("SELECT date_diff('week', a, b) FROM t")


def test_division_is_double_division() -> None:
    assert transpile_to_spark("SELECT a / 3600.0 FROM t") == "SELECT CAST(a AS DOUBLE) / 3600.0 FROM t"


def test_ordered_list_aggregate_is_refused_not_silently_unordered() -> None:
    assert sqlglot.transpile("SELECT list(x ORDER BY x) FROM t", read="duckdb", write="spark")[0] == "SELECT COLLECT_LIST(x) FROM t"
    with pytest.raises(SparkUnsupported, match="order"):
        transpile_to_spark("SELECT list(x ORDER BY x) FROM t")


def test_qualify_rewrite_keeps_order_by_and_limit_outside() -> None:
    sql = transpile_to_spark("SELECT x FROM t QUALIFY row_number() OVER (PARTITION BY y ORDER BY z) = 1 ORDER BY x DESC LIMIT 3")
    assert sql.endswith("AS _t WHERE _w = 1 ORDER BY x DESC LIMIT 3")
    assert "ORDER BY x DESC" not in sql.split("AS _t")[0]


def test_null_ordering_is_explicit() -> None:
    assert transpile_to_spark("SELECT x FROM t ORDER BY x") == "SELECT x FROM t ORDER BY x NULLS LAST"
    assert transpile_to_spark("SELECT x FROM t ORDER BY x DESC") == "SELECT x FROM t ORDER BY x DESC"


def test_compiled_spark_sql_uses_the_renderings() -> None:
    catalog = load_catalog()
    q = MetricQuery(metrics=["queue_wait_p95_minutes", "mttr_hours"], group_by=[{"dimension": "time", "grain": "week"}],
                    time_range={"start": "2026-10-26", "end": "2026-11-23"})
    sql = compile_query(catalog, q, dialect="spark").sql
    assert "PERCENTILE(" in sql and "PERCENTILE_CONT" not in sql
    assert "CAST(DATE_TRUNC('WEEK'" in sql
    assert "TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND'" in sql
    assert "NULLS LAST" in sql
