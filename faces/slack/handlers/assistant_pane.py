"""Slack's AI assistant pane (Bolt's `Assistant` middleware) and the App Home tab.

thread started -> greeting and suggested prompts; each message -> status "thinking...", a title, then
the same answer as a mention. On any failure `say()` is always called, or the status never clears.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant, Say, SetStatus, SetSuggestedPrompts, SetTitle
from slack_sdk import WebClient

from faces.slack.blocks import clip
from faces.slack.core import SlackService

log = logging.getLogger("pace.slack")
PROMPTS: tuple[tuple[str, str], ...] = (
    ("Spend last week", "cost by team last week"),
    ("H100 utilization", "H100 utilization by cluster last week"),
    ("Idle capacity", "idle accelerator hours by team last week"),
    ("Queue wait", "median queue wait by cluster last week"),
)
GREETING = "Hi! I answer questions about the accelerator fleet with numbers, tables, charts and the SQL behind them."


def home_view() -> dict[str, Any]:
    examples = "\n".join(f"• {q}" for _, q in PROMPTS)
    return {"type": "home", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "pace"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": GREETING}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Try:*\n{examples}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Mention @pace in a channel, DM me, or use `/pace help`."}]},
    ]}


def _best_effort(fn: Any, text: str) -> None:
    """Status and title are cosmetic: a DM thread that is not an assistant thread refuses them, and
    the answer must still come."""
    try:
        fn(text)
    except Exception as exc:  # noqa: BLE001
        log.info("assistant pane call skipped: %s", exc)


def register(app: App, service: SlackService) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def started(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say(GREETING)
        set_suggested_prompts(prompts=[{"title": t, "message": m} for t, m in PROMPTS])

    @assistant.user_message
    def message(payload: dict[str, Any], client: WebClient, say: Say, set_status: SetStatus, set_title: SetTitle) -> None:
        question = (payload.get("text") or "").strip()
        if not service.claim_message(payload["channel"], payload["ts"]):
            return
        with service.guarded(lambda text: say(text), "answering in the assistant pane"):
            _best_effort(set_status, "thinking...")
            _best_effort(set_title, clip(question, 60) or "pace")
            service.post_answer(client, question, channel=payload["channel"], thread_ts=payload["thread_ts"],
                                user=payload.get("user"))

    app.use(assistant)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            with service.guarded(lambda text: None, "publishing App Home"):
                client.views_publish(user_id=event["user"], view=home_view())
