"""`pace weekly` and `pace triage` from the command line: outputs, and exit 2 with `error:` on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import faces.cli  # noqa: F401  (registers every command)
from faces.cli.app import run_app
from tools.grounding import Fact, check_grounding


@pytest.fixture
def fast_weekly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the savings and forecast tools here (test_weekly covers them) to keep the CLI tests quick."""
    import tools.weekly_prose as prose

    monkeypatch.setattr(prose, "tool_facts", lambda settings, book, unavailable: {})


def test_weekly_html_to_file(demo_db: Path, tmp_path: Path, fast_weekly: None) -> None:
    out = tmp_path / "w" / "weekly.html"
    assert run_app(["weekly", "--week", "2026-W46", "--format", "html", "--out", str(out), "--db", str(demo_db)]) == 0
    html = out.read_text()
    assert "Fleet weekly · 2026-W46" in html and 'src="data:image/png;base64,' in html


def test_weekly_markdown_to_file_links_its_charts(demo_db: Path, tmp_path: Path, fast_weekly: None) -> None:
    out = tmp_path / "weekly-2026-W46.md"
    assert run_app(["weekly", "--week", "2026-W46", "--out", str(out), "--db", str(demo_db)]) == 0
    md = out.read_text()
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["weekly-2026-W46-daily_spend.png", "weekly-2026-W46-hours_by_type.png"]
    assert all(f"]({name})" in md for name in pngs)


def test_weekly_json_and_slack(demo_db: Path, capsys: pytest.CaptureFixture[str], fast_weekly: None) -> None:
    assert run_app(["weekly", "--format", "json", "--db", str(demo_db)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["week"] == "2026-W47" and data["grounding_problems"] == []
    assert run_app(["weekly", "--format", "slack", "--db", str(demo_db)]) == 0
    assert len(json.loads(capsys.readouterr().out)["blocks"]) <= 50


@pytest.mark.parametrize(("args", "message"), [
    (["--week", "2026-47"], "YYYY-Www"),
    (["--week", "2026-W60"], "has no week"),
    (["--week", "2025-W10"], "outside the data"),
    (["--format", "pdf"], "md, html, slack, json"),
])
def test_weekly_bad_input(demo_db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert run_app(["weekly", *args, "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err


def test_triage_text_json(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["triage", "training jobs on cluster us-west-onprem keep failing", "--json", "--db", str(demo_db)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scope"]["cluster"] == "us-west-onprem" and data["severity"] in ("SEV1", "SEV2", "SEV3", "SEV4")
    assert data["owner"] and data["grounding_problems"] == []
    facts = [Fact.from_dict(f) for f in data["facts"]]  # what the evals do with the JSON output
    assert check_grounding(data["markdown"], facts) == []
    assert check_grounding(data["markdown"].replace(facts[0].text() + " [1]", "9,999 [1]", 1), facts)


def test_triage_incident_markdown(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["triage", "--incident", "INC-00030", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# INC-00030: triage draft") and "## Sources" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--incident", "INC-99999"], "recent ones: INC-"),
    ([], "exactly one of"),
    (["some text", "--incident", "INC-00001"], "exactly one of"),
    (["   "], "empty"),
    (["x", "--format", "html"], "md, slack, json"),
])
def test_triage_bad_input(demo_db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert run_app(["triage", *args, "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err
