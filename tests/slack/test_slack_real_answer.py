"""The real `assistant.answer` (offline planner, demo warehouse) behind the app: mention -> answer ->
blocks and chart, then a follow-up in the same thread that edits the previous query."""

from __future__ import annotations

import json
import uuid

from faces.slack import service_of
from faces.slack.blocks import SHOW_SQL
from tests.slack.harness import mention


def _sql_of(srv, post) -> str:
    key = next(e["value"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == SHOW_SQL)
    return service_of(srv.app).store.answer(key)["sql"]


def test_mention_then_follow_up_in_thread_uses_memory(serve, mock_api) -> None:
    srv = serve(planner="offline")  # the default answer function: assistant.answer
    channel = "C" + uuid.uuid4().hex[:8].upper()
    assert srv.event(mention("cost by team last week", channel=channel, ts="500.1"))[0] == 200
    first = mock_api.wait_for("/api/chat.postMessage", timeout=30)[0]
    blocks = json.dumps(first["blocks"])
    assert first["thread_ts"] == "500.1" and first["blocks"][0]["type"] == "header"
    assert "atlas" in blocks and "2026-11-16" in blocks and "Effective cost" in blocks
    assert {"actions", "context_actions"} <= {b["type"] for b in first["blocks"]}
    assert "cost_daily" in _sql_of(srv, first)
    mock_api.wait_for("/api/files.completeUploadExternal", timeout=30)
    assert mock_api.by_path("/upload/")[0]["png"] is True

    srv.event(mention("what about utilization?", channel=channel, ts="500.2", thread_ts="500.1"))
    second = mock_api.wait_for("/api/chat.postMessage", 2, timeout=30)[1]
    assert second["thread_ts"] == "500.1"
    sql = _sql_of(srv, second)
    assert "utilization_hourly" in sql and "2026-11-16" in sql and '"team"' in sql  # same period and grouping
