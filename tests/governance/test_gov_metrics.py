"""Governance metrics through the semantic layer count live requests the moment they are stored."""

from __future__ import annotations

from functools import lru_cache

import pytest

from governance.requests import RequestDraft
from governance.service import Governance
from semantic_layer.catalog import Catalog, load_catalog
from semantic_layer.engine import Engine
from semantic_layer.query import Filter, MetricQuery
from tests.governance.helpers import make_request


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_catalog()


def value(engine: Engine, metric: str, team: str = "atlas") -> float:
    rows = engine.run_query(catalog(), MetricQuery(metrics=[metric], filters=[Filter(dimension="team", values=[team])])).rows
    return float(rows[0][0] or 0)


def test_pipeline_metrics_see_live_requests(gov: Governance, monkeypatch: pytest.MonkeyPatch) -> None:
    with Engine(gov.settings) as engine:  # opened before the submissions, as a long-running app would
        pending, granted, submitted = (value(engine, m) for m in ("requests_pending", "accelerators_granted", "requests_submitted"))
        draft = RequestDraft(requester="alice", team="atlas", accelerator="H100", count=16, start="2026-12-01", days=7,
                             justification="sweep")
        first, _ = gov.submit(draft, channel="cli")
        second, _ = gov.submit(draft, channel="cli")
        assert value(engine, "requests_pending") == pending + 2
        gov.act(first.id, "approve", actor="maria.chen", channel="cli", granted=8)
        assert value(engine, "requests_pending") == pending + 1
        assert value(engine, "accelerators_granted") == granted + 8
        assert value(engine, "requests_submitted") == submitted + 2
        assert value(engine, "approval_lead_time_p90_hours") > 0
        # Other cursors and the file are untouched: the overlay is a temp view on the query's own cursor.
        con = engine.connection()
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = 'compute_requests'").fetchall()[0][0] == 0


def test_quota_metrics_exist(gov: Governance) -> None:
    with Engine(gov.settings) as engine:
        guaranteed = value(engine, "quota_accelerator_hours")
        allocated = value(engine, "quota_allocated_accelerator_hours")
        headroom = value(engine, "quota_headroom_hours")
        burst = value(engine, "over_quota_hours")
        assert guaranteed > 0 and allocated > 0 and value(engine, "quota_burst_limit_hours") >= guaranteed
        assert headroom - burst == pytest.approx(guaranteed - allocated, rel=1e-6)


def test_live_rows_are_reread_only_after_a_commit(gov: Governance) -> None:
    from semantic_layer.live_requests import read_live, store_path

    path = store_path(gov.settings)
    first = read_live(path)
    imported = first.num_rows  # the warehouse's open requests, imported when the store was opened
    assert imported > 0
    assert read_live(path) is first  # nothing committed: the same table, no re-read
    gov.store.submit(make_request(), channel="cli")
    assert read_live(path).num_rows == imported + 1

