"""Routers: pure functions of state (and the repair budget) returning the next node's name."""

from __future__ import annotations

from typing import Any, Literal

from assistant.intents import TOOL_INTENTS

_DIRECT = ("help", "show_sql", "empty", "refused")


def route_intent(state: dict[str, Any]) -> Literal["resolve_time", "respond"]:
    """Metric questions, pasted SQL and tool intents need the period; the rest answer directly."""
    intent = state.get("intent")
    if intent in ("metric", "sql_text") or intent in TOOL_INTENTS:
        return "resolve_time"
    if intent in _DIRECT:
        return "respond"
    raise ValueError(f"route_intent: unexpected intent {intent!r}")


def route_resolved(state: dict[str, Any]) -> Literal["plan", "run_tool"]:
    """After the period is known: tools run, questions are planned."""
    intent = state.get("intent")
    if intent in TOOL_INTENTS:
        return "run_tool"
    if intent in ("metric", "sql_text"):
        return "plan"
    raise ValueError(f"route_resolved: unexpected intent {intent!r}")


def route_plan(state: dict[str, Any], max_repairs: int = 2) -> Literal["validate", "clarify", "repair", "respond"]:
    """Runnable plans are validated; clarify asks; an LLM schema error is repaired; the rest respond."""
    plan = state.get("plan") or {}
    kind = plan.get("kind")
    if kind in ("query", "sql"):
        return "validate"
    if kind == "clarify":
        return "clarify"
    if kind == "error" and plan.get("planner") == "llm" and state.get("messages") and state.get("repairs", 0) < max_repairs:
        return "repair"
    if kind in ("abstain", "error"):
        return "respond"
    raise ValueError(f"route_plan: unexpected plan kind {kind!r}")


def _repairable(state: dict[str, Any], max_repairs: int) -> bool:
    return (
        state.get("error_kind") in ("validation", "execution")
        and (state.get("plan") or {}).get("planner") == "llm"
        and state.get("repairs", 0) < max_repairs
    )


def route_validated(state: dict[str, Any], max_repairs: int = 2) -> Literal["execute", "repair", "respond"]:
    """Passed SQL runs; an LLM plan's failure is repaired while the budget lasts; else respond."""
    kind = state.get("error_kind")
    if kind is None:
        return "execute"
    if _repairable(state, max_repairs):
        return "repair"
    if kind in ("validation", "refused", "planner"):
        return "respond"
    raise ValueError(f"route_validated: unexpected error kind {kind!r}")


def route_executed(state: dict[str, Any], max_repairs: int = 2) -> Literal["repair", "respond"]:
    """An execution error of an LLM plan goes back for repair; everything else is answered."""
    if state.get("error_kind") is None:
        return "respond"
    if _repairable(state, max_repairs):
        return "repair"
    if state.get("error_kind") in ("execution", "refused", "validation"):
        return "respond"
    raise ValueError(f"route_executed: unexpected error kind {state.get('error_kind')!r}")
