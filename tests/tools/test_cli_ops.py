"""`pace scan|savings|forecast|impact`: stable --json keys, tables for people, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faces.cli.app import run_app

CONTRACT = {"kind", "entity", "window", "metric", "observed", "expected", "severity", "impact_usd", "owner", "tier",
            "evidence_sql"}


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert run_app(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_scan_json_keeps_the_design_contract(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["scan", "--db", str(demo_db), "--from", "2026-10-01", "--to", "2026-10-15", "--json"])
    assert out["findings"] and all(CONTRACT <= set(f) for f in out["findings"])
    assert {f["kind"] for f in out["findings"]} >= {"cost_spike", "queue_wait_surge"}
    only = _json(capsys, ["scan", "--db", str(demo_db), "--kind", "latency_spike", "--json"])
    assert {f["kind"] for f in only["findings"]} == {"latency_spike"}


def test_scan_prints_a_table_and_summary(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["scan", "--db", str(demo_db), "--kind", "cost_spike"]) == 0
    out = capsys.readouterr().out
    assert "2 findings" in out and "Found 2 anomalies" in out and "sam.okafor" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scan", "--kind", "gremlins"], "choose from idle_allocation"),
        (["scan", "--from", "2026-13-01"], "YYYY-MM-DD"),
        (["forecast", "--weeks", "99"], "1 to 52"),
        (["impact", "--to", "10"], "utilization must rise"),
        (["savings", "--days", "2"], "7 or more"),
    ],
)
def test_bad_input_exits_2_with_error(demo_db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert run_app([*argv, "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err.replace("\n", " ")


def test_savings_forecast_impact_json(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    savings = _json(capsys, ["savings", "--db", str(demo_db), "--json"])
    assert {"opportunities", "total_monthly_usd", "by_lever", "rule"} <= set(savings)
    assert {"lever", "entity", "monthly_usd", "confidence", "assumptions", "formula", "evidence_sql"} <= set(savings["opportunities"][0])
    forecast = _json(capsys, ["forecast", "--db", str(demo_db), "--weeks", "3", "--json"])
    assert {"types", "teams", "backtest_mape", "weeks"} <= set(forecast) and len(forecast["types"][0]["forecast"]) == 3
    impact = _json(capsys, ["impact", "--db", str(demo_db), "--points", "10", "--json"])
    assert {"from_pct", "to_pct", "freed_hours_month", "usd_per_month", "parameters"} <= set(impact)
