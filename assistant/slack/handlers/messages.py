"""@mentions in channels and direct messages, always answered in a thread.

The work runs as a lazy listener: Bolt acknowledges the event at once (Slack wants that within 3 s)
and the answer is posted to the thread when it is ready.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from assistant.slack.core import SlackService, in_thread

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
HELP_HINT = "Ask me about your fleet, e.g. *cost by team last week* or *H100 utilization by cluster*. `/pace help` lists more."


def question_of(text: str) -> str:
    """The text without @mentions."""
    return MENTION.sub(" ", text or "").strip()


def _ack(ack: Ack) -> None:
    ack()


def register(app: App, service: SlackService) -> None:
    def answer_event(event: dict[str, Any], client: WebClient) -> None:
        channel, ts = event["channel"], event.get("thread_ts") or event["ts"]
        question = question_of(event.get("text", ""))
        with service.guarded(in_thread(client, channel, ts), "answering a message"):
            if not question:
                client.chat_postMessage(channel=channel, thread_ts=ts, text=HELP_HINT)
                return
            service.post_answer(client, question, channel=channel, thread_ts=ts, user=event.get("user"))

    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        # Only plain user messages in DMs; channel messages need an @mention, edits and bots are skipped.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        answer_event(event, client)

    app.event("app_mention")(ack=_ack, lazy=[answer_event])
    app.event("message")(ack=_ack, lazy=[direct_message])
