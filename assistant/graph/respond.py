"""The respond node: turn the turn's state into an Answer (and update the thread's memory)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: langgraph loads only when a graph is built (assistant/graph/plain.py)
    from langgraph.runtime import Runtime

from assistant.models import Answer, MetricInfo, Period, Provenance
from assistant.charts import render_chart
from assistant.compose import describe_result
from assistant.data_window import held_data, offer_with_data
from assistant.graph.context import Context
from assistant.graph.nodes import resources, timed, use_llm
from assistant.graph.state import State
from assistant.planner.plan import PlannerPlan
from assistant.ties import tie_note
from assistant.timeparse import Period as TPeriod
from semantic_layer.coverage import coverage_gap, partial_coverage, warehouse_lacks

ISO_WEEKS = "Weeks start on Monday (ISO 8601)."


@timed("respond")
def respond(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Build the Answer for whatever path the turn took; answered metric turns become memory."""
    ctx = runtime.context
    plan = PlannerPlan.model_validate(state["plan"]) if state.get("plan") else None
    fields = _fields(state, runtime, plan)
    planner = plan.planner if plan else ("llm" if use_llm(ctx) else "offline")
    fields["warnings"] = list(dict.fromkeys([*(state.get("warnings") or []), *fields.get("warnings", [])]))
    answer = Answer(question=state.get("question", ""), planner=planner, thread=ctx.thread_id, **fields)
    timings = dict(state.get("timings") or {})
    answer.timings_ms = {**timings, "total": round(sum(timings.values()), 2)}
    out: dict[str, Any] = {"answer": answer.to_json()}
    if answer.status == "answered" and plan is not None and plan.kind in ("query", "sql"):
        brief = {k: v for k, v in answer.to_json().items() if k in ("question", "period", "chart", "columns")}
        out.update(last_query=answer.metric_query, last_sql=answer.sql, last_answer=brief)  # no rows: checkpoints stay small
    elif answer.status == "answered" and state.get("tool_result") is not None:
        # a tool's table is now the thread's last answer: 'how many?' or 'and by cluster?' must not edit an older question
        brief = {k: v for k, v in answer.to_json().items() if k in ("question", "period", "chart", "columns")}
        out.update(last_query=None, last_answer=brief, last_sql=answer.sql or state.get("last_sql"))
    return out


def _fields(state: State, runtime: Runtime[Context], plan: PlannerPlan | None) -> dict[str, Any]:
    intent = state.get("intent")
    if intent == "empty":
        return {"status": "abstain", "text": "Ask me a question about the fleet, e.g. 'effective cost by team last week'."}
    if intent == "refused":
        return {"status": "refused", "text": f"Refused: {state.get('reason')}. Nothing was run."}
    if intent == "help":
        return _help(runtime)
    if intent == "show_sql":
        last = state.get("last_sql")
        if not last:
            return {"status": "abstain", "text": "There is no previous answer in this conversation to show SQL for."}
        prev = state.get("last_answer") or {}
        return {"status": "answered", "text": f"The SQL behind the last answer ({prev.get('question', '')!r}):\n{last}",
                "sql": last, "metric_query": state.get("last_query"), "period": prev.get("period")}
    if state.get("tool_result") is not None:
        tr = dict(state["tool_result"])
        keep = {k: tr[k] for k in ("status", "text", "columns", "rows", "sql", "chart") if k in tr}
        return {**keep, "intent": intent}
    assert plan is not None, "respond reached without a plan"
    base: dict[str, Any] = {"confidence": plan.confidence, "usage": plan.usage, "intent": intent}
    if plan.kind == "clarify":
        opts = "\n".join(f"  {i}. {o}" for i, o in enumerate(plan.options, 1))
        return {**base, "status": "clarify", "text": f"{plan.message}\n{opts}\nReply with a number or a name.", "options": plan.options}
    if plan.kind == "abstain":
        sugg = "".join(f"\n  - {s}" for s in plan.suggestions)
        more = f"\nQuestions I can answer that look close:{sugg}" if sugg else ""
        return {**base, "status": "abstain", "text": f"{plan.message}{more}\nType 'help' to see the metrics I know.",
                "suggestions": plan.suggestions}
    err = state.get("error")
    query = plan.query.model_dump(mode="json") if plan.query else None
    if err and plan.query is not None and plan.query.metrics:  # an older warehouse without the metric's table
        lacks = warehouse_lacks(resources(runtime).engine, resources(runtime).catalog, list(plan.query.metrics))
        if lacks:
            return {**base, "status": "no_data", "text": f"No data: {lacks}", "metric_query": query, "sql": None}
    if state.get("error_kind") == "refused":
        return {**base, "status": "refused", "text": f"Refused: {err}. Nothing was run.", "metric_query": query}
    if plan.planner == "llm" and state.get("error_kind") != "execution" and (err or (plan.kind == "error" and state.get("repairs"))):
        # The model's plan never passed validation, even after repair rounds: an honest abstain.
        return {**base, "status": "abstain", "metric_query": query, "sql": None,
                "text": f"The LLM planner could not produce a query that passes validation ({err or plan.message}); "
                        "nothing unvalidated was run. Try rephrasing, or ask with --planner offline."}
    if plan.kind == "error" or err:
        what = "I could not answer that" if err or plan.planner == "offline" else "The planner failed"  # offline: bad input, e.g. Feb 30
        return {**base, "status": "error", "text": f"{what}: {err or plan.message}", "metric_query": query, "sql": state.get("sql")}
    return {**base, **_answered(state, runtime, plan, query)}


