"""The assistant's LangGraph graph: `build_graph()` (state, context, prompts, nodes, routing, graph)."""

from __future__ import annotations

from typing import Any

__all__ = ["build_graph"]


def __getattr__(name: str) -> Any:
    if name == "build_graph":  # lazy: prompts is imported by the planner without the whole graph
        from assistant.graph.graph import build_graph

        return build_graph
    raise AttributeError(name)
