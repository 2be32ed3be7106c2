"""@mentions in channels, direct messages and replies in pace's threads, always answered in a thread.

The work runs as a lazy listener: Bolt acknowledges the event at once (Slack wants that within 3 s)
and the answer is posted to the thread when it is ready.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from faces.slack.core import SlackService, in_thread, thread_id

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
MENTIONED = re.compile(r"<@([A-Z0-9]+)")
HELP_HINT = "Ask me about your fleet, e.g. *cost by team last week* or *H100 utilization by cluster*. `/pace help` lists more."


def question_of(text: str) -> str:
    """The text without @mentions."""
    return MENTION.sub(" ", text or "").strip()


def _ack(ack: Ack) -> None:
    ack()


def register(app: App, service: SlackService) -> None:
    def answer_event(event: dict[str, Any], client: WebClient) -> None:
        channel, ts = event["channel"], event.get("thread_ts") or event["ts"]
        if not service.claim_message(channel, event["ts"]):
            return
        question = question_of(event.get("text", ""))
        with service.guarded(in_thread(client, channel, ts), "answering a message"):
            if not question:
                client.chat_postMessage(channel=channel, thread_ts=ts, text=HELP_HINT)
                return
            service.post_answer(client, question, channel=channel, thread_ts=ts, user=event.get("user"))

    def message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        # Plain user messages only (edits, joins and bots are skipped): every DM, and in channels the
        # replies in a thread pace has answered (needs message.channels / message.groups events),
        # unless the reply is addressed to someone else.
        if event.get("subtype") or event.get("bot_id"):
            return
        kind, thread = event.get("channel_type"), event.get("thread_ts")
        if kind == "im":
            answer_event(event, client)
            return
        addressed = MENTIONED.findall(event.get("text") or "")
        if addressed and context.bot_user_id not in addressed:
            return
        if kind in ("channel", "group") and thread and service.store.has_thread(thread_id(event["channel"], thread)):
            answer_event(event, client)

    app.event("app_mention")(ack=_ack, lazy=[answer_event])
    app.event("message")(ack=_ack, lazy=[message])
