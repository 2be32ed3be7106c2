"""The LLM planner: any OpenAI-compatible Chat Completions endpoint, tool calling only.

The model may call `plan_metric_query` (arguments: a MetricQuery) or `run_sql` (one SELECT, which
the validator must pass). It never sees query results; the catalog's data values it sees are quoted
data in the prompt, and its reply can only become one of these two plans: it cannot pick tools or
run anything itself. The prompt holds only the catalog entries relevant to the question, within a
token budget (`llm_context`); how the request is shaped per server is `llm_protocol`'s job.
Retries with backoff on 429/5xx are the openai client's own (`max_retries`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz, process

from assistant.graph import prompts
from assistant.planner import llm_context, llm_protocol
from assistant.planner.plan import PlannerPlan
from semantic_layer.query import MetricQuery
from telemetry.rollups import ROLLUP_TABLES


class LLMUnavailable(Exception):
    """The endpoint could not be reached or kept failing (after the client's retries)."""


class MalformedOutput(Exception):
    """The model answered, but not with a usable tool call."""


def make_client(api_key: str | None, base_url: str | None, *, timeout: float, max_retries: int) -> Any:
    """An OpenAI client; a local server without a key gets a placeholder key."""
    from openai import OpenAI

    return OpenAI(api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=max_retries)


def tool_specs(schema: dict[str, Any] | None = None, *, sql: bool = True) -> list[dict[str, Any]]:
    """The functions the model may call, in Chat Completions `tools` format.

    `schema` is the MetricQuery schema for this question (metric and dimension names as enums, from
    `llm_context.plan_schema`); without one, the full pydantic schema. `run_sql` is offered only when
    the prompt could list the tables.
    """
    specs = [{"type": "function", "function": {
        "name": "plan_metric_query",
        "description": "Answer with a MetricQuery over the catalog (preferred).",
        "parameters": schema or MetricQuery.model_json_schema(),
    }}]
    if sql:
        specs.append({"type": "function", "function": {
            "name": "run_sql",
            "description": "Only when no metric fits: one read-only DuckDB SELECT over the listed tables.",
            "parameters": {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"],
                           "additionalProperties": False},
        }})
    return specs


@dataclass(frozen=True)
class PlanRequest:
    """Everything one planning request sends besides the transcript: prompt, tools, schema, size."""

    system: str
    tools: list[dict[str, Any]]
    schema: dict[str, Any]
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...]
    estimated_tokens: int


def build_request(catalog: Any, lexicon: Any, question: str, as_of: str, period: dict[str, Any] | None,
                  default_period: dict[str, Any], previous: dict[str, Any] | None,
                  tables: dict[str, dict[str, str]], budget: int = llm_context.DEFAULT_PROMPT_TOKENS) -> PlanRequest:
    """The system prompt and tools for one question, holding only the catalog entries relevant to it.

    Entries are ranked by the offline planner's lexicon (`llm_context.rank_catalog`) and added while
    the whole request (prompt, question and tool schemas) stays within `budget` estimated tokens.
    """
    relevant = llm_context.rank_catalog(question, catalog, lexicon)
    vqs = list(getattr(catalog, "verified_queries", []) or [])
    p = period or default_period
    hint = (prompts.PERIOD_HINT if period else prompts.NO_PERIOD_HINT).format(start=p["start"], end=p["end"], label=p["label"])
    prev = prompts.PREVIOUS_HINT.format(query=json.dumps(previous)) if previous else ""
    # rollups repeat their base tables' sums (the compiler reads them on its own): not worth the prompt's tokens
    listing = "\n".join(f"- {t}({', '.join(cols)})" for t, cols in sorted(tables.items()) if t not in ROLLUP_TABLES)

    def compose(metrics: tuple[str, ...], dims: tuple[str, ...], with_sql: bool) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        chosen = set(metrics)
        usable = [v for v in vqs if set(v.query.metrics) <= chosen]
        close = process.extract(question[:500], {i: v.question for i, v in enumerate(usable)},
                                scorer=fuzz.token_set_ratio, limit=2)
        examples = "\n".join(
            f"- {usable[i].question} -> {usable[i].query.model_dump_json(exclude_defaults=True, exclude={'time_range'})}"
            for _, _, i in close) or "- (none)"
        text = prompts.SYSTEM_PROMPT.format(
            as_of=as_of, period_hint=hint, examples=examples, previous=prev,
            metrics="\n".join(llm_context.metric_line(catalog, m) for m in metrics),
            dimensions="\n".join(llm_context.dimension_line(catalog, d) for d in dims))
        if with_sql:
            text += "\n" + prompts.SQL_TABLES_HINT.format(tables=listing)
        schema = llm_context.plan_schema(metrics, dims)
        return text, tool_specs(schema, sql=with_sql), schema

    def render(metrics: tuple[str, ...], dims: tuple[str, ...], with_sql: bool = False) -> str:
        text, tools, _ = compose(metrics, dims, with_sql)
        return text + "\n" + question + "\n" + json.dumps(tools)

    # run_sql is offered whenever the tables can be listed beside the fewest entries; the catalog
    # entries then fill what is left, so adding metrics to the catalog never takes the SQL tool away
    few = relevant.metrics[: llm_context.MIN_METRICS], relevant.dimensions[:2]
    with_sql = llm_context.estimate_tokens(render(*few, True)) <= budget
    rendered, metrics, dims = llm_context.fit(relevant, lambda m, d: render(m, d, with_sql), budget)
    system, tools, schema = compose(metrics, dims, with_sql)
    return PlanRequest(system, tools, schema, metrics, dims, llm_context.estimate_tokens(rendered))


