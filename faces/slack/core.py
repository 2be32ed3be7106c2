"""What every handler does, in one place: answer a question into a thread, run a tool, and turn any
failure into a friendly message with a trace id that is also in the log. Handlers stay thin."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

from slack_sdk import WebClient

from assistant.models import Answer
from faces.slack import blocks as bk
from faces.slack.config import SlackConfig
from faces.slack.dedupe import Deduper
from faces.slack.policy import NOTE, redact_answer, redact_result
from faces.slack.store import SlackStore
from core.errors import Refused, UserError
from core.settings import Settings

log = logging.getLogger("pace.slack")
AnswerFn = Callable[..., Answer]
ToolFn = Callable[[str, Settings, date], Any]


def thread_id(channel: str, thread_ts: str) -> str:
    """The assistant's memory key for one Slack thread."""
    return f"slack:{channel}:{thread_ts}"


def in_thread(client: WebClient, channel: str, thread_ts: str | None) -> Callable[[str], Any]:
    """A notifier that posts plain text into one thread."""
    return lambda text: client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)


def new_trace_id() -> str:
    return uuid.uuid4().hex[:8]


@dataclass(kw_only=True)
class SlackService:
    """Shared state of one app: settings, the answer function, tools, policy and the state store."""

    settings: Settings
    answer_fn: AnswerFn
    tools: Mapping[str, ToolFn]
    config: SlackConfig
    store: SlackStore
    planner: str = "auto"
    as_of: Callable[[], date] = field(default=date.today)
    seen: Deduper = field(default_factory=Deduper)
    """Messages already being answered (one message can arrive as two events)."""

    def claim_message(self, channel: str, ts: str) -> bool:
        """True for the first handler to answer this message; False for any later one."""
        return self.seen.first_time(f"msg:{channel}:{ts}")

    @contextmanager
    def guarded(self, notify: Callable[[str], Any], what: str) -> Iterator[None]:
        """Log any exception with a trace id and tell the user through `notify`; never re-raise."""
        try:
            yield
        except (UserError, Refused) as exc:  # the user's to fix: say what, no trace needed
            log.info("user error while %s: %s", what, exc)
            notify(f":warning: {bk.escape(exc)}")  # messages can repeat what the user typed
        except Exception:  # noqa: BLE001 - the face's boundary: users get a message, the log gets the trace
            trace = new_trace_id()
            log.exception("pace slack failure [trace %s] while %s", trace, what)
            try:
                notify(bk.error_text(trace))
            except Exception:  # noqa: BLE001
                log.exception("could not tell the user about the failure [trace %s]", trace)

    # -- questions -------------------------------------------------------------------------------
    def answer(self, question: str, *, channel: str, thread_ts: str, user: str | None) -> tuple[Answer, str | None]:
        """Run the assistant in the thread's memory; redact cost when policy says so."""
        result = self.answer_fn(question, thread_id=thread_id(channel, thread_ts), settings=self.settings,
                                planner=self.planner)
        if result.status == "error":
            raise RuntimeError(f"assistant returned an error: {result.text}")
        if self.config.may_see_cost(user, channel):
            return result, None
        redacted, hidden = redact_answer(result)
        return redacted, (NOTE if hidden else None)

    def answer_message(self, question: str, *, channel: str, thread_ts: str, user: str | None) -> tuple[Answer, list[dict[str, Any]], str]:
        """The answer, its blocks and fallback text; the question and SQL are stored for the buttons."""
        result, note = self.answer(question, channel=channel, thread_ts=thread_ts, user=user)
        key = uuid.uuid4().hex[:16]
        self.store.save_answer(key, question, result.sql, channel, thread_id(channel, thread_ts))
        return result, bk.answer_blocks(result, key=key, note=note), bk.fallback_text(result)

    def post_answer(self, client: WebClient, question: str, *, channel: str, thread_ts: str, user: str | None) -> str | None:
        """Answer `question` into the thread: blocks, then the chart as a file in the same thread."""
        result, blocks, text = self.answer_message(question, channel=channel, thread_ts=thread_ts, user=user)
        resp = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
        if result.chart:
            self.upload_chart(client, result.chart, channel=channel, thread_ts=thread_ts, title=question)
        return resp.get("ts")

    def upload_chart(self, client: WebClient, path: str, *, channel: str, thread_ts: str, title: str) -> None:
        """files_upload_v2 into the thread; a failed upload is logged, the answer already stands."""
        if not Path(path).is_file():
            log.warning("chart %s is missing; answer posted without it", path)
            return
        try:
            client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=path, filename=Path(path).name,
                                   title=bk.clip(title, 200))
        except Exception:  # noqa: BLE001
            log.exception("chart upload failed for %s", path)

    # -- tools -----------------------------------------------------------------------------------
    def run_tool(self, name: str, text: str, *, user: str | None, channel: str | None) -> tuple[list[dict[str, Any]], str]:
        """Blocks and fallback text for `/pace <tool> text`; an honest reply when the tool is missing."""
        fn = self.tools.get(name)
        if fn is None:
            msg = (f"`/pace {name}` is not available in this installation yet (the {name} tool has not been "
                   "installed). Meanwhile `/pace ask` answers metric questions, e.g. `/pace ask cost by team last week`.")
            return bk.text_blocks(msg), msg
        result = to_result(fn(text, self.settings, self.settings.as_of or self.as_of()))
        note = None
        if not self.config.may_see_cost(user, channel):
            result, hidden = redact_result(result)
            note = NOTE if hidden else None
        key = uuid.uuid4().hex[:16]
        self.store.save_answer(key, f"/pace {name} {text}".strip(), result.get("sql"), channel, None)
        text_out = str(result.get("text") or name)
        return bk.result_blocks(f"pace {name}", result, key=key, note=note), bk.fallback_text(text_out)


def to_result(value: Any) -> dict[str, Any]:
    """A tool's return as a dict: text, columns, rows, sql (all evidence queries), and `blocks` when the
    tool renders itself for Slack (`render("slack")`: the weekly narrative, triage drafts)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        return {"text": value}
    out: dict[str, Any] = {}
    if hasattr(value, "summary_text"):
        evidence = [q for q in (getattr(value, "evidence_sql", None) or []) if q]
        out = {"text": value.summary_text(), "columns": list(getattr(value, "columns", []) or []),
               "rows": [list(r) for r in (getattr(value, "rows", []) or [])], "sql": ";\n\n".join(evidence) or None}
    elif hasattr(value, "model_dump"):
        out = value.model_dump(mode="json")
    else:
        return {"text": str(value)}
    render = getattr(value, "render", None)
    if callable(render):
        try:
            slack = json.loads(render("slack"))
        except Exception:  # noqa: BLE001 - no Slack form: the table is shown instead
            slack = None
        if isinstance(slack, dict) and slack.get("blocks"):
            out.update(blocks=slack["blocks"], text=slack.get("text") or out.get("text"))
    return out
