"""The LLM planner's eval subset, asked 3 times each as `pace eval --planner llm --repeat 3` does: pass^3.

`run_questions(planner='llm', repeat=3)` drives `assistant.answer`; the openai client talks to a fake
endpoint and vcrpy answers from tests/evals/cassettes/ (record mode `none`, network blocked). Two files:

- `live-llama-cpp-smollm2/`: RECORDED from a real server (llama-cpp-python + SmolLM2-135M-Instruct on
  127.0.0.1). The test asserts the protocol (a request form the server accepts, its tool calls
  parsed, invalid plans validated and repaired into an answer or an honest abstain, nothing
  unvalidated ran, every answer says planner=llm) and pins what that 135M model actually did. Those
  scores are "recorded from SmolLM2-135M", never pace's accuracy.
- `test_llm_subset_hand_written_pass_k.yaml`: WRITTEN BY HAND, for what a small model does not produce
  on demand: a plan wrong in one repeat only (so pass^3 < pass@1) and a wrong-then-repaired plan.

Re-record with one command: `make record-llm` (see tests/evals/cassettes/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assistant.models import Answer
from assistant.semantics import Resources
from core.settings import Settings
from evals.llm_subset import load_llm_subset
from evals.runner import run_questions
from semantic_layer.validator import validate_sql
from tests.assistant.conftest import FAKE_BASE_URL, at_fake_endpoint

BASE_URL = FAKE_BASE_URL
FAKE_KEY = "sk-test-not-a-real-key"
CASSETTES = Path(__file__).parent / "cassettes"
RECORDED = "live-llama-cpp-smollm2/test_llm_subset_recorded_pass_k.yaml"
LIVE_MODEL = "smollm2-135m"
# Read at import, before the autouse fixture scrubs OPENAI_*/PACE_*: used only when re-recording (--record-mode).
LIVE_KEY, LIVE_URL = os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL")
RECORD_URL = os.environ.get("PACE_RECORD_LLM_URL")
REPEAT = 3
NAMED = {"type": "function", "function": {"name": "plan_metric_query"}}
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


def _private_db(tmp_path: Path, demo_db: Path) -> Path:
    db = tmp_path / "demo.duckdb"  # a private copy: conversation memory is written next to the warehouse
    shutil.copy(demo_db, db)
    return db


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[Answer]:
    """Every Answer the eval run got, in order (the runner keeps status and SQL, not the planner)."""
    import assistant

    seen: list[Answer] = []
    real = assistant.answer

    def spy(*args: Any, **kwargs: Any) -> Answer:
        ans = real(*args, **kwargs)
        seen.append(ans)
        return ans

    monkeypatch.setattr(assistant, "answer", spy)
    return seen


def _json(body: Any) -> dict[str, Any]:
    body = body.get("string", body) if isinstance(body, dict) else body
    return json.loads(body if isinstance(body, str) else body.decode())


def test_llm_subset_covers_the_categories() -> None:
    cases = load_llm_subset()
    cats = {c.category for c in cases}
    assert {"single_metric", "group_by", "top_n", "time_filter", "ratio", "comparison", "multi_filter", "governance"} <= cats
    assert sum(c.expect == "answered" for c in cases) >= 8 and sum(c.category == "hostile" for c in cases) >= 2
    assert all(len(c.questions) == 1 for c in cases)


# ---- recorded from llama-cpp-python 0.3.36 + SmolLM2-135M-Instruct (see cassettes/README.md) ----------------
# What the recorded model did (recorded from SmolLM2-135M: a 135M model's plans replayed, not pace's accuracy).
# Greedy decoding (temperature 0) made the 3 repeats identical. Every reply was a schema-valid plan (the
# server's grammar allows only the catalog names offered) that compiled and passed the validator, so no repair
# round was needed. The model listed metrics only (a relevant one plus unrelated extras; idle-hour metrics for the
# atlas H100 spend), never a grouping, filter, limit or comparison: the three single-number cases were right and
# the five grouped, filtered or compared ones answered with wrong rows (confidently wrong: what evals measure).
ANSWERED, REFUSED = ("answered",) * 3, ("refused",) * 3
RECORDED_STATUSES: dict[str, tuple[str, ...]] = {
    "alloc-hours-lastweek": ANSWERED, "util-by-team-lastmonth": ANSWERED, "top3-idle-hours-teams-lastweek": ANSWERED,
    "idle-hours-q3": ANSWERED, "cost-per-busy-hour-lastmonth": ANSWERED, "spend-mom": ANSWERED,
    "spend-h100-atlas-last30": ANSWERED, "requests-submitted-lastmonth-by-team": ANSWERED,
    "hostile-injection": REFUSED, "hostile-file-read": REFUSED,
}
RECORDED_RIGHT_CASES = ("alloc-hours-lastweek", "idle-hours-q3", "cost-per-busy-hour-lastmonth")
RECORDED_CORRECT = {(c, r) for c in RECORDED_RIGHT_CASES for r in range(REPEAT)}  # (case id, repeat) it got right
RECORDED_REPAIRED: set[str] = set()  # cases where pace sent a validation error back for a repair round
RECORDED_PLAYS = 24  # 8 answerable cases x 3 repeats, one request each; the hostile ones never reach the model
RECORDED_SCORES = {"pass@1": 15 / 30, "pass^3": 5 / 10, "execution_accuracy": 9 / 24, "confidently_wrong_rate": 15 / 30}


@pytest.mark.default_cassette(RECORDED)
def test_llm_subset_recorded_from_smollm2(request: pytest.FixtureRequest, tmp_path: Path, demo_db: Path,
                                          answers: list[Answer], vcr: Any) -> None:
    recording = _recording(request.config)
    if recording and not RECORD_URL:
        pytest.skip("recording needs the live server: PACE_RECORD_LLM_URL=http://127.0.0.1:PORT/v1 (or `make record-llm`)")
    url = RECORD_URL if recording else BASE_URL
    settings = Settings(PACE_DB=_private_db(tmp_path, demo_db), OPENAI_BASE_URL=url, PACE_MODEL=LIVE_MODEL,
                        PACE_LLM_TIMEOUT_S=1800)
    cases = load_llm_subset()
    result = run_questions(settings, planner="llm", cases=cases, repeat=REPEAT)
    report = result.to_json()
    answerable = {c.id for c in cases if c.expect == "answered"}
    schema = Resources(settings).schema

    # every question asked REPEAT times, in order; pass^k reported; every answer says the LLM planned it
    assert [i.case.id for i in result.items] == [c.id for c in cases for _ in range(REPEAT)]
    assert set(report["pass_k"]) == {f"pass^{REPEAT}"}
    assert len(answers) == len(result.items) and {a.planner for a in answers} == {"llm"}
    for item, ans in zip(result.items, answers):
        if item.case.id in answerable:
            # an answer or an honest abstain, never a transport error; what ran had a validated plan
            assert ans.status in ("answered", "no_data", "abstain", "clarify"), f"{item.case.id}: {ans.text[:300]}"
            assert "HTTP" not in ans.text
            if ans.status == "answered":
                assert ans.sql and ans.metric_query and ans.metric_query["metrics"]
                validate_sql(ans.sql, schema)  # what ran is what the validator passes
            elif ans.status == "abstain":
                assert ans.sql is None and ans.rows == []
        else:  # hostile: refused before any model call, nothing ran
            assert item.correct and ans.status == "refused" and ans.sql is None, ans.text

    # the wire: the server's tool calls were parsed; pace named the function (llama-cpp-python takes that form)
    bodies = [_json(r.body) for r in vcr.requests]
    replies = [_json(r["body"]) for r in vcr.responses]
    assert bodies and all(b["tool_choice"] == NAMED and b["model"] == LIVE_MODEL for b in bodies)
    assert all(rep["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "plan_metric_query" for rep in replies)
    assert max(rep["usage"]["prompt_tokens"] for rep in replies) <= 2000, "the server counted more than 2,000 prompt tokens"
    # a repair round carries the validator's or compiler's refusal back to the model as a `tool` message
    repairs = [b for b in bodies if len(b["messages"]) > 2]
    assert all(b["messages"][-1]["role"] == "tool" and b["messages"][-1]["content"] for b in repairs)

    if recording:
        return  # what the model does is pinned from the recording, below
    statuses = {c.id: tuple(i.status for i in result.items if i.case.id == c.id) for c in cases}
    assert statuses == RECORDED_STATUSES, statuses
    got_right = {(i.case.id, n % REPEAT) for n, i in enumerate(result.items) if i.correct and i.case.id in answerable}
    assert got_right == RECORDED_CORRECT, sorted(got_right)
    question_case = {c.questions[0]: c.id for c in cases}
    assert {question_case[b["messages"][1]["content"]] for b in repairs} == RECORDED_REPAIRED
    assert vcr.play_count == RECORDED_PLAYS == len(vcr.requests) and vcr.all_played
    total = len(cases) * REPEAT
    pass_at_1 = sum(i.correct for i in result.items) / total
    assert pass_at_1 == pytest.approx((len(RECORDED_CORRECT) + (len(cases) - len(answerable)) * REPEAT) / total)
    per_case = Counter(cid for cid, _ in RECORDED_CORRECT)
    all_k = sum(per_case[c] == REPEAT for c in answerable) + len(cases) - len(answerable)
    assert report["pass_k"][f"pass^{REPEAT}"] == pytest.approx(all_k / len(cases))
    scores = {"pass@1": pass_at_1, "pass^3": report["pass_k"]["pass^3"], "execution_accuracy": report["execution_accuracy"],
              "confidently_wrong_rate": report["confidently_wrong_rate"]}
    assert scores == pytest.approx(RECORDED_SCORES), scores
    # the wrong answers are the model's plans (extra metrics, no grouping), not a transport or validation failure
    assert {f["reason"] for f in report["failures"]} <= {"missing_rows", "wrong_values"}


# ---- written by hand: a wrong repeat and a deliberate repair (see cassettes/README.md) ----------------------
WRONG = {("util-by-team-lastmonth", 1)}  # every hand-written plan is right except repeat 2 of one case


@pytest.mark.default_cassette("test_llm_subset_hand_written_pass_k.yaml")
def test_llm_subset_hand_written_pass_k(request: pytest.FixtureRequest, tmp_path: Path, demo_db: Path,
                                        answers: list[Answer], vcr: Any) -> None:
    db = _private_db(tmp_path, demo_db)
    if _recording(request.config) and LIVE_KEY:
        settings = Settings(PACE_DB=db, OPENAI_API_KEY=LIVE_KEY, OPENAI_BASE_URL=LIVE_URL or "https://api.openai.com/v1", PACE_MODEL="gpt-4o-mini")
    else:
        settings = Settings(PACE_DB=db, OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=BASE_URL, PACE_MODEL="gpt-4o-mini",
                            PACE_LLM_PROMPT_TOKENS=8000)
    cases = load_llm_subset()
    result = run_questions(settings, planner="llm", cases=cases, repeat=REPEAT)
    report = result.to_json()
    answerable = [c for c in cases if c.expect == "answered"]
    hostile = [c for c in cases if c.category == "hostile"]

    # every asked question appears REPEAT times, in order, and pass^k is reported
    assert [i.case.id for i in result.items] == [c.id for c in cases for _ in range(REPEAT)]
    assert set(report["pass_k"]) == {f"pass^{REPEAT}"}
    assert {a.planner for a in answers} == {"llm"}
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

    # the wrong plan grouped by org ...
    [wrong] = report["failures"]
    assert wrong["id"] == "util-by-team-lastmonth" and wrong["reason"] and '"org"' in (wrong["sql"] or "")
    # ... one repeat of the multi-filter case needed a repair round (unknown dimension) and was still right
    repaired = [i for i in result.items if i.case.id == "spend-h100-atlas-last30" and "gpu_type" in i.text]
    assert len(repaired) == 1 and repaired[0].correct
    # ... and 8 cases x 3 repeats + 1 repair round were each played once; none for the hostile cases
    assert len(hostile) == 2 and vcr.play_count == len(answerable) * REPEAT + 1 and vcr.all_played
