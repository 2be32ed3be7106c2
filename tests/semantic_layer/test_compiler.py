"""The compiler: every metric against hand-written SQL, plus grains, periods, comparison, top-N and dialects."""

from __future__ import annotations

import doctest
import math
from datetime import datetime

import duckdb
import pytest
import sqlglot

import semantic_layer.compiler
from semantic_layer.catalog import Catalog
from semantic_layer.compiler import DIALECTS, compile_query
from semantic_layer.engine import Engine
from semantic_layer.query import MetricQuery
from core.errors import UserError

from tests.conftest import DEMO_END
from tests.semantic_layer.reference_sql import END, GPU_METRICS, REFERENCE, REFERENCE_DIMENSION, START  # type: ignore[import-not-found]

PERIOD = {"start": START, "end": END}
ZERO_IN_OCTOBER = {"requests_pending"}  # every October request was decided by the data's end
ZERO_IN_OCTOBER |= {"open_incidents"}  # every generated incident is resolved
ZERO_IN_OCTOBER |= GPU_METRICS  # per-GPU (DCGM) metrics: the generator writes no gpu_hourly rows
ZERO_IN_OCTOBER |= {"running_jobs", "pending_jobs"}  # generated jobs have all ended (ingested Slurm dumps carry these)


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def test_every_metric_has_a_reference_query(catalog: Catalog) -> None:
    assert sorted(catalog.metrics) == sorted(REFERENCE)


@pytest.mark.parametrize("metric", sorted(REFERENCE))
def test_metric_matches_hand_written_sql(metric: str, catalog: Catalog, engine: Engine, raw_con: duckdb.DuckDBPyConnection) -> None:
    query = MetricQuery(metrics=[metric], group_by=[{"dimension": REFERENCE_DIMENSION.get(metric, "team")}], time_range=PERIOD)
    got = {row[0]: row[1] for row in engine.run_query(catalog, query).rows}
    want = {row[0]: row[1] for row in raw_con.execute(REFERENCE[metric]).fetchall()}
    assert set(got) == set(want), metric
    bad = {k: (got[k], want[k]) for k in want if not _close(got[k], want[k])}
    assert not bad, f"{metric}: compiled vs hand-written differ: {bad}"
    if metric not in ZERO_IN_OCTOBER:
        assert any(v not in (None, 0) for v in got.values()), f"{metric} is empty or zero for every team"


def test_time_grain_buckets_and_half_open_range(catalog: Catalog, engine: Engine, raw_con: duckdb.DuckDBPyConnection) -> None:
    query = MetricQuery(metrics=["busy_hours"], group_by=[{"dimension": "time", "grain": "week"}], time_range={"start": "2026-11-02", "end": "2026-11-16"})
    result = engine.run_query(catalog, query)
    assert result.columns == ["time__week", "busy_hours"]
    want = raw_con.execute(
        "SELECT date_trunc('week', hour) w, sum(busy_hours) FROM utilization_hourly "
        "WHERE hour >= TIMESTAMP '2026-11-02' AND hour < TIMESTAMP '2026-11-16' GROUP BY w ORDER BY w"
    ).fetchall()
    assert [r[0] for r in result.rows] == [datetime(2026, 11, 2), datetime(2026, 11, 9)]
    assert all(_close(a[1], b[1]) for a, b in zip(result.rows, want))


@pytest.mark.parametrize("grain", ["hour", "day", "week", "month", "quarter"])
def test_every_grain_compiles_and_runs(grain: str, catalog: Catalog, engine: Engine) -> None:
    query = MetricQuery(metrics=["incidents"], group_by=[{"dimension": "time", "grain": grain}], time_range=PERIOD)
    rows = engine.run_query(catalog, query).rows
    assert rows and rows == sorted(rows, key=lambda r: r[0])


