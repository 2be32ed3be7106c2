"""The question suite: ask every case through `assistant.answer`, score it against gold, report.

The runner drives the same entry point as the faces; it never calls planners or the compiler.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import duckdb
import numpy as np

from evals.cases import Case, load_suite
from evals.compare import Verdict, compare, has_top_level_order_by
from core.settings import Settings
from telemetry.warehouse import open_reader, read_meta


@dataclass
class ItemResult:
    """One asked question (a paraphrase, or a conversation's last turn) and its verdict."""

    case: Case
    question: str
    status: str
    correct: bool
    reason: str | None
    detail: str
    latency_ms: float
    sql: str | None
    text: str

    @property
    def confidently_wrong(self) -> bool:
        return self.status == "answered" and not self.correct


@dataclass
class SuiteResult:
    """Scores for the question suite, in DESIGN.md's `pace eval --json` shape."""

    planner: str
    items: list[ItemResult] = field(default_factory=list)
    pass_k: dict[str, float] | None = None
    suite: str = "questions"
    as_of: str = ""

    def to_json(self) -> dict[str, Any]:
        # execution accuracy scores result sets against gold SQL; tool answers (no gold SQL) are reported apart
        answerable = [i for i in self.items if i.case.expect == "answered" and not i.case.expect_tool]
        tools = [i for i in self.items if i.case.expect == "answered" and i.case.expect_tool]
        lat = np.array([i.latency_ms for i in self.items]) if self.items else np.array([0.0])
        by_cat: dict[str, dict[str, Any]] = {}
        for cat in sorted({i.case.category for i in self.items}):
            its = [i for i in self.items if i.case.category == cat]
            by_cat[cat] = {"n": len(its), "accuracy": sum(i.correct for i in its) / len(its)}
        out = {
            "suite": self.suite,
            "planner": self.planner,
            "as_of": self.as_of,
            "n": len(self.items),
            "cases": len({i.case.id for i in self.items}),
            "execution_accuracy": sum(i.correct for i in answerable) / len(answerable) if answerable else 1.0,
            "execution_n": len(answerable),
            "tool_accuracy": sum(i.correct for i in tools) / len(tools) if tools else None,
            "tool_n": len(tools),
            "status_accuracy": sum(i.status == i.case.expect for i in self.items) / max(1, len(self.items)),
            "confidently_wrong_rate": sum(i.confidently_wrong for i in self.items) / max(1, len(self.items)),
            "latency_ms": {"p50": float(np.percentile(lat, 50)), "p95": float(np.percentile(lat, 95))},
            "by_category": by_cat,
            "failures": [
                {
                    "id": i.case.id, "category": i.case.category, "question": i.question, "expected": i.case.expect,
                    "got": i.status, "reason": i.reason, "detail": i.detail, "sql": i.sql, "text": i.text[:400],
                }
                for i in self.items
                if not i.correct
            ],
        }
        if self.pass_k is not None:
            out["pass_k"] = self.pass_k
        return out


def as_of_today(settings: Settings) -> str:
    """The date relative periods resolve against, as the assistant sees it."""
    if settings.as_of:
        return settings.as_of.isoformat()
    with open_reader(settings.db) as con:
        end = read_meta(con)["data_end"]
    return (end.date() if hasattr(end, "date") else date.fromisoformat(str(end)[:10])).isoformat()


def _gold_rows(con: duckdb.DuckDBPyConnection, sql: str, settings: Settings | None = None) -> list[tuple]:
    """Gold rows on the chosen engine: DuckDB as written, or Spark after transpiling (docs/scale-out.md)."""
    if settings is not None and settings.engine == "spark":
        from semantic_layer.engine import open_engine
        from semantic_layer.spark_dialect import transpile_to_spark

        return open_engine(settings).execute(transpile_to_spark(sql)).rows
    return con.execute(sql).fetchall()


def score_item(case: Case, answer: Any, gold: list[tuple] | None, gold_sql: str | None) -> tuple[bool, str | None, str]:
    """Correctness of one answer: status first, then the result set for answerable cases.

    A gold query that finds nothing (no rows, or only NULLs: an empty current period on the first
    day of a month) is answered right by `no_data`, which says so and names the periods that have
    data, or by a `clarify` that offers the last complete period; numbers would be wrong.
    """
    if case.expect == "answered" and answer.status in ("no_data", "clarify") and gold is not None and gold_sql is not None:
        if not gold or all(v is None for row in gold for v in row):
            return True, None, ""
    if answer.status != case.expect:
        return False, "wrong_status", f"expected {case.expect}, got {answer.status}"
    if case.expect == "refused" and answer.sql:
        return False, "ran_sql", "a refused request must not run anything"
    if case.expect != "answered":
        return True, None, ""
    if case.expect_tool:  # tool answers have no gold SQL: the right tool, and a non-empty table
        if getattr(answer, "intent", None) != case.expect_tool:
            return False, "wrong_tool", f"expected the {case.expect_tool} tool, got {getattr(answer, 'intent', None)}"
        if not answer.rows:
            return False, "empty_result", f"the {case.expect_tool} tool returned no rows"
        return True, None, ""
    ordered = case.ordered and gold_sql is not None and has_top_level_order_by(gold_sql)
    verdict: Verdict = compare(gold or [], [tuple(r) for r in answer.rows], ordered=ordered)
    return verdict.ok, verdict.reason, verdict.detail


def run_questions(
    settings: Settings,
    *,
    planner: str = "offline",
    cases: list[Case] | None = None,
    repeat: int = 1,
    on_item: Callable[[], None] | None = None,
    engine: str | None = None,
    suite: str = "questions",
) -> SuiteResult:
    """Ask every paraphrase and conversation; with repeat > 1 also report pass^k (all k runs correct).

    `engine` (default: settings.engine) runs both the answers and the gold SQL on DuckDB or Spark.
    """
    from assistant import answer

    if engine is not None and engine != settings.engine:
        settings = settings.model_copy(update={"engine": engine})
    cases = cases if cases is not None else load_suite(suite)
    today = as_of_today(settings)
    result = SuiteResult(planner=planner, suite=suite, as_of=today)
    runs: dict[tuple[str, str], list[bool]] = {}
    with open_reader(settings.db) as con:
        gold_cache: dict[str, list[tuple]] = {}
        for case in cases:
            gold_sql = case.gold(today)
            if gold_sql and case.id not in gold_cache:
                gold_cache[case.id] = _gold_rows(con, gold_sql, settings)
            for turns in case.asked(today):
                for _ in range(repeat):
                    thread = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
                    started = time.perf_counter()
                    for turn in turns:
                        ans = answer(turn, thread_id=thread, planner=planner, settings=settings)
                    latency = (time.perf_counter() - started) * 1000 / len(turns)
                    ok, reason, detail = score_item(case, ans, gold_cache.get(case.id), gold_sql)
                    runs.setdefault((case.id, turns[-1]), []).append(ok)
                    result.items.append(
                        ItemResult(case, " -> ".join(turns), ans.status, ok, reason, detail, latency, ans.sql, ans.text)
                    )
                    if on_item:
                        on_item()
    if repeat > 1:
        result.pass_k = {f"pass^{repeat}": sum(all(v) for v in runs.values()) / max(1, len(runs))}
    return result


def count_items(cases: list[Case], repeat: int = 1) -> int:
    return sum(len(c.questions) or 1 for c in cases) * repeat