def call_planner(client: Any, model: str, messages: list[dict[str, Any]], request: PlanRequest | None = None,
                 endpoint: str | None = None) -> tuple[PlannerPlan, list[dict[str, Any]]]:
    """One planning round: the plan and the transcript extended with the model's reply.

    Tries the request modes of `llm_protocol` from the one remembered for `endpoint`, falling back when
    the server refuses a structure parameter. Raises LLMUnavailable (network, auth, retries exhausted,
    prompt too long: with the server's own message) or MalformedOutput (no usable plan). Schema errors
    in a MetricQuery come back as a plan of kind 'error' so the graph can repair them.
    """
    import openai

    tools = request.tools if request else tool_specs()
    schema = request.schema if request else MetricQuery.model_json_schema()
    key = endpoint or llm_protocol.endpoint_key(str(getattr(client, "base_url", "") or ""), model)
    first_refusal: str | None = None
    known = llm_protocol.remembered(key)
    # While negotiating, a refusal must not be retried with backoff as if it were an outage (llama.cpp
    # answers an unsupported tool_choice with HTTP 500); once a form is known, the client's retries apply.
    asking = client.with_options(max_retries=0) if known is None and hasattr(client, "with_options") else client
    for mode in llm_protocol.chain(known, choice=len(tools) > 1):
        sent = messages if mode != "json_object" else _with_schema_note(messages, schema)
        kwargs = {"model": model, "messages": sent, "temperature": 0, **llm_protocol.request_kwargs(mode, tools, schema)}
        try:
            try:
                resp = asking.chat.completions.create(**kwargs)
            except (openai.RateLimitError, openai.APIConnectionError, openai.APITimeoutError):
                if asking is client:
                    raise
                resp = client.chat.completions.create(**kwargs)  # an outage, not a refusal: the client's retries
        except openai.APIStatusError as exc:
            message = llm_protocol.server_message(exc)
            if llm_protocol.is_refusal(exc.status_code, message):
                first_refusal = first_refusal or f"HTTP {exc.status_code}: {message}"
                continue
            raise LLMUnavailable(f"LLM endpoint answered HTTP {exc.status_code}: {message}") from exc
        except openai.APIError as exc:
            raise LLMUnavailable(f"LLM endpoint unreachable ({type(exc).__name__}: {llm_protocol.server_message(exc)})") from exc
        llm_protocol.remember(key, mode)
        return _read_reply(resp, messages, mode)
    raise LLMUnavailable(f"the LLM endpoint refused every request form pace knows ({first_refusal})")


def _with_schema_note(messages: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    note = prompts.JSON_ONLY_HINT.format(schema=json.dumps(schema))
    if messages and messages[0].get("role") == "system":
        return [{**messages[0], "content": messages[0]["content"] + "\n" + note}, *messages[1:]]
    return [{"role": "system", "content": note}, *messages]


def _read_reply(resp: Any, messages: list[dict[str, Any]], mode: str) -> tuple[PlannerPlan, list[dict[str, Any]]]:
    usage = _usage(resp)
    try:
        message = resp.choices[0].message
    except (AttributeError, IndexError) as exc:
        raise MalformedOutput("the model's reply had no message") from exc
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        call = calls[0]
        name, arguments = call.function.name, call.function.arguments
        # content "" rather than null: llama-cpp-python's server (0.3.36) requires a string there and answered the
        # repair round HTTP 500 (tests/assistant/test_llm_recorded.py); the OpenAI API takes a string or null
        reply = {"role": "assistant", "content": message.content or "",
                 "tool_calls": [{"id": call.id, "type": "function", "function": {"name": name, "arguments": arguments}}]}
    elif mode in ("json_schema", "json_object") and message.content:
        name, arguments = "plan_metric_query", message.content
        reply = {"role": "assistant", "content": message.content}
    else:
        raise MalformedOutput("the model replied in prose instead of calling a tool")
    transcript = messages + [reply]
    try:
        args = json.loads(arguments or "")
    except json.JSONDecodeError as exc:
        raise MalformedOutput(f"the model's tool arguments are not JSON ({exc.msg})") from exc
    if not isinstance(args, dict):
        raise MalformedOutput("the model's tool arguments are not a JSON object")
    if name == "run_sql":
        sql = args.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise MalformedOutput("run_sql was called without SQL")
        return PlannerPlan(kind="sql", planner="llm", sql=sql, confidence=0.7, usage=usage), transcript
    if name != "plan_metric_query":
        raise MalformedOutput(f"the model called an unknown tool `{name}`")
    try:
        query = MetricQuery.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "query"
        return PlannerPlan(kind="error", planner="llm", message=f"MetricQuery invalid at {where}: {first['msg']}", usage=usage), transcript
    return PlannerPlan(kind="query", planner="llm", query=query, confidence=0.8, usage=usage), transcript


def repair_messages(transcript: list[dict[str, Any]], error: str) -> list[dict[str, Any]]:
    """The transcript plus a tool reply carrying the validation or execution error."""
    last = transcript[-1] if transcript else {}
    calls = last.get("tool_calls") or []
    content = prompts.REPAIR_PROMPT.format(error=error)
    if calls:
        return transcript + [{"role": "tool", "tool_call_id": calls[0]["id"], "content": content}]
    return transcript + [{"role": "user", "content": content}]


def _usage(resp: Any) -> dict[str, int]:
    u = getattr(resp, "usage", None)
    if u is None:
        return {}
    return {"prompt_tokens": int(u.prompt_tokens or 0), "completion_tokens": int(u.completion_tokens or 0),
            "total_tokens": int(u.total_tokens or 0)}
