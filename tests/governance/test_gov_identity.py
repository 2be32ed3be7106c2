"""Who acts: the CLI is the operating-system user; `--as` needs the policy's act_as role and is audited as
"A acting as B"; without it the attempt is refused and audited. Slack acts as the verified Slack user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import Settings
from faces.cli.app import run_app
from governance.store import NO_REQUEST, Store
from semantic_layer.live_requests import store_path
from tests.governance.test_gov_cli import NEW


@pytest.fixture(autouse=True)
def _no_forecast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("governance.impact._forecast_demand", lambda *a: None)


def pace(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, login: str, *args: str) -> tuple[int, dict | None, str]:
    monkeypatch.setenv("LOGNAME", login)  # getpass.getuser() reads LOGNAME first
    rc = run_app(list(args))
    out, err = capsys.readouterr()
    return rc, (json.loads(out) if out.strip().startswith("{") else None), err


def test_the_cli_acts_as_the_login_by_default(gov_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rc, new, _ = pace(capsys, monkeypatch, "alice", *NEW, "--db", str(gov_db), "--json")
    assert rc == 0 and new["requester"] == "alice" and new["audit"][0]["actor"] == "alice"


def test_as_without_the_role_is_refused_and_audited(gov_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(store_path(Settings(PACE_DB=gov_db)))
    rc, _, err = pace(capsys, monkeypatch, "mallory", *NEW, "--as", "alice", "--db", str(gov_db))
    assert rc == 2 and err.startswith("refused: rule act_as: mallory may not act as alice")
    assert len(err.strip().splitlines()) <= 3 and "Traceback" not in err
    assert [(r["request"], r["actor"], r["action"]) for r in store.refusals()] == [(NO_REQUEST, "mallory acting as alice", "submit")]
    assert [r for r in store.list() if r.requester == "alice"] == []  # nothing was submitted

    rc, new, _ = pace(capsys, monkeypatch, "alice", *NEW, "--db", str(gov_db), "--json")
    rc, _, err = pace(capsys, monkeypatch, "mallory", "request", "approve", new["id"], "--as", "maria.chen", "--db", str(gov_db))
    assert rc == 2 and err.startswith("refused: rule act_as: mallory may not act as maria.chen")
    assert store.get(new["id"]).status == "submitted"
    assert [(r["actor"], r["action"]) for r in store.refusals(new["id"])] == [("mallory acting as maria.chen", "approve")]


def test_as_with_the_role_is_audited_as_a_acting_as_b(gov_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # gov.alvarez holds `admin`, which policy.yaml lists under act_as.
    rc, new, _ = pace(capsys, monkeypatch, "gov.alvarez", *NEW, "--as", "alice", "--db", str(gov_db), "--json")
    assert rc == 0 and new["requester"] == "alice" and new["audit"][0]["actor"] == "gov.alvarez acting as alice"
    rc, done, _ = pace(capsys, monkeypatch, "gov.alvarez", "request", "approve", new["id"], "--as", "maria.chen", "--db", str(gov_db), "--json")
    assert rc == 0 and done["status"] == "approved" and done["approver"] == "maria.chen"
    assert done["audit"][-1]["actor"] == "gov.alvarez acting as maria.chen"
    # Acting as someone else never lets a person approve their own request.
    rc, own, _ = pace(capsys, monkeypatch, "gov.alvarez", *NEW, "--db", str(gov_db), "--json")
    rc, _, err = pace(capsys, monkeypatch, "gov.alvarez", "request", "approve", own["id"], "--as", "gov.iyer", "--db", str(gov_db))
    assert rc == 2 and err.startswith("refused: rule no-self-approval: gov.alvarez submitted")
    rc, shown, _ = pace(capsys, monkeypatch, "gov.alvarez", "request", "show", own["id"], "--db", str(gov_db), "--json")
    assert [(r["actor"], r["action"]) for r in shown["refused"]] == [("gov.alvarez acting as gov.iyer", "approve")]


def test_as_oneself_needs_no_role(gov_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rc, new, _ = pace(capsys, monkeypatch, "alice", *NEW, "--as", "alice", "--db", str(gov_db), "--json")
    assert rc == 0 and new["audit"][0]["actor"] == "alice"
