"""The engine: hardened read-only connection, timeouts, concurrency, missing warehouse, result checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from semantic_layer.catalog import Catalog
from semantic_layer.checks import check_result
from semantic_layer.compiler import compile_query
from semantic_layer.engine import Engine
from semantic_layer.errors import SQLRefused
from semantic_layer.query import MetricQuery
from core.errors import UserError
from core.settings import Settings


def _setting(engine: Engine, name: str) -> str:
    cur = engine.connection().cursor()
    try:
        return str(cur.execute("SELECT current_setting(?)", [name]).fetchone()[0])
    finally:
        cur.close()


def test_connection_is_hardened_and_locked(engine: Engine) -> None:
    engine.schema()
    for name, value in (("enable_external_access", "false"), ("lock_configuration", "true"),
                        ("autoload_known_extensions", "false"), ("allow_community_extensions", "false"), ("threads", "2")):
        assert _setting(engine, name).lower() == value, name
    con = engine.connection().cursor()
    with pytest.raises(Exception, match="locked"):
        con.execute("SET enable_external_access = true")
    with pytest.raises(Exception, match="(?i)disabled|permission"):
        con.execute("SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(Exception):
        con.execute("CREATE TABLE x AS SELECT 1")
    con.close()


def test_schema_lists_only_queryable_tables(engine: Engine) -> None:
    schema = engine.schema()
    assert "jobs" in schema and "ingest_quarantine" not in schema and "answer_feedback" not in schema
    assert schema["utilization_hourly"]["sm_active"] == "DOUBLE"


def test_run_sql_validates_first(engine: Engine) -> None:
    with pytest.raises(SQLRefused):
        engine.run_sql("DROP TABLE jobs")
    result = engine.run_sql("SELECT count(*) AS n FROM jobs")
    assert result.columns == ["n"] and result.rows[0][0] > 0 and result.sql.endswith("LIMIT 10000")


def test_missing_warehouse_says_run_pace_seed(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pace seed"):
        Engine(Settings(PACE_DB=tmp_path / "none.duckdb")).run_sql("SELECT 1")


def test_slow_query_is_interrupted(demo_db: Path) -> None:
    with Engine(Settings(PACE_DB=demo_db, PACE_QUERY_TIMEOUT_S=0.2)) as slow:
        with pytest.raises(UserError, match="longer than 0.2s"):
            slow.run_sql("SELECT count(*) FROM utilization_hourly a, utilization_hourly b, jobs c WHERE a.busy_hours + b.busy_hours > c.queue_wait_minutes")
        assert slow.run_sql("SELECT 1 AS one").rows == [(1,)]  # the connection survives the interrupt


def test_concurrent_requests_each_get_a_cursor(engine: Engine, catalog: Catalog) -> None:
    queries = [MetricQuery(metrics=[m], group_by=[{"dimension": "team"}]) for m in ("busy_hours", "jobs", "effective_cost_usd", "incidents")] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda q: engine.run_query(catalog, q), queries))
    for first, again in zip(results[:4], results[4:8]):
        assert first.rows == again.rows


def test_result_checks_warn_and_keep_rows(catalog: Catalog) -> None:
    compiled = compile_query(catalog, MetricQuery(metrics=["utilization_pct", "effective_cost_usd", "billed_cost_usd"], group_by=[{"dimension": "team"}]))
    rows = [("atlas", 104.0, -5.0, -3.0), ("atlas", 50.0, 10.0, 1.0), ("nova", 20.0, 1.0, 1.0)]
    warnings = check_result(compiled, compiled.columns, rows)
    assert any("utilization_pct" in w and "104" in w for w in warnings)
    assert any("effective_cost_usd" in w and "-5" in w for w in warnings)
    assert not any("billed_cost_usd" in w for w in warnings)  # credits make billed cost negative legitimately
    assert any("appear more than once" in w and "team=atlas" in w for w in warnings)
    assert len(rows) == 3


def test_run_query_attaches_compiled_query_and_no_warnings(engine: Engine, catalog: Catalog) -> None:
    result = engine.run_query(catalog, MetricQuery(metrics=["utilization_pct", "quota_used_pct"], group_by=[{"dimension": "team"}]))
    assert result.compiled is not None and result.columns == result.compiled.columns
    assert result.warnings == []
    assert all(0 <= row[1] <= 100 for row in result.rows)


def test_bad_memory_limit_is_a_user_error(tmp_path: Path, demo_db: Path) -> None:
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)  # a separate database instance, so its settings are still open
    with pytest.raises(UserError, match="PACE_MEMORY_LIMIT"):
        Engine(Settings(PACE_DB=copy, PACE_MEMORY_LIMIT="lots")).run_sql("SELECT 1")
