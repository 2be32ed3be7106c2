"""Serving the app: HTTP mode is Bolt's own ASGI adapter under uvicorn, behind a small gate; Socket
Mode is Bolt's handler.

The gate answers every malformed request with a 4xx before Bolt sees it, so nothing a client sends
can make a 500: a body over `MAX_BODY` bytes gets 413 before it is read (from Content-Length) or as
soon as the stream passes the limit (chunked); a missing or non-numeric timestamp, a stale one, or
a bad signature gets 401 (Slack's signing scheme:
https://api.slack.com/authentication/verifying-requests-from-slack); a body that is not UTF-8, JSON
that is not an object, or a `payload` form field that is not a JSON object gets 400. Bolt then
checks the signature again and dispatches; its listeners run in its own thread pool, and the
blocking `App.dispatch` runs in a worker thread so one slow ack never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_bolt.adapter.asgi.http_request import AsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from core.errors import UserError

PATH = "/slack/events"
MAX_BODY = 1_048_576
"""Largest request body accepted (1 MiB; Slack's event and interaction payloads are far smaller)."""
_TIMESTAMP = re.compile(r"^\d{1,12}$")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _ThreadedHandler(SlackRequestHandler):
    """Bolt's ASGI handler with the (blocking) dispatch moved off the event loop."""

    async def dispatch(self, request: AsgiHttpRequest) -> BoltResponse:
        body = await request.get_raw_body()
        bolt_request = BoltRequest(body=body, query=request.query_string, headers=request.get_headers())
        return await asyncio.to_thread(self.app.dispatch, bolt_request)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _reply(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def problem(body: bytes, headers: dict[str, str], verifier: SignatureVerifier) -> tuple[int, str] | None:
    """Why this request must not reach Bolt, as (status, message); None when it may."""
    ts = headers.get("x-slack-request-timestamp") or ""
    if not _TIMESTAMP.match(ts) or not headers.get("x-slack-signature"):
        return 401, "missing or malformed Slack signature headers"
    try:
        text = body.decode("utf-8")  # before the signature: the SDK's verifier decodes and would raise
    except UnicodeDecodeError:
        return 400, "the body is not UTF-8"
    if not verifier.is_valid(body=text, timestamp=ts, signature=headers["x-slack-signature"]):
        return 401, "invalid or expired Slack signature"
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        # the same branches as Bolt's parse_body, so whatever passes here parses there
        if content_type == "application/json" or text.startswith("{"):
            parsed: Any = json.loads(text) if text else {}
        elif "payload" in text:
            parsed = json.loads(dict(parse_qsl(text, keep_blank_values=True)).get("payload") or "{}")
        else:
            parsed = dict(parse_qsl(text, keep_blank_values=True))
    except ValueError:
        return 400, "the body is not valid JSON or form data"
    if not isinstance(parsed, dict):
        return 400, "the body must be a JSON object"
    return None


def asgi_app(app: App, *, max_body: int = MAX_BODY) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The ASGI application for `PATH`: the gate, then Bolt's adapter."""
    handler = _ThreadedHandler(app, path=PATH)
    # Bolt keeps the secret it verifies with; HTTP mode always has one (create_app insists)
    verifier: SignatureVerifier | None = SignatureVerifier(app._signing_secret)  # noqa: SLF001

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await handler(scope, receive, send)  # lifespan
            return
        if scope["path"] != PATH or scope["method"] != "POST":
            await _reply(send, 404, "not found")
            return
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _reply(send, 400, "bad Content-Length")
                return
            if int(length) > max_body:
                await _reply(send, 413, f"request body over {max_body} bytes")
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_body:
                await _reply(send, 413, f"request body over {max_body} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        if verifier is not None and (bad := problem(body, headers, verifier)):
            await _reply(send, *bad)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await handler(scope, replay, send)

    return serve


class HttpServer:
    """uvicorn serving `asgi_app(app)` on a socket bound here (port 0 picks a free one: `server_port`)."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 3000, *, max_body: int = MAX_BODY) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((host, port))
        except OSError as exc:
            self.socket.close()
            raise UserError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port") from None
        self.socket.listen(512)  # connections queue from here on, before uvicorn's loop starts accepting
        self.server_port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(asgi_app(app, max_body=max_body), lifespan="off", log_level="warning",
                                access_log=False, http="h11", ws="none", timeout_keep_alive=5,
                                limit_concurrency=512, h11_max_incomplete_event_size=64 * 1024)
        self.server = uvicorn.Server(config)
        self._done = threading.Event()

    def serve_forever(self, poll_interval: float | None = None) -> None:  # noqa: ARG002 - socketserver's signature
        """Serve until `shutdown()` (or Ctrl-C in the main thread, which raises KeyboardInterrupt)."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self._done.set()

    def shutdown(self) -> None:
        self.server.should_exit = True
        self._done.wait(10)

    def server_close(self) -> None:
        self.socket.close()


def make_http_server(app: App, host: str = "127.0.0.1", port: int = 3000, *, max_body: int = MAX_BODY) -> HttpServer:
    """A server for `PATH` (port 0 picks a free one: `server.server_port`); call `serve_forever()`."""
    return HttpServer(app, host, port, max_body=max_body)


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over a WebSocket (no public URL needed) and block."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()
