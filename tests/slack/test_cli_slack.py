"""`pace slack`: bad or missing tokens fail first with exit 2 and a line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from faces.cli import run_app
from faces.cli import slack as cli_slack

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xapp-1-A1-abc", "SLACK_SIGNING_SECRET": "0123456789abcdef0123"}


@pytest.mark.parametrize("args, env, variable", [
    (["--socket"], {"SLACK_BOT_TOKEN": GOOD["SLACK_BOT_TOKEN"]}, "SLACK_APP_TOKEN is not set"),
    (["--socket"], {**GOOD, "SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN does not look right"),
    (["--socket"], {"SLACK_APP_TOKEN": GOOD["SLACK_APP_TOKEN"]}, "SLACK_BOT_TOKEN is not set"),
    (["--http", "--port", "0"], {**GOOD, "SLACK_BOT_TOKEN": "xapp-not-a-bot"}, "SLACK_BOT_TOKEN does not look right"),
    (["--http", "--port", "0"], {"SLACK_BOT_TOKEN": GOOD["SLACK_BOT_TOKEN"]}, "SLACK_SIGNING_SECRET is not set"),
    (["--http"], {**GOOD, "SLACK_SIGNING_SECRET": "short"}, "SLACK_SIGNING_SECRET does not look right"),
    ([], GOOD, "choose one of --socket"),
])
def test_bad_tokens_exit_2_before_anything_happens(args, env, variable, monkeypatch, capsys, tmp_path: Path) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    db = tmp_path / "never-built.duckdb"
    called = []
    monkeypatch.setattr(cli_slack, "run", lambda *a, **k: called.append(a))
    assert run_app(["slack", *args, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and variable in err
    assert not called and not db.exists()


def test_good_tokens_reach_the_server(monkeypatch, tmp_path: Path) -> None:
    for k, v in GOOD.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("PACE_SLACK_COST_CHANNELS", "CFIN")
    seen = {}
    monkeypatch.setattr(cli_slack, "run", lambda settings, config, **kw: seen.update(config=config, **kw))
    assert run_app(["slack", "--http", "--port", "0", "--db", str(tmp_path / "w.duckdb")]) == 0
    assert seen["socket"] is False and seen["port"] == 0 and seen["config"].cost_channels == {"CFIN"}