def _answered(state: State, runtime: Runtime[Context], plan: PlannerPlan, query: dict[str, Any] | None) -> dict[str, Any]:
    ctx, res = runtime.context, resources(runtime)
    catalog = res.catalog
    columns, rows = state.get("columns") or [], state.get("rows") or []
    used = {n: catalog.metrics[n] for n in (plan.query.metrics if plan.query else []) if n in catalog.metrics}
    period = None
    period_text = "the query's rows"
    if plan.query is not None and plan.query.time_range is not None:
        tr = plan.query.time_range
        tp = TPeriod(tr.start, tr.end, plan.period_label or "")
        label = f" ({plan.period_label.replace(' (no period given)', '')})" if plan.period_label else ""
        period_text = f"{tp.describe()}{label}"
        period = Period(start=tr.start.date().isoformat() if tr.start.hour == 0 else tr.start.isoformat(),
                        end=tr.end.date().isoformat() if tr.end.hour == 0 else tr.end.isoformat(), label=plan.period_label)
    elif plan.query is not None:
        current = used and all(getattr(m, "current_state", False) for m in used.values())
        period_text = "right now (whenever they were submitted)" if current else "all data in the warehouse"
    if plan.query is not None and plan.query.time_range is not None and used:
        gap = coverage_gap(res.engine, catalog, list(used), plan.query.time_range.start, plan.query.time_range.end)
        if gap:  # no table behind the metric holds data for the period: say what exists, never "answered" with nothing
            return {"status": "no_data", "columns": columns, "rows": [], "sql": state.get("sql"), "metric_query": query,
                    "period": period, "text": " ".join(filter(None, [f"No data for {period_text}: {gap}", offer_with_data(
                        res.engine, catalog, list(used), plan.query.time_range.start, plan.query.time_range.end)]))}
    scope = ", ".join(f"{f.dimension} {'' if f.operator == '=' else f.operator + ' '}{'/'.join(map(str, f.values))}"
                      for f in (plan.query.filters if plan.query else []))
    text = describe_result(columns, rows, used, period_text + (f", {scope}" if scope else ""))
    unmeasured = _not_measured(columns, rows, used)
    if unmeasured:
        return {"status": "no_data", "columns": columns, "rows": rows, "sql": state.get("sql"), "metric_query": query,
                "period": period, "text": f"Not measured: {unmeasured} for {period_text}. The data holds no samples of the "
                f"field it is computed from ({_measured_from(used)})."}
    if plan.kind == "sql" and state.get("intent") == "sql_text":
        text = f"Your SQL passed the validator and returned {len(rows)} row{'s' * (len(rows) != 1)}."
    weekly = plan.query is not None and (plan.query.time_grain() == "week" or "week" in (plan.period_label or ""))
    extra = [*plan.notes, *tie_note(plan.query, columns, rows, used), *_rules(catalog, plan), *([ISO_WEEKS] if weekly else []), *_nothing_split(plan, columns, rows, catalog),
             *_one_side_empty(res, catalog, plan, columns, rows, used)]
    if plan.query is not None and plan.query.time_range is not None and used:
        part = partial_coverage(res.engine, catalog, list(used), plan.query.time_range.start, plan.query.time_range.end)
        extra += [part] if part else []
    if plan.query is not None and plan.query.compare_to_previous and plan.query.time_range is not None:
        from semantic_layer.compiler import previous_period

        extra.append(f"The previous period is {previous_period(plan.query.time_range).describe()}.")
    if plan.trusted:
        extra.append(f"Trusted: same query as the verified question '{plan.verified_question}' (period from your question).")
    if plan.kind == "sql" and plan.planner == "llm":
        extra.append("Model-written SQL (passed the validator); not built from catalog metrics.")
    provenance = Provenance(
        metrics=[MetricInfo(name=n, label=m.label, description=m.description, unit=m.unit) for n, m in used.items()],
        filters=[f"{f.dimension} {f.operator} {', '.join(map(str, f.values))}" for f in (plan.query.filters if plan.query else [])],
        period=period_text, freshness=res.freshness(), trusted=plan.trusted, verified_question=plan.verified_question,
        notes=extra,
    )
    chart = None
    if ctx.charts and used and rows:
        first = next(iter(used.values()))
        try:
            chart = render_chart(columns, rows, first, f"{first.label}: {period_text}", ctx.chart_dir)
        except Exception:  # noqa: BLE001 - a chart is optional; never fail an answer for it
            chart = None
    warnings = _coverage(plan, res.meta)
    full = text + ("" if not extra else " " + " ".join(extra))
    return {"status": "answered", "text": full, "columns": columns, "rows": rows, "sql": state.get("sql"),
            "metric_query": query, "period": period, "chart": chart, "provenance": provenance,
            "warnings": [*state.get("warnings", []), *warnings]}


