"""Placement on a hand-built warehouse with known MFU per type, and on the shared demo warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from semantic_layer.engine import Engine
from core.errors import UserError
from core.settings import Settings
from tests.tools import placement_warehouse
from tools import placement_model as pm
from tools.placement import place_workload


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(PACE_DB=placement_warehouse.build(tmp_path_factory.mktemp("placement") / "known.duckdb"))


def test_ranking_follows_observed_throughput_per_dollar(known: Settings) -> None:
    p = place_workload(known, "fine-tuning", "7B", tokens="1B")
    h100, h200 = p.candidate("H100"), p.candidate("H200")
    assert (h100.basis, h200.basis) == ("observed", "observed")
    assert h100.mfu == pytest.approx(0.40) and h200.mfu == pytest.approx(0.60)
    # H200: 1.5x the tokens per hour at 1.25x the price -> 1.25 / 1.5 - 1 = 17% cheaper per token
    assert h200.why.startswith("H200: 1.50x the tokens per hour of H100 at 1.25x the price: 17% cheaper per token")
    assert h100.tokens_per_hour == pytest.approx(pm.tokens_per_hour(989.0, 0.40, 7e9, "fine-tuning"))
    assert h100.cost_usd == pytest.approx(1e9 / h100.tokens_per_hour * 4.00, rel=1e-3)
    costs = [c.cost_usd for c in p.candidates if c.fits_capacity]
    assert costs == sorted(costs) and p.candidates.index(h200) < p.candidates.index(h100)
    assert p.reference == "H100" and "observed" in p.summary_text()


def test_thin_history_falls_back_to_the_catalog(known: Settings) -> None:
    a100 = place_workload(known, "fine-tuning", "7B", tokens="1B").candidate("A100")
    assert (a100.basis, a100.confidence, a100.sample_jobs) == ("catalog", "low", 5)
    assert a100.mfu == pm.TYPICAL_MFU["fine-tuning"]  # not the 0.90 of its five jobs
    assert "only 5 completed fine-tuning jobs" in a100.why


def test_memory_fit_sets_the_count_and_excludes_device_hardware(known: Settings) -> None:
    p = place_workload(known, "fine-tuning", "70B", tokens="2B")
    # 70B x 16 B = 1,120 GB; L40S holds 48 x 0.75 = 36 GB of it each -> 31.1 -> 32
    assert p.candidate("L40S").min_count == 32 and p.candidate("L40S").count >= 32
    assert p.candidate("H100").min_count == 24  # 1,120 / 60 = 18.7 -> 24 (whole nodes of 8)
    assert p.candidate("Jetson Orin") is None
    assert {e["accelerator"]: e["why"] for e in p.excluded}["MI300X"] == "no installed capacity in any cluster"
    inference = place_workload(known, "batch-inference", "70B", tokens="1B")
    assert inference.candidate("H100").min_count == 4  # 140 GB of bf16 weights over 56 GB usable each -> 2.5 -> 4


def test_capacity_and_quota_limits(known: Settings) -> None:
    big = place_workload(known, "fine-tuning", "200B", tokens="1B")
    assert big.candidate("H200") is None  # needs 32, its only pool has 16
    h100 = big.candidate("H100")
    assert h100.min_count == 56 and not h100.fits_capacity  # 24 of 64 free
    assert not any(c.fits_capacity is False for c in big.candidates[: [c.fits_capacity for c in big.candidates].index(False)])
    small = place_workload(known, "fine-tuning", "7B", tokens="1B", team="t1")
    h100 = small.candidate("H100")
    assert (h100.count, h100.fits_quota) == (8, True)  # typical 16, cut to the team's 8 of headroom
    assert small.candidate("L40S").fits_quota is False  # t1 has no L40S quota
    assert place_workload(known, "fine-tuning", "70B", tokens="1B", team="t1").candidate("H100").fits_quota is False


def test_deadline_sets_the_count(known: Settings) -> None:
    p = place_workload(known, "fine-tuning", "7B", tokens="20B", deadline_days=1)
    h200 = p.candidate("H200")
    assert h200.count == pm.round_count(h200.accelerator_hours / 24) or h200.meets_deadline is False
    assert all(c.meets_deadline is not None for c in p.candidates)


def test_a_workload_no_accelerator_can_hold_is_a_clear_answer(known: Settings) -> None:
    p = place_workload(known, "training", "100T", tokens="1T")
    assert p.candidates == [] and p.rows == []
    assert p.summary_text().startswith("No accelerator in the catalog can run a 100T-parameter training job")


def test_on_device_work_goes_to_device_types(known: Settings) -> None:
    p = place_workload(known, "on-device", "1B", tokens="10M")
    assert [c.accelerator for c in p.candidates] == ["Jetson Orin"]


def test_accelerator_hours_on_a_type_become_work(known: Settings) -> None:
    p = place_workload(known, "fine-tuning", "7B", accelerator_hours=1000, on_type="h100")
    assert p.reference == "H100" and p.candidate("H100").accelerator_hours == pytest.approx(1000, rel=1e-3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"workload": "fine-tuning", "on_type": "B200"}, "known types: A100"),
    ({"workload": "fine-tuning", "model_params": "seventy"}, "write it like 7B"),
    ({"workload": "knitting"}, "unknown workload"),
    ({"workload": "training", "accelerator_hours": 10.0}, "--on TYPE"),
    ({"workload": "training", "team": "nobody"}, "known teams: t1, t2"),
])
def test_bad_input_says_what_to_fix(known: Settings, kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        place_workload(known, **kwargs)


def test_demo_warehouse_fine_tune_and_evidence_passes_the_validator(settings: Settings) -> None:
    p = place_workload(settings, "fine-tune", "70B", tokens="2B")
    assert p.candidates and p.candidates[0].basis == "observed"
    assert {c.accelerator for c in p.candidates if c.basis == "observed"} >= {"H100", "A100"}
    with Engine(settings) as engine:
        for sql in p.evidence_sql + p.candidates[0].evidence_sql:
            assert engine.run_sql(sql).rows
    data = p.to_json()
    assert set(data["candidates"][0]) >= {"accelerator", "count", "cost_usd", "hours", "energy_kwh", "basis",
                                          "fits_quota", "fits_capacity", "why"}


def test_parse_sizes() -> None:
    assert pm.parse_params("1.5T") == 1.5e12 and pm.parse_params("7b") == 7e9 and pm.parse_params("2e9") == 2e9
    with pytest.raises(UserError):
        pm.parse_params("7X")


QUESTIONS = {
    "where should we run a 70B fine-tune on 2B tokens?": "placement",
    "is the custom inference chip cheaper per million tokens than L40S?": "placement",
    "how is the TPU pilot going?": "platform_review",
}


def test_question_details_are_read_against_known_names() -> None:
    from tools.placement_question import read_question

    catalog = [("H100", "GPU", False), ("L40S", "GPU", False), ("Inferentia2", "custom", False),
               ("Jetson Orin", "custom", True), ("TPU v5e", "TPU", False)]
    ask = read_question("is the custom inference chip cheaper per 1M tokens than L40S?", catalog, ["orion"])
    assert (ask.types, ask.reference, ask.tokens) == (["Inferentia2", "L40S"], "L40S", None)  # 'per 1M' is a unit
    ask = read_question("which GPU should orion use to train a 13B model on 50B tokens within 5 days?", catalog, ["orion"])
    assert (ask.workload, ask.model_params, ask.tokens, ask.deadline_days, ask.team) == ("training", 13e9, 50e9, 5.0, "orion")
    hostile = read_question("'; DROP TABLE jobs; -- 7B on H100 " + "x" * 5000, catalog, ["orion"])
    assert hostile.types == ["H100"] and hostile.team is None


def test_the_assistant_answers_through_the_tools(settings: Settings) -> None:
    from assistant.service import answer
    from assistant.intents import classify

    for question, tool in QUESTIONS.items():
        assert classify(question).kind == tool
        a = answer(question, thread_id=f"t-{tool}", planner="offline", settings=settings)
        assert (a.status, a.intent) == ("answered", tool) and a.rows and a.sql
    chip = answer("is the custom inference chip cheaper per million tokens than L40S?", thread_id="t-chip",
                  planner="offline", settings=settings)
    assert chip.text.startswith("Inferentia2 costs $") and "per 1M tokens against $" in chip.text
    assert classify("What was our serving cost per million tokens last month?").kind == "metric"


def test_eval_cases_can_expect_a_tool_answer() -> None:
    from types import SimpleNamespace

    from evals.cases import Case
    from evals.runner import score_item

    case = Case(id="x", category="placement", expect_tool="placement", questions=["a", "b", "c"])
    ok = SimpleNamespace(status="answered", intent="placement", rows=[[1]], sql=None)
    assert score_item(case, ok, None, None)[0]
    assert score_item(case, SimpleNamespace(**{**vars(ok), "intent": "savings"}), None, None)[1] == "wrong_tool"
    assert score_item(case, SimpleNamespace(**{**vars(ok), "rows": []}), None, None)[1] == "empty_result"
    with pytest.raises(ValueError, match="needs gold_sql"):
        Case(id="y", category="placement", questions=["a", "b", "c"])
