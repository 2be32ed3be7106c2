"""The SQL gate: a hostile corpus all refused, good SQL passes with a LIMIT, and a property test."""

from __future__ import annotations

import doctest
import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import semantic_layer.validator
from semantic_layer.engine import Engine
from semantic_layer.errors import SQLRefused
from semantic_layer.schema_info import ddl_schema
from semantic_layer.validator import validate_sql
from core.errors import PaceError

SCHEMA = ddl_schema()

HOSTILE: list[str] = [
    # files, URLs, table functions
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('data.csv')",
    "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
    "SELECT * FROM read_json('x.json')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM glob('/home/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'data.csv'",
    "SELECT * FROM \"https://example.com/x.parquet\"",
    "SELECT * FROM parquet_scan('x.parquet')",
    "SELECT * FROM sniff_csv('x.csv')",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM range(100000000)",
    "SELECT * FROM generate_series(1, 10)",
    "SELECT getenv('HOME')",
    "SELECT current_setting('enable_external_access')",
    "SELECT * FROM query('DROP TABLE jobs')",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM other_db.main.jobs",
    "SELECT * FROM pg_catalog.pg_tables",
    "SELECT * FROM ingest_quarantine",
    "SELECT * FROM answer_feedback",
    # writes, DDL, settings, extensions
    "INSERT INTO jobs SELECT * FROM jobs",
    "UPDATE jobs SET state = 'completed'",
    "DELETE FROM incidents",
    "DROP TABLE jobs",
    "CREATE TABLE x AS SELECT * FROM jobs",
    "ALTER TABLE jobs ADD COLUMN x INT",
    "TRUNCATE jobs",
    "COPY jobs TO '/tmp/out.csv'",
    "COPY (SELECT * FROM jobs) TO 'out.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/dump'",
    "ATTACH '/tmp/other.db' AS other",
    "DETACH other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA database_list",
    "SET enable_external_access = true",
    "RESET memory_limit",
    "CALL pragma_version()",
    "CHECKPOINT",
    "VACUUM",
    "BEGIN TRANSACTION",
    "SELECT * INTO newtable FROM jobs",
    "CREATE MACRO m() AS 1",
    "CREATE SECRET s (TYPE s3, KEY_ID 'x')",
    "USE memory",
    "DESCRIBE jobs",
    "SHOW TABLES",
    # several statements, hidden ones
    "SELECT 1; DROP TABLE jobs",
    "SELECT * FROM jobs; SELECT * FROM read_csv('x')",
    "SELECT 1 -- harmless\n; DELETE FROM jobs",
    "SELECT 1 /* ; */ ; COPY jobs TO 'x.csv'",
    "WITH x AS (SELECT 1) DELETE FROM jobs",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r",
    "SELECT * FROM sqlite_master",
    "SELECT * FROM duckdb_tables",
    "SELECT * FROM jobs, 'secrets.parquet'",
    # broken or unknown
    "SELECT gpu_util FROM utilization_hourly",
    "SELECT * FROM jbos",
    "SELECT team, sum(cost) FROM cost_daily GROUP BY team",
    "SELECT FROM WHERE",
    "",
    "   ",
    "SELEC * FROM jobs",
    "SELECT j.nope FROM jobs j",
    # functions that reveal the server, session or user, change state or are random
    "SELECT version()",
    "SELECT current_user",
    "SELECT session_user FROM jobs",
    "SELECT current_query()",
    "SELECT setseed(0.5)",
    "SELECT nextval('s')",
    "SELECT random() FROM jobs",
    "SELECT uuid()",
    "SELECT current_schema()",
    "SELECT current_database()",
    "SELECT current_setting('threads')",
    "SELECT pg_backend_pid()",
    "SELECT team, txid_current() FROM jobs",
    "SELECT sleep_ms(1000)",
    "SELECT md5(team) FROM jobs",
    "SELECT typeof(team) FROM jobs",
    # built to be slow to check
    "SELECT team FROM jobs WHERE " + " OR ".join(f"accelerators = {i}" for i in range(7000)),
    "SELECT team FROM jobs WHERE " + " OR ".join(f"accelerators = {i}" for i in range(70)),
    "SELECT team FROM " + "(SELECT team FROM " * 70 + "jobs" + ") t" * 70,
    "SELECT " + "(" * 5000 + "1" + ")" * 5000,
    "SELECT team FROM jobs WHERE accelerators IN (" + ",".join(str(i) for i in range(4000)) + ")",
]


