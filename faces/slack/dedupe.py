"""Answer each Slack event once. Slack retries (X-Slack-Retry-Num) resend the same event_id: the
middleware here drops them with an empty 200 before any listener runs. One message can also arrive
as two events (`app_mention` and `message.channels`, with different ids): the handler that is about
to answer claims the message (channel + ts) with `Deduper.first_time`, so only one of them does."""

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
    """The keys one delivery is known by (its event_id)."""
    return [f"event:{body['event_id']}"] if body.get("event_id") else []


def dedupe_middleware(deduper: Deduper) -> Callable[..., Any]:
    """Bolt global middleware: duplicates are acknowledged (200) and go no further."""

    def middleware(body: dict[str, Any], request: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        keys = event_keys(body)
        if keys and not deduper.first_time(keys[0]):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            log.info("duplicate Slack delivery dropped: %s (retry %s)", keys[0], retry)
            return BoltResponse(status=200, body="")
        return next()

    return middleware
