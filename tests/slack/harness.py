"""The real Bolt app served over HTTP on an ephemeral loopback port, and signed requests to it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from slack_bolt import App
from slack_sdk.signature import SignatureVerifier

from faces.slack.server import PATH, make_http_server

SECRET = "test-signing-secret"


def signed_post(url: str, secret: str, body: str, content_type: str, *, headers: dict[str, str] | None = None,
                timestamp: int | None = None) -> tuple[int, str, float]:
    """POST `body` with Slack's signature headers; (status, text, seconds from send to response)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    hdrs = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig, **(headers or {})}
    t0 = time.perf_counter()
    try:
        with urlopen(Request(url, data=body.encode(), headers=hdrs, method="POST"), timeout=10) as r:
            return r.status, r.read().decode(), time.perf_counter() - t0
    except HTTPError as e:
        return e.code, e.read().decode(), time.perf_counter() - t0


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An Events API envelope around `event`."""
    return {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(time.time()),
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}], "event": event}


class AppServer:
    def __init__(self, app: App, secret: str = SECRET) -> None:
        self.app, self.secret = app, secret
        self.server = make_http_server(app, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.server_port}{PATH}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
             timestamp: int | None = None, secret: str | None = None) -> tuple[int, str, float]:
        """POST a body signed with the secret (or a wrong one); returns (status, text, seconds to response)."""
        return signed_post(self.url, secret or self.secret, body, content_type, headers=headers, timestamp=timestamp)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kw: Any) -> tuple[int, str, float]:
        return self.post(json.dumps(event_body(event, event_id)), "application/json", **kw)

    def command(self, text: str, *, user: str = "U1", channel: str = "C1", response_url: str = "") -> tuple[int, str, float]:
        form = {"token": "legacy", "team_id": "T1", "channel_id": channel, "user_id": user, "command": "/pace",
                "text": text, "response_url": response_url, "trigger_id": "1.2.3", "api_app_id": "A1"}
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def action(self, action: dict[str, Any], *, user: str = "U1", channel: str = "C1", message_ts: str = "1.0",
               thread_ts: str | None = None) -> tuple[int, str, float]:
        payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
                   "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
                   "channel": {"id": channel}, "trigger_id": "1.2.3", "response_url": "",
                   "message": {"ts": message_ts, "thread_ts": thread_ts or message_ts, "text": "x"},
                   "actions": [action]}
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def mention(text: str, *, channel: str, ts: str, user: str = "U1", thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "channel": channel, "ts": ts,
             "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event
