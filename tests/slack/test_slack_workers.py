"""Answers computed in worker processes (faces/slack/workers.py): the server's interpreter only acks
and posts, and every event is still answered exactly once, retries included."""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections import Counter
from typing import Any

from assistant.models import Answer
from faces.slack import service_of
from faces.slack.workers import AnswerPool
from tests.slack.harness import mention


def pid_answer(question: str, **kwargs: Any) -> Answer:
    """A stand-in answer that says which process computed it (module level: spawn pickles it by name)."""
    time.sleep(0.05)
    return Answer(question=question, status="answered", text=f"pid {os.getpid()}", columns=["pid"],
                  rows=[[os.getpid()]], thread=kwargs.get("thread_id", ""))


def test_answers_run_in_workers_and_post_exactly_once(serve, mock_api) -> None:
    pool = AnswerPool(2, target=pid_answer)
    try:
        srv = serve(answer_fn=pool)
        channel = "C" + uuid.uuid4().hex[:8].upper()
        events = [mention(f"question {i}", channel=channel, ts=f"70{i}.1") for i in range(6)]
        for i, event in enumerate(events):
            assert srv.event(event, event_id=f"EvW{i}")[0] == 200
        # Slack retries one delivery (same event id) and sends one message twice as two event types
        assert srv.event(events[0], event_id="EvW0", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})[0] == 200
        posts = mock_api.wait_for("/api/chat.postMessage", len(events), timeout=60)
        time.sleep(0.5)  # any duplicate would have arrived by now
        posts = mock_api.by_path("/api/chat.postMessage")
        per_thread = Counter(p["thread_ts"] for p in posts if p["channel"] == channel)
        assert per_thread == Counter({e["ts"]: 1 for e in events})
        pids = {int(pid) for p in posts for pid in re.findall(r"pid (\d+)", json.dumps(p["blocks"]) + p.get("text", ""))}
        assert pids and os.getpid() not in pids
    finally:
        pool.close()


def test_real_answer_from_a_worker(serve, mock_api) -> None:
    srv = serve(planner="offline", answer_workers=1)  # the default answer function: assistant.answer, in a worker
    pool = service_of(srv.app).answer_fn
    try:
        assert isinstance(pool, AnswerPool)
        channel = "C" + uuid.uuid4().hex[:8].upper()
        assert srv.event(mention("cost by team last week", channel=channel, ts="800.1"))[0] == 200
        post = mock_api.wait_for("/api/chat.postMessage", timeout=90)[0]
        assert post["thread_ts"] == "800.1" and "atlas" in json.dumps(post["blocks"])
    finally:
        pool.close()
