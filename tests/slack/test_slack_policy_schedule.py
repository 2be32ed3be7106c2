"""Cost visibility by channel and user, configuration sources, and scheduled posts with dedup."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from faces.slack import run_scheduled, service_of
from faces.slack.config import SlackConfig
from core.errors import UserError
from tests.slack.harness import mention

POLICY = SlackConfig(cost_channels=frozenset({"CFIN"}), cost_users=frozenset({"UCFO"}))


def test_cost_is_redacted_outside_allowed_channels_and_users(serve, mock_api, fake_answer) -> None:
    srv = serve(answer_fn=fake_answer, config=POLICY)
    srv.event(mention("cost by team", channel="CFIN", ts="1.1", user="U1"))
    srv.event(mention("cost by team", channel="CENG", ts="2.1", user="U1"))
    srv.event(mention("cost by team", channel="CENG", ts="3.1", user="UCFO"))
    mock_api.wait_for("/api/chat.postMessage", 3)
    by_thread = {p["thread_ts"]: json.dumps(p["blocks"]) for p in mock_api.by_path("/api/chat.postMessage")}
    assert "148,605" in by_thread["1.1"] and "148,605" in by_thread["3.1"]
    hidden = by_thread["2.1"]
    assert "148,605" not in hidden and "148604" not in hidden and "$[hidden]" in hidden
    assert "PACE_SLACK_COST_CHANNELS" in hidden and "87.4" in hidden  # utilization stays
    # the cost chart is not uploaded where cost is hidden
    uploads = mock_api.wait_for("/api/files.completeUploadExternal", 2)
    time.sleep(0.3)
    uploads = mock_api.by_path("/api/files.completeUploadExternal")
    assert sorted(u["thread_ts"] for u in uploads) == ["1.1", "3.1"]


def test_config_from_env_and_yaml(tmp_path: Path) -> None:
    env = {"PACE_SLACK_COST_CHANNELS": "C1, C2", "PACE_SLACK_COST_USERS": "U1", "PACE_SLACK_ALERT_MIN_SEVERITY": "sev3"}
    cfg = SlackConfig.from_env(env)
    assert cfg.cost_channels == {"C1", "C2"} and cfg.may_see_cost("U1", "CX") and not cfg.may_see_cost("U2", "CX")
    assert cfg.severity_qualifies("SEV3") and not cfg.severity_qualifies("SEV4")
    assert SlackConfig.from_env({}).may_see_cost("anyone", "anywhere")  # no policy: nobody restricted
    f = tmp_path / "slack.yaml"
    f.write_text("cost_channels: [CFIN]\nalerts_channel: CALERT\n")
    cfg = SlackConfig.from_env({**env, "PACE_SLACK_CONFIG": str(f)})
    assert cfg.cost_channels == {"CFIN"} and cfg.alerts_channel == "CALERT" and cfg.cost_users == {"U1"}
    f.write_text("cost_chanels: [CFIN]\n")
    with pytest.raises(UserError, match="unknown keys"):
        SlackConfig.from_env({"PACE_SLACK_CONFIG": str(f)})
    with pytest.raises(UserError, match="PACE_SLACK_ALERT_MIN_SEVERITY"):
        SlackConfig.from_env({"PACE_SLACK_ALERT_MIN_SEVERITY": "bad"})


def _finding(fid: str, sev: str, entity: str, impact: float) -> dict:
    return {"id": fid, "kind": "cost_spike", "entity": entity, "cluster": None, "accelerator_type": None,
            "start": "2026-11-18T00:00:00", "end": "2026-11-19T00:00:00", "metric": "cost", "observed": 9.0,
            "expected": 3.0, "severity": sev, "impact_usd": impact, "owner": "sam", "tier": 2,
            "evidence_sql": "SELECT 42"}


def test_scheduled_alerts_and_weekly_are_posted_once(serve, mock_api) -> None:
    cfg = SlackConfig(alerts_channel="CALERT", weekly_channel="CWEEK", alert_min_severity="SEV2",
                      cost_channels=frozenset({"CWEEK"}))
    srv = serve(answer_fn=lambda q, **k: None, config=cfg)
    findings = [_finding("F001", "SEV1", "orion", 30000), _finding("F002", "SEV2", "helix", 6000),
                _finding("F003", "SEV4", "vega", 10)]
    weekly = lambda label, settings, as_of: {"text": f"Week {label}: spend $565,724", "sql": "SELECT 1"}  # noqa: E731
    app, settings = srv.app, service_of(srv.app).settings
    now = datetime(2026, 11, 24, 9, 0)
    first = run_scheduled(app, settings, now, scan_fn=lambda s, a, b: findings, weekly_fn=weekly)
    assert first["weekly"] == "weekly:2026-W47" and len(first["alerts"]) == 2
    # the next scan numbers findings afresh (F001 is now another finding): identity is what it is, not its id
    renumbered = [_finding("F009", "SEV1", "orion", 30000), _finding("F001", "SEV2", "atlas", 7000)]
    second = run_scheduled(app, settings, now, scan_fn=lambda s, a, b: renumbered, weekly_fn=weekly)
    assert second["weekly"] is None and len(second["alerts"]) == 1
    posts = mock_api.by_path("/api/chat.postMessage")
    alerts = [p for p in posts if p["channel"] == "CALERT"]
    assert len(alerts) == 3 and [a["text"].split(": ")[-1] for a in alerts] == ["orion", "helix", "atlas"]
    assert "$[hidden]" in json.dumps(alerts[0]["blocks"])  # alerts channel is not a cost channel
    weeklies = [p for p in posts if p["channel"] == "CWEEK"]
    assert len(weeklies) == 1 and "$565,724" in json.dumps(weeklies[0]["blocks"])


def test_scheduled_dedup_survives_restart_and_failed_posts_retry(serve, mock_api, tmp_path) -> None:
    cfg = SlackConfig(alerts_channel="CALERT")
    state = tmp_path / "state.sqlite"
    findings = [_finding("F001", "SEV1", "orion", 30000)]
    srv = serve(answer_fn=lambda q, **k: None, config=cfg, state_file=state)
    mock_api.errors["chat.postMessage"] = "ratelimited"
    now = datetime(2026, 11, 24)
    assert run_scheduled(srv.app, service_of(srv.app).settings, now, scan_fn=lambda *a: findings)["alerts"] == []
    del mock_api.errors["chat.postMessage"]
    assert len(run_scheduled(srv.app, service_of(srv.app).settings, now, scan_fn=lambda *a: findings)["alerts"]) == 1
    restarted = serve(answer_fn=lambda q, **k: None, config=cfg, state_file=state)
    assert run_scheduled(restarted.app, service_of(restarted.app).settings, now, scan_fn=lambda *a: findings)["alerts"] == []


def test_real_scan_feeds_alerts(serve, mock_api) -> None:
    srv = serve(answer_fn=lambda q, **k: None, config=SlackConfig(alerts_channel="CALERT", alert_min_severity="SEV4"))
    out = run_scheduled(srv.app, service_of(srv.app).settings, datetime(2026, 11, 23))
    assert out["alerts"], "the demo warehouse has injected anomalies in its last week"
    again = run_scheduled(srv.app, service_of(srv.app).settings, datetime(2026, 11, 23))
    assert again["alerts"] == []
    assert len(mock_api.by_path("/api/chat.postMessage")) == len(out["alerts"])


def test_scheduled_weekly_uses_the_real_narrative_with_its_charts(serve, mock_api) -> None:
    from tools.weekly import weekly_narrative

    def weekly(label, settings, as_of):  # the real narrative, without the slow savings/forecast sections
        return weekly_narrative(settings, label, with_tools=False)

    srv = serve(answer_fn=lambda q, **k: None, config=SlackConfig(weekly_channel="CWEEK"))
    out = run_scheduled(srv.app, service_of(srv.app).settings, datetime(2026, 11, 24, 9), weekly_fn=weekly)
    assert out["weekly"] == "weekly:2026-W47"
    post = mock_api.by_path("/api/chat.postMessage")[0]
    assert post["channel"] == "CWEEK" and "2026-W47" in post["blocks"][0]["text"]["text"]
    uploads = mock_api.wait_for("/api/files.completeUploadExternal")
    assert uploads[0]["thread_ts"] == "1800000000.000001" and all(u["png"] for u in mock_api.by_path("/upload/"))
