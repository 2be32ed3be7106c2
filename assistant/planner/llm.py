"""The LLM planner: any OpenAI-compatible Chat Completions endpoint, tool calling only.

The model may call `plan_metric_query` (arguments: a MetricQuery) or `run_sql` (one SELECT, which
the validator must pass). It never sees query results, so data values cannot instruct it, and its
reply can only become one of these two plans: it cannot pick tools or run anything itself.
Retries with backoff on 429/5xx are the openai client's own (`max_retries`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz, process

from assistant.graph import prompts
from assistant.planner.plan import Plan
from semantic_layer.query import MetricQuery


class LLMUnavailable(Exception):
    """The endpoint could not be reached or kept failing (after the client's retries)."""


class MalformedOutput(Exception):
    """The model answered, but not with a usable tool call."""


def make_client(api_key: str | None, base_url: str | None, *, timeout: float, max_retries: int) -> Any:
    """An OpenAI client; a local server without a key gets a placeholder key."""
    from openai import OpenAI

    return OpenAI(api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=max_retries)


def tool_specs() -> list[dict[str, Any]]:
    """The two functions the model may call, in Chat Completions `tools` format."""
    return [
        {"type": "function", "function": {
            "name": "plan_metric_query",
            "description": "Answer with a MetricQuery over the catalog (preferred).",
            "parameters": MetricQuery.model_json_schema(),
        }},
        {"type": "function", "function": {
            "name": "run_sql",
            "description": "Only when no metric fits: one read-only DuckDB SELECT over the listed tables.",
            "parameters": {"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"],
                           "additionalProperties": False},
        }},
    ]


def system_prompt(catalog: Any, question: str, as_of: str, period: dict[str, Any] | None,
                  default_period: dict[str, Any], previous: dict[str, Any] | None, tables: dict[str, dict[str, str]]) -> str:
    """The system message: catalog, closest verified queries, as-of date, resolved period, memory."""
    metrics = "\n".join(
        f"- {m.name}: {m.label}. {m.description} Unit: {m.unit}. Synonyms: {', '.join(m.synonyms) or '-'}"
        for m in catalog.metrics.values()
    )
    dims = "\n".join(
        f"- {d.name} ({d.kind}): {d.label}. Synonyms: {', '.join(d.synonyms) or '-'}."
        + (f" Values: {', '.join(map(str, d.values[:25]))}" if d.values else "")
        for d in catalog.dimensions.values()
    )
    vqs = list(getattr(catalog, "verified_queries", []) or [])
    close = process.extract(question[:500], {i: v.question for i, v in enumerate(vqs)}, scorer=fuzz.token_set_ratio, limit=3)
    examples = "\n".join(
        f"- {vqs[i].question} -> {vqs[i].query.model_dump_json(exclude_defaults=True)}" for _, _, i in close
    ) or "- (none)"
    p = period or default_period
    hint = (prompts.PERIOD_HINT if period else prompts.NO_PERIOD_HINT).format(start=p["start"], end=p["end"], label=p["label"])
    prev = prompts.PREVIOUS_HINT.format(query=json.dumps(previous)) if previous else ""
    text = prompts.SYSTEM_PROMPT.format(as_of=as_of, period_hint=hint, metrics=metrics, dimensions=dims,
                                        examples=examples, previous=prev)
    listing = "\n".join(f"- {t}({', '.join(cols)})" for t, cols in sorted(tables.items()))
    return text + "\n" + prompts.SQL_TABLES_HINT.format(tables=listing)


def call_planner(client: Any, model: str, messages: list[dict[str, Any]]) -> tuple[Plan, list[dict[str, Any]]]:
    """One Chat Completions round: the plan and the transcript extended with the model's reply.

    Raises LLMUnavailable (network, auth, retries exhausted) or MalformedOutput (no usable tool call).
    Schema errors in a MetricQuery come back as a plan of kind 'error' so the graph can repair them.
    """
    import openai

    try:
        resp = client.chat.completions.create(
            model=model, messages=messages, tools=tool_specs(), tool_choice="required", temperature=0,
        )
    except openai.APIStatusError as exc:
        raise LLMUnavailable(f"LLM endpoint answered HTTP {exc.status_code}") from exc
    except openai.APIError as exc:
        raise LLMUnavailable(f"LLM endpoint unreachable ({type(exc).__name__})") from exc
    usage = _usage(resp)
    try:
        message = resp.choices[0].message
        calls = message.tool_calls or []
    except (AttributeError, IndexError) as exc:
        raise MalformedOutput("the model's reply had no message") from exc
    if not calls:
        raise MalformedOutput("the model replied in prose instead of calling a tool")
    call = calls[0]
    reply = {"role": "assistant", "content": message.content,
             "tool_calls": [{"id": call.id, "type": "function",
                             "function": {"name": call.function.name, "arguments": call.function.arguments}}]}
    transcript = messages + [reply]
    try:
        args = json.loads(call.function.arguments or "")
    except json.JSONDecodeError as exc:
        raise MalformedOutput(f"the model's tool arguments are not JSON ({exc.msg})") from exc
    if not isinstance(args, dict):
        raise MalformedOutput("the model's tool arguments are not a JSON object")
    if call.function.name == "run_sql":
        sql = args.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise MalformedOutput("run_sql was called without SQL")
        return Plan(kind="sql", planner="llm", sql=sql, confidence=0.7, usage=usage), transcript
    if call.function.name != "plan_metric_query":
        raise MalformedOutput(f"the model called an unknown tool `{call.function.name}`")
    try:
        query = MetricQuery.model_validate(args)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "query"
        return Plan(kind="error", planner="llm", message=f"MetricQuery invalid at {where}: {first['msg']}", usage=usage), transcript
    return Plan(kind="query", planner="llm", query=query, confidence=0.8, usage=usage), transcript


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
