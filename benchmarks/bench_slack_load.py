"""Slack app under load: `python benchmarks/bench_slack_load.py [--events 200] [--db PATH] [--answer-ms MS] [--json]`.

Serves the real Bolt app over HTTP on loopback (uvicorn, signature verification on), points its
WebClient at a local mock Web API, fires N correctly signed `app_mention` events at once (plus one
Slack-style retry for every tenth), and reports ack p50/p95/max, answer p50/p95 (event sent -> its
answer posted in the thread) and whether every event got exactly one answer. By default the answers
are the real `assistant.answer` (offline planner) over a copy of a warehouse (`--db`, else a fresh
demo-scale one), computed in the app's answer workers (faces/slack/workers.py); `--answer-ms` swaps
in a fake answer that sleeps. The requests come from a separate process, so client threads do not
share the server's interpreter lock. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
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
from faces.slack import create_app, service_of  # noqa: E402
from faces.slack.config import SlackConfig  # noqa: E402
from faces.slack.workers import AnswerPool  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.slack.harness import SECRET, AppServer, event_body, mention, signed_post  # noqa: E402
from tests.slack.mock_api import MockSlackApi  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


QUESTIONS = ("gpu hours by team last week", "cost by team last week", "idle hours by cluster last month",
             "utilization by accelerator type last week", "top 5 projects by cost in the last 30 days")


def fire(url: str, bodies: list[str], retry_bodies: list[str]) -> tuple[list[tuple[int, float, float]], list[tuple[int, float, float]]]:
    """POST every body at once (one thread each), then the retries; (status, seconds, monotonic send time)."""
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

    def send(body: str, headers: dict[str, str] | None = None) -> tuple[int, float, float]:
        at = time.monotonic()
        status, _text, seconds = signed_post(url, SECRET, body, "application/json", headers=headers)
        return status, seconds, at

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        first = list(pool.map(send, bodies))
        again = list(pool.map(lambda b: send(b, retry), retry_bodies))
    return first, again


def fake_answer(ms: float) -> Any:
    def answer_fn(question: str, **kw: Any) -> Answer:
        time.sleep(ms / 1000)
        return Answer(question=question, status="answered", text=f"answer to {question}", columns=["team", "hours"],
                      rows=[["atlas", 1.0]], sql="SELECT 1", thread=kw.get("thread_id", ""))

    return answer_fn


def warehouse_copy(db: str | None, tmp: Path) -> Path:
    """A private copy of `db` (or a fresh demo-scale warehouse): the app's threads and state stay out of it."""
    target = tmp / "w.duckdb"
    if db:
        shutil.copyfile(db, target)
    else:
        from telemetry.generator import generate

        generate(target, scale="demo")
    return target


def run(events: int, *, db: str | None = None, answer_ms: float | None = None, workers: int | None = None) -> dict[str, Any]:
    """The burst; returns the figures (seconds converted to ms)."""
    api = MockSlackApi()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = warehouse_copy(db, tmp) if answer_ms is None else tmp / "w.duckdb"
        settings = Settings(PACE_DB=path, SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-bench")
        extra: dict[str, Any] = {"answer_fn": fake_answer(answer_ms)} if answer_ms is not None else {"answer_workers": workers}
        app = create_app(settings, client=WebClient(token="xoxb-bench", base_url=api.api_url), tools={},
                         config=SlackConfig(), planner="offline", state_file=tmp / "slack.sqlite", **extra)
        pool = service_of(app).answer_fn
        if isinstance(pool, AnswerPool):
            pool.start()  # as `pace slack` would before traffic: workers spawned and warm
            pool(QUESTIONS[0], settings=settings, planner="offline", thread_id="warm")  # resources cached
        server = AppServer(app)
        burst = [(mention(QUESTIONS[i % len(QUESTIONS)], channel=f"C{i:04d}", ts=f"{1000 + i}.1"), f"Ev{i:05d}") for i in range(events)]
        bodies = [json.dumps(event_body(e, eid)) for e, eid in burst]
        t0 = time.perf_counter()
        with mp.get_context("fork").Pool(1) as clients:  # the clients: another process, one thread per event
            results, retry_results = clients.apply(fire, (server.url, bodies, bodies[::10]))
        try:
            api.wait_for("/api/chat.postMessage", events, timeout=600)
        except AssertionError as exc:
            print(exc)
        time.sleep(1.0)  # let any duplicate answers arrive before counting
        all_s = time.perf_counter() - t0 - 1.0
        posted = {(c["body"]["channel"], c["body"]["thread_ts"]): c["at"] for c in api.calls if c["path"] == "/api/chat.postMessage"}
        per_thread = Counter((c["body"]["channel"], c["body"]["thread_ts"]) for c in api.calls if c["path"] == "/api/chat.postMessage")
        server.close()
        if isinstance(pool, AnswerPool):
            pool.close()
    api.close()

    acks = [seconds for _s, seconds, _at in results]
    answers = [posted[(e["channel"], e["ts"])] - at for (e, _), (_s, _sec, at) in zip(burst, results) if (e["channel"], e["ts"]) in posted]
    statuses = Counter(s for s, _sec, _at in results + retry_results)
    expected = {(e["channel"], e["ts"]) for e, _ in burst}
    return {
        "events": events, "retries": len(bodies[::10]), "answers": "fake %.0f ms" % answer_ms if answer_ms is not None else "real",
        "statuses": dict(statuses),
        "ack_ms": {"p50": 1000 * statistics.median(acks), "p95": 1000 * pct(acks, 0.95), "max": 1000 * max(acks)},
        "answer_ms": {"p50": 1000 * statistics.median(answers), "p95": 1000 * pct(answers, 0.95)} if answers else None,
        "answered": sum(per_thread.values()),
        "exactly_once": set(per_thread) == expected and all(n == 1 for n in per_thread.values()),
        "all_answered_s": all_s, "load": os.getloadavg(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--db", help="warehouse to copy for real answers (default: a fresh demo-scale one)")
    ap.add_argument("--answer-ms", type=float, default=None, help="a fake answer that sleeps this long instead of the real one")
    ap.add_argument("--workers", type=int, default=None, help="answer worker processes (default: one per CPU, at least 2)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = run(args.events, db=args.db, answer_ms=args.answer_ms, workers=args.workers)
    if args.json:
        print(json.dumps(r))
    else:
        print(f"events: {r['events']} concurrent signed app_mention (+{r['retries']} retries), answers {r['answers']}")
        print(f"HTTP statuses: {r['statuses']}")
        a = r["ack_ms"]
        print(f"ack time: p50 {a['p50']:.1f} ms, p95 {a['p95']:.1f} ms, max {a['max']:.1f} ms (Slack's limit: 3000 ms)")
        if r["answer_ms"]:
            print(f"answer time (sent -> posted): p50 {r['answer_ms']['p50']:.0f} ms, p95 {r['answer_ms']['p95']:.0f} ms")
        print(f"answers: {r['answered']} for {r['events']} events; every event answered exactly once: {r['exactly_once']}")
        print(f"all answered in {r['all_answered_s']:.2f} s; load average {r['load'][0]:.1f}")
    return 0 if r["exactly_once"] and set(r["statuses"]) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
