"""Conversation memory: a LangGraph SQLite checkpointer next to the warehouse, so threads survive restarts."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from core.settings import Settings

_SAVERS: dict[str, Any] = {}
_LOCK = threading.Lock()


def threads_path(settings: Settings) -> Path:
    """`<warehouse dir>/<warehouse stem>.threads.sqlite`."""
    db = Path(settings.db)
    return db.with_name(f"{db.stem}.threads.sqlite")


def sqlite_saver(path: Path) -> Any:
    """One shared SqliteSaver per file (it serializes access with its own lock)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    key = str(Path(path).resolve())
    with _LOCK:
        saver = _SAVERS.get(key)
        if saver is None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(key, check_same_thread=False)
            saver = SqliteSaver(conn)
            saver.setup()
            _SAVERS[key] = saver
        return saver


def reset_thread(settings: Settings, thread_id: str) -> None:
    """Forget a thread's memory (chat's /reset)."""
    sqlite_saver(threads_path(settings)).delete_thread(thread_id)
