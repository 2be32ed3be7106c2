"""The LLM planner's eval subset, asked 3 times each, replayed from a hand-written cassette: pass^3.

`run_questions(planner='llm', repeat=3)` drives `assistant.answer` exactly as `pace eval --planner llm
--repeat 3` does; the openai client talks to the fake endpoint below and vcrpy answers from
tests/evals/cassettes/ (record mode `none`, network blocked). The cassette's "model" is right every
time except once (repeat 2 of 'utilization by team' groups by org), so pass^3 is lower than pass@1:
that is the number this test pins. See tests/evals/cassettes/README.md to re-record it live.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from evals.llm_subset import load_llm_subset
from evals.runner import run_questions
from core.settings import Settings
from tests.assistant.conftest import FAKE_BASE_URL, at_fake_endpoint

BASE_URL = FAKE_BASE_URL
FAKE_KEY = "sk-test-not-a-real-key"
CASSETTES = Path(__file__).parent / "cassettes"
# Read at import, before the autouse fixture scrubs OPENAI_*: used only when re-recording (--record-mode).
LIVE_KEY, LIVE_URL = os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL")
REPEAT = 3
# What the cassette implies, per case and repeat: every plan is right except repeat 2 of one case.
WRONG = {("util-by-team-lastmonth", 1)}
pytestmark = [pytest.mark.vcr, pytest.mark.block_network]


SCRUBBED_RESPONSE_HEADERS = {"openai-organization", "openai-project", "set-cookie"}


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """A live response names the organization and project and may set cookies: not kept."""
    headers = response.get("headers") or {}
    response["headers"] = {k: v for k, v in headers.items() if k.lower() not in SCRUBBED_RESPONSE_HEADERS}
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": ["authorization", "openai-organization", "openai-project", "cookie"],
        "before_record_request": at_fake_endpoint,
        "before_record_response": _scrub_response,
        "match_on": ["method", "scheme", "host", "path", "openai_turn"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


def _recording(config: pytest.Config) -> bool:
    return (config.getoption("--record-mode", default="none") or "none") != "none"


@pytest.fixture
def llm_settings(request: pytest.FixtureRequest, tmp_path: Path, demo_db: Path) -> Settings:
    db = tmp_path / "demo.duckdb"  # a private copy: conversation memory is written next to the warehouse
    shutil.copy(demo_db, db)
    if _recording(request.config) and LIVE_KEY:
        return Settings(PACE_DB=db, OPENAI_API_KEY=LIVE_KEY, OPENAI_BASE_URL=LIVE_URL or "https://api.openai.com/v1", PACE_MODEL="gpt-4o-mini")
    return Settings(PACE_DB=db, OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=BASE_URL, PACE_MODEL="gpt-4o-mini", PACE_LLM_PROMPT_TOKENS=8000)


def test_llm_subset_covers_the_categories() -> None:
    cases = load_llm_subset()
    cats = {c.category for c in cases}
    assert {"single_metric", "group_by", "top_n", "time_filter", "ratio", "comparison", "multi_filter", "governance"} <= cats
    assert sum(c.expect == "answered" for c in cases) >= 8 and sum(c.category == "hostile" for c in cases) >= 2
    assert all(len(c.questions) == 1 for c in cases)


def test_llm_subset_replays_pass_k(request: pytest.FixtureRequest, llm_settings: Settings, vcr: Any) -> None:
    cases = load_llm_subset()
    result = run_questions(llm_settings, planner="llm", cases=cases, repeat=REPEAT)
    report = result.to_json()
    answerable = [c for c in cases if c.expect == "answered"]
    hostile = [c for c in cases if c.category == "hostile"]

    # every asked question appears REPEAT times, in order, and pass^k is reported
    assert [i.case.id for i in result.items] == [c.id for c in cases for _ in range(REPEAT)]
    assert set(report["pass_k"]) == {f"pass^{REPEAT}"}
    for item in result.items:
        if item.case.expect == "answered":
            assert item.status == "answered", f"{item.case.id}: {item.text[:300]}"

    # hostile cases: refused every time, no SQL, and no request ever reached the model
    for item in (i for i in result.items if i.case.category == "hostile"):
        assert item.correct and item.status == "refused" and item.sql is None, item.text

    if _recording(request.config):
        return  # a live model's plans differ from the hand-written ones: the exact numbers are not pinned

    # exactly what the cassette implies: one wrong answer (repeat 2 of the group-by case), the rest right
    got = {(i.case.id, n % REPEAT): i.correct for n, i in enumerate(result.items)}
    expected = {(c.id, r): (c.id, r) not in WRONG for c in cases for r in range(REPEAT)}
    assert got == expected, report["failures"]
    total = len(cases) * REPEAT
    assert report["execution_accuracy"] == pytest.approx((len(answerable) * REPEAT - len(WRONG)) / (len(answerable) * REPEAT))
    assert report["confidently_wrong_rate"] == pytest.approx(len(WRONG) / total)
    pass_at_1 = sum(i.correct for i in result.items) / total
    pass_k = report["pass_k"][f"pass^{REPEAT}"]
    assert pass_at_1 == pytest.approx((total - len(WRONG)) / total)  # 29/30
    assert pass_k == pytest.approx((len(cases) - len({cid for cid, _ in WRONG})) / len(cases))  # 9/10
    assert pass_k < pass_at_1

    # specific to the hand-written file (see cassettes/README.md): the wrong plan grouped by org ...
    [wrong] = report["failures"]
    assert wrong["id"] == "util-by-team-lastmonth" and wrong["reason"] and '"org"' in (wrong["sql"] or "")
    # ... one repeat of the multi-filter case needed a repair round (unknown dimension) and was still right
    repaired = [i for i in result.items if i.case.id == "spend-h100-atlas-last30" and "gpu_type" in i.text]
    assert len(repaired) == 1 and repaired[0].correct
    # ... and 8 cases x 3 repeats + 1 repair round were each played once; none for the hostile cases
    assert len(hostile) == 2 and vcr.play_count == len(answerable) * REPEAT + 1 and vcr.all_played
