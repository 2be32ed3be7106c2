"""Rollups answer exactly what the base tables answer, and only where they can.

Every metric the compiler can read from a rollup is compared with the base-table answer on the demo
warehouse, over several periods and groupings and two as-of dates. Sums of DOUBLE columns are added
in another order (per day, then over days), so values agree to floating-point rounding (1e-9 relative),
not bit for bit; counts and DECIMAL sums agree exactly.
"""

from __future__ import annotations

import math
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from semantic_layer.catalog import Catalog
from semantic_layer.compiler import compile_query
from semantic_layer.engine import Engine
from semantic_layer.query import MetricQuery
from semantic_layer.rollups import available
from telemetry.rollups import ROLLUPS, refresh
from tests.conftest import DEMO_END

ROLLUP_NAMES = tuple(r.name for r in ROLLUPS)
H100 = [{"dimension": "accelerator_type", "values": ["H100"]}]
CASES: tuple[tuple[str, list[dict[str, str]], list[dict[str, object]]], ...] = (
    # (period, grouping, filters): "week" and "month" compare with the previous period
    ("week", [], H100),
    ("month", [{"dimension": "team"}], []),
    ("month", [{"dimension": "org"}], []),  # joined through teams on a rollup key
    ("all", [{"dimension": "accelerator_type"}, {"dimension": "time", "grain": "day"}], []),
    ("week", [{"dimension": "time", "grain": "week"}], []),
    ("all", [{"dimension": "cluster"}, {"dimension": "time", "grain": "month"}], H100),
    ("week", [{"dimension": "workload_type"}, {"dimension": "time", "grain": "hour"}], []),  # the pool-hourly rollup
)


def _reads_rollup(sql: str) -> bool:
    return any(f'"{name}"' in sql for name in ROLLUP_NAMES)


def _period(kind: str, as_of: date) -> dict[str, datetime] | None:
    end = datetime(as_of.year, as_of.month, as_of.day)
    if kind == "week":
        return {"start": end - timedelta(days=7), "end": end}
    if kind == "month":
        month_end = end.replace(day=1)
        return {"start": (month_end - timedelta(days=1)).replace(day=1), "end": month_end}
    return None


def _assign(catalog: Catalog, metrics: list[str], offset: int) -> list[list[str]]:
    """Metrics spread over the cases (each to the next case whose grouping and filters it accepts), a few per query."""
    out: list[list[str]] = [[] for _ in CASES]
    for i, name in enumerate(metrics):
        for step in range(len(CASES)):
            k = (i + offset + step) % len(CASES)
            _, group_by, filters = CASES[k]
            if all(g["dimension"] == "time" or g["dimension"] in catalog.dimensions_for(name) for g in group_by + filters):
                out[k].append(name)
                break
    return out


def _rollup_metrics(catalog: Catalog) -> list[str]:
    """Metrics whose all-data query the compiler answers from a rollup."""
    out = []
    for name in sorted(catalog.metrics):
        try:
            sql = compile_query(catalog, MetricQuery(metrics=[name])).sql
        except Exception:  # noqa: BLE001 - a metric that needs a parameter or grouping is not in scope here
            continue
        if _reads_rollup(sql):
            out.append(name)
    return out


def _same(a: list[tuple[object, ...]], b: list[tuple[object, ...]]) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) and not (math.isnan(x) and math.isnan(y)):
                    return False
            elif x != y:
                return False
    return True


@pytest.fixture(scope="module")
def rolled(valued_catalog: Catalog) -> Catalog:
    assert {r.rollup.name for r in valued_catalog.rollups} == set(ROLLUP_NAMES), "seed builds every rollup"
    return valued_catalog


def test_the_dashboard_metrics_can_use_a_rollup(rolled: Catalog) -> None:
    metrics = set(_rollup_metrics(rolled))
    assert {"allocated_hours", "busy_hours", "utilization_pct", "sm_activity_pct", "idle_cost_usd", "energy_kwh",
            "energy_cost_usd", "memory_used_pct", "jobs", "failed_jobs", "job_failure_rate_pct"} <= metrics


