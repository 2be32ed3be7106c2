"""Graph state, split by audience: what callers send, what nodes share, what callers get back.

Values are JSON-friendly (dicts, lists, strings) so the SQLite checkpointer can persist a thread and
a restarted process can resume it. `last_query`, `last_sql` and `pending` outlive a turn (they are
the conversation memory); everything else is reset by `understand` at the start of each turn.
"""

from __future__ import annotations

from typing import Any, TypedDict


class InputState(TypedDict):
    """What a face sends for one turn."""

    question: str
    """The user's words, verbatim."""


class OutputState(TypedDict, total=False):
    """What a face gets back."""

    answer: dict[str, Any]
    """The Answer as JSON (DESIGN.md's `pace ask --json` shape plus extras)."""


class State(InputState, OutputState, total=False):
    """Everything the nodes share during a turn, plus the thread's memory."""

    intent: str
    """understand: metric | scan | savings | forecast | triage | weekly | help | show_sql | empty | refused | sql_text."""
    reason: str
    """understand: why a request was refused."""
    resolved_question: str
    """understand: the question the planner sees (a clarification reply merged into its question)."""
    as_of: str
    """resolve_time: ISO date that 'today' means."""
    period: dict[str, Any] | None
    """resolve_time: {start, end, label} named by the question, or None."""
    plan: dict[str, Any] | None
    """plan / repair: a PlannerPlan as JSON."""
    sql: str | None
    """validate: the SQL that passed the validator (only this ever runs)."""
    columns: list[str]
    """execute: result columns."""
    rows: list[list[Any]]
    """execute: result rows."""
    error: str | None
    """validate / execute / plan: what went wrong, fed to repair or shown."""
    error_kind: str | None
    """'validation' | 'execution' | 'refused' | 'planner' | None."""
    repairs: int
    """repair: attempts so far this turn (at most Context.max_repairs)."""
    messages: list[dict[str, Any]]
    """LLM planner: the Chat Completions transcript of this turn, for repair."""
    warnings: list[str]
    """Result checks and fallbacks to state in the answer."""
    tool_result: dict[str, Any] | None
    """run_tool: a tool's answer fields."""
    timings: dict[str, float]
    """Milliseconds per node this turn."""
    last_query: dict[str, Any] | None
    """Memory: the last MetricQuery answered in this thread (follow-ups edit it)."""
    last_sql: str | None
    """Memory: the last SQL run in this thread ('show the SQL')."""
    last_answer: dict[str, Any] | None
    """Memory: the last answer's question, period, chart and columns (no rows, to keep checkpoints small)."""
    pending: dict[str, Any] | None
    """Memory: a clarifying question awaiting a reply {question, options}."""


TURN_RESET: dict[str, Any] = {
    "intent": "", "reason": "", "period": None, "plan": None, "sql": None, "columns": [], "rows": [],
    "error": None, "error_kind": None, "repairs": 0, "messages": [], "warnings": [], "tool_result": None,
    "timings": {}, "answer": {},
}
"""Fields cleared at the start of every turn (memory fields are not in here)."""