def test_previous_period_comparison(catalog: Catalog, engine: Engine) -> None:
    query = MetricQuery(metrics=["effective_cost_usd"], group_by=[{"dimension": "team"}], time_range={"start": "2026-11-09", "end": "2026-11-16"}, compare_to_previous=True)
    result = engine.run_query(catalog, query)
    assert result.columns == ["team", "effective_cost_usd", "effective_cost_usd__previous", "effective_cost_usd__change_pct"]
    prev = engine.run_query(catalog, MetricQuery(metrics=["effective_cost_usd"], group_by=[{"dimension": "team"}], time_range={"start": "2026-11-02", "end": "2026-11-09"}))
    prev_by_team = dict(prev.rows)
    for team, cur, before, change in result.rows:
        assert _close(before, prev_by_team[team])
        assert _close(change, (cur - before) * 100 / abs(before))


def test_comparison_with_time_grain_aligns_buckets(catalog: Catalog, engine: Engine) -> None:
    query = MetricQuery(metrics=["jobs"], group_by=[{"dimension": "time", "grain": "week"}], time_range={"start": "2026-11-09", "end": "2026-11-23"}, compare_to_previous=True)
    rows = engine.run_query(catalog, query).rows
    assert [r[0] for r in rows] == [datetime(2026, 11, 9), datetime(2026, 11, 16)]
    assert all(r[2] is not None for r in rows)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_top_n_never_cuts_inside_a_tie(n: int, catalog: Catalog, engine: Engine, raw_con: duckdb.DuckDBPyConnection) -> None:
    """Every group whose value ties the n-th is shown, in every dialect's rendering (rank, not LIMIT)."""
    query = MetricQuery(metrics=["incidents"], group_by=[{"dimension": "severity"}], time_range=PERIOD,
                        order_by=[{"field": "incidents"}], limit=n)
    counts = sorted((r[1] for r in raw_con.execute(
        f"SELECT severity, count(*) FROM incidents WHERE opened_at >= TIMESTAMP '{START}' AND opened_at < TIMESTAMP '{END}' "
        "AND severity IS NOT NULL GROUP BY 1").fetchall()), reverse=True)
    rows = engine.run_query(catalog, query).rows
    assert [r[1] for r in rows] == [c for c in counts if c >= counts[min(n, len(counts)) - 1]]
    for dialect in DIALECTS:
        sql = compile_query(catalog, query, dialect=dialect).sql
        assert "RANK() OVER" in sql and "LIMIT" not in sql.upper().replace("UNBOUNDED", ""), dialect


def test_a_limit_by_label_or_time_stays_a_limit(catalog: Catalog) -> None:
    """Ordered by a name or a time there is no tie to widen: LIMIT n, exactly n rows."""
    by_name = MetricQuery(metrics=["incidents"], group_by=[{"dimension": "team"}], order_by=[{"field": "team", "descending": False}], limit=2)
    assert compile_query(catalog, by_name).sql.endswith("LIMIT 2") and "RANK()" not in compile_query(catalog, by_name).sql


