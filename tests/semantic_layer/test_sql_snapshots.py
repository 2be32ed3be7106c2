"""Rendered SQL per engine, snapshot-tested: one file per query and dialect under snapshots/.

Regenerate after an intended change with `SNAPSHOT_UPDATE=1 pytest tests/semantic_layer/test_sql_snapshots.py`
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from semantic_layer.catalog import Catalog
from semantic_layer.compiler import DIALECTS, compile_query
from semantic_layer.query import MetricQuery

SNAPSHOTS = Path(__file__).parent / "snapshots"
QUERIES: dict[str, MetricQuery] = {
    "simple_by_team": MetricQuery(metrics=["busy_hours"], group_by=[{"dimension": "team"}]),
    "ratio_weekly_filtered": MetricQuery(
        metrics=["utilization_pct"], group_by=[{"dimension": "time", "grain": "week"}],
        filters=[{"dimension": "org", "values": ["research"]}], time_range={"start": "2026-10-26", "end": "2026-11-23"},
    ),
    "derived_two_facts": MetricQuery(metrics=["cost_per_busy_hour_usd"], group_by=[{"dimension": "accelerator_type"}]),
    "compare_top_n": MetricQuery(
        metrics=["effective_cost_usd"], group_by=[{"dimension": "team"}], time_range={"start": "2026-11-16", "end": "2026-11-23"},
        compare_to_previous=True, order_by=[{"field": "effective_cost_usd"}], limit=3,
    ),
}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_rendered_sql_matches_snapshot(name: str, dialect: str, catalog: Catalog) -> None:
    sql = compile_query(catalog, QUERIES[name], dialect=dialect, pretty=True).sql + "\n"
    path = SNAPSHOTS / f"{name}.{dialect}.sql"
    if os.environ.get("SNAPSHOT_UPDATE") or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(sql)
    assert sql == path.read_text(), f"{path.name} changed; rerun with SNAPSHOT_UPDATE=1 if intended"
