"""Each known DuckDB/Spark difference, run on both engines through pace: the answers agree.

The session itself is pinned too: UTC, TIMESTAMP without time zone, ANSI on (docs/scale-out.md).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from semantic_layer.spark_dialect import SparkUnsupported
from core.errors import UserError
from tests.spark.parity import diff

pytestmark = pytest.mark.spark


def _both(sql: str, duck_engine, spark_engine, *, ordered: bool = True) -> list[tuple]:  # type: ignore[no-untyped-def]
    duck = duck_engine.run_sql(sql)
    spark = spark_engine.run_sql(sql)
    problem = diff(duck.rows, spark.rows, ordered=ordered)
    assert problem is None, f"{problem}\nSpark SQL: {spark.sql}"
    return spark.rows


def test_session_pins_time_zone_ansi_and_timestamp_type(spark_engine) -> None:  # type: ignore[no-untyped-def]
    conf = spark_engine.session([]).conf
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert conf.get("spark.sql.ansi.enabled") == "true"
    assert conf.get("spark.sql.timestampType") == "TIMESTAMP_NTZ"
    assert conf.get("spark.ui.enabled") == "false"
    assert conf.get("spark.driver.host") == "127.0.0.1"


def test_percentile_matches_quantile_cont(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    _both("SELECT cluster, quantile_cont(queue_wait_minutes, 0.95) AS p95, quantile_cont(queue_wait_minutes, 0.5) AS p50, "
          "percentile_cont(0.9) WITHIN GROUP (ORDER BY queue_wait_minutes) AS p90, median(queue_wait_minutes) AS med, "
          "quantile_disc(accelerators, 0.5) AS d50 FROM jobs GROUP BY cluster ORDER BY cluster", duck_engine, spark_engine)


def test_guarded_division_is_null_and_unguarded_zero_division_is_an_error(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    rows = _both("SELECT team, sum(busy_hours) / NULLIF(sum(busy_hours) * 0, 0) AS r FROM utilization_hourly GROUP BY team ORDER BY team",
                 duck_engine, spark_engine)
    assert all(r[1] is None for r in rows)
    assert duck_engine.run_sql("SELECT sum(busy_hours) / 0 FROM utilization_hourly").rows[0][0] == float("inf")
    with pytest.raises(UserError, match="NULLIF"):
        spark_engine.run_sql("SELECT sum(busy_hours) / 0 FROM utilization_hourly")


def test_integer_over_decimal_literal_divides_as_double(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    _both("SELECT incident_id, date_diff('second', opened_at, acknowledged_at) / 3600.0 FROM incidents ORDER BY incident_id",
          duck_engine, spark_engine)


def test_date_trunc_of_a_date_is_a_timestamp_on_both(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    rows = _both("SELECT date_trunc('month', DATE '2026-11-19') AS m, date_trunc('month', hour) AS h FROM utilization_hourly "
                 "ORDER BY hour LIMIT 1", duck_engine, spark_engine)
    assert rows[0][0] == datetime(2026, 11, 1) and isinstance(rows[0][1], datetime)


def test_week_starts_on_monday(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    rows = _both("SELECT date_trunc('week', TIMESTAMP '2026-11-22 10:00:00') AS w FROM teams LIMIT 1", duck_engine, spark_engine)
    assert rows[0][0] == datetime(2026, 11, 16)


def test_interval_arithmetic(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    rows = _both("SELECT DATE '2026-11-23' - INTERVAL 7 DAY AS a, TIMESTAMP '2026-03-31 00:00:00' - INTERVAL 1 MONTH AS b, "
                 "date_trunc('week', DATE '2026-11-23') - INTERVAL 14 DAY AS c FROM teams LIMIT 1", duck_engine, spark_engine)
    assert rows[0] == (datetime(2026, 11, 16), datetime(2026, 2, 28), datetime(2026, 11, 9))


def test_date_diff_counts_boundaries(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    rows = _both("SELECT date_diff('second', TIMESTAMP '2026-01-01 00:00:00.9', TIMESTAMP '2026-01-01 00:00:01.1') AS s, "
                 "date_diff('day', TIMESTAMP '2026-01-01 23:00:00', TIMESTAMP '2026-01-02 01:00:00') AS d FROM teams LIMIT 1",
                 duck_engine, spark_engine)
    assert rows[0] == (1, 1)


def test_nulls_sort_last_ascending_and_descending(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    half_null = "SELECT CASE WHEN team < 'm' THEN NULL ELSE team END AS t, team FROM teams"
    asc = _both(f"{half_null} ORDER BY t, team", duck_engine, spark_engine)
    assert asc[0][0] is not None and asc[-1][0] is None
    desc = _both(f"{half_null} ORDER BY t DESC, team", duck_engine, spark_engine)
    assert desc[0][0] is not None and desc[-1][0] is None


def test_string_comparison_is_binary(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    rows = _both("SELECT 'B' < 'a' AS upper_first, 'a' = 'A' AS case_blind, team FROM teams WHERE team >= 'h' ORDER BY team",
                 duck_engine, spark_engine)
    assert rows[0][:2] == (True, False)


def test_qualify_keeps_the_outer_order(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    _both("SELECT team, job_id, queue_wait_minutes FROM jobs QUALIFY row_number() OVER (PARTITION BY team ORDER BY queue_wait_minutes DESC, job_id) = 1 "
          "ORDER BY queue_wait_minutes DESC, team", duck_engine, spark_engine)


def test_ordered_list_is_refused_on_spark(duck_engine, spark_engine) -> None:  # type: ignore[no-untyped-def]
    assert duck_engine.run_sql("SELECT list(team ORDER BY team) FROM teams").rows
    with pytest.raises(SparkUnsupported):
        spark_engine.run_sql("SELECT list(team ORDER BY team) FROM teams")


def test_validator_rules_hold_on_spark(spark_engine) -> None:  # type: ignore[no-untyped-def]
    from semantic_layer.errors import SQLRefused

    for bad in ("DROP TABLE jobs", "SELECT * FROM read_parquet('/etc/x.parquet')", "SELECT nope FROM jobs", "SELECT 1; SELECT 2"):
        with pytest.raises(SQLRefused):
            spark_engine.run_sql(bad)
    assert spark_engine.run_sql("SELECT team FROM teams").sql.endswith("LIMIT 10000")


def test_cli_commands_take_engine_spark(demo_db, spark_export, spark_engine, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from faces.cli import run_app

    monkeypatch.setenv("PACE_WAREHOUSE_PATH", str(spark_export))
    args = ["--db", str(demo_db), "--json"]
    assert run_app(["sql", "SELECT team, count(*) AS n FROM jobs GROUP BY team ORDER BY team", "--engine", "spark", *args]) == 0
    spark_sql = json.loads(capsys.readouterr().out)
    assert run_app(["sql", "SELECT team, count(*) AS n FROM jobs GROUP BY team ORDER BY team", *args]) == 0
    duck_sql = json.loads(capsys.readouterr().out)
    assert spark_sql["rows"] == duck_sql["rows"]
    assert "NULLS LAST" in spark_sql["sql"] and "NULLS LAST" not in duck_sql["sql"]
    query = ["query", "--metric", "utilization_pct", "--by", "team", "--from", "2026-11-16", "--to", "2026-11-23", "--where", "accelerator_type=h100"]
    assert run_app([*query, "--engine", "spark", *args]) == 0
    spark_q = json.loads(capsys.readouterr().out)
    assert run_app([*query, *args]) == 0
    duck_q = json.loads(capsys.readouterr().out)
    assert diff(duck_q["rows"], spark_q["rows"], ordered=True) is None and "`" in spark_q["sql"]
    assert run_app(["ask", "p95 queue wait by cluster last month", "--planner", "offline", "--engine", "spark", *args]) == 0
    spark_a = json.loads(capsys.readouterr().out)
    assert run_app(["ask", "p95 queue wait by cluster last month", "--planner", "offline", *args]) == 0
    duck_a = json.loads(capsys.readouterr().out)
    assert spark_a["status"] == duck_a["status"] == "answered"
    assert diff(duck_a["rows"], spark_a["rows"], ordered=True) is None
    assert "PERCENTILE(" in spark_a["sql"]