def _one_side_empty(res: Any, catalog: Any, plan: PlannerPlan, columns: list[str], rows: list[list[Any]],
                    used: dict[str, Any]) -> list[str]:
    """A note for each asked metric with no value in any row while another has values ('utilization and spend'
    over a day the bill does not reach): said, never dropped from the sentence silently."""
    if not rows or plan.query is None:
        return []
    empty = [n for n in used if n in columns and all(r[columns.index(n)] is None for r in rows)]
    if not empty or len(empty) == len([n for n in used if n in columns]):
        return []
    tr = plan.query.time_range
    notes = []
    for n in empty:
        gap = coverage_gap(res.engine, catalog, [n], tr.start, tr.end) if tr is not None else None
        notes.append(f"{used[n].label} has no data here: {gap}" if gap else
                     f"{used[n].label} is not measured in this data ({_measured_from({n: used[n]})}).")
    return notes


def _nothing_split(plan: PlannerPlan, columns: list[str], rows: list[list[Any]], catalog: Any) -> list[str]:
    """A note when a breakdown put every row in the unattributed group: the data carries no such attribute.

    A FOCUS bill loaded alone has no clusters, so 'cost by region' (the cluster's region) is one
    '(unattributed)' row; said plainly, it is not read as a region called that.
    """
    if plan.query is None or not rows:
        return []
    dims = [g.dimension for g in plan.query.group_by if g.grain is None and g.dimension in columns]
    empty = [d for d in dims if all(r[columns.index(d)] is None for r in rows)]
    labels = [getattr(catalog.dimensions.get(d), "label", d) for d in empty]
    return [f"No row of this data has a {label.lower()} ({getattr(catalog.dimensions.get(d), 'description', '').strip().rstrip('.')}): "
            f"the whole figure is unattributed." for d, label in zip(empty, labels)]


def _measured_from(used: dict[str, Any]) -> str:
    """Where the fields of the asked metrics come from: DCGM advice for GPU fields, the definition otherwise."""
    if any("DCGM" in (getattr(m, "description", "") or "") for m in used.values()):
        return ("per-GPU figures come from `pace ingest --format dcgm`; DCGM profiling fields such as SM_ACTIVE exist "
                "only where the exporter collects them")
    return "; ".join(f"{m.label}: {(getattr(m, 'description', '') or '').strip().rstrip('.')}" for m in used.values())


def _not_measured(columns: list[str], rows: list[list[Any]], used: dict[str, Any]) -> str:
    """The labels of asked metrics that are NULL in every row (nothing measured), joined; '' when none."""
    if not rows:
        return ""
    empty = [m.label for n, m in used.items() if n in columns and all(r[columns.index(n)] is None for r in rows)]
    return ", ".join(empty) if len(empty) == len([n for n in used if n in columns]) else ""


def _rules(catalog: Any, plan: PlannerPlan) -> list[str]:
    """'Rule: ...' for each asked metric that has one, with the parameter values the query used."""
    if plan.query is None:
        return []
    from semantic_layer.compiler import metric_parameters

    names = [n for n in plan.query.metrics if n in catalog.metrics]
    values = metric_parameters(catalog, names, plan.query.parameters)
    return [f"Rule: {catalog.metrics[n].rule.format(**values)}." for n in names if getattr(catalog.metrics[n], "rule", "")]


def _coverage(plan: PlannerPlan, meta: dict[str, Any]) -> list[str]:
    """Warn when the period reaches outside the data the warehouse holds."""
    if plan.query is None or plan.query.time_range is None:
        return []
    start, end = meta.get("data_start"), meta.get("data_end")
    tr = plan.query.time_range
    out = []
    if start is not None and tr.start < start:
        out.append(f"The period starts before the data does ({start:%Y-%m-%d}); earlier days count as zero or are missing.")
    if end is not None and tr.end > end:
        out.append(f"The period runs past the end of the data ({end:%Y-%m-%d %H:%M}); the last days are incomplete or empty.")
    return out


def _help(runtime: Runtime[Context]) -> dict[str, Any]:
    catalog = resources(runtime).catalog
    names = ", ".join(f"{m.label} ({n})" for n, m in list(catalog.metrics.items())[:15])
    dims = ", ".join(sorted(n for n, d in catalog.dimensions.items() if d.kind == "categorical"))
    examples = [vq.question for vq in (catalog.verified_queries or [])[:5]]
    ex = "".join(f"\n  - {q}" for q in examples)
    held = held_data(resources(runtime).engine) or resources(runtime).freshness()  # what the data covers, not only what it could
    return {"status": "answered", "intent": "help", "columns": ["metric", "label", "unit"],
            "rows": [[n, m.label, m.unit] for n, m in catalog.metrics.items()],
            "text": f"I answer questions about the fleet's metrics: {names}, and more (see `pace metrics`). "
                    f"Break them down by {dims}; name a period ('last week', 'in October', 'MTD'). "
                    f"{ISO_WEEKS}\nThe warehouse holds {held}.\nFor example:{ex}"}
