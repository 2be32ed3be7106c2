"""Feedback clicks go into the warehouse's `answer_feedback` table for later evals.

The warehouse is opened writable only for the insert. It can be locked (another pace process, or this
process's own read-only question connection); then the row waits in the Slack state file and is
written with the next successful insert (or `flush_pending` at start-up). A click never fails.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any

import duckdb

from faces.slack.store import SlackStore
from core.errors import UserError
from core.settings import Settings
from telemetry.warehouse import open_writable

log = logging.getLogger("pace.slack")
_FLUSH = threading.Lock()  # two clicks must not both write the same queued rows
COLUMNS = ("feedback_at", "user_id", "channel", "thread", "question", "verdict", "sql")


def feedback_row(*, user: str | None, channel: str | None, thread: str | None, question: str, verdict: str,
                 sql: str | None) -> dict[str, Any]:
    return {"feedback_at": datetime.now(timezone.utc).replace(tzinfo=None).isoformat(), "user_id": user,
            "channel": channel, "thread": thread, "question": question, "verdict": verdict, "sql": sql}


def _write(settings: Settings, rows: list[dict[str, Any]]) -> None:
    with open_writable(settings.db) as con:
        con.executemany(
            f"INSERT INTO answer_feedback ({', '.join(COLUMNS)}) VALUES (CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?)",
            [[r.get(c) for c in COLUMNS] for r in rows],
        )


def record_feedback(settings: Settings, store: SlackStore, row: dict[str, Any], *, attempts: int = 3,
                    delay_s: float = 0.2) -> bool:
    """Write `row` (and anything queued before it); True when written, False when queued for later."""
    store.queue_feedback(row)
    return flush_pending(settings, store, attempts=attempts, delay_s=delay_s)


def flush_pending(settings: Settings, store: SlackStore, *, attempts: int = 1, delay_s: float = 0.2) -> bool:
    """Try to write every queued row; on a lock, keep them queued and log why."""
    with _FLUSH:
        return _flush(settings, store, attempts, delay_s)


def _flush(settings: Settings, store: SlackStore, attempts: int, delay_s: float) -> bool:
    pending = store.pending_feedback()
    if not pending:
        return True
    for attempt in range(attempts):
        try:
            _write(settings, [row for _, row in pending])
        except (UserError, duckdb.Error) as exc:
            if attempt + 1 < attempts:
                time.sleep(delay_s * (2**attempt))
                continue
            log.warning("feedback queued (%d waiting): warehouse not writable: %s", len(pending), exc)
            return False
        store.drop_feedback([i for i, _ in pending])
        log.info("feedback written: %d row(s)", len(pending))
        return True
    return False
