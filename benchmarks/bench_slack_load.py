"""Slack app under load: `python benchmarks/bench_slack_load.py [--events 200] [--answer-ms 50]`.

Serves the real Bolt app over HTTP on loopback (threaded WSGI server, signature verification on),
points its WebClient at a local mock Web API, fires N correctly signed `app_mention` events at once
(plus one Slack-style retry for every tenth), and reports p50/p95/max acknowledgement time and
whether every event got exactly one answer in its thread. The requests come from a separate process,
so client threads do not share the server's interpreter lock. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the mock Web API lives with the tests

from slack_sdk import WebClient  # noqa: E402

from assistant.models import Answer  # noqa: E402
from faces.slack import create_app  # noqa: E402
from faces.slack.config import SlackConfig  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.slack.harness import SECRET, AppServer, event_body, mention, signed_post  # noqa: E402
from tests.slack.mock_api import MockSlackApi  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fire(url: str, bodies: list[str], retry_bodies: list[str]) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """POST every body at once (one thread each), then the retries; (status, seconds) per request."""
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        first = list(pool.map(lambda b: signed_post(url, SECRET, b, "application/json")[::2], bodies))
        again = list(pool.map(lambda b: signed_post(url, SECRET, b, "application/json", headers=retry)[::2], retry_bodies))
    return first, again


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--answer-ms", type=float, default=50.0, help="time the fake answer function takes")
    args = ap.parse_args()

    def answer_fn(question: str, **kw: Any) -> Answer:
        time.sleep(args.answer_ms / 1000)
        return Answer(question=question, status="answered", text=f"answer to {question}", columns=["team", "hours"],
                      rows=[["atlas", 1.0]], sql="SELECT 1", thread=kw.get("thread_id", ""))

    api = MockSlackApi()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(PACE_DB=Path(tmp) / "w.duckdb", SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-bench")
        app = create_app(settings, client=WebClient(token="xoxb-bench", base_url=api.api_url), answer_fn=answer_fn,
                         tools={}, config=SlackConfig())
        server = AppServer(app)
        events = [(mention(f"question {i}", channel=f"C{i:04d}", ts=f"{1000 + i}.1"), f"Ev{i:05d}") for i in range(args.events)]
        retries = events[::10]

        bodies = [json.dumps(event_body(e, eid)) for e, eid in events]
        retry_bodies = bodies[::10]
        t0 = time.perf_counter()
        with mp.get_context("fork").Pool(1) as pool:  # the clients: another process, 200 threads
            results, retry_results = pool.apply(fire, (server.url, bodies, retry_bodies))
        sent_s = time.perf_counter() - t0
        try:
            api.wait_for("/api/chat.postMessage", args.events, timeout=120)
        except AssertionError as exc:
            print(exc)
        time.sleep(1.0)  # let any duplicate answers arrive before counting
        all_s = time.perf_counter() - t0
        # Baseline: the same request one at a time (what a burst queues behind).
        single = [server.event(mention("q", channel=f"CS{i}", ts=f"{i}.9"))[2] for i in range(20)]
        api.wait_for("/api/chat.postMessage", args.events + 20, timeout=60)
        server.close()
    api.close()

    acks = [e for s, e in results]
    statuses = Counter(s for s, _ in results + retry_results)
    per_thread = Counter((p["channel"], p["thread_ts"]) for p in api.by_path("/api/chat.postMessage")
                         if not p["channel"].startswith("CS"))
    expected = {(e["channel"], e["ts"]) for e, _ in events}
    exactly_once = set(per_thread) == expected and all(n == 1 for n in per_thread.values())
    print(f"events: {args.events} concurrent signed app_mention (+{len(retries)} retries), answer time {args.answer_ms:.0f} ms")
    print(f"HTTP statuses: {dict(statuses)}")
    print(f"ack time: p50 {1000 * statistics.median(acks):.1f} ms, p95 {1000 * pct(acks, 0.95):.1f} ms, "
          f"max {1000 * max(acks):.1f} ms (Slack's limit: 3000 ms)")
    print(f"one request at a time: p50 {1000 * statistics.median(single):.1f} ms")
    print(f"answers: {sum(per_thread.values())} for {len(expected)} events; every event answered exactly once: {exactly_once}")
    print(f"all sent in {sent_s:.2f} s; all answered in {all_s - 1.0:.2f} s")
    return 0 if exactly_once and statuses.keys() == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