@pytest.mark.parametrize("sql", HOSTILE)
def test_hostile_or_broken_statements_are_refused(sql: str) -> None:
    with pytest.raises(SQLRefused):
        validate_sql(sql, SCHEMA)


def test_corpus_is_large_enough() -> None:
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT gpu_util FROM utilization_hourly", "column `gpu_util` does not exist in `utilization_hourly`; did you mean `sm_active`?"),
        ("SELECT * FROM jbos", "did you mean `jobs`?"),
        ("SELECT stat FROM jobs", "did you mean `state`"),
        ("SELECT 1; DROP TABLE jobs", "send exactly one statement; found 2"),
        ("SELECT * FROM read_csv('x')", "table function `read_csv` is not allowed"),
        ("DROP TABLE jobs", "only SELECT statements may run; `DROP`"),
        ("SELECT * FROM 'x.csv'", "looks like a file"),
    ],
)
def test_refusals_say_what_to_change(sql: str, fragment: str) -> None:
    with pytest.raises(SQLRefused) as info:
        validate_sql(sql, SCHEMA)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT team FROM jobs", "SELECT team FROM jobs LIMIT 10000"),
        ("select EffectiveCost from cost_daily limit 5", "SELECT EffectiveCost FROM cost_daily LIMIT 5"),
        ("SELECT * FROM main.jobs LIMIT 99999999", "SELECT * FROM main.jobs LIMIT 10000"),
        ("WITH t AS (SELECT team, count(*) n FROM jobs GROUP BY team) SELECT * FROM t ORDER BY n DESC",
         "WITH t AS (SELECT team, COUNT(*) AS n FROM jobs GROUP BY team) SELECT * FROM t ORDER BY n DESC LIMIT 10000"),
        ("SELECT t.org, sum(u.busy_hours) FROM utilization_hourly u JOIN teams t USING (team) GROUP BY 1",
         "SELECT t.org, SUM(u.busy_hours) FROM utilization_hourly AS u JOIN teams AS t USING (team) GROUP BY 1 LIMIT 10000"),
    ],
)
def test_good_sql_passes_with_a_limit(sql: str, expected: str) -> None:
    assert validate_sql(sql, SCHEMA).sql == expected


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT team FROM jobs WHERE " + " OR ".join(f"accelerators = {i}" for i in range(7000)), "the limit is 20,000"),
        ("SELECT team FROM jobs WHERE " + " OR ".join(f"accelerators = {i}" for i in range(20000)), "the limit is 20,000"),
        ("SELECT team FROM jobs WHERE " + " OR ".join(f"accelerators = {i}" for i in range(800)), "levels deep"),
        ("SELECT team FROM jobs WHERE accelerators IN (" + ",".join(str(i) for i in range(3500)) + ")", "parts"),
        ("SELECT " + "(" * 5000 + "1" + ")" * 5000, "does not parse"),
    ],
)
def test_oversized_sql_is_refused_within_two_seconds(sql: str, fragment: str) -> None:
    import time

    t0 = time.thread_time()  # CPU, so a busy test machine does not make it flaky
    with pytest.raises(SQLRefused) as info:
        validate_sql(sql, SCHEMA)
    assert time.thread_time() - t0 < 2.0
    assert fragment in str(info.value)


def test_the_largest_statement_within_the_limits_still_passes() -> None:
    """Within the limits a statement is checked, not refused (its time: benchmarks/bench_output.py)."""
    big = "SELECT team FROM jobs WHERE accelerators IN (" + ",".join(str(i) for i in range(2900)) + ")"
    assert validate_sql(big, SCHEMA).tables == ["jobs"]


def test_a_check_past_its_time_budget_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic_layer.validator, "MAX_CHECK_SECONDS", -1.0)
    with pytest.raises(SQLRefused, match="took longer than"):
        validate_sql("SELECT team FROM jobs", SCHEMA)


@pytest.mark.parametrize("call", ["version()", "current_user", "current_query()", "setseed(0.5)", "random()"])
def test_functions_outside_the_allowlist_say_what_is_allowed(call: str) -> None:
    with pytest.raises(SQLRefused, match="is not allowed: queries may use arithmetic"):
        validate_sql(f"SELECT {call} FROM jobs", SCHEMA)


