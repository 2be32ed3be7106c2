"""Socket Mode: no signing secret needed; Bolt's socket handler dispatches payloads like this one."""

from __future__ import annotations

import json

from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from faces.slack import create_app
from faces.slack.config import SlackConfig
from tests.slack.harness import mention


def test_socket_mode_app_answers_without_a_signing_secret(mock_api, fake_answer, settings, tmp_path) -> None:
    s = settings.model_copy(update={"slack_app_token": "xapp-test", "slack_bot_token": "xoxb-test"})
    app = create_app(s, client=WebClient(token="xoxb-test", base_url=mock_api.api_url), answer_fn=fake_answer,
                     tools={}, config=SlackConfig(), socket_mode=True, state_file=tmp_path / "state.sqlite")
    body = {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvS1",
            "event": mention("cost by team", channel="CSOCK", ts="9.1")}
    response = app.dispatch(BoltRequest(body=json.dumps(body), mode="socket_mode"))
    assert response.status == 200
    post = mock_api.wait_for("/api/chat.postMessage")[0]
    assert post["channel"] == "CSOCK" and post["thread_ts"] == "9.1"