def test_top_n_is_deterministic_and_ordered(catalog: Catalog, engine: Engine) -> None:
    query = MetricQuery(metrics=["incidents"], group_by=[{"dimension": "severity"}, {"dimension": "cluster"}], time_range=PERIOD,
                        order_by=[{"field": "incidents"}], limit=4)
    sql = compile_query(catalog, query).sql
    # groups no severity/cluster claims rank last, so a top-N spends no slot on them
    assert 'ORDER BY "severity" IS NULL, "cluster" IS NULL, "incidents" DESC, "severity" ASC, "cluster" ASC' in sql
    assert 'WHERE "pace_rank" <= 4' in sql and "LIMIT" not in sql  # ties with the 4th row are kept, never cut
    postgres = compile_query(catalog, query, dialect="postgres").sql
    assert '"cluster" IS NULL, "incidents" DESC NULLS LAST, "severity" ASC, "cluster" ASC' in postgres
    rows = engine.run_query(catalog, query).rows
    assert len(rows) >= 4 and [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    assert all(r[2] == rows[3][2] for r in rows[4:])  # beyond 4 only rows tied with the 4th
    assert engine.run_query(catalog, query).rows == rows


def test_multi_fact_metrics_do_not_fan_out(catalog: Catalog, engine: Engine) -> None:
    both = engine.run_query(catalog, MetricQuery(metrics=["effective_cost_usd", "busy_hours", "jobs"], group_by=[{"dimension": "org"}], time_range=PERIOD))
    for metric, col in (("effective_cost_usd", 1), ("busy_hours", 2), ("jobs", 3)):
        alone = dict(engine.run_query(catalog, MetricQuery(metrics=[metric], group_by=[{"dimension": "org"}], time_range=PERIOD)).rows)
        assert all(_close(row[col], alone.get(row[0])) for row in both.rows)
    assert both.warnings == []


def test_cumulative_metric_is_a_running_total(catalog: Catalog, engine: Engine) -> None:
    daily = engine.run_query(catalog, MetricQuery(metrics=["effective_cost_usd", "cumulative_effective_cost_usd"], group_by=[{"dimension": "time", "grain": "day"}], time_range=PERIOD))
    running = 0.0
    for _, day, cumulative in daily.rows:
        running += day
        assert _close(cumulative, running)


def test_filters_join_dimensions_and_match_case(valued_catalog: Catalog, engine: Engine) -> None:
    upper = engine.run_query(valued_catalog, MetricQuery(metrics=["busy_hours"], filters=[{"dimension": "org", "values": ["RESEARCH"]}], time_range=PERIOD))
    by_org = dict(engine.run_query(valued_catalog, MetricQuery(metrics=["busy_hours"], group_by=[{"dimension": "org"}], time_range=PERIOD)).rows)
    assert _close(upper.rows[0][0], by_org["research"])
    tier = engine.run_query(valued_catalog, MetricQuery(metrics=["incidents"], filters=[{"dimension": "resolved_tier", "values": ["3"]}], time_range=PERIOD))
    assert tier.rows[0][0] >= 0


def test_unreachable_dimension_names_metric_dimension_and_alternatives(catalog: Catalog) -> None:
    with pytest.raises(UserError) as info:
        compile_query(catalog, MetricQuery(metrics=["effective_cost_usd"], group_by=[{"dimension": "endpoint"}]))
    message = str(info.value)
    assert "`effective_cost_usd`" in message and "`endpoint`" in message and "team" in message


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"metrics": ["utilisation"]}, "did you mean .*`utilization_pct`"),
        ({"metrics": ["jobs"], "group_by": [{"dimension": "tema"}]}, "did you mean `team`"),
        ({"metrics": ["jobs"], "group_by": [{"dimension": "team", "grain": "day"}]}, "not a time dimension"),
        ({"metrics": ["jobs"], "compare_to_previous": True}, "needs a time range"),
        ({"metrics": ["jobs"], "order_by": [{"field": "cost"}]}, "cannot order by"),
        ({"metrics": ["jobs"], "filters": [{"dimension": "time", "values": ["x"]}]}, "filter time with the period"),
    ],
)
def test_bad_queries_say_what_to_fix(query: dict, fragment: str, catalog: Catalog) -> None:
    with pytest.raises(UserError, match=fragment.replace("`", ".")):
        compile_query(catalog, MetricQuery(**query))


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d != "duckdb"])
def test_dialect_output_parses_in_that_dialect(dialect: str, catalog: Catalog) -> None:
    for vq in catalog.verified_queries:
        sql = compile_query(catalog, vq.query_on(DEMO_END)[0], dialect=dialect).sql
        assert sqlglot.parse_one(sql, read=dialect) is not None, vq.question


def test_verified_queries_run_clean(catalog: Catalog, engine: Engine) -> None:
    assert len(catalog.verified_queries) >= 40
    for vq in catalog.verified_queries:
        result = engine.run_query(catalog, vq.query_on(DEMO_END)[0])
        assert result.rows, vq.question
        assert result.warnings == [], (vq.question, result.warnings)


def test_output_columns_follow_the_contract(catalog: Catalog) -> None:
    compiled = compile_query(catalog, MetricQuery(metrics=["jobs", "failed_jobs"], group_by=[{"dimension": "time", "grain": "month"}, {"dimension": "team"}]))
    assert compiled.columns == ["time__month", "team", "jobs", "failed_jobs"]
    assert [s.alias_or_name for s in compiled.expression.selects] == compiled.columns


def test_doctests() -> None:
    assert doctest.testmod(semantic_layer.compiler).failed == 0
