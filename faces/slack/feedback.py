"""Feedback clicks go into the Slack app's own store (`<warehouse stem>.slack.sqlite`, table `feedback`).

Application state never lives in the warehouse file (docs/data-model.md, "Readers and writers at once"):
the warehouse is swapped by ingest and seed, and a click must neither wait for nor contend with them.
SQLite in WAL mode takes the insert at once, so a click is recorded when it is acknowledged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from core.settings import Settings
from faces.slack.store import SlackStore

log = logging.getLogger("pace.slack")
COLUMNS = ("feedback_at", "user_id", "channel", "thread", "question", "verdict", "sql")


def feedback_row(*, user: str | None, channel: str | None, thread: str | None, question: str, verdict: str,
                 sql: str | None) -> dict[str, Any]:
    return {"feedback_at": datetime.now(timezone.utc).replace(tzinfo=None).isoformat(), "user_id": user,
            "channel": channel, "thread": thread, "question": question, "verdict": verdict, "sql": sql}


def record_feedback(settings: Settings, store: SlackStore, row: dict[str, Any]) -> bool:
    """Store `row` (and move any click an older version queued for the warehouse); True once stored."""
    store.add_feedback(row)
    flush_pending(settings, store)
    return True


def flush_pending(settings: Settings, store: SlackStore) -> bool:
    """Move clicks that older versions queued for the warehouse into the feedback table (one transaction)."""
    moved = store.adopt_pending_feedback()
    if moved:
        log.info("feedback: %d queued click(s) moved to %s", moved, store.path)
    return True
