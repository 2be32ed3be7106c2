"""Buttons on answers: "Show SQL" (an ephemeral message only the clicker sees) and feedback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from faces.slack import blocks as bk
from faces.slack.core import SlackService, in_thread
from faces.slack.feedback import feedback_row, record_feedback


def _where(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(channel, thread_ts, user) of the clicked message."""
    channel = (body.get("channel") or body.get("container") or {}).get("id") or body.get("container", {}).get("channel_id")
    message = body.get("message") or {}
    thread_ts = message.get("thread_ts") or message.get("ts") or body.get("container", {}).get("message_ts")
    return channel, thread_ts, (body.get("user") or {}).get("id")


def ack_first(ack: Ack, next: Callable[[], Any]) -> None:  # noqa: A002 - Bolt's name
    """Acknowledge in the request thread (a listener middleware), never queued behind slow work."""
    ack()
    next()


def _acked(ack: Ack) -> None:
    """Already acknowledged by `ack_first`."""


def register(app: App, service: SlackService) -> None:
    def ephemeral(client: WebClient, body: dict[str, Any], text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        channel, thread_ts, user = _where(body)
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text, blocks=blocks)

    def show_sql(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        channel, thread_ts, _ = _where(body)
        with service.guarded(in_thread(client, channel, thread_ts), "showing SQL"):
            record = service.store.answer(action.get("value") or "")
            if record is None or not record.get("sql"):
                ephemeral(client, body, "I no longer have the SQL for that answer; ask again to see it.")
                return
            sql = bk.clip(record["sql"], 2800)
            ephemeral(client, body, f"SQL for: {bk.echo(record['question'], 200)}", [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"SQL for _{bk.echo(record['question'], 200)}_"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": f"```{bk.escape(sql)}```"}}])

    def feedback(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        channel, thread_ts, user = _where(body)
        key = (action.get("block_id") or "").removeprefix(bk.FEEDBACK_BLOCK)
        with service.guarded(in_thread(client, channel, thread_ts), "recording feedback"):
            record = service.store.answer(key) or {"question": "(unknown question)", "sql": None, "thread": None}
            verdict = action.get("value") or (action.get("selected_option") or {}).get("value") or "unknown"
            row = feedback_row(user=user, channel=channel, thread=record.get("thread"), question=record["question"],
                               verdict=verdict, sql=record.get("sql"))
            written = record_feedback(service.settings, service.store, row)
            ephemeral(client, body, "Thanks, feedback recorded." if written else
                      "Thanks, feedback saved; it will reach the warehouse shortly.")

    app.action(bk.SHOW_SQL, middleware=[ack_first])(ack=_acked, lazy=[show_sql])
    app.action(bk.FEEDBACK, middleware=[ack_first])(ack=_acked, lazy=[feedback])
