"""Same numbers as `pace query`; tiles that split spend add up to the spend total for any window."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faces.cli import run_app
from dashboards.runner import run_tile
from dashboards.state import FilterState

WINDOWS = [
    (datetime(2026, 11, 16), datetime(2026, 11, 23)),
    (datetime(2026, 11, 20), datetime(2026, 11, 22)),
    (datetime(2026, 9, 1), datetime(2026, 10, 15)),
    (datetime(2026, 8, 25), datetime(2026, 11, 23)),
]


def _pace_query(capsys: pytest.CaptureFixture[str], demo_db: Path, args: list[str]) -> dict:
    capsys.readouterr()
    assert run_app(["query", *args, "--db", str(demo_db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("dashboard", "tile", "args", "filters"), [
    ("fleet", "utilization", ["-m", "utilization_pct", "--compare"], {"cluster": "us-east-aws"}),
    ("fleet", "spend", ["-m", "effective_cost_usd", "--compare"], {"team": "atlas", "accelerator_type": "H100"}),
    ("fleet", "top_idle_teams", ["-m", "idle_cost_usd", "--by", "team", "--top", "10"], {"workload_type": "training"}),
    ("fleet", "util_by_type", ["-m", "utilization_pct", "--by", "accelerator_type", "--by", "time:day"], {"team": "orion"}),
    ("serving", "endpoint_table", ["-m", "inference_requests", "-m", "inference_tokens", "-m", "latency_p95_ms",
                                   "-m", "inference_error_rate_pct", "--by", "endpoint"], {}),
])
def test_tile_equals_pace_query(dash_ctx, shipped, capsys, demo_db: Path, dashboard: str, tile: str,  # noqa: ANN001
                                args: list[str], filters: dict[str, str]) -> None:
    state = FilterState(start=datetime(2026, 11, 9), end=datetime(2026, 11, 23), values=filters)
    res = run_tile(dash_ctx, shipped[dashboard].tile(tile), state)
    assert res.error is None
    where = [a for k, v in filters.items() for a in ("--where", f"{k}={v}")]
    cli = _pace_query(capsys, demo_db, [*args, *where, "--from", "2026-11-09", "--to", "2026-11-23"])
    assert res.columns == cli["columns"]
    got = [[v.isoformat() if isinstance(v, datetime) else v for v in r] for r in res.rows]
    assert got == cli["rows"]  # same query, same SQL: the very same numbers
    assert res.rows, "the comparison is only meaningful with rows"


def _total(res) -> float:  # noqa: ANN001
    i = res.columns.index("effective_cost_usd")
    return sum(r[i] or 0.0 for r in res.rows)


@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_spend_splits_add_up_to_the_total(dash_ctx, shipped, start: datetime, end: datetime) -> None:  # noqa: ANN001
    state = FilterState(start=start, end=end)
    total = run_tile(dash_ctx, shipped["fleet"].tile("spend"), state)
    assert total.error is None
    spend = total.rows[0][total.columns.index("effective_cost_usd")]
    by_category = run_tile(dash_ctx, shipped["fleet"].tile("spend_vs_committed"), state)
    assert _total(by_category) == pytest.approx(spend, rel=1e-9)
    team_state = FilterState(start=start, end=end, values={"team": "atlas"})
    team_total = run_tile(dash_ctx, shipped["team"].tile("spend"), team_state)
    by_project = run_tile(dash_ctx, shipped["team"].tile("cost_by_project"), team_state)
    assert _total(by_project) == pytest.approx(team_total.rows[0][team_total.columns.index("effective_cost_usd")], rel=1e-9)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_day=st.integers(0, 88), length=st.integers(1, 45), cluster=st.sampled_from([None, "us-east-aws", "us-west-onprem"]))
def test_spend_splits_add_up_for_any_window(dash_ctx, shipped, start_day: int, length: int, cluster: str | None) -> None:  # noqa: ANN001
    start = datetime(2026, 8, 25) + timedelta(days=start_day)
    end = min(start + timedelta(days=length), datetime(2026, 11, 23))
    state = FilterState(start=start, end=end, values={"cluster": cluster} if cluster else {})
    total = run_tile(dash_ctx, shipped["fleet"].tile("spend"), state)
    spend = total.rows[0][total.columns.index("effective_cost_usd")] or 0.0
    by_category = run_tile(dash_ctx, shipped["fleet"].tile("spend_vs_committed"), state)
    assert _total(by_category) == pytest.approx(spend, rel=1e-9, abs=1e-6)


def test_kpi_capacity_tile_is_consistent_with_metrics(dash_ctx, shipped) -> None:  # noqa: ANN001
    state = FilterState(start=datetime(2026, 11, 16), end=datetime(2026, 11, 23))
    cap = {r[0]: r[1] for r in run_tile(dash_ctx, shipped["fleet"].tile("capacity"), state).rows}
    hours = run_tile(dash_ctx, shipped["fleet"].tile("hours_split"), state)
    allocated = sum(r[hours.columns.index("allocated_hours")] for r in hours.rows)
    assert cap["Accelerators allocated"] == pytest.approx(allocated / (7 * 24))
    assert cap["Allocation %"] == pytest.approx(100 * cap["Accelerators allocated"] / cap["Accelerators installed"])
    assert 0 < cap["Accelerators busy"] < cap["Accelerators allocated"] < cap["Accelerators installed"]
