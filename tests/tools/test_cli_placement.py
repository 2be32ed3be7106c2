"""`pace placement` and `pace platform-review`: the DESIGN.md JSON contract, tables, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faces.cli.app import run_app

CANDIDATE = {"accelerator", "count", "cost_usd", "hours", "energy_kwh", "basis", "fits_quota", "fits_capacity", "why"}


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert run_app(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_placement_json_keeps_the_design_contract(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["placement", "--db", str(demo_db), "--workload", "fine-tuning", "--model-params", "70B",
                         "--tokens", "2B", "--team", "orion", "--deadline", "3", "--json"])
    assert out["workload"] == "fine-tuning" and out["candidates"]
    assert all(CANDIDATE <= set(c) for c in out["candidates"])
    assert {c["basis"] for c in out["candidates"]} <= {"observed", "catalog"}
    assert all(isinstance(c["fits_quota"], bool) for c in out["candidates"])  # a team was given
    assert out["evidence_sql"] and out["summary"]


def test_placement_accelerator_hours_on_a_type(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["placement", "--db", str(demo_db), "--workload", "training", "--accelerator-hours", "5000",
                         "--on", "h100", "--json"])
    h100 = next(c for c in out["candidates"] if c["accelerator"] == "H100")
    assert h100["accelerator_hours"] == pytest.approx(5000, rel=1e-3) and out["reference"] == "H100"


def test_placement_prints_table_reasons_and_exclusions(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["placement", "--db", str(demo_db), "--workload", "fine-tune", "--model-params", "70B", "--tokens", "2B"]) == 0
    out = capsys.readouterr().out
    assert "accelerator types can run it" in out and "the tokens per hour of H100" in out
    assert "Jetson Orin cannot: on-device hardware" in out


def test_a_workload_nothing_can_hold_is_an_answer(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["placement", "--db", str(demo_db), "--workload", "training", "--model-params", "100T", "--json"])
    assert out["candidates"] == [] and out["summary"].startswith("No accelerator in the catalog can run")


def test_platform_review_json_and_table(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["platform-review", "TPU v5e", "--db", str(demo_db), "--json"])
    assert out["recommendation"] in ("expand", "hold", "fix first") and out["adoption"] and out["evidence_sql"]
    assert run_app(["platform-review", "tpu v5e", "--db", str(demo_db), "--since", "2026-10-19"]) == 0
    assert "Recommendation:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["placement", "--workload", "training", "--model-params", "7 bananas"], "write it like 7B, 70B, 1.5T"),
        (["placement", "--workload", "training", "--on", "B200"], "known types: A100, H100, H200"),
        (["placement", "--workload", "juggling"], "unknown workload"),
        (["placement", "--workload", "training", "--tokens", "lots"], "cannot read --tokens"),
        (["placement", "--workload", "training", "--tokens", "1B", "--accelerator-hours", "10", "--on", "H100"], "not both"),
        (["platform-review", "B200"], "known types:"),
        (["platform-review", "H200", "--since", "soon"], "YYYY-MM-DD"),
    ],
)
def test_bad_input_exits_2_with_error(demo_db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert run_app([*argv, "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err.replace("\n", " ")