@pytest.mark.parametrize("as_of, offset", [(DEMO_END, 0), (DEMO_END - timedelta(days=40), 3)], ids=str)
def test_every_rollup_metric_equals_the_base_table(rolled: Catalog, engine: Engine, as_of: date, offset: int) -> None:
    base = Catalog(**{k: getattr(rolled, k) for k in ("entities", "dimensions", "measures", "metrics", "verified_queries")})
    metrics = _rollup_metrics(rolled)
    assigned = _assign(rolled, metrics, offset)
    assert sorted(m for names in assigned for m in names) == metrics, "every rollup metric is compared"
    for (kind, group_by, filters), names in zip(CASES, assigned):
        for chunk in range(0, len(names), 8):  # a few metrics per query keeps the SQL under the validator's size
            query = MetricQuery(metrics=names[chunk:chunk + 8], group_by=group_by, filters=filters,
                                time_range=_period(kind, as_of), compare_to_previous=kind != "all")
            fast, slow = engine.run_query(rolled, query), engine.run_query(base, query)
            assert _reads_rollup(fast.sql) and not _reads_rollup(slow.sql)
            assert fast.columns == slow.columns
            assert _same(fast.rows, slow.rows), f"{query.model_dump(exclude_defaults=True)}"


@pytest.mark.parametrize("query, reads, why", [
    (MetricQuery(metrics=["utilization_pct"], group_by=[{"dimension": "team"}, {"dimension": "time", "grain": "hour"}]),
     None, "hour grain by team: the daily rollup is too coarse and the hourly one has no team"),
    (MetricQuery(metrics=["utilization_pct"], group_by=[{"dimension": "team"}],
                 time_range={"start": datetime(2026, 11, 1, 5), "end": datetime(2026, 11, 8)}),
     None, "a period starting mid-day is not whole days of the daily rollup"),
    (MetricQuery(metrics=["utilization_pct"], time_range={"start": datetime(2026, 11, 1, 5), "end": datetime(2026, 11, 8)}),
     "utilization_pool_hourly", "whole hours without team: the pool-hourly rollup answers"),
    (MetricQuery(metrics=["queue_wait_p50_minutes"]), None, "a median cannot be re-aggregated"),
    (MetricQuery(metrics=["jobs"], time_range={"start": datetime(2026, 11, 1, 5, 30), "end": datetime(2026, 11, 8)}),
     None, "a period that is not whole days"),
])
def test_falls_back_to_the_base_table_where_a_rollup_cannot_answer(
        rolled: Catalog, engine: Engine, query: MetricQuery, reads: str | None, why: str) -> None:
    sql = compile_query(rolled, query).sql
    if reads:
        assert f'"{reads}"' in sql, why
    else:
        assert not _reads_rollup(sql), why
    engine.run_query(rolled, query)


def test_the_smallest_fitting_rollup_is_chosen(rolled: Catalog) -> None:
    by_type = MetricQuery(metrics=["utilization_pct"], group_by=[{"dimension": "accelerator_type"}])
    by_team = MetricQuery(metrics=["utilization_pct"], group_by=[{"dimension": "team"}])
    rows = {i.rollup.name: i.rows for i in rolled.rollups}
    smaller = min(("utilization_pool_hourly", "utilization_daily"), key=rows.__getitem__)
    assert f'"{smaller}"' in compile_query(rolled, by_type).sql  # both fit: the one with fewer rows
    assert '"utilization_daily"' in compile_query(rolled, by_team).sql  # only the daily rollup has team


