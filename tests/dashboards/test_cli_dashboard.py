"""`pace dashboard`: list, print as JSON, export a self-contained file, refuse a public bind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from faces.cli import run_app


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict:
    capsys.readouterr()
    assert run_app(args) == 0
    return json.loads(capsys.readouterr().out)


def test_list(capsys, demo_db: Path) -> None:  # noqa: ANN001
    out = _json(capsys, ["dashboard", "--db", str(demo_db), "--json"])
    assert [d["name"] for d in out["dashboards"]] == ["fleet", "team", "governance", "reliability", "serving", "anomalies"]


def test_print_one_with_filters(capsys, demo_db: Path) -> None:  # noqa: ANN001
    out = _json(capsys, ["dashboard", "team", "--where", "team=atlas", "--range", "30d", "--db", str(demo_db), "--json"])
    assert out["filters"] == {"team": "atlas"}
    assert all(t["error"] is None for t in out["tiles"])
    assert out["period"]["start"].startswith("2026-10-24")


def test_export_is_self_contained(capsys, demo_db: Path, tmp_path: Path) -> None:  # noqa: ANN001
    out_file = tmp_path / "fleet.html"
    info = _json(capsys, ["dashboard", "fleet", "--range", "3d", "--out", str(out_file), "--db", str(demo_db), "--json"])
    assert info["failed_tiles"] == [] and info["tiles"] == 18
    html = out_file.read_text()
    assert "<script" not in html and "<style>" in html
    assert not re.search(r'(src|href)="(https?:)?//', html) and "url(http" not in html
    assert html.count("<svg") >= 8


def test_bad_input_exits_2(capsys, demo_db: Path) -> None:  # noqa: ANN001
    assert run_app(["dashboard", "--serve", "--host", "0.0.0.0", "--db", str(demo_db)]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert run_app(["dashboard", "nope", "--db", str(demo_db)]) == 2
    assert run_app(["dashboard", "fleet", "--where", "colour=red", "--db", str(demo_db)]) == 2
    assert run_app(["dashboard", "fleet", "--png", "--db", str(demo_db)]) == 2
