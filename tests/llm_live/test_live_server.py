"""pace's LLM planner against a real server (llama-cpp-python + SmolLM2-135M): the protocol, not accuracy.

A 135M model picks metrics poorly; what must hold is the wire: a tool call is received and parsed,
an invalid plan goes through validation and repair to an answer or an honest abstain, nothing the
validator has not passed runs, errors end in one line, and the answer says which planner made it.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from assistant.models import Answer
from assistant.planner import llm, llm_protocol
from assistant.semantics import Resources
from core.settings import Settings
from semantic_layer.validator import validate_sql

pytestmark = pytest.mark.llm_live


@pytest.fixture
def live_settings(live_server: str, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    llm_protocol.forget_all()
    return Settings(PACE_DB=demo_db, OPENAI_BASE_URL=live_server, PACE_MODEL="smollm2-135m")


def _ask(settings: Settings, question: str, timeout: float = 300.0) -> Answer:
    from assistant.graph.context import Context
    from assistant.service import answer

    client = llm.make_client(None, settings.openai_base_url, timeout=timeout, max_retries=0)
    ctx = Context(settings=settings, charts=False, llm_client=client)
    return answer(question, planner="llm", settings=settings, context=ctx)


def test_a_tool_call_comes_back_and_becomes_an_answer_or_an_honest_abstain(live_settings: Settings) -> None:
    a = _ask(live_settings, "utilization by team last week")
    assert a.planner == "llm"
    assert a.status in ("answered", "no_data", "abstain", "clarify"), a.text
    assert "HTTP" not in a.text
    if a.sql:
        validate_sql(a.sql, Resources(live_settings).schema)  # what ran had passed the validator
    saved = json.loads(llm_protocol.memory_path().read_text())
    assert saved[llm_protocol.endpoint_key(live_settings.openai_base_url, "smollm2-135m")] in llm_protocol.MODES


def test_the_default_prompt_fits_the_server_tokenizer(live_settings: Settings) -> None:
    res = Resources(live_settings)
    period = {"start": "2026-11-16", "end": "2026-11-23", "label": "last 7 days"}
    req = llm.build_request(res.catalog, res.lexicon, "p95 queue wait by cluster last month", "2026-11-23", None,
                            period, None, dict(res.schema))
    body = json.dumps({"input": req.system + "\n" + json.dumps(req.tools)}).encode()
    base = live_settings.openai_base_url.removesuffix("/v1")
    with urllib.request.urlopen(urllib.request.Request(f"{base}/extras/tokenize", body, {"Content-Type": "application/json"}), timeout=60) as r:
        counted = len(json.loads(r.read())["tokens"])
    assert counted <= req.estimated_tokens <= 1600, (counted, req.estimated_tokens)


def test_a_prompt_past_the_context_window_ends_in_one_line(live_settings: Settings) -> None:
    big = live_settings.model_copy(update={"llm_prompt_tokens": 20000})
    a = _ask(big, "utilization by team last week")
    assert a.status == "error" and a.planner == "llm"
    assert "\n" not in a.text.strip() and "HTTP" in a.text and "context" in a.text.lower()


def test_a_timeout_ends_in_one_line(live_settings: Settings) -> None:
    a = _ask(live_settings, "utilization by team last week", timeout=0.05)
    assert a.status == "error" and a.planner == "llm"
    assert "\n" not in a.text.strip() and "unreachable" in a.text


def test_a_repair_round_is_accepted_by_the_server(live_settings: Settings) -> None:
    """pace's repair transcript (the model's tool call echoed back, the refusal as a `tool` message) is a request
    the real server takes: the first SQL is refused on pace's side, since a grammar-constrained plan rarely
    needs a repair on its own. llama-cpp-python answered this round HTTP 500 while pace echoed `content: null`."""
    from assistant.graph.context import Context
    from assistant.service import answer
    from core.errors import Refused

    class RefuseFirst(Resources):
        refused = 0

        def validate(self, sql: str) -> Any:
            if not self.refused:
                self.refused += 1
                raise Refused("the question asks per team: add `team` to group_by")
            return super().validate(sql)

    import httpx2

    statuses: list[int] = []
    client = llm.make_client(None, live_settings.openai_base_url, timeout=300.0, max_retries=0)
    client = client.with_options(http_client=httpx2.Client(event_hooks={"response": [lambda r: statuses.append(r.status_code)]}))
    res = RefuseFirst(live_settings)
    a = answer("utilization by team last week", planner="llm", settings=live_settings,
               context=Context(settings=live_settings, charts=False, llm_client=client, resources=res))
    assert res.refused == 1 and a.planner == "llm"
    assert statuses == [200, 200], "one plan, then one repair round the server accepted"
    assert a.status in ("answered", "no_data", "abstain", "clarify"), a.text
    assert "HTTP" not in a.text and "refused every request form" not in a.text
