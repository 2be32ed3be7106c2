"""Answer each Slack event once: Slack retries (X-Slack-Retry-Num) resend the same event_id, and one
message can arrive as both `app_mention` and `message.im`; both are dropped here, after Bolt has
acknowledged nothing yet, so a duplicate gets an empty 200 and no work."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt.response import BoltResponse

log = logging.getLogger("pace.slack")


class Deduper:
    """A bounded, thread-safe set of recently seen keys with a time-to-live (Slack retries within ~5 min)."""

    def __init__(self, ttl_s: float = 3600.0, max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.max_keys, self.clock = ttl_s, max_keys, clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """Record `key`; True only the first time it is seen within the TTL."""
        now = self.clock()
        with self._lock:
            while self._seen and (len(self._seen) > self.max_keys or next(iter(self._seen.values())) < now - self.ttl_s):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


def event_keys(body: dict[str, Any]) -> list[str]:
    """The keys one delivery is known by: its event_id and, for messages, channel + ts."""
    keys = []
    if body.get("event_id"):
        keys.append(f"event:{body['event_id']}")
    event = body.get("event") or {}
    if event.get("type") in ("app_mention", "message") and event.get("channel") and event.get("ts"):
        keys.append(f"msg:{event['channel']}:{event['ts']}")
    return keys


def dedupe_middleware(deduper: Deduper) -> Callable[..., Any]:
    """Bolt global middleware: duplicates are acknowledged (200) and go no further."""

    def middleware(body: dict[str, Any], request: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        keys = event_keys(body)
        # Every key must be new: checking all (not short-circuiting) records them all.
        fresh = [deduper.first_time(k) for k in keys]
        if keys and not all(fresh):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            log.info("duplicate Slack delivery dropped: %s (retry %s)", keys[0], retry)
            return BoltResponse(status=200, body="")
        return next()

    return middleware
