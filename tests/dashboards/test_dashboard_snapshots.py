"""Tile specs snapshot-tested without a browser or a warehouse: for a fixed view, each tile's
MetricQuery (or tool SQL), visual and chat question. Regenerate with SNAPSHOT_UPDATE=1."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dashboards import sql_sources
from dashboards.loader import load_dashboards
from dashboards.query import build_query
from dashboards.state import FilterState
from semantic_layer.catalog import load_catalog

SNAPSHOTS = Path(__file__).parent / "snapshots"
STATE = FilterState(start=datetime(2026, 11, 16), end=datetime(2026, 11, 23), preset="7d",
                    values={"cluster": "us-east-aws", "team": "atlas"})
SQL_TOOLS = {"fleet_capacity": sql_sources.fleet_capacity_sql, "hour_of_day_utilization": sql_sources.hour_of_day_sql,
             "idle_allocations": sql_sources.idle_allocations_sql, "quota_headroom": sql_sources.quota_headroom_sql,
             "pending_requests": sql_sources.pending_requests_sql}
CATALOG = load_catalog()
DASHBOARDS = load_dashboards(CATALOG)


def spec(name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"title": DASHBOARDS[name].title, "tiles": {}}
    for tile in DASHBOARDS[name].tiles():
        entry: dict[str, Any] = {"title": tile.title, "visual": tile.visual, "width": tile.width}
        if tile.tool:
            entry["tool"] = tile.tool
            if tile.tool in SQL_TOOLS:
                sql, ignored = SQL_TOOLS[tile.tool](STATE)
                entry["sql"], entry["ignored"] = sql.splitlines(), ignored
        else:
            built = build_query(tile, STATE, CATALOG)
            entry["metric_query"] = built.query.model_dump(mode="json", exclude_defaults=True)
            entry["ignored"], entry["question"] = built.ignored, built.question
        out["tiles"][tile.id] = entry
    return out


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_tile_specs_match_snapshot(name: str) -> None:
    path = SNAPSHOTS / f"{name}.json"
    got = json.dumps(spec(name), indent=2, sort_keys=True) + "\n"
    if os.environ.get("SNAPSHOT_UPDATE") or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(got)
    assert got == path.read_text(), f"{path} changed; rerun with SNAPSHOT_UPDATE=1 if intended"
