"""How the LLM planner asks a server for a structured plan, and what it does when a server refuses.

OpenAI-compatible servers accept different subsets of the Chat Completions structure parameters:
llama.cpp's function-calling handler takes a named function or `"auto"` but answers HTTP 500 to
`tool_choice: "required"`; vLLM takes `"required"`, a named function and `response_format`; Ollama
ignores `tool_choice`. So pace asks in the most portable form first and falls back along one
documented chain (docs/llm.md), remembering per endpoint and model which form worked:

1. `named`: tools plus `tool_choice` naming `plan_metric_query` (grammar-constrained on llama.cpp/vLLM).
2. `required`: tools plus `tool_choice: "required"`.
3. `auto`: tools plus `tool_choice: "auto"`.
4. `json_schema`: no tools; `response_format` with the MetricQuery JSON schema.
5. `json_object`: no tools; `response_format: {"type": "json_object"}`, schema in the prompt.

When the prompt is large enough to also offer `run_sql` (a budget that can list the tables), the
model has a real choice to make, and `required` comes before `named`, which would take that away.

A refusal is an HTTP 400/404/422/500/501 answer that is not about the prompt's length; context-length
errors, auth errors and rate limits end the chain with the server's own message in one line.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

MODES = ("named", "required", "auto", "json_schema", "json_object")

REFUSAL_STATUS = frozenset({400, 404, 405, 422, 500, 501})
_CONTEXT_WORDS = re.compile(r"context|too long|maximum.*tokens|exceed|n_ctx|prompt is too", re.I)

_LOCK = threading.Lock()
_MEMORY: dict[str, str] = {}


def endpoint_key(base_url: str | None, model: str) -> str:
    return f"{(base_url or 'https://api.openai.com/v1').rstrip('/')}|{model}"


def memory_path() -> Path:
    """Where the per-endpoint choice is kept between runs (beside pace's other user data)."""
    from core.settings import default_db_path

    return default_db_path().parent / "llm-endpoints.json"


def remembered(key: str, path: Path | None = None) -> str | None:
    """The mode that last worked for this endpoint, if any."""
    with _LOCK:
        if key in _MEMORY:
            return _MEMORY[key]
        try:
            saved = json.loads((path or memory_path()).read_text())
        except (OSError, ValueError):
            return None
        mode = saved.get(key) if isinstance(saved, dict) else None
        if mode in MODES:
            _MEMORY[key] = mode
            return mode
        return None


def remember(key: str, mode: str, path: Path | None = None) -> None:
    """Keep `mode` for this endpoint, in memory and (best effort) on disk."""
    with _LOCK:
        if _MEMORY.get(key) == mode:
            return
        _MEMORY[key] = mode
        target = path or memory_path()
        try:
            saved = json.loads(target.read_text()) if target.exists() else {}
            saved = saved if isinstance(saved, dict) else {}
            saved[key] = mode
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(saved, indent=1, sort_keys=True))
            tmp.replace(target)
        except OSError:
            pass


def forget_all() -> None:
    """Drop the in-process memory (tests)."""
    with _LOCK:
        _MEMORY.clear()


def chain(start: str | None, *, choice: bool = False) -> tuple[str, ...]:
    """The modes to try, beginning with the remembered one; `choice`: more than one tool is offered."""
    order = ("required", "named", *MODES[2:]) if choice else MODES
    if start not in order:
        return order
    return order[order.index(start):]


def request_kwargs(mode: str, tools: list[dict[str, Any]], schema: dict[str, Any]) -> dict[str, Any]:
    """The structure parameters of one Chat Completions request in `mode`."""
    if mode == "named":
        return {"tools": tools, "tool_choice": {"type": "function", "function": {"name": "plan_metric_query"}}}
    if mode == "required":
        return {"tools": tools, "tool_choice": "required"}
    if mode == "auto":
        return {"tools": tools, "tool_choice": "auto"}
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "plan_metric_query", "schema": schema}}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    raise ValueError(f"unknown LLM request mode {mode!r}")


def server_message(exc: Any) -> str:
    """The server's own error text from an openai APIStatusError, on one line, printable, capped."""
    body = getattr(exc, "body", None)
    text = None
    if isinstance(body, dict):
        err = body.get("error", body)
        text = err.get("message") if isinstance(err, dict) else err if isinstance(err, str) else None
        text = text or body.get("detail") or body.get("message")
    if not text:
        response = getattr(exc, "response", None)
        try:
            text = response.text if response is not None else None
        except Exception:  # a streamed or closed body
            text = None
    if not isinstance(text, str) or not text.strip():
        text = getattr(exc, "message", None) or str(exc)
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    return line[:300] + ("…" if len(line) > 300 else "")


def is_refusal(status: int, message: str) -> bool:
    """A server that does not support what this mode asked for (not a too-long prompt, not auth)."""
    return status in REFUSAL_STATUS and not _CONTEXT_WORDS.search(message)
