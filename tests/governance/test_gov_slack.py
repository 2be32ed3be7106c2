"""The Slack flow with signed requests to the real Bolt app: `/pace request` -> modal -> view_submission ->
approver message -> button click -> updated message, DM and audit row; double clicks apply once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient

from faces.slack import create_app
from faces.slack.config import SlackConfig
from faces.slack.governance import MODAL, deliver_outbox, send_sla_reminders
from governance.service import Governance
from core.settings import Settings
from tests.slack.harness import SECRET, AppServer
from tests.slack.mock_api import MockSlackApi

REQUESTER = "U0ALICE"
LEAD = "U0MARIA"  # maria.chen, atlas's tier-2 lead (policy.yaml slack_users)


@pytest.fixture(autouse=True)
def _no_forecast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("governance.impact._forecast_demand", lambda *a: None)


@pytest.fixture
def mock_api() -> Iterator[MockSlackApi]:
    api = MockSlackApi()
    yield api
    api.close()


@pytest.fixture
def app_server(mock_api: MockSlackApi, gov_settings: Settings, tmp_path: Path) -> Iterator[AppServer]:
    """The real app (the Slack engineer's factory) on an ephemeral port, pointed at the mock Web API."""
    settings = gov_settings.model_copy(update={"slack_signing_secret": SECRET, "slack_bot_token": "xoxb-test"})
    client = WebClient(token="xoxb-test", base_url=mock_api.api_url)
    server = AppServer(create_app(settings, client=client, config=SlackConfig(), tools={}, state_file=tmp_path / "slack.sqlite"))
    yield server
    server.close()


def submit_view(server: AppServer, *, count: str = "16", days: str = "7", user: str = REQUESTER, team: str = "atlas",
                timed: list[float] | None = None) -> tuple[int, str]:
    def sel(v: str) -> dict[str, Any]:
        return {"type": "static_select", "selected_option": {"value": v}}

    values = {"team": {"team": sel(team)}, "accelerator": {"accelerator": sel("H100")},
              "count": {"count": {"type": "plain_text_input", "value": count}},
              "start": {"start": {"type": "datepicker", "selected_date": "2026-12-01"}},
              "days": {"days": {"type": "plain_text_input", "value": days}}, "workload": {"workload": sel("training")},
              "priority": {"priority": sel("normal")}, "burst": {"burst": {"type": "checkboxes", "selected_options": []}},
              "justification": {"justification": {"type": "plain_text_input", "value": "ablation sweep"}}}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "trigger_id": "1.2.3", "view": {"id": "V1", "type": "modal", "callback_id": MODAL, "state": {"values": values}}}
    status, text, seconds = server.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    if timed is not None:
        timed.append(seconds)
    return status, text


def stored_message(gov: Governance, request_id: str = "GR-000001") -> tuple[str, str]:
    """The approver message's (channel, ts) once the handler has recorded it (it posts first, then stores)."""
    deadline = time.monotonic() + 10
    while (where := gov.store.slack_message(request_id)) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert where is not None
    return where


def click(server: AppServer, action_id: str, request_id: str, *, user: str, ts: str, channel: str) -> int:
    action = {"type": "button", "action_id": action_id, "block_id": f"gov:{request_id}", "value": request_id, "action_ts": "1"}
    return server.action(action, user=user, channel=channel, message_ts=ts)[0]


