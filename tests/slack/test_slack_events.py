"""Mentions and DMs over real HTTP: signatures, blocks, chart upload, retries, own messages, failures."""

from __future__ import annotations

import json
import logging
import time
import uuid


from tests.slack.harness import mention


def _chan() -> str:
    return "C" + uuid.uuid4().hex[:8].upper()


def test_mention_is_answered_in_thread_with_blocks_and_chart(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    channel = _chan()
    status, _, elapsed = srv.event(mention("cost by team last week", channel=channel, ts="100.1"))
    assert status == 200 and elapsed < 3
    post = mock_api.wait_for("/api/chat.postMessage")[0]
    assert post["channel"] == channel and post["thread_ts"] == "100.1"
    types = [b["type"] for b in post["blocks"]]
    assert types[0] == "header" and "actions" in types and "context_actions" in types
    assert any("148,605" in json.dumps(b) for b in post["blocks"])
    assert fake_answer.calls[0]["question"] == "cost by team last week"
    assert fake_answer.calls[0]["thread_id"] == f"slack:{channel}:100.1"
    # files_upload_v2: get an upload URL, upload the bytes, complete into the same thread
    mock_api.wait_for("/api/files.completeUploadExternal")
    assert mock_api.by_path("/upload/")[0]["png"] is True
    done = mock_api.by_path("/api/files.completeUploadExternal")[0]
    assert done["channel_id"] == channel and done["thread_ts"] == "100.1"


def test_bad_or_stale_signatures_get_401_and_do_nothing(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    ev = mention("cost", channel=_chan(), ts="1.1")
    assert srv.event(ev, secret="wrong-secret")[0] == 401
    assert srv.event(ev, timestamp=int(time.time()) - 600)[0] == 401
    time.sleep(0.3)
    assert fake_answer.calls == [] and mock_api.by_path("/api/chat.postMessage") == []


def test_retries_and_duplicate_event_ids_are_answered_once(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    ev = mention("cost", channel=_chan(), ts="2.1")
    assert srv.event(ev, event_id="Ev1")[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert srv.event(ev, event_id="Ev1", headers=retry)[0] == 200
    assert srv.event(ev, event_id="Ev1")[0] == 200
    assert srv.event(ev, event_id="Ev2")[0] == 200  # same message under another event id
    mock_api.wait_for("/api/chat.postMessage")
    time.sleep(0.5)
    assert len(fake_answer.calls) == 1 and len(mock_api.by_path("/api/chat.postMessage")) == 1


def test_own_and_bot_messages_are_ignored(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    channel = "D" + uuid.uuid4().hex[:8].upper()
    own = {"type": "message", "channel_type": "im", "user": "UBOT", "bot_id": "BBOT", "text": "hi", "channel": channel, "ts": "3.1"}
    other_bot = {**own, "user": "U9", "bot_id": "B9", "subtype": "bot_message", "ts": "3.2"}
    assert srv.event(own)[0] == 200 and srv.event(other_bot)[0] == 200
    human = {"type": "message", "channel_type": "im", "user": "U1", "text": "cost by team", "channel": channel, "ts": "3.3"}
    srv.event(human)
    post = mock_api.wait_for("/api/chat.postMessage")[0]
    time.sleep(0.3)
    assert [c["question"] for c in fake_answer.calls] == ["cost by team"] and post["thread_ts"] == "3.3"


def test_slow_answer_is_acked_fast_and_completed_in_thread(serve, mock_api, fake_answer) -> None:
    def slow(question, **kw):
        time.sleep(3.2)  # past Slack's 3 s limit
        return fake_answer(question, **kw)

    srv = serve(answer_fn=slow)
    status, _, elapsed = srv.event(mention("cost", channel=_chan(), ts="4.1"))
    assert status == 200 and elapsed < 1.0
    assert mock_api.wait_for("/api/chat.postMessage", timeout=10)[0]["thread_ts"] == "4.1"


def test_failure_becomes_friendly_message_with_logged_trace_id(serve, mock_api, fake_answer, caplog) -> None:
    srv = serve(answer_fn=fake_answer)
    with caplog.at_level(logging.ERROR, logger="pace.slack"):
        srv.event(mention("boom please", channel=_chan(), ts="5.1"))
        post = mock_api.wait_for("/api/chat.postMessage")[0]
    assert post["thread_ts"] == "5.1" and "trace id" in post["text"]
    trace = post["text"].split("`")[1]
    assert len(trace) == 8 and trace in caplog.text and "planner exploded" in caplog.text


def test_url_verification_challenge(serve) -> None:
    srv = serve(answer_fn=lambda q, **k: None)
    status, text, _ = srv.post(json.dumps({"type": "url_verification", "challenge": "abc"}), "application/json")
    assert status == 200 and "abc" in text


def test_replies_in_paces_threads_need_no_mention_and_double_deliveries_answer_once(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    channel = _chan()

    def channel_message(text: str, ts: str, thread_ts: str | None = None) -> dict:
        ev = {"type": "message", "channel_type": "channel", "user": "U1", "text": text, "channel": channel, "ts": ts}
        return {**ev, "thread_ts": thread_ts} if thread_ts else ev

    # A new thread by mention: message.channels arrives first (thread unknown: ignored), then app_mention.
    srv.event(channel_message("<@UBOT> cost by team", "60.1"))
    srv.event(mention("cost by team", channel=channel, ts="60.1"))
    mock_api.wait_for("/api/chat.postMessage")
    # A reply in that thread without a mention is a follow-up; chatter in other threads is not.
    srv.event(channel_message("and last month?", "60.2", thread_ts="60.1"))
    srv.event(channel_message("lunch?", "61.2", thread_ts="61.1"))
    srv.event(channel_message("<@U2> can you check the quota?", "60.25", thread_ts="60.1"))  # not for pace
    srv.event(channel_message("top-level chatter", "62.1"))
    mock_api.wait_for("/api/chat.postMessage", 2)
    # The same reply with a mention comes twice (message + app_mention): answered once.
    srv.event(channel_message("<@UBOT> by cluster", "60.3", thread_ts="60.1"))
    srv.event(mention("by cluster", channel=channel, ts="60.3", thread_ts="60.1"))
    mock_api.wait_for("/api/chat.postMessage", 3)
    time.sleep(0.5)
    assert [c["question"] for c in fake_answer.calls] == ["cost by team", "and last month?", "by cluster"]
    assert {p["thread_ts"] for p in mock_api.by_path("/api/chat.postMessage")} == {"60.1"}
