"""`pace metrics`, `pace query` and `pace sql` through the real app and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faces.cli import run_app


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_app(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_metrics_json_lists_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "metrics", "--json")
    payload = json.loads(out)
    assert code == 0 and len(payload["metrics"]) >= 35 and payload["verified_queries"] >= 40
    util = next(m for m in payload["metrics"] if m["name"] == "utilization_pct")
    assert util["unit"] == "%" and "team" in util["dimensions"]


def test_metrics_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "metrics")
    assert code == 0 and "utilization_pct" in out


def test_query_json(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    code, out, _ = _run(capsys, "query", "--metric", "utilization_pct", "--by", "team", "--where", "org=research",
                        "--from", "2026-11-01", "--to", "2026-11-23", "--top", "2", "--db", str(demo_db), "--json")
    payload = json.loads(out)
    assert code == 0 and payload["columns"] == ["team", "utilization_pct"] and len(payload["rows"]) == 2
    assert payload["period"] == {"start": "2026-11-01T00:00:00", "end": "2026-11-23T00:00:00"}
    assert payload["rows"][0][1] >= payload["rows"][1][1]


def test_query_table_with_grain_and_compare(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    code, out, _ = _run(capsys, "query", "-m", "jobs", "--by", "time:week", "--from", "2026-11-09", "--to", "2026-11-23",
                        "--compare", "--db", str(demo_db))
    assert code == 0 and "time__week" in out


@pytest.mark.parametrize("dialect", ["trino", "spark", "bigquery", "snowflake", "postgres"])
def test_query_dialect_prints_sql(capsys: pytest.CaptureFixture[str], dialect: str, tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "query", "-m", "effective_cost_usd", "--by", "time:month", "--dialect", dialect, "--db", str(tmp_path / "x.duckdb"))
    assert code == 0 and "SELECT" in out


def test_query_unreachable_dimension_exits_2(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    code, _, err = _run(capsys, "query", "-m", "effective_cost_usd", "--by", "endpoint", "--db", str(demo_db))
    assert code == 2 and err.startswith("error:") and "endpoint" in err


def test_sql_runs(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    code, out, _ = _run(capsys, "sql", "SELECT count(*) AS n FROM incidents", "--db", str(demo_db), "--json")
    assert code == 0 and json.loads(out)["rows"][0][0] > 0


@pytest.mark.parametrize("sql", ["DROP TABLE jobs", "SELECT * FROM read_csv('/etc/passwd')", "SELECT gpu_util FROM utilization_hourly"])
def test_sql_refused_exits_2(capsys: pytest.CaptureFixture[str], demo_db: Path, sql: str) -> None:
    code, out, err = _run(capsys, "sql", sql, "--db", str(demo_db))
    assert code == 2 and err.startswith("refused:") and out == ""