@pytest.fixture
def copy_db(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "pace.duckdb"
    shutil.copyfile(demo_db, path)
    return path


def test_an_older_warehouse_without_rollups_answers_from_the_base_tables(copy_db: Path, catalog: Catalog) -> None:
    with duckdb.connect(str(copy_db)) as con:
        for name in (*ROLLUP_NAMES, "pace_rollups"):
            con.execute(f'DROP TABLE "{name}"')
    with Engine(Settings(PACE_DB=copy_db)) as eng:
        valued = catalog.with_values(eng)
        assert valued.rollups == ()
        result = eng.run_query(valued, MetricQuery(metrics=["utilization_pct"], group_by=[{"dimension": "team"}]))
    assert result.rows and not _reads_rollup(result.sql)


def test_a_rollup_out_of_step_with_its_table_is_not_used(copy_db: Path) -> None:
    with duckdb.connect(str(copy_db)) as con:
        con.execute("INSERT INTO utilization_hourly SELECT * FROM utilization_hourly LIMIT 1")  # a write that skipped refresh
        assert {i.rollup.name for i in available(con)} == {r.name for r in ROLLUPS if r.source != "utilization_hourly"}
        refresh(con, ("utilization_hourly",))
        assert {i.rollup.name for i in available(con)} == set(ROLLUP_NAMES)


def test_ingest_refreshes_the_rollups_in_the_same_version(copy_db: Path, catalog: Catalog, tmp_path: Path) -> None:
    from telemetry.ingest.runner import ingest

    with duckdb.connect(str(copy_db), read_only=True) as con:
        hour, = con.execute("SELECT max(hour) FROM utilization_hourly").fetchone()
    rows = ["hour,cluster,accelerator_type,team,project,workload_type,allocated_hours,busy_hours,idle_hours,sm_active,memory_used_gb,energy_kwh"]
    for h in (hour - timedelta(days=3), hour - timedelta(hours=1), hour + timedelta(days=2)):  # an old day, the last day, a new day
        rows.append(f"{h:%Y-%m-%d %H:%M:%S},rollup-test,H100,rollup-team,rollup-project,training,8,6,2,0.5,40,5.5")
    csv = tmp_path / "util.csv"
    csv.write_text("\n".join(rows) + "\n")
    summary = ingest(csv, "csv", copy_db, table="utilization_hourly")
    assert summary.loaded == 3
    with Engine(Settings(PACE_DB=copy_db)) as eng:
        valued = catalog.with_values(eng)
        assert {r.rollup.name for r in valued.rollups} == set(ROLLUP_NAMES)
        base = Catalog(**{k: getattr(valued, k) for k in ("entities", "dimensions", "measures", "metrics")})
        query = MetricQuery(metrics=["allocated_hours", "utilization_pct", "energy_kwh"],
                            group_by=[{"dimension": "team"}, {"dimension": "time", "grain": "day"}],
                            filters=[{"dimension": "team", "values": ["rollup-team"]}])
        fast, slow = eng.run_query(valued, query), eng.run_query(base, query)
    assert _reads_rollup(fast.sql) and len(fast.rows) == 3
    assert _same(fast.rows, slow.rows)


def test_times_off_the_hour_still_give_the_base_tables_answers(copy_db: Path, catalog: Catalog) -> None:
    with duckdb.connect(str(copy_db)) as con:  # a row at 10:30 (no gate requires whole hours), then a rebuild
        con.execute("INSERT INTO utilization_hourly SELECT * REPLACE (hour + INTERVAL 30 MINUTE AS hour) "
                    "FROM utilization_hourly WHERE hour = (SELECT max(hour) FROM utilization_hourly) - INTERVAL 13 HOUR LIMIT 1")
        refresh(con)
    with Engine(Settings(PACE_DB=copy_db)) as eng:
        valued = catalog.with_values(eng)
        base = Catalog(**{k: getattr(valued, k) for k in ("entities", "dimensions", "measures", "metrics")})
        end = datetime(DEMO_END.year, DEMO_END.month, DEMO_END.day)
        for query in (
            MetricQuery(metrics=["utilization_pct", "allocated_hours"], group_by=[{"dimension": "time", "grain": "hour"}],
                        time_range={"start": end - timedelta(days=2), "end": end}),
            MetricQuery(metrics=["installed_accelerators", "capacity_allocated_pct"], group_by=[{"dimension": "accelerator_type"}],
                        time_range={"start": end - timedelta(hours=20, minutes=15), "end": end}),
        ):
            fast, slow = eng.run_query(valued, query), eng.run_query(base, query)
            assert '"utilization_pool_hourly"' in fast.sql and not _reads_rollup(slow.sql)
            assert _same(fast.rows, slow.rows)
