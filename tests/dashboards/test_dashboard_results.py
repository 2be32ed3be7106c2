"""A view seen before is drawn from the results this context already has, until the warehouse changes.

The cached results must be the ones a fresh run gives; tiles whose data can change without a new
warehouse file (governance's live requests) and failed tiles always run again.
"""

from __future__ import annotations

from typing import Any

import pytest

import dashboards.runner as runner
from semantic_layer.engine import Engine


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL the engine runs while the test does."""
    ran: list[str] = []
    original = Engine._execute

    def counting(self: Engine, sql: str, **kw: Any) -> Any:
        ran.append(sql)
        return original(self, sql, **kw)

    monkeypatch.setattr(Engine, "_execute", counting)
    return ran


@pytest.mark.parametrize("params", [{"range": "3d"}, {"range": "90d", "cluster": "us-east-aws"}], ids=str)
def test_a_view_seen_before_runs_no_sql_and_shows_the_same_numbers(dash_ctx: Any, executed: list[str],
                                                                   params: dict[str, str]) -> None:
    dash = dash_ctx.dashboards()["fleet"]
    state = dash_ctx.state(params, dash)
    first = dash_ctx.run(dash, state)
    ran_first = len(executed)
    again = dash_ctx.run(dash, state)
    assert ran_first > 0 and len(executed) == ran_first, "the second render ran SQL"
    assert all(r.cached for r in again) and not any(r.cached for r in first)
    for a, b in zip(first, again):
        assert (a.columns, a.rows, a.sql, a.question) == (b.columns, b.rows, b.sql, b.question), a.tile.id


def test_a_new_warehouse_version_runs_again(dash_ctx: Any, executed: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    dash = dash_ctx.dashboards()["fleet"]
    state = dash_ctx.state({"range": "14d"}, dash)
    dash_ctx.run(dash, state)
    monkeypatch.setattr(runner, "version", lambda path: (0, 0, 0))  # as after a writer swapped a new file in
    before = len(executed)
    results = dash_ctx.run(dash, state)
    assert len(executed) > before and not any(r.cached for r in results)


def test_live_requests_and_failed_tiles_always_run_again(dash_ctx: Any, executed: list[str]) -> None:
    dash = dash_ctx.dashboards()["governance"]
    state = dash_ctx.state({"range": "30d"}, dash)
    dash_ctx.run(dash, state)
    again = {r.tile.id: r for r in dash_ctx.run(dash, state)}
    pending = [r for r in again.values() if r.tile.tool == "pending_requests"]
    assert pending and not any(r.cached for r in pending)
    bad = runner.TileResult(tile=pending[0].tile, error="refused: something")
    key = ("a key",)
    dash_ctx.keep_result(key, bad)
    assert dash_ctx.cached_result(key) is None
