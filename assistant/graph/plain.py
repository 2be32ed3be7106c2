"""One turn without memory, run node by node in this process, without importing LangGraph.

A turn with no thread has no checkpoint to read or write, and LangGraph's import alone costs about
a second of CPU, more than the whole answer. This runner walks the same nodes and the same pure
routers as `graph.build_graph()`; `WIRING` is the graph's shape, and tests/test_perf_paths.py checks
it against the compiled LangGraph graph so the two cannot drift apart. Threads (memory) use LangGraph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from assistant.graph import nodes, routing
from assistant.graph.context import Context
from assistant.graph.respond import respond

END = "__end__"
START = "__start__"


@dataclass(frozen=True)
class PlainRuntime:
    """What the nodes read from LangGraph's `Runtime`: only `context`."""

    context: Context


def wiring(max_repairs: int = 2) -> dict[str, tuple[Callable[..., dict[str, Any]], Callable[[dict[str, Any]], str], tuple[str, ...]]]:
    """node -> (function, router to the next node, the nodes that router may name)."""
    plan_next = ("validate", "clarify", "repair", "respond")
    return {
        "understand": (nodes.understand, routing.route_intent, ("resolve_time", "respond")),
        "resolve_time": (nodes.resolve_time, routing.route_resolved, ("plan", "run_tool")),
        "plan": (nodes.plan, partial(routing.route_plan, max_repairs=max_repairs), plan_next),
        "repair": (nodes.repair, partial(routing.route_plan, max_repairs=max_repairs), plan_next),
        "validate": (nodes.validate, partial(routing.route_validated, max_repairs=max_repairs), ("execute", "repair", "respond")),
        "execute": (nodes.execute, partial(routing.route_executed, max_repairs=max_repairs), ("repair", "respond")),
        "clarify": (nodes.clarify, lambda _s: "respond", ("respond",)),
        "run_tool": (nodes.run_tool, lambda _s: "respond", ("respond",)),
        "respond": (respond, lambda _s: END, (END,)),
    }


FIRST = "understand"


def run_turn(question: str, context: Context, *, max_repairs: int = 2, recursion_limit: int = 40) -> dict[str, Any]:
    """Run one memoryless turn; returns the output state ({"answer": ...}) as `graph.invoke` does.

    Each node sees a copy of the state and its returned keys replace the state's (the graph's state has
    no reducers), exactly as LangGraph applies a node's update.
    """
    table = wiring(max_repairs)
    runtime = PlainRuntime(context)
    state: dict[str, Any] = {"question": question}
    node, steps = FIRST, 0
    while node != END:
        steps += 1
        if steps > recursion_limit:
            raise RecursionError(f"the turn took more than {recursion_limit} steps without an answer (last node {node})")
        function, route, allowed = table[node]
        state.update(function(dict(state), runtime) or {})
        following = route(state)
        if following not in allowed:
            raise ValueError(f"{node}: router named {following!r}, not one of {allowed}")
        node = following
    return {"answer": state.get("answer")}


@dataclass(frozen=True)
class PlainGraph:
    """`graph.invoke`'s shape for memoryless turns, so callers treat both runners alike."""

    max_repairs: int = 2

    def invoke(self, inputs: dict[str, Any], config: dict[str, Any] | None = None, *, context: Context) -> dict[str, Any]:
        limit = int((config or {}).get("recursion_limit", 40))
        return run_turn(inputs["question"], context, max_repairs=self.max_repairs, recursion_limit=limit)
