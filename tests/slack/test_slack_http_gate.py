"""The HTTP face never answers a malformed request with a 5xx: bad headers and bodies get 400/401,
bodies over the limit 413 before they are read."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from faces.slack.server import MAX_BODY, PATH
from tests.slack.harness import SECRET, AppServer


def _signed(body: bytes, ts: str | None = None) -> dict[str, str]:
    """Slack's v0 signature over any bytes (the SDK's helper only signs UTF-8)."""
    ts = ts or str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _post(srv: AppServer, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server.server_port, timeout=10)
    try:
        conn.request("POST", PATH, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


def _raw(srv: AppServer, head: bytes, body: bytes = b"") -> int:
    """Send raw bytes; the status code of the reply."""
    with socket.create_connection(("127.0.0.1", srv.server.server_port), timeout=10) as s:
        s.sendall(head + body)
        data = s.recv(4096)
    return int(data.split(b" ", 2)[1])


@pytest.fixture
def srv(serve: Callable[..., AppServer], fake_answer: Any) -> AppServer:
    return serve(answer_fn=fake_answer)


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"{not json", JSON, 400),
    (b"[1, 2, 3]", JSON, 400),
    (b"null", JSON, 400),
    (b'"a string"', JSON, 400),
    (b"{\"type\": ", JSON, 400),
    (urlencode({"payload": "not json"}).encode(), FORM, 400),
    (urlencode({"payload": "[1]"}).encode(), FORM, 400),
    (urlencode({"payload": "null"}).encode(), FORM, 400),
    (b"\xff\xfe\x00bad utf-8", FORM, 400),
])
def test_malformed_signed_bodies_get_400(srv: AppServer, body: bytes, content_type: str, status: int) -> None:
    code, _ = _post(srv, body, {"Content-Type": content_type, **_signed(body)})
    assert code == status


@pytest.mark.parametrize("headers", [
    {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=abc"},
    {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"},
    {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=abc"},
    {"X-Slack-Signature": "v0=abc"},
    {},
    {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=forged"},
])
def test_missing_malformed_or_forged_signatures_get_401(srv: AppServer, headers: dict[str, str]) -> None:
    code, _ = _post(srv, b'{"type": "url_verification", "challenge": "c"}', {"Content-Type": JSON, **headers})
    assert code == 401


def test_a_replayed_request_gets_401(srv: AppServer) -> None:
    body = b'{"type": "url_verification", "challenge": "c"}'
    code, _ = _post(srv, body, {"Content-Type": JSON, **_signed(body, str(int(time.time()) - 3600))})
    assert code == 401


def test_a_good_request_still_reaches_bolt(srv: AppServer) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    code, text = _post(srv, body, {"Content-Type": JSON, **_signed(body)})
    assert code == 200 and "c-123" in text


def test_a_huge_declared_body_gets_413_before_it_is_read(srv: AppServer) -> None:
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\nContent-Length: {150 * 1024 * 1024}\r\n"
            "X-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=x\r\n\r\n").encode()
    t0 = time.perf_counter()
    assert _raw(srv, head, b"{") == 413  # sent 1 byte of the 150 MB; the answer comes anyway
    assert time.perf_counter() - t0 < 5


def test_a_chunked_body_past_the_limit_gets_413(srv: AppServer) -> None:
    chunk = b"x" * 65536
    n = MAX_BODY // len(chunk) + 2
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(n)) + b"0\r\n\r\n"
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\nTransfer-Encoding: chunked\r\n"
            "X-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=x\r\n\r\n").encode()
    assert _raw(srv, head, body) == 413


@pytest.mark.parametrize("length", ["abc", "-5", "1.5", "12, 13"])
def test_bad_content_length_gets_400(srv: AppServer, length: str) -> None:
    head = (f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\nContent-Length: {length}\r\n"
            "X-Slack-Request-Timestamp: 1\r\nX-Slack-Signature: v0=x\r\n\r\n").encode()
    assert _raw(srv, head, b"{}") == 400


def test_other_paths_and_methods_get_404(srv: AppServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server.server_port, timeout=10)
    conn.request("GET", PATH)
    assert conn.getresponse().status == 404
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", srv.server.server_port, timeout=10)
    conn.request("POST", "/elsewhere", body=b"{}")
    assert conn.getresponse().status == 404
    conn.close()


def test_a_port_in_use_is_a_user_error(srv: AppServer) -> None:
    from core.errors import UserError
    from faces.slack.server import make_http_server

    with pytest.raises(UserError, match="choose another --port"):
        make_http_server(srv.app, "127.0.0.1", srv.server.server_port)
