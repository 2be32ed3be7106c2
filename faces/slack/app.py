"""`create_app(settings)`: the Bolt app, built by a factory so tests can hand it a client pointed at a
local Web API and a fake answer function; nothing is read from the environment at import."""

from __future__ import annotations

import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from faces.slack.config import SlackConfig
from faces.slack.core import AnswerFn, SlackService, ToolFn, new_trace_id
from faces.slack.dedupe import Deduper, dedupe_middleware
from faces.slack.governance import register as register_governance
from faces.slack.handlers import register_all
from faces.slack.store import SlackStore, state_path
from core.errors import UserError
from core.settings import Settings

log = logging.getLogger("pace.slack")
_SERVICES: weakref.WeakKeyDictionary[App, SlackService] = weakref.WeakKeyDictionary()


def default_tools() -> dict[str, ToolFn]:
    """The tools of `tools.registry` (scan, savings, forecast, triage, weekly...), called with the
    command's text and the tool's default period; a tool missing there is absent here, and the slash
    command says it is not available."""
    try:
        from tools.registry import TOOLS
    except ImportError:
        return {}
    return {name: _from_registry(fn) for name, fn in TOOLS.items()}


def _from_registry(fn: Callable[..., Any]) -> ToolFn:
    def call(text: str, settings: Settings, as_of: date) -> Any:
        return fn(settings, text, None)

    return call


def _default_answer(question: str, **kwargs: Any) -> Any:
    from assistant.service import answer  # the submodule: robust where tests/ shadows `assistant`

    return answer(question, **kwargs)


def default_answer_fn(workers: int | None = None) -> AnswerFn:
    """The real answer, computed in worker processes (faces/slack/workers.py); `workers=0` answers in
    the server's own threads instead (one process, for debugging)."""
    if workers == 0:
        return _default_answer
    from faces.slack.workers import AnswerPool

    return AnswerPool(workers)


def create_app(
    settings: Settings,
    *,
    client: WebClient | None = None,
    answer_fn: AnswerFn | None = None,
    tools: Mapping[str, ToolFn] | None = None,
    config: SlackConfig | None = None,
    socket_mode: bool = False,
    planner: str = "auto",
    process_before_response: bool = False,
    state_file: Path | None = None,
    workers: int = 32,
    answer_workers: int | None = None,
) -> App:
    """The pace Bolt app. HTTP mode verifies signatures with SLACK_SIGNING_SECRET; Socket Mode needs none.

    The bot token comes from `client` when given, else SLACK_BOT_TOKEN; Bolt checks it with auth.test
    once here, which also tells it the bot's own ids so its own messages are ignored. `state_file`
    overrides where posted ids and answer records live (default: next to the warehouse). Without an
    `answer_fn`, answers run in `answer_workers` processes (default: one per CPU; 0: in-process), so the
    listener threads only wait, ack and post.
    """
    if client is None and not settings.slack_bot_token:
        raise UserError("SLACK_BOT_TOKEN is not set; export the bot token (xoxb-...)")
    if not socket_mode and not settings.slack_signing_secret:
        raise UserError("SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify requests")
    # Bolt builds its own client from the token (passing both makes it warn), or uses the given one.
    auth: dict[str, Any] = {"client": client} if client is not None else {"token": settings.slack_bot_token}
    app = App(
        name="pace",
        **auth,
        signing_secret=settings.slack_signing_secret or "socket-mode-does-not-sign",
        request_verification_enabled=not socket_mode,
        process_before_response=process_before_response,
        # Bolt's default pool has 5 workers; listeners wait on answer workers, DuckDB and the LLM, not the CPU.
        listener_executor=ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pace-slack"),
    )
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in app.client.retry_handlers):
        app.client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))  # 429s carry Retry-After
    service = SlackService(
        settings=settings,
        answer_fn=answer_fn or default_answer_fn(answer_workers),
        tools=default_tools() if tools is None else tools,
        config=config or SlackConfig.from_env(),
        store=SlackStore(state_file or state_path(settings)),
        planner=planner,
    )
    app.use(dedupe_middleware(Deduper()))  # runs after Bolt's signature check: a forged request claims nothing
    register_governance(app, settings)  # before register_all: its `/pace` listener takes any text
    register_all(app, service)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error [trace %s] for %s: %r", new_trace_id(), body.get("type"), error, exc_info=error)

    _SERVICES[app] = service
    return app


def service_of(app: App) -> SlackService:
    """The service `create_app` attached to this app (for the scheduler and tests)."""
    try:
        return _SERVICES[app]
    except KeyError:
        raise ValueError("this App was not built by faces.slack.create_app") from None
