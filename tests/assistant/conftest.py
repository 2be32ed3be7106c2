"""Fixtures for assistant tests: offline answers against the shared demo warehouse."""

from __future__ import annotations

import hashlib
from datetime import date
import re
import string
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.graph.context import Context
from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs
from assistant.models import Answer
from assistant.semantics import Resources, resources_for
from core.settings import Settings
from tests.assistant.fakes import fake_catalog


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


PROMPT_PARTS = ("SYSTEM_PROMPT", "PERIOD_HINT", "NO_PERIOD_HINT", "PREVIOUS_HINT", "REPAIR_PROMPT", "SQL_TABLES_HINT", "JSON_ONLY_HINT")
_ELIDED = re.compile(
    r"\(pace planner system prompt(?: template (?P<fp>[0-9a-f]{12}))?"
    r"(?:: .*?as-of (?P<as_of>[\d-]+), period start=(?P<start>\S+) end=(?P<end>[^;\s]+))?; elided"
)


def prompt_fingerprint() -> str:
    """12 hex digits of sha256 over the planner's prompt templates (the instructions, not the catalog)."""
    from assistant.graph import prompts

    text = "\x00".join(getattr(prompts, name, "") for name in PROMPT_PARTS)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _template_regex() -> re.Pattern[str]:
    """The current system prompt with its slots as groups: literal text must match exactly."""
    from assistant.graph import prompts

    out = []
    for literal, field, _, _ in string.Formatter().parse(prompts.SYSTEM_PROMPT):
        out.append(re.escape(literal))
        if field is not None:
            out.append(f"(?P<{field}>.*?)" if field != "previous" else "(?P<previous>.*)")
    return re.compile("".join(out), re.DOTALL)


def check_system_prompt(recorded: str, live: str) -> None:
    """The cassette's system prompt was written for today's prompt templates, as-of date and period.

    A hand-written cassette elides the prompt but names the templates' fingerprint, as-of and period;
    a live recording holds the whole prompt, whose instruction text must equal today's template (the
    catalog slots may differ, so a catalog edit alone does not invalidate it).
    """
    live_m = _template_regex().fullmatch(live)
    assert live_m is not None, "the live system prompt does not follow assistant/graph/prompts.py (test setup bug)"
    elided = _ELIDED.match(recorded)
    if elided:
        assert elided["fp"] == prompt_fingerprint(), (
            f"the planner's prompt templates changed since this cassette was written (cassette {elided['fp']}, now "
            f"{prompt_fingerprint()}): re-record it live, or review the change and mark the cassettes "
            "(python -m tests.assistant.mark_prompt)"
        )
        if elided["as_of"]:
            assert live_m["as_of"] == elided["as_of"], "as-of date differs"
            assert f"start={elided['start']} end={elided['end']}" in live_m["period_hint"], "period differs"
        return
    rec_m = _template_regex().fullmatch(recorded)
    assert rec_m is not None, "the recorded system prompt's instructions differ from assistant/graph/prompts.py: re-record"
    assert (rec_m["as_of"], rec_m["period_hint"]) == (live_m["as_of"], live_m["period_hint"]), "as-of date or period differs"


FAKE_BASE_URL = "http://llm.pace.test/v1"


def at_fake_endpoint(request: Any) -> Any:
    """vcrpy hook: requests are stored and matched under the fake base URL, so a live recording replays offline as is."""
    if request.path.endswith("/chat/completions"):
        request.uri = f"{FAKE_BASE_URL}/chat/completions"
    return request


def openai_turn(r1: Any, r2: Any) -> None:
    """vcrpy matcher for Chat Completions: same model, tool names, turn count, last message (role;
    content too for a user turn) and system prompt: its instruction text (by template fingerprint for
    hand-written cassettes), as-of date and period; the catalog entries in it are not compared, so a
    catalog edit does not invalidate hand-written cassettes while a prompt edit, question or flow does."""
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
    # vcrpy passes the request being made first and the recorded one second
    live = [m.get("content") or "" for m in a.get("messages", [])[:1] if m.get("role") == "system"]
    recorded = [m.get("content") or "" for m in b.get("messages", [])[:1] if m.get("role") == "system"]
    assert bool(live) == bool(recorded), "one request has a system prompt and the other has none"
    if live:
        check_system_prompt(recorded[0], live[0])


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("openai_turn", openai_turn)


PLANNER_AS_OF = [date(2026, 11, 2), date(2026, 11, 18)]  # a Monday that starts a month, and a Wednesday


@pytest.fixture(params=PLANNER_AS_OF, ids=lambda d: d.isoformat())
def inputs(request: pytest.FixtureRequest) -> PlannerInputs:
    """Planner inputs over the small fake catalog on two as-of dates (a module may define its own)."""
    cat = fake_catalog()
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=request.param)
