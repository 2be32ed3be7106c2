"""The Slack app's own small SQLite state, next to the warehouse (`<stem>.slack.sqlite`).

It holds what must survive a restart and must never go into the warehouse file (which ingest and
seed swap for a new version): which scheduled posts were made (so a finding is never posted twice),
the question and SQL behind each posted answer (for "Show SQL" and feedback clicks), and the feedback
clicks themselves (`feedback`, read by evals). `feedback_pending` is where versions before this one
queued clicks for the warehouse; they are moved to `feedback` on the next click or start-up.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlglot import exp

from core.settings import Settings

DDL = (
    "CREATE TABLE IF NOT EXISTS posted (key TEXT PRIMARY KEY, channel TEXT, ts TEXT, posted_at TEXT)",
    "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, question TEXT, sql TEXT, channel TEXT, "
    "thread TEXT, created_at TEXT)",
    "CREATE INDEX IF NOT EXISTS answers_thread ON answers (thread)",
    "CREATE TABLE IF NOT EXISTS feedback_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, feedback_at TEXT NOT NULL, "
    "user_id TEXT, channel TEXT, thread TEXT, question TEXT, verdict TEXT, sql TEXT)",
)
FEEDBACK_COLUMNS = ("feedback_at", "user_id", "channel", "thread", "question", "verdict", "sql")
# Built once by sqlglot from the column tuple (values go in as `?` parameters).
SELECT_FEEDBACK = exp.select(*FEEDBACK_COLUMNS).from_("feedback").order_by("id").sql(dialect="sqlite")
INSERT_FEEDBACK = exp.insert(exp.values([tuple(exp.Placeholder() for _ in FEEDBACK_COLUMNS)]), "feedback",
                             columns=list(FEEDBACK_COLUMNS)).sql(dialect="sqlite")


def state_path(settings: Settings) -> Path:
    """`<warehouse dir>/<warehouse stem>.slack.sqlite`."""
    db = Path(settings.db)
    return db.with_name(f"{db.stem}.slack.sqlite")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SlackStore:
    """Thread-safe access to the state file; each call opens a short connection (WAL, busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._conn() as con:
            con.execute("PRAGMA journal_mode=WAL")
            for stmt in DDL:
                con.execute(stmt)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            con = sqlite3.connect(self.path, timeout=10)
            try:
                with con:
                    yield con
            finally:
                con.close()

    # -- scheduled posts -------------------------------------------------------------------------
    def claim(self, key: str, channel: str) -> bool:
        """Atomically mark `key` as posted; False when it already was (then do not post)."""
        with self._conn() as con:
            cur = con.execute("INSERT OR IGNORE INTO posted VALUES (?, ?, NULL, ?)", (key, channel, _now()))
            return cur.rowcount == 1

    def confirm(self, key: str, ts: str | None) -> None:
        with self._conn() as con:
            con.execute("UPDATE posted SET ts = ? WHERE key = ?", (ts, key))

    def release(self, key: str) -> None:
        """Undo a claim whose post failed, so the next run tries again."""
        with self._conn() as con:
            con.execute("DELETE FROM posted WHERE key = ?", (key,))

    def posted_keys(self) -> set[str]:
        with self._conn() as con:
            return {r[0] for r in con.execute("SELECT key FROM posted")}

    # -- answers ---------------------------------------------------------------------------------
    def save_answer(self, key: str, question: str, sql: str | None, channel: str | None, thread: str | None) -> None:
        with self._conn() as con:
            con.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                        (key, question, sql, channel, thread, _now()))

    def answer(self, key: str) -> dict[str, Any] | None:
        with self._conn() as con:
            row = con.execute("SELECT question, sql, channel, thread FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else dict(zip(("question", "sql", "channel", "thread"), row))

    def has_thread(self, thread: str) -> bool:
        """True when pace has answered in this thread (`slack:<channel>:<thread_ts>`)."""
        with self._conn() as con:
            return con.execute("SELECT 1 FROM answers WHERE thread = ? LIMIT 1", (thread,)).fetchone() is not None

    # -- feedback clicks -------------------------------------------------------------------------
    def add_feedback(self, row: dict[str, Any]) -> None:
        with self._conn() as con:
            _insert_feedback(con, [row])

    def feedback(self) -> list[dict[str, Any]]:
        """Every click, oldest first, as {feedback_at, user_id, channel, thread, question, verdict, sql}."""
        with self._conn() as con:
            rows = con.execute(SELECT_FEEDBACK).fetchall()
        return [dict(zip(FEEDBACK_COLUMNS, r)) for r in rows]

    def adopt_pending_feedback(self) -> int:
        """Move clicks queued by older versions (for the warehouse) into `feedback`, in one transaction."""
        with self._conn() as con:
            pending = con.execute("SELECT id, row FROM feedback_pending ORDER BY id").fetchall()
            if pending:
                _insert_feedback(con, [json.loads(r) for _, r in pending])
                con.executemany("DELETE FROM feedback_pending WHERE id = ?", [(i,) for i, _ in pending])
        return len(pending)


def _insert_feedback(con: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    con.executemany(
        INSERT_FEEDBACK,
        [[r.get("feedback_at") or _now()] + [r.get(c) for c in FEEDBACK_COLUMNS[1:]] for r in rows],
    )
