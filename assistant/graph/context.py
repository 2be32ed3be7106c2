"""Run-time configuration of the graph: one keyword-only dataclass, read by nodes from the runtime."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from core.settings import Settings

PlannerMode = Literal["auto", "offline", "llm"]
ToolFn = Callable[..., Any]


@dataclass(kw_only=True)
class Context:
    """Everything a node may read besides state; no node reads os.environ or the wall clock."""

    settings: Settings = field(default_factory=Settings, metadata={"description": "pace settings (db, as_of, LLM)."})
    planner: PlannerMode = field(default="auto", metadata={"description": "auto: LLM when configured, else offline."})
    thread_id: str = field(default="", metadata={"description": "Conversation id, echoed in the answer."})
    clock: Callable[[], datetime] = field(default=datetime.now, metadata={"description": "Injected clock (fallback 'today')."})
    default_period_days: int = field(default=7, metadata={"description": "Window used when a question names no period."})
    confidence_threshold: float = field(default=0.6, metadata={"description": "Offline planner abstains below this."})
    charts: bool = field(default=True, metadata={"description": "Render a PNG chart for series and rankings."})
    chart_dir: Path | None = field(default=None, metadata={"description": "Where charts go (default: a temp dir)."})
    llm_timeout_s: float | None = field(default=None, metadata={"description": "Per-request LLM timeout; default PACE_LLM_TIMEOUT_S."})
    llm_max_retries: int = field(default=2, metadata={"description": "Client retries with backoff on 429/5xx."})
    tools: Mapping[str, ToolFn] | None = field(default=None, metadata={"description": "intent -> tool; default: registry."})
    resources: Any = field(default=None, metadata={"description": "Injected semantic-layer resources (tests)."})
    llm_client: Any = field(default=None, metadata={"description": "Injected OpenAI client (tests)."})
