"""Graph units: routers on hand-built state, the wiring, and single nodes invoked on their own."""

from __future__ import annotations

import pytest

from assistant.graph import build_graph
from assistant.graph.routing import route_executed, route_intent, route_plan, route_validated


@pytest.mark.parametrize(
    ("intent", "node"),
    [("metric", "resolve_time"), ("sql_text", "resolve_time"), ("scan", "resolve_time"), ("weekly", "resolve_time"),
     ("refused", "respond"), ("help", "respond"), ("show_sql", "respond"), ("empty", "respond")],
)
def test_route_intent(intent: str, node: str) -> None:
    assert route_intent({"intent": intent}) == node


def test_route_resolved() -> None:
    from assistant.graph.routing import route_resolved

    assert route_resolved({"intent": "scan"}) == "run_tool" and route_resolved({"intent": "metric"}) == "plan"


def test_routers_reject_unexpected_values() -> None:
    with pytest.raises(ValueError, match="bogus"):
        route_intent({"intent": "bogus"})
    with pytest.raises(ValueError, match="bogus"):
        route_plan({"plan": {"kind": "bogus"}})
    with pytest.raises(ValueError, match="bogus"):
        route_validated({"error_kind": "bogus"})


@pytest.mark.parametrize(
    ("plan", "state", "node"),
    [({"kind": "query"}, {}, "validate"), ({"kind": "sql"}, {}, "validate"), ({"kind": "clarify"}, {}, "clarify"),
     ({"kind": "abstain"}, {}, "respond"), ({"kind": "error", "planner": "offline"}, {}, "respond"),
     ({"kind": "error", "planner": "llm"}, {"messages": [{}], "repairs": 0}, "repair"),
     ({"kind": "error", "planner": "llm"}, {"messages": [{}], "repairs": 2}, "respond")],
)
def test_route_plan(plan: dict, state: dict, node: str) -> None:
    assert route_plan({"plan": plan, **state}) == node


@pytest.mark.parametrize(
    ("planner", "kind", "repairs", "node"),
    [("offline", None, 0, "execute"), ("offline", "validation", 0, "respond"), ("llm", "validation", 0, "repair"),
     ("llm", "validation", 1, "repair"), ("llm", "validation", 2, "respond"), ("llm", "refused", 0, "respond")],
)
def test_route_validated_caps_repairs_at_two(planner: str, kind: str | None, repairs: int, node: str) -> None:
    assert route_validated({"plan": {"planner": planner}, "error_kind": kind, "repairs": repairs}) == node


def test_route_executed() -> None:
    assert route_executed({"error_kind": None}) == "respond"
    assert route_executed({"error_kind": "execution", "plan": {"planner": "llm"}, "repairs": 0}) == "repair"
    assert route_executed({"error_kind": "execution", "plan": {"planner": "offline"}}) == "respond"


def test_graph_has_every_node() -> None:
    nodes = set(build_graph().nodes)
    assert {"understand", "resolve_time", "plan", "validate", "execute", "repair", "clarify", "run_tool", "respond"} <= nodes


def test_understand_node_alone_resets_turn_and_refuses() -> None:
    from langgraph.runtime import Runtime

    from assistant.graph.context import Context
    from assistant.graph.nodes import understand

    out = understand({"question": "DROP TABLE jobs", "rows": [[1]], "last_query": {"metrics": ["x"]}},
                     Runtime(context=Context()))
    assert out["intent"] == "refused" and out["rows"] == [] and "last_query" not in out


def test_import_assistant_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, assistant; print(any(m.startswith(('langgraph', 'openai', 'duckdb', 'matplotlib')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
