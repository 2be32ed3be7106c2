"""Fixtures for assistant tests: offline answers against the shared demo warehouse."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.graph.context import Context
from assistant.models import Answer
from assistant.semantics import Resources, resources_for
from core.settings import Settings


class SpyResources:
    """Real resources that record every compile, validate and run (to prove what ran, or that nothing did)."""

    def __init__(self, real: Resources, rows_override: list[list[Any]] | None = None) -> None:
        self.real = real
        self.calls: list[tuple[str, str]] = []
        self.rows_override = rows_override

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def compile(self, query: Any) -> Any:
        self.calls.append(("compile", query.model_dump_json()))
        return self.real.compile(query)

    def validate(self, sql: str) -> Any:
        self.calls.append(("validate", sql))
        return self.real.validate(sql)

    def run_query(self, query: Any) -> Any:
        self.calls.append(("run_query", query.model_dump_json()))
        result = self.real.run_query(query)
        if self.rows_override is not None:
            result.rows = self.rows_override
        return result

    def run_sql(self, sql: str) -> Any:
        self.calls.append(("run_sql", sql))
        return self.real.run_sql(sql)

    @property
    def ran(self) -> list[str]:
        return [kind for kind, _ in self.calls if kind.startswith("run_")]


@pytest.fixture
def spy(settings: Settings) -> SpyResources:
    return SpyResources(resources_for(settings))


@pytest.fixture
def ask(settings: Settings, spy: SpyResources, tmp_path: Path) -> Callable[..., Answer]:
    """ask(question, thread=None, **context) -> Answer with the offline planner, no charts unless asked."""
    from assistant.service import answer

    def _ask(question: str, thread: str | None = None, planner: str = "offline", **ctx: Any) -> Answer:
        ctx.setdefault("charts", False)
        context = Context(settings=settings, resources=spy, chart_dir=tmp_path / "charts", **ctx)
        return answer(question, thread_id=thread, planner=planner, settings=settings, context=context)  # type: ignore[arg-type]

    return _ask


@pytest.fixture
def thread() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def openai_turn(r1: Any, r2: Any) -> None:
    """vcrpy matcher for Chat Completions: same model, tool names, turn count and last message
    (role; content too for a user turn). The system prompt (catalog text) is not compared, so a
    catalog edit does not invalidate hand-written cassettes; a changed question or flow does."""
    import json

    a, b = json.loads(r1.body or b"{}"), json.loads(r2.body or b"{}")
    assert a.get("model") == b.get("model"), "model differs"
    names = lambda body: [t["function"]["name"] for t in body.get("tools", [])]  # noqa: E731
    assert names(a) == names(b), "tools differ"
    assert len(a.get("messages", [])) == len(b.get("messages", [])), "turn count differs"
    la, lb = a["messages"][-1], b["messages"][-1]
    assert la["role"] == lb["role"], "last message role differs"
    if la["role"] == "user":
        assert la["content"] == lb["content"], "question differs"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("openai_turn", openai_turn)
