"""Derived columns: a share of the total, a rate per day and a unit conversion, over the query's own result.

Each is checked against hand-written SQL on the demo warehouse, on more than one period, and the
non-additive cases are refused rather than computed.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from core.errors import UserError
from semantic_layer.catalog import Catalog
from semantic_layer.compiler import compile_query
from semantic_layer.engine import Engine
from semantic_layer.query import MetricQuery

PERIODS = [(datetime(2026, 10, 1), datetime(2026, 11, 1)), (datetime(2026, 11, 16), datetime(2026, 11, 23))]


def _run(engine: Engine, catalog: Catalog, **query: object) -> list[dict[str, object]]:
    res = engine.run_query(catalog, MetricQuery.model_validate(query))
    return [dict(zip(res.columns, r)) for r in res.rows]


@pytest.mark.parametrize("start,end", PERIODS)
def test_each_groups_share_is_its_value_over_the_total_of_every_group(start: datetime, end: datetime, catalog: Catalog, engine: Engine,
                                                                      raw_con: duckdb.DuckDBPyConnection) -> None:
    rows = _run(engine, catalog, metrics=["effective_cost_usd"], group_by=[{"dimension": "cluster"}], share_of_total=True,
                time_range={"start": start, "end": end})
    total = raw_con.execute("SELECT SUM(EffectiveCost) FROM cost_daily WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?",
                            [start, end]).fetchone()[0]
    total = float(total)
    assert sum(r["effective_cost_usd__share_pct"] for r in rows) == pytest.approx(100.0)
    for r in rows:
        assert r["effective_cost_usd__share_pct"] == pytest.approx(100 * r["effective_cost_usd"] / total)


def test_a_top_n_share_is_of_the_whole_total_not_of_the_rows_shown(catalog: Catalog, engine: Engine) -> None:
    q = dict(metrics=["allocated_hours"], group_by=[{"dimension": "team"}], share_of_total=True,
             time_range={"start": PERIODS[0][0], "end": PERIODS[0][1]})
    every = _run(engine, catalog, **q)
    top = _run(engine, catalog, **q, order_by=[{"field": "allocated_hours"}], limit=2)
    assert len(top) == 2 and sum(r["allocated_hours__share_pct"] for r in top) < 100
    by_team = {r["team"]: r["allocated_hours__share_pct"] for r in every}
    assert all(r["allocated_hours__share_pct"] == pytest.approx(by_team[r["team"]]) for r in top)


def test_shares_over_time_add_up_to_100_in_every_bucket(catalog: Catalog, engine: Engine) -> None:
    rows = _run(engine, catalog, metrics=["jobs"], group_by=[{"dimension": "time", "grain": "week"}, {"dimension": "cluster"}],
                share_of_total=True, time_range={"start": PERIODS[0][0], "end": PERIODS[0][1]})
    weeks: dict[object, float] = {}
    for r in rows:
        weeks[r["time__week"]] = weeks.get(r["time__week"], 0.0) + r["jobs__share_pct"]
    assert len(weeks) >= 4 and all(v == pytest.approx(100.0) for v in weeks.values())


@pytest.mark.parametrize("start,end", PERIODS)
def test_a_rate_per_day_is_the_total_over_the_days_of_the_period(start: datetime, end: datetime, catalog: Catalog, engine: Engine) -> None:
    (row,) = _run(engine, catalog, metrics=["energy_kwh"], per="day", time_range={"start": start, "end": end})
    assert row["energy_kwh__per_day"] == pytest.approx(row["energy_kwh"] / (end - start).days)
    (fine,) = _run(engine, catalog, metrics=["inference_requests"], per="second", time_range={"start": start, "end": end})
    assert fine["inference_requests__per_second"] == pytest.approx(fine["inference_requests"] / (end - start).total_seconds())


def test_a_unit_conversion_keeps_the_metric_and_adds_it_in_the_asked_unit(catalog: Catalog, engine: Engine) -> None:
    (row,) = _run(engine, catalog, metrics=["queue_wait_avg_minutes", "mttr_hours"],
                  convert={"queue_wait_avg_minutes": "hours", "mttr_hours": "minutes"},
                  time_range={"start": PERIODS[0][0], "end": PERIODS[0][1]})
    assert row["queue_wait_avg_minutes__in_hours"] == pytest.approx(row["queue_wait_avg_minutes"] / 60)
    assert row["mttr_hours__in_minutes"] == pytest.approx(row["mttr_hours"] * 60)


@pytest.mark.parametrize("query", [
    dict(metrics=["utilization_pct"], group_by=[{"dimension": "team"}], share_of_total=True),  # a ratio has no share of a total
    dict(metrics=["queue_wait_p50_minutes"], per="day"),  # nor a median a rate
    dict(metrics=["effective_cost_usd"], group_by=[{"dimension": "time", "grain": "day"}], per="day"),  # each bucket is already a day
    dict(metrics=["utilization_pct"], convert={"utilization_pct": "hours"}),  # a percentage is no duration
])
def test_what_has_no_meaning_is_refused_not_computed(query: dict[str, object], catalog: Catalog) -> None:
    with pytest.raises(UserError):
        compile_query(catalog, MetricQuery.model_validate({**query, "time_range": {"start": PERIODS[0][0], "end": PERIODS[0][1]}}))


def test_a_share_filtered_to_some_groups_is_still_over_the_total_of_every_group(catalog: Catalog, engine: Engine) -> None:
    q = dict(metrics=["idle_hours"], group_by=[{"dimension": "team"}], share_of_total=True,
             time_range={"start": PERIODS[1][0], "end": PERIODS[1][1]})
    every = {r["team"]: r["idle_hours__share_pct"] for r in _run(engine, catalog, **q)}
    shown = _run(engine, catalog, **q, filters=[{"dimension": "team", "operator": "in", "values": ["atlas", "orion"]}])
    assert sorted(r["team"] for r in shown) == ["atlas", "orion"]
    assert all(r["idle_hours__share_pct"] == pytest.approx(every[r["team"]]) for r in shown)
