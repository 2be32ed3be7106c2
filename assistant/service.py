"""`answer()`: the one entry point every face (CLI, Slack, evals) calls.

It runs the graph for one turn. With a `thread_id`, the turn is checkpointed in SQLite next to the
warehouse and follow-ups edit the thread's last query; without one, the turn stands alone and runs on
`graph.plain` (same nodes and routers, no LangGraph import). Any
exception that escapes the graph becomes an `error` Answer: faces never see a traceback.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Literal

from assistant.models import Answer
from assistant.graph.context import Context
from assistant.memory import sqlite_saver, threads_path
from core.settings import Settings, load_settings

_GRAPHS: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()
MAX_QUESTION_CHARS = 20_000
RECURSION_LIMIT = 40


def graph_for(checkpointer: Any, max_repairs: int = 2) -> Any:
    """A compiled graph per checkpointer, built once; with none (no memory) the same nodes run on
    `graph.plain`, which never imports LangGraph (its import alone costs more CPU than an answer)."""
    if checkpointer is None:
        from assistant.graph.plain import PlainGraph

        return PlainGraph(max_repairs)
    from assistant.graph.graph import build_graph

    key = (str(id(checkpointer)), max_repairs)
    with _LOCK:
        if key not in _GRAPHS:
            _GRAPHS[key] = build_graph(checkpointer, max_repairs=max_repairs)
        return _GRAPHS[key]


def answer(
    question: str,
    *,
    thread_id: str | None = None,
    planner: Literal["auto", "offline", "llm"] = "auto",
    settings: Settings | None = None,
    context: Context | None = None,
    checkpointer: Any = None,
    max_repairs: int = 2,
    charts: bool | None = None,
) -> Answer:
    """Answer one question; `thread_id` gives it the thread's memory (persisted in SQLite).

    `charts`: draw a PNG for chartable results; only faces that show one should ask (the default is
    the context's, on).
    """
    t0 = time.perf_counter()
    settings = settings or (context.settings if context else None) or load_settings()
    thread = thread_id or f"once-{uuid.uuid4().hex[:12]}"
    ctx = context or Context(settings=settings)
    ctx.settings, ctx.planner, ctx.thread_id = settings, planner, thread
    if charts is not None:
        ctx.charts = charts
    question = (question or "")[:MAX_QUESTION_CHARS]
    try:
        saver = checkpointer if checkpointer is not None else (sqlite_saver(threads_path(settings)) if thread_id else None)
        graph = graph_for(saver, max_repairs)
        config = {"configurable": {"thread_id": thread}, "recursion_limit": RECURSION_LIMIT}
        out = graph.invoke({"question": question}, config=config, context=ctx)
        result = Answer.model_validate(out["answer"])
    except Exception as exc:  # noqa: BLE001 - the contract: an Answer with status error, never a crash
        result = Answer(question=question, status="error", text=f"Internal error: {type(exc).__name__}: {exc}",
                        planner="llm" if planner == "llm" else "offline", thread=thread)
    result.timings_ms["wall"] = round((time.perf_counter() - t0) * 1000, 2)
    return result
