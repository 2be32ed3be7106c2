"""`/pace` subcommands, the "Show SQL" button and feedback clicks, over signed HTTP."""

from __future__ import annotations

import shutil
import time

import duckdb

from faces.slack.blocks import FEEDBACK, FEEDBACK_BLOCK, SHOW_SQL
from faces.slack.store import SlackStore
from tests.slack.harness import mention


def test_help_is_in_the_ack(serve, mock_api) -> None:
    srv = serve(answer_fn=lambda q, **k: None)
    status, text, elapsed = srv.command("help")
    assert status == 200 and "/pace ask" in text and "/pace scan" in text and elapsed < 3


def test_ask_opens_a_thread_and_answers_in_it(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    status, text, elapsed = srv.command("ask cost by team last week", channel="CASK", response_url=mock_api.base + "/respond/1")
    assert status == 200 and "Working on" in text and elapsed < 3
    posts = mock_api.wait_for("/api/chat.postMessage", 2)
    parent, reply = posts
    assert "asked: cost by team last week" in parent["text"] and reply["thread_ts"] == "1800000000.000001"
    assert fake_answer.calls[0]["thread_id"] == "slack:CASK:1800000000.000001"


def test_tool_subcommand_runs_the_tool_or_says_it_is_missing(serve, mock_api) -> None:
    def scan(question, settings, as_of):
        return {"text": "Found 2 anomalies costing $12,000.", "columns": ["kind", "impact_usd"],
                "rows": [["cost_spike", 12000.0]], "sql": "SELECT 1"}

    srv = serve(answer_fn=lambda q, **k: None, tools={"scan": scan})
    srv.command("scan", response_url=mock_api.base + "/respond/scan")
    srv.command("triage GPUs on c1 failing", response_url=mock_api.base + "/respond/triage")
    mock_api.wait_for("/respond/", 2)
    scan_reply = mock_api.by_path("/respond/scan")[0]
    assert scan_reply["response_type"] == "in_channel" and "Found 2 anomalies" in str(scan_reply["blocks"])
    assert any(b["type"] == "actions" for b in scan_reply["blocks"])
    assert "not available" in mock_api.by_path("/respond/triage")[0]["text"]


def test_show_sql_posts_an_ephemeral_message(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    srv.event(mention("cost by team", channel="CSQL", ts="10.1"))
    post = mock_api.wait_for("/api/chat.postMessage")[0]
    button = next(e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == SHOW_SQL)
    status, _, elapsed = srv.action({"type": "button", "action_id": SHOW_SQL, "block_id": "b", "value": button["value"]},
                                    user="U7", channel="CSQL", message_ts="1800000000.000001", thread_ts="10.1")
    assert status == 200 and elapsed < 3
    eph = mock_api.wait_for("/api/chat.postEphemeral")[0]
    assert eph["user"] == "U7" and eph["channel"] == "CSQL" and eph["thread_ts"] == "10.1"
    assert "SELECT team, SUM(EffectiveCost)" in str(eph["blocks"])


def _feedback_click(srv, post, verdict: str) -> None:
    block = next(b for b in post["blocks"] if b["type"] == "context_actions")
    srv.action({"type": "feedback_buttons", "action_id": FEEDBACK, "block_id": block["block_id"], "value": verdict},
               user="U3", channel="CFB", message_ts="1800000000.000001", thread_ts="20.1")


def test_feedback_is_stored_in_the_app_store_never_in_the_warehouse(serve, mock_api, fake_answer, slack_settings,
                                                                     demo_db, tmp_path) -> None:
    db = tmp_path / "writable.duckdb"
    shutil.copy(demo_db, db)
    settings = slack_settings.model_copy(update={"db": db})
    srv = serve(answer_fn=fake_answer, settings=settings)
    srv.event(mention("cost by team", channel="CFB", ts="20.1"))
    post = mock_api.wait_for("/api/chat.postMessage")[0]
    assert post["blocks"][-1]["block_id"].startswith(FEEDBACK_BLOCK)
    before = db.read_bytes()

    holder = duckdb.connect(str(db), read_only=True)  # the warehouse is busy: the click must not care
    _feedback_click(srv, post, "bad")
    assert "recorded" in mock_api.wait_for("/api/chat.postEphemeral")[0]["text"]
    holder.close()
    _feedback_click(srv, post, "good")
    assert "recorded" in mock_api.wait_for("/api/chat.postEphemeral", 2)[1]["text"]
    rows = SlackStore(tmp_path / "slack-state.sqlite").feedback()  # the serve fixture's state file
    assert [(r["question"], r["verdict"], r["user_id"], r["channel"]) for r in rows] == [
        ("cost by team", "bad", "U3", "CFB"), ("cost by team", "good", "U3", "CFB")]
    assert rows[0]["thread"] == "slack:CFB:20.1" and "EffectiveCost" in rows[0]["sql"]
    assert db.read_bytes() == before  # the warehouse file is never written by a click


def test_app_home_and_assistant_thread_started(serve, mock_api) -> None:
    srv = serve(answer_fn=lambda q, **k: None)
    srv.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.1"})
    assert mock_api.wait_for("/api/views.publish")[0]["user_id"] == "U1"
    srv.event({"type": "assistant_thread_started", "event_ts": "2.2", "assistant_thread": {
        "user_id": "U1", "channel_id": "D2", "thread_ts": "2.1", "context": {}}})
    prompts = mock_api.wait_for("/api/assistant.threads.setSuggestedPrompts")[0]
    assert prompts["channel_id"] == "D2" and len(prompts["prompts"]) >= 3


def test_assistant_pane_sets_status_and_title_then_answers(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    srv.event({"type": "message", "channel_type": "im", "user": "U1", "text": "cost by team", "channel": "D3",
               "ts": "31.2", "thread_ts": "31.1"})
    status = mock_api.wait_for("/api/assistant.threads.setStatus")[0]
    assert status["status"] == "thinking..." and status["thread_ts"] == "31.1"
    assert mock_api.wait_for("/api/assistant.threads.setTitle")[0]["title"] == "cost by team"
    assert mock_api.wait_for("/api/chat.postMessage")[0]["thread_ts"] == "31.1"
    time.sleep(0.2)
    assert len(fake_answer.calls) == 1


def test_command_ack_does_not_wait_for_busy_workers(serve, mock_api, fake_answer) -> None:
    def slow(question, **kw):
        time.sleep(2.5)
        return fake_answer(question, **kw)

    srv = serve(answer_fn=slow, workers=1)  # the only worker is busy answering
    srv.event(mention("cost", channel="CBUSY", ts="1.1"))
    time.sleep(0.2)
    status, text, elapsed = srv.command("scan", response_url=mock_api.base + "/respond/busy")
    assert status == 200 and "Working on" in text and elapsed < 1.0
    assert "not available" in mock_api.wait_for("/respond/busy", timeout=10)[0]["text"]


def test_assistant_pane_failure_still_says_something(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer)
    srv.event({"type": "message", "channel_type": "im", "user": "U1", "text": "boom", "channel": "D4",
               "ts": "41.2", "thread_ts": "41.1"})
    post = mock_api.wait_for("/api/chat.postMessage")[0]
    assert post["thread_ts"] == "41.1" and "trace id" in post["text"]


def test_ask_where_the_bot_is_not_a_member_answers_privately(serve, mock_api, fake_answer) -> None:
    mock_api.errors["chat.postMessage"] = "not_in_channel"
    srv = serve(answer_fn=fake_answer)
    srv.command("ask cost by team", channel="CNOTIN", response_url=mock_api.base + "/respond/private")
    reply = mock_api.wait_for("/respond/private")[0]
    assert reply["response_type"] == "ephemeral" and reply["blocks"][0]["type"] == "header"


def test_real_triage_tool_posts_its_own_slack_blocks(serve, mock_api) -> None:
    srv = serve(answer_fn=lambda q, **k: None, tools=None)  # None: the tools of tools.registry
    srv.command("triage training jobs keep failing", response_url=mock_api.base + "/respond/triage")
    reply = mock_api.wait_for("/respond/triage", timeout=30)[0]
    assert reply["response_type"] == "in_channel" and "Triage" in reply["text"]
    types = [b["type"] for b in reply["blocks"]]
    assert types[0] == "header" and "actions" in types and types[-1] == "context_actions"  # Show SQL, feedback


def test_a_tool_user_error_is_shown_plainly(serve, mock_api) -> None:
    from core.errors import UserError

    def bad(question, settings, as_of):
        raise UserError("no incident 'INC-9'; recent ones: INC-00001")

    srv = serve(answer_fn=lambda q, **k: None, tools={"triage": bad})
    srv.command("triage INC-9", response_url=mock_api.base + "/respond/bad")
    reply = mock_api.wait_for("/respond/bad")[0]
    assert "no incident 'INC-9'" in reply["text"] and "trace id" not in reply["text"]


def test_metrics_lists_the_catalog_privately(serve, mock_api) -> None:
    srv = serve(answer_fn=lambda q, **k: None)
    srv.command("metrics", response_url=mock_api.base + "/respond/metrics")
    reply = mock_api.wait_for("/respond/metrics")[0]
    blocks = str(reply["blocks"])
    assert reply["response_type"] == "ephemeral" and "metrics" in reply["text"]
    assert "effective_cost_usd" in blocks and "Dimensions" in blocks and len(reply["blocks"]) <= 50


def test_dm_thread_that_refuses_status_is_still_answered(serve, mock_api, fake_answer) -> None:
    mock_api.errors["assistant.threads.setStatus"] = "channel_not_found"
    mock_api.errors["assistant.threads.setTitle"] = "channel_not_found"
    srv = serve(answer_fn=fake_answer)
    srv.event({"type": "message", "channel_type": "im", "user": "U1", "text": "cost by team", "channel": "D5",
               "ts": "51.2", "thread_ts": "51.1"})
    post = mock_api.wait_for("/api/chat.postMessage")[0]
    assert post["thread_ts"] == "51.1" and post["blocks"][0]["type"] == "header"
