"""Answers computed in worker processes, so the HTTP server's interpreter only acks and posts.

A question holds the CPU (planning, compiling, DuckDB's result conversion, a chart) for tens to
hundreds of milliseconds of Python; run in the server's own threads, 30 of them at once hold the
interpreter lock long enough that acks pass Slack's 3-second limit. `AnswerPool` is an answer
function with the signature of `assistant.service.answer` whose calls run in a `spawn`ed process pool:
the listener thread waits on the result (no lock held), then posts it, so claiming, dedupe and
posting stay where they were and each event is still answered exactly once. Workers keep their own
warm resources (catalog, engine, one warehouse open each) across questions.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

log = logging.getLogger("pace.slack")


def default_workers() -> int:
    """One worker per CPU, at least 2 and at most 8 (answers also wait on DuckDB and the LLM)."""
    return max(2, min(8, os.cpu_count() or 2))


def real_answer(question: str, **kwargs: Any) -> Any:
    """`assistant.service.answer` (runs in the worker; imported there, not in the server)."""
    from assistant.service import answer

    return answer(question, **kwargs)


def _warm() -> None:
    """Worker start-up: import the answer path once, before the first question waits for it."""
    import assistant.service  # noqa: F401


class AnswerPool:
    """Call it like `answer(question, **kwargs)`; the call runs `target` in a worker process.

    The pool starts on the first call (an app that never answers never spawns), restarts once if a
    worker died, and `close()` stops it. `target` must be importable by module path (spawn pickles it).
    """

    def __init__(self, workers: int | None = None, target: Callable[..., Any] = real_answer) -> None:
        self.workers = workers or default_workers()
        self.target = target
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                                 initializer=_warm)
            return self._pool

    def __call__(self, question: str, **kwargs: Any) -> Any:
        pool = self._executor()
        try:
            return pool.submit(self.target, question, **kwargs).result()
        except BrokenProcessPool:  # a worker died (killed, out of memory): a fresh pool, one more try
            log.warning("answer worker died; restarting the pool")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            return self._executor().submit(self.target, question, **kwargs).result()

    def start(self) -> None:
        """Spawn the workers now (servers call this before taking traffic, so the first answers are warm)."""
        pool = self._executor()
        for future in [pool.submit(_warm) for _ in range(self.workers)]:
            future.result()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
