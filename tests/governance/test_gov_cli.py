"""`pace request ...`: JSON shape, exit codes, and a CLI submission seen by a question engine held open elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from faces.cli.app import run_app

NEW = ["request", "new", "--team", "atlas", "--accelerator", "H100", "--count", "16", "--start", "2026-12-01", "--days", "7",
       "--workload", "training", "--justification", "ablation sweep"]
KEYS = {"id", "status", "requester", "team", "accelerator", "count", "start", "end", "workload", "waiting_reason", "audit"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_forecast(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process commands skip the ETS forecast (seconds each); the subprocess test keeps it."""
    monkeypatch.setattr("governance.impact._forecast_demand", lambda *a: None)


@pytest.fixture(autouse=True)
def _login(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operating-system user the CLI acts as (getpass reads LOGNAME first): alice unless a test logs in."""
    login(monkeypatch, "alice")


def login(monkeypatch: pytest.MonkeyPatch, user: str) -> None:
    monkeypatch.setenv("LOGNAME", user)


def pace(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict | None, str]:
    rc = run_app(list(args))
    out, err = capsys.readouterr()
    return rc, (json.loads(out) if out.strip().startswith("{") else None), err


def test_new_show_approve_list(gov_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rc, new, _ = pace(capsys, *NEW, "--db", str(gov_db), "--json")
    assert rc == 0 and KEYS <= set(new) and new["status"] == "submitted" and new["requester"] == "alice"
    assert set(new["audit"][0]) == {"at", "actor", "from", "to", "reason", "channel"}
    assert "accelerator-hours" in new["impact_card"] and "maria.chen" in new["waiting_reason"]
    rc, _, err = pace(capsys, "request", "approve", new["id"], "--db", str(gov_db))
    assert rc == 2 and err.startswith("refused: rule no-self-approval")
    login(monkeypatch, "maria.chen")
    rc, done, _ = pace(capsys, "request", "approve", new["id"], "--count", "8", "--db", str(gov_db), "--json")
    assert rc == 0 and (done["status"], done["granted"], done["approver"]) == ("approved", 8, "maria.chen")
    login(monkeypatch, "gov.iyer")
    rc, _, err = pace(capsys, "request", "deny", new["id"], "--db", str(gov_db))
    assert rc == 2 and err.startswith("refused: cannot deny a request that is approved")
    rc, shown, _ = pace(capsys, "request", "show", new["id"], "--db", str(gov_db), "--json")
    assert [a["to"] for a in shown["audit"]] == ["submitted", "approved"] and shown["audit"][1]["channel"] == "cli"
    assert [(r["actor"], r["action"]) for r in shown["refused"]] == [("alice", "approve"), ("gov.iyer", "deny")]
    rc, listed, _ = pace(capsys, "request", "list", "--status", "approved", "--team", "atlas", "--db", str(gov_db), "--json")
    assert [r["id"] for r in listed["requests"]] == [new["id"]]


@pytest.mark.parametrize(("change", "message"), [
    (("--accelerator", "H999"), "error: --accelerator 'H999' is not in the accelerator catalog; use one of: A100"),
    (("--count", "0"), "error: --count 0 must be a whole number of accelerators above 0"),
    (("--days", "0"), "error: --days 0 must be at least 1"),
    (("--justification", "  "), "error: --justification is empty"),
    (("--team", "zeta"), "error: --team 'zeta' is not a known team"),
    (("--workload", "mining"), "error: --workload 'mining' is unknown"),
    (("--start", "tomorrow"), "error: --start 'tomorrow' is not a date"),
])
def test_bad_input_exits_2_naming_the_field(gov_db: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], message: str) -> None:
    args = list(NEW)
    args[args.index(change[0]) + 1] = change[1]
    rc, _, err = pace(capsys, *args, "--db", str(gov_db))
    assert rc == 2 and " ".join(err.split()).startswith(message)


def test_small_request_is_auto_approved(gov_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = list(NEW)
    args[args.index("--count") + 1], args[args.index("--days") + 1] = "2", "2"
    rc, new, _ = pace(capsys, *args, "--db", str(gov_db), "--json")
    assert rc == 0 and new["status"] == "approved" and new["audit"][1]["actor"] == "pace-policy"
    assert "auto-small-within-quota" in new["audit"][1]["reason"]


def test_cli_submission_is_counted_by_a_question_engine_held_open_in_another_process(gov_db: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PACE_", "OPENAI_", "SLACK_"))}
    env["PYTHONPATH"], env["LOGNAME"] = str(ROOT), "alice"
    tomorrow = (date.today() + timedelta(days=1)).isoformat()  # the assistant's default window then includes today
    holder = subprocess.Popen([sys.executable, str(Path(__file__).with_name("holder.py")), str(gov_db), tomorrow],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert json.loads(holder.stdout.readline())["ready"]
        holder.stdin.write("ask\n")
        holder.stdin.flush()
        before = json.loads(holder.stdout.readline())
        done = subprocess.run([sys.executable, "-c", "from faces.cli import main; main()", *NEW, "--db", str(gov_db), "--json"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "lock" not in done.stderr.lower()
        holder.stdin.write("ask\n")
        holder.stdin.flush()
        after = json.loads(holder.stdout.readline())
    finally:
        holder.stdin.close()
        holder.wait(30)
    assert after["query"] == before["query"] + 1
    assert after["status"] == "answered", after
    assert after["answer"] == before["answer"] + 1


def test_every_request_command_is_documented() -> None:
    from faces.cli.requests import request_app

    doc = (ROOT / "docs" / "governance.md").read_text()
    for command in request_app.registered_commands:
        name = command.name or command.callback.__name__
        assert "Example: pace request" in (command.callback.__doc__ or ""), name
        assert name in doc, name
