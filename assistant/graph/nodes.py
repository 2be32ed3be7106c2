"""Graph nodes: one function per step, each reading config from the runtime and returning a state patch.

No node reads the environment or the wall clock directly; SQL reaches the warehouse only through
the engine, which validates it first; model output can only become a PlannerPlan.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: langgraph loads only when a graph is built (assistant/graph/plain.py)
    from langgraph.runtime import Runtime


from assistant.data_window import shift_default_period
from assistant.graph.context import Context
from assistant.graph.state import TURN_RESET, State
from assistant.intents import TOOL_INTENTS, classify
from assistant.tool_ties import chosen_tool, metric_tie, tie_possible
from assistant.models import plain
from assistant.planner import llm
from assistant.planner.followup import carry_period_label
from assistant.planner.lexicon import fold
from assistant.planner.offline import PlannerInputs
from assistant.planner.thread_and_ties import plan_in_thread
from assistant.planner.plan import PlannerPlan
from assistant.semantics import Resources, resources_for
from assistant.timeparse import default_period, resolve_period
from assistant.toolbox import REGISTRY, coming_soon
from semantic_layer.coverage import chooser
from semantic_layer.query import MetricQuery, TimeRange
from core.errors import Refused

Node = Callable[[State, "Runtime[Context]"], dict[str, Any]]


def timed(name: str) -> Callable[[Node], Node]:
    """Record the node's wall time in `timings` (milliseconds)."""

    def deco(fn: Node) -> Node:
        @wraps(fn)
        def wrapper(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
            t0 = time.perf_counter()
            out = fn(state, runtime)
            timings = dict(out.get("timings") or state.get("timings") or {})
            timings[name] = round(timings.get(name, 0.0) + (time.perf_counter() - t0) * 1000, 2)
            return {**out, "timings": timings}

        return wrapper

    return deco


def resources(runtime: Runtime[Context]) -> Resources:
    ctx = runtime.context
    return ctx.resources if ctx.resources is not None else resources_for(ctx.settings)


def use_llm(ctx: Context) -> bool:
    """The LLM plans when asked for, or in auto mode when an endpoint is configured."""
    return ctx.planner == "llm" or (ctx.planner == "auto" and ctx.settings.llm_configured)


@timed("understand")
def understand(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Intent from the user's words alone; a reply to a pending clarification completes that question."""
    question = state.get("question") or ""
    intent = classify(question)
    out: dict[str, Any] = {**TURN_RESET, "intent": intent.kind, "reason": intent.reason, "resolved_question": question}
    pending = state.get("pending")
    if intent.kind in TOOL_INTENTS and tie_possible(question, intent.kind):  # 'cost savings': the tool or the metric?
        res = resources(runtime)
        tie = metric_tie(question, intent.kind, res.lexicon, {n: getattr(m, "label", n) for n, m in res.catalog.metrics.items()})
        if tie is not None:
            out.update(intent="metric", plan=tie.model_dump(mode="json"))
    if pending and intent.kind == "metric":
        choice = _pick_option(question, pending.get("options") or [])
        if choice is not None and (tool := chosen_tool(choice)) is not None:  # the tool side of a tie, on the question asked
            out.update(intent=tool, resolved_question=pending["question"])
        elif choice is not None:
            word, base = pending.get("replaces"), pending["question"]
            if word and re.search(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", base):
                out["resolved_question"] = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", choice, base, count=1)
            else:
                out["resolved_question"] = f"{base} {re.sub(r'[()=]', ' ', choice)}"
    out["pending"] = None
    return out


def _pick_option(reply: str, options: list[str]) -> str | None:
    text = reply.strip().rstrip(".").lower()
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1]
    for opt in options:
        if text and (text == opt.lower() or text in opt.lower()):
            return opt
    return None


@timed("resolve_time")
def resolve_time(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """The as-of date and the period the question names, as explicit half-open dates."""
    try:
        today = resources(runtime).as_of()
    except Exception:  # noqa: BLE001 - no warehouse metadata: fall back to the injected clock
        today = runtime.context.clock().date()
    found = resolve_period(fold(state.get("resolved_question") or state["question"])[:2000], today)
    period = None if found is None else {"start": found.start.isoformat(), "end": found.end.isoformat(), "label": found.label}
    return {"as_of": today.isoformat(), "period": period}


@timed("plan")
def plan(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Offline or LLM plan; in auto mode an LLM failure falls back to offline and says so."""
    ctx = runtime.context
    if state.get("plan") is not None:  # decided by understand this turn (a tool/metric tie asks first)
        return {"plan": state["plan"]}
    if state.get("intent") == "sql_text":
        return {"plan": PlannerPlan(kind="sql", sql=state["question"], confidence=1.0).model_dump(mode="json")}
    if use_llm(ctx):
        try:
            p, messages = _plan_llm(state, runtime)
            return {"plan": p.model_dump(mode="json"), "messages": messages}
        except (llm.LLMUnavailable, llm.MalformedOutput) as exc:
            if ctx.planner == "llm":
                return {"plan": PlannerPlan(kind="error", planner="llm", message=f"LLM planner failed: {exc}").model_dump(mode="json")}
            warning = f"The LLM planner failed ({exc}); answered with the offline planner instead."
            return {"plan": _plan_offline(state, runtime).model_dump(mode="json"), "warnings": [*state.get("warnings", []), warning]}
    return {"plan": _plan_offline(state, runtime).model_dump(mode="json")}


def _as_of(state: State) -> date:
    return date.fromisoformat(state["as_of"])


def _previous(state: State) -> MetricQuery | None:
    last = state.get("last_query")
    return MetricQuery.model_validate(last) if last else None


def _plan_offline(state: State, runtime: Runtime[Context]) -> PlannerPlan:
    ctx, res = runtime.context, resources(runtime)
    inputs = PlannerInputs(catalog=res.catalog, lexicon=res.lexicon, today=_as_of(state), default_days=ctx.default_period_days,
                           threshold=ctx.confidence_threshold, previous=_previous(state),
                           reach_cache=getattr(res, "reach_cache", {}), prefer_covered=chooser(res.engine, res.catalog))
    planned = shift_default_period(plan_in_thread(state.get("resolved_question") or state["question"], inputs), res.engine, res.catalog)
    return carry_period_label(planned, (state.get("last_answer") or {}).get("period"))  # 'and by cluster?' stays 'last week'


def _client(ctx: Context) -> Any:
    if ctx.llm_client is not None:
        return ctx.llm_client
    s = ctx.settings
    return llm.make_client(s.openai_api_key, s.openai_base_url, timeout=ctx.llm_timeout_s or s.llm_timeout_s, max_retries=ctx.llm_max_retries)


def _endpoint(ctx: Context) -> str:
    return llm.llm_protocol.endpoint_key(ctx.settings.openai_base_url, ctx.settings.model)


def _default_period(state: State, ctx: Context) -> dict[str, str]:
    """The window a question that names no period gets, as the LLM prompt and the plan both state it."""
    d = default_period(_as_of(state), ctx.default_period_days)
    return {"start": d.start.isoformat(), "end": d.end.isoformat(), "label": d.label}


def _llm_request(state: State, runtime: Runtime[Context]) -> llm.PlanRequest:
    """The prompt and tools for this question (rebuilt identically for a repair round)."""
    ctx, res = runtime.context, resources(runtime)
    return llm.build_request(res.catalog, res.lexicon, state.get("resolved_question") or state["question"],
                             _as_of(state).isoformat(), state.get("period"), _default_period(state, ctx),
                             state.get("last_query"), dict(res.schema), budget=ctx.settings.llm_prompt_tokens)


def _plan_llm(state: State, runtime: Runtime[Context]) -> tuple[PlannerPlan, list[dict[str, Any]]]:
    ctx = runtime.context
    question = state.get("resolved_question") or state["question"]
    request = _llm_request(state, runtime)
    messages = [{"role": "system", "content": request.system}, {"role": "user", "content": question}]
    p, transcript = llm.call_planner(_client(ctx), ctx.settings.model, messages, request, _endpoint(ctx))
    if p.kind == "query" and p.query is not None and p.query.time_range is None:
        # the period goes into the query itself, so the SQL covers what the text says it covers
        period = state.get("period") or _default_period(state, ctx)
        p.query = p.query.model_copy(update={"time_range": TimeRange(start=period["start"], end=period["end"])})
        p.notes.append(f"The model named no period; {period['label']}.")
    return carry_period_label(p, (state.get("last_answer") or {}).get("period")), transcript


@timed("validate")
def validate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Compile a MetricQuery, then pass the SQL through the validator; only passed SQL may run."""
    p = PlannerPlan.model_validate(state["plan"])
    res = resources(runtime)
    try:
        if p.kind == "query" and p.query is not None:
            sql = res.compile(p.query).sql
        elif p.kind == "sql" and p.sql:
            sql = p.sql
        else:
            return {"error": p.message or "the planner produced nothing to run", "error_kind": "planner"}
        res.validate(sql)
    except Refused as exc:
        return {"error": str(exc), "error_kind": "refused" if p.kind == "sql" else "validation"}
    except Exception as exc:  # noqa: BLE001 - compile errors are UserErrors; anything else is reported too
        return {"error": str(exc), "error_kind": "validation"}
    return {"sql": sql, "error": None, "error_kind": None}


@timed("execute")
def execute(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Run the SQL the validate node passed (memoized per answer: no second compile or validation),
    with result checks as warnings."""
    p = PlannerPlan.model_validate(state["plan"])
    res = resources(runtime)
    try:
        result = res.run_query(p.query) if p.kind == "query" and p.query is not None else res.run_sql(state["sql"] or "")
    except Refused as exc:
        return {"error": str(exc), "error_kind": "refused"}
    except Exception as exc:  # noqa: BLE001 - timeouts, DuckDB errors: shown or repaired
        return {"error": f"{type(exc).__name__}: {exc}", "error_kind": "execution"}
    warnings = [*state.get("warnings", []), *[str(w) for w in getattr(result, "warnings", []) or []]]
    return {"columns": list(result.columns), "rows": [[plain(v) for v in r] for r in result.rows], "sql": getattr(result, "sql", None) or state.get("sql"),
            "warnings": warnings, "error": None, "error_kind": None}


@timed("repair")
def repair(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Send the error back to the LLM planner for a corrected plan (routing caps the attempts)."""
    ctx = runtime.context
    old = PlannerPlan.model_validate(state["plan"])
    messages = llm.repair_messages(state.get("messages") or [], state.get("error") or "unknown error")
    try:
        p, transcript = llm.call_planner(_client(ctx), ctx.settings.model, messages, _llm_request(state, runtime), _endpoint(ctx))
    except (llm.LLMUnavailable, llm.MalformedOutput) as exc:
        p, transcript = PlannerPlan(kind="error", planner="llm", message=f"repair failed: {exc}"), messages
    usage = {k: old.usage.get(k, 0) + p.usage.get(k, 0) for k in set(old.usage) | set(p.usage)}
    p = p.model_copy(update={"usage": usage, "notes": [*p.notes, f"Repaired after: {state.get('error')}"[:300]]})
    return {"plan": p.model_dump(mode="json"), "messages": transcript, "repairs": state.get("repairs", 0) + 1,
            "error": None, "error_kind": None, "sql": None}


@timed("clarify")
def clarify(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Remember the question and its options, so a reply like '2' or 'billed cost' completes it."""
    p = PlannerPlan.model_validate(state["plan"])
    return {"pending": {"question": state.get("resolved_question") or state["question"], "options": p.options,
                        "replaces": p.replaces}}


@timed("run_tool")
def run_tool(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Call the registered tool for the intent, or say the capability is coming."""
    ctx = runtime.context
    intent = state["intent"]
    tools = ctx.tools if ctx.tools is not None else REGISTRY
    fn = tools.get(intent) if intent in TOOL_INTENTS else None
    if fn is None:
        return {"tool_result": {"status": "abstain", "text": coming_soon(intent)}}
    try:
        today = date.fromisoformat(state["as_of"]) if state.get("as_of") else resources(runtime).as_of()
        p = state.get("period")
        period = (datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])) if p else None
        result = dict(fn(state.get("resolved_question") or state["question"], ctx.settings, today, period))
    except Exception as exc:  # noqa: BLE001 - a failing tool is an error answer, not a crash
        return {"tool_result": {"status": "error", "text": f"The {intent} tool failed: {exc}"}}
    result.setdefault("status", "answered")
    return {"tool_result": result}
