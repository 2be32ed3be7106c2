"""Wiring only: nodes and routers into a StateGraph; `build_graph()` compiles a fresh one.

understand -> resolve_time -> (plan -> validate -> execute | clarify | repair) | run_tool -> respond
"""

from __future__ import annotations

from functools import partial
from typing import Any

from langgraph.graph import END, START, StateGraph

from assistant.graph import nodes, routing
from assistant.graph.context import Context
from assistant.graph.respond import respond
from assistant.graph.state import InputState, OutputState, State


def build_graph(checkpointer: Any = None, *, max_repairs: int = 2) -> Any:
    """The compiled assistant graph; pass a checkpointer for conversation memory."""
    g = StateGraph(State, context_schema=Context, input_schema=InputState, output_schema=OutputState)
    g.add_node("understand", nodes.understand)
    g.add_node("resolve_time", nodes.resolve_time)
    g.add_node("plan", nodes.plan)
    g.add_node("validate", nodes.validate)
    g.add_node("execute", nodes.execute)
    g.add_node("repair", nodes.repair)
    g.add_node("clarify", nodes.clarify)
    g.add_node("run_tool", nodes.run_tool)
    g.add_node("respond", respond)
    g.add_edge(START, "understand")
    g.add_conditional_edges("understand", routing.route_intent)
    g.add_conditional_edges("resolve_time", routing.route_resolved, ["plan", "run_tool"])
    g.add_conditional_edges("plan", partial(routing.route_plan, max_repairs=max_repairs), ["validate", "clarify", "repair", "respond"])
    g.add_conditional_edges("repair", partial(routing.route_plan, max_repairs=max_repairs), ["validate", "clarify", "repair", "respond"])
    g.add_conditional_edges("validate", partial(routing.route_validated, max_repairs=max_repairs), ["execute", "repair", "respond"])
    g.add_conditional_edges("execute", partial(routing.route_executed, max_repairs=max_repairs), ["repair", "respond"])
    g.add_edge("clarify", "respond")
    g.add_edge("run_tool", "respond")
    g.add_edge("respond", END)
    return g.compile(checkpointer=checkpointer, name="pace-assistant")