def test_request_modal_submission_approval_in_slack(app_server: AppServer, mock_api: MockSlackApi, gov_settings: Settings) -> None:
    status, _, _ = app_server.command("request")
    assert status == 200
    view = mock_api.wait_for("/api/views.open")[0]["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == MODAL
    options = {b["block_id"]: [o["value"] for o in b["element"].get("options", [])] for b in view["blocks"]}
    assert "H100" in options["accelerator"] and "atlas" in options["team"] and "training" in options["workload"]

    status, _ = submit_view(app_server)
    assert status == 200
    posts = mock_api.wait_for("/api/chat.postMessage", 2)
    dm = next(p for p in posts if p["channel"] == REQUESTER)
    assert "accelerator-hours" in dm["text"] and "GR-000001" in dm["text"]
    to_lead = next(p for p in posts if p["channel"] == LEAD)
    buttons = [e["action_id"] for b in to_lead["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["gov_approve", "gov_deny", "gov_ask_info"]
    gov = Governance.open(gov_settings, use_forecast=False)
    channel, ts = stored_message(gov)
    assert channel == LEAD

    assert click(app_server, "gov_approve", "GR-000001", user=LEAD, ts=ts, channel=channel) == 200
    update = mock_api.wait_for("/api/chat.update")[0]
    assert update["ts"] == ts and not [b for b in update["blocks"] if b["type"] == "actions"]
    assert "approved* by maria.chen via slack" in json.dumps(update["blocks"])
    notice = mock_api.wait_for("/api/chat.postMessage", 3)[2]
    assert notice["channel"] == REQUESTER and "approved (16 of 16 granted) by maria.chen" in notice["text"]
    audit = gov.store.audit("GR-000001")
    assert audit[-1] | {"at": None} == {"at": None, "actor": "maria.chen", "from": "submitted", "to": "approved",
                                        "reason": "approve in Slack", "channel": "slack"}

    # A double click (or a retry) applies once: refused politely, the history unchanged, the refusal audited.
    assert click(app_server, "gov_approve", "GR-000001", user=LEAD, ts=ts, channel=channel) == 200
    assert "cannot approve a request that is approved" in mock_api.wait_for("/api/chat.postEphemeral")[0]["text"]
    assert len(gov.store.audit("GR-000001")) == len(audit)
    assert [(r["actor"], r["action"]) for r in gov.store.refusals("GR-000001")] == [("maria.chen", "approve")]
    assert len(mock_api.by_path("/api/chat.update")) == 1


def test_self_approval_in_slack_is_refused_naming_the_rule(app_server: AppServer, mock_api: MockSlackApi, gov_settings: Settings) -> None:
    submit_view(app_server, user=LEAD)  # the lead asks for their own team: governance decides, not maria
    posts = mock_api.wait_for("/api/chat.postMessage", 2)
    gov = Governance.open(gov_settings, use_forecast=False)
    channel, ts = stored_message(gov)
    assert channel == "U0GOVALV" and any(p["channel"] == channel for p in posts)
    click(app_server, "gov_approve", "GR-000001", user=LEAD, ts=ts, channel=channel)
    assert "rule no-self-approval" in mock_api.wait_for("/api/chat.postEphemeral")[0]["text"]
    assert gov.store.get("GR-000001").status == "submitted"
    # The identity is the Slack user in the signed payload (mapped by policy.yaml), on the request and the refusal.
    assert gov.store.get("GR-000001").requester == "maria.chen"
    assert [(r["actor"], r["action"], r["channel"]) for r in gov.store.refusals("GR-000001")] == [("maria.chen", "approve", "slack")]


def test_bad_modal_input_comes_back_as_field_errors(app_server: AppServer, mock_api: MockSlackApi) -> None:
    status, text = submit_view(app_server, count="many")
    assert status == 200 and json.loads(text) == {"response_action": "errors", "errors": {"count": "Write a whole number, e.g. 8"}}
    status, text = submit_view(app_server, count="0")
    assert json.loads(text)["errors"]["count"].startswith("--count 0 must be")
    assert not mock_api.by_path("/api/chat.postMessage")


def test_cli_decision_updates_the_slack_message(app_server: AppServer, mock_api: MockSlackApi, gov_settings: Settings) -> None:
    submit_view(app_server)
    mock_api.wait_for("/api/chat.postMessage", 2)
    gov = Governance.open(gov_settings, use_forecast=False)
    stored_message(gov)
    gov.act("GR-000001", "deny", actor="gov.iyer", channel="cli", reason="over the H100 budget this month")
    assert deliver_outbox(WebClient(token="xoxb-test", base_url=mock_api.api_url), gov) == 1
    update = mock_api.wait_for("/api/chat.update")[0]
    assert "denied* by gov.iyer via cli" in json.dumps(update["blocks"])
    assert "over the H100 budget" in mock_api.wait_for("/api/chat.postMessage", 3)[2]["text"]
    assert deliver_outbox(WebClient(token="xoxb-test", base_url=mock_api.api_url), gov) == 0


def test_sla_reminders_go_to_the_approver_once_a_day(app_server: AppServer, mock_api: MockSlackApi, gov_settings: Settings) -> None:
    submit_view(app_server)
    mock_api.wait_for("/api/chat.postMessage", 2)
    gov = Governance.open(gov_settings, use_forecast=False)
    client = WebClient(token="xoxb-test", base_url=mock_api.api_url)

    def mine() -> list[dict]:  # the demo's open requests, imported from the warehouse, are long past the SLA too
        return [p for p in mock_api.by_path("/api/chat.postMessage") if p["text"].startswith("Reminder: GR-000001")]

    send_sla_reminders(client, gov, datetime.utcnow() + timedelta(hours=1))
    assert mine() == []
    later = datetime.utcnow() + timedelta(hours=49)
    send_sla_reminders(client, gov, later)
    assert {p["channel"] for p in mine()} == {LEAD, "U0GOVALV", "U0GOVIYE"} and len(mine()) == 3
    assert send_sla_reminders(client, gov, later) == 0
    assert "past the 48 h SLA" in mine()[0]["text"]


def test_scheduler_tick_delivers_cli_decisions_and_reminders(app_server: AppServer, mock_api: MockSlackApi, gov_settings: Settings) -> None:
    from faces.slack import run_scheduled

    submit_view(app_server)
    mock_api.wait_for("/api/chat.postMessage", 2)
    gov = Governance.open(gov_settings, use_forecast=False)
    stored_message(gov)
    gov.act("GR-000001", "ask_info", actor="maria.chen", channel="cli", reason="which checkpoint?")
    out = run_scheduled(app_server.app, gov_settings, datetime.utcnow() + timedelta(hours=49))
    assert out["governance"]["delivered"] == 1
    mine = [p for p in mock_api.by_path("/api/chat.postMessage") if p["text"].startswith("Reminder: GR-000001")]
    assert [p["channel"] for p in mine] == [REQUESTER]  # the requester owes the information
    assert "needs info" in json.dumps(mock_api.wait_for("/api/chat.update")[0]["blocks"])


def test_submission_is_acknowledged_before_a_slow_impact_card(app_server: AppServer, mock_api: MockSlackApi,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_forecast(*a: object) -> None:
        time.sleep(3.5)  # Slack gives a view_submission 3 s

    monkeypatch.setattr("governance.impact._forecast_demand", slow_forecast)
    timed: list[float] = []
    status, _ = submit_view(app_server, timed=timed)
    assert status == 200 and timed[0] < 3.0
    assert "GR-000001" in mock_api.wait_for("/api/chat.postMessage", 2)[0]["text"]