@pytest.mark.parametrize("call", [
    "date_trunc('day', submit_at)", "datediff('hour', submit_at, end_at)", "extract(hour FROM submit_at)",
    "quantile_cont(accelerators, 0.5)", "percentile_cont(0.9) WITHIN GROUP (ORDER BY accelerators)", "median(accelerators)",
    "count(*) FILTER (WHERE state = 'failed')", "round(avg(accelerators), 2)", "coalesce(team, 'none')", "lower(team)",
    "regexp_replace(team, 'a', 'b')", "strftime(submit_at, '%Y-%m')", "row_number() OVER (ORDER BY team)",
    "lag(accelerators) OVER (ORDER BY submit_at)", "CASE WHEN accelerators > 8 THEN 'big' ELSE 'small' END",
    "greatest(accelerators, 1)", "stddev_samp(accelerators)", "arg_max(team, accelerators)", "current_date",
])
def test_ordinary_functions_pass(call: str) -> None:
    validate_sql(f"SELECT {call} FROM jobs", SCHEMA)


def test_row_limit_is_configurable() -> None:
    assert validate_sql("SELECT 1 AS x", SCHEMA, row_limit=7).sql.endswith("LIMIT 7")


def test_compiled_queries_pass_the_validator(catalog) -> None:  # type: ignore[no-untyped-def]
    from semantic_layer.compiler import compile_query

    for vq in catalog.verified_queries:
        validate_sql(compile_query(catalog, vq.query_on(date(2026, 11, 23))[0]).sql, SCHEMA)


def test_doctests() -> None:
    assert doctest.testmod(semantic_layer.validator).failed == 0


FRAGMENTS = [
    "SELECT", "*", "FROM", "jobs", "team", "WHERE", "1=1", ";", "--", "/*", "*/", "'", '"', "(", ")", ",",
    "read_csv('/etc/passwd')", "'/tmp/pace_prop.csv'", "COPY", "TO", "ATTACH", "INSTALL", "LOAD", "PRAGMA",
    "SET", "enable_external_access=true", "glob('*')", "getenv('HOME')", "DROP TABLE jobs", "INSERT INTO jobs",
    "UNION ALL", "utilization_hourly", "busy_hours", "count(*)", "GROUP BY", "LIMIT", "10", "WITH x AS",
    "read_text('x')", "query('SELECT 1')", "information_schema.tables", "CREATE", "EXPORT DATABASE", "CALL",
    "x", "AS", "JOIN", "ON", "sum(busy_hours)", "duckdb_settings()", "lateral", "unnest([1])", "\n", "$$",
]


EXPRS = ["*", "team", "count(*)", "sum(busy_hours)", "getenv('HOME')", "read_text('/etc/passwd')", "current_setting('threads')",
         "1", "'a' || 'b'", "now()", "team || ';DROP TABLE jobs'", "(SELECT count(*) FROM jobs)", "list_value(1, 2)"]
SOURCES = ["jobs", "utilization_hourly", "teams", "'x.csv'", "read_csv('x')", "information_schema.tables", "jobs j",
           "glob('*')", "main.jobs", "(SELECT * FROM jobs) s", "duckdb_tables()", "pace_meta"]
TAILS = ["", "WHERE 1=1", "GROUP BY ALL", "LIMIT 5", "; DROP TABLE jobs", "-- x", "UNION ALL SELECT 1", "ORDER BY 1",
         "/* */; COPY jobs TO 'pace_prop.csv'", "WHERE team IN (SELECT team FROM teams)"]
STRUCTURED = st.builds(lambda e, t, tail: f"SELECT {e} FROM {t} {tail}", st.sampled_from(EXPRS), st.sampled_from(SOURCES), st.sampled_from(TAILS))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(STRUCTURED | st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map(" ".join) | st.text(max_size=60))
def test_nothing_passes_and_then_escapes(engine: Engine, tmp_path_factory: pytest.TempPathFactory, sql: str) -> None:
    """Whatever passes the validator runs read-only without touching files; nothing raises unhandled."""
    watched = Path("/tmp")
    before = set(os.listdir(watched))
    db_mtime = engine.settings.db.stat().st_mtime_ns
    try:
        validated = validate_sql(sql, engine.schema())
    except SQLRefused:
        return
    assert not any(f in validated.sql.lower() for f in ("read_", "copy", "attach", "install", "glob(", "getenv"))
    try:
        engine.run_sql(validated.sql)
    except PaceError:
        pass  # a clear user-facing error (type mismatch, timeout) is fine
    created = {f for f in set(os.listdir(watched)) - before if f.startswith("pace_prop")}
    assert not created and not Path("pace_prop.csv").exists()
    assert engine.settings.db.stat().st_mtime_ns == db_mtime
