"""A local stand-in for Slack's Web API (http.server on an ephemeral loopback port) that records every
call by path and body, as bolt-python's own tests do; the app's WebClient points at it via base_url."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class Call(dict):
    """One recorded request: path, body (JSON-decoded where Slack sends JSON-in-form), size."""


class MockSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.errors: dict[str, str] = {}  # path -> Slack error code to return
        self.lock = threading.Lock()
        self._ts = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = api.handle(self.path, raw, self.headers.get("Content-Type", ""))
                out = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(payload, str) else "text/plain")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def handle(self, path: str, raw: bytes, ctype: str) -> tuple[int, Any]:
        if path.startswith("/upload/"):
            self.record(path, {"bytes": len(raw), "png": raw[:8] == b"\x89PNG\r\n\x1a\n"})
            return 200, "OK"
        if "json" in ctype:
            body = json.loads(raw or b"{}")
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode(errors="replace")).items()}
        for k in ("blocks", "files", "prompts"):
            if isinstance(body.get(k), str):
                try:
                    body[k] = json.loads(body[k])
                except json.JSONDecodeError:
                    pass
        self.record(path, body)
        if path.startswith("/respond/"):
            return 200, "ok"
        method = path.removeprefix("/api/")
        if method in self.errors:
            return 200, {"ok": False, "error": self.errors[method]}
        if method == "auth.test":
            return 200, {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "pace"}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            ts = f"1800000000.{next(self._ts):06d}"
            return 200, {"ok": True, "channel": body.get("channel"), "ts": ts, "message_ts": ts}
        if method == "files.getUploadURLExternal":
            fid = f"F{next(self._ts):05d}"
            return 200, {"ok": True, "upload_url": f"{self.base}/upload/{fid}", "file_id": fid}
        if method == "files.completeUploadExternal":
            return 200, {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in body.get("files", [])]}
        if method == "files.info":
            return 200, {"ok": True, "file": {"id": body.get("file")}}
        return 200, {"ok": True}

    def record(self, path: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(Call(path=path, body=body, at=time.monotonic()))

    def by_path(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c["body"] for c in self.calls if c["path"] == path or (path.endswith("/") and c["path"].startswith(path))]

    def wait_for(self, path: str, n: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait until at least `n` calls to `path` arrived; fail with what did arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.by_path(path)
            if len(got) >= n:
                return got
            time.sleep(0.02)
        raise AssertionError(f"expected {n} call(s) to {path}, got {len(self.by_path(path))}: "
                             f"{[c['path'] for c in self.calls]}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
