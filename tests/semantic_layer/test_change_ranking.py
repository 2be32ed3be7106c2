"""Ranking by the change from the previous period: 'which teams' spend grew the most month over month'.

Checked against hand-written SQL on the demo warehouse over two kinds of period (a calendar month
against the month before, a week against the week before): each group's value in both periods, the
change and the % change, ranked by the change, the top N with every row tied with the N-th kept (as
RANK() keeps them), unattributed groups last. An order on a change without the previous period, or
of a metric the query lacks, is refused.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest
from sqlglot import exp

from core.errors import UserError
from semantic_layer.catalog import Catalog
from semantic_layer.compiler import compile_query
from semantic_layer.engine import Engine
from semantic_layer.query import MetricQuery

# (current start, current end, previous start): a month with the month before, a week with the week before
PERIODS = [(datetime(2026, 10, 1), datetime(2026, 11, 1), datetime(2026, 9, 1)),
           (datetime(2026, 11, 16), datetime(2026, 11, 23), datetime(2026, 11, 9))]

COST = "SELECT x_team AS g, sum(EffectiveCost)::DOUBLE AS v FROM cost_daily WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ? GROUP BY 1"
JOBS = "SELECT cluster AS g, count(*)::DOUBLE AS v FROM jobs WHERE submit_at >= ? AND submit_at < ? GROUP BY 1"


def _hand(con: duckdb.DuckDBPyConnection, sql: str, start: datetime, end: datetime, prev: datetime) -> dict[object, tuple[float, float | None]]:
    cur = dict(con.execute(sql, [start, end]).fetchall())
    before = dict(con.execute(sql, [prev, start]).fetchall())
    return {g: (v, before.get(g)) for g, v in cur.items()}


def _top(values: dict[object, tuple[float, float | None]], n: int, descending: bool, absolute: bool = False) -> set[object]:
    """The groups RANK() keeps: unattributed last, a group with no previous value after every change."""
    def key(g: object) -> tuple[bool, bool, float]:
        v, p = values[g]
        if p is None:
            return (g is None, True, 0.0)
        d = abs(v - p) if absolute else v - p
        return (g is None, False, -d if descending else d)
    keys = {g: key(g) for g in values}
    return {g for g in values if sum(1 for k in keys.values() if k < keys[g]) < n}


def _run(engine: Engine, catalog: Catalog, **query: object) -> list[dict[str, object]]:
    res = engine.run_query(catalog, MetricQuery.model_validate(query))
    return [dict(zip(res.columns, r)) for r in res.rows]


@pytest.mark.parametrize(("start", "end", "prev"), PERIODS)
def test_teams_ranked_by_how_much_their_spend_grew(start: datetime, end: datetime, prev: datetime, catalog: Catalog, engine: Engine,
                                                  raw_con: duckdb.DuckDBPyConnection) -> None:
    rows = _run(engine, catalog, metrics=["effective_cost_usd"], group_by=[{"dimension": "team"}], compare_to_previous=True,
                time_range={"start": start, "end": end}, order_by=[{"field": "effective_cost_usd__change"}], limit=3)
    hand = _hand(raw_con, COST, start, end, prev)
    assert {r["team"] for r in rows} == _top(hand, 3, descending=True)
    for r in rows:
        v, p = hand[r["team"]]
        assert r["effective_cost_usd"] == pytest.approx(v) and r["effective_cost_usd__previous"] == pytest.approx(p)
        assert r["effective_cost_usd__change"] == pytest.approx(v - p)
        assert r["effective_cost_usd__change_pct"] == pytest.approx(100 * (v - p) / abs(p))
    changes = [r["effective_cost_usd__change"] for r in rows]
    assert changes == sorted(changes, reverse=True)


@pytest.mark.parametrize(("start", "end", "prev"), PERIODS)
def test_clusters_ranked_by_the_biggest_drop_and_by_the_size_of_the_change(start: datetime, end: datetime, prev: datetime,
                                                                          catalog: Catalog, engine: Engine,
                                                                          raw_con: duckdb.DuckDBPyConnection) -> None:
    hand = _hand(raw_con, JOBS, start, end, prev)
    base = dict(metrics=["jobs"], group_by=[{"dimension": "cluster"}], compare_to_previous=True, time_range={"start": start, "end": end},
                limit=2)
    fell = _run(engine, catalog, **base, order_by=[{"field": "jobs__change", "descending": False}])
    assert {r["cluster"] for r in fell} == _top(hand, 2, descending=False)
    moved = _run(engine, catalog, **base, order_by=[{"field": "jobs__change_abs"}])
    assert {r["cluster"] for r in moved} == _top(hand, 2, descending=True, absolute=True)
    assert all(r["jobs__change_abs"] == pytest.approx(abs(r["jobs"] - r["jobs__previous"])) for r in moved)


def test_a_top_n_by_change_keeps_ties_with_rank_not_limit(catalog: Catalog) -> None:
    q = MetricQuery(metrics=["jobs"], group_by=[{"dimension": "cluster"}], compare_to_previous=True,  # type: ignore[list-item]
                    time_range={"start": PERIODS[0][0], "end": PERIODS[0][1]},  # type: ignore[arg-type]
                    order_by=[{"field": "jobs__change"}], limit=2)  # type: ignore[list-item]
    tree = compile_query(catalog, q).expression
    assert tree.args.get("limit") is None
    assert any(w.this.name.upper() == "RANK" for w in tree.find_all(exp.Window))


@pytest.mark.parametrize(("update", "says"), [
    ({"compare_to_previous": False}, "previous period"),
    ({"order_by": [{"field": "allocated_hours__change"}]}, "not one of the query's metrics"),
])
def test_an_order_on_a_change_it_cannot_compute_is_refused(catalog: Catalog, update: dict[str, object], says: str) -> None:
    q = dict(metrics=["jobs"], group_by=[{"dimension": "cluster"}], compare_to_previous=True,
             time_range={"start": PERIODS[0][0], "end": PERIODS[0][1]}, order_by=[{"field": "jobs__change"}], limit=2)
    with pytest.raises(UserError, match=says):
        compile_query(catalog, MetricQuery.model_validate({**q, **update}))
