"""What the LLM planner shows the model: the catalog entries relevant to one question, within a token budget.

A small local model has a 2k-8k context, and the whole catalog (60+ metrics with synonyms, 25 dimensions
with their values) is about 5k tokens. So the prompt carries only the entries the question is about,
ranked by the offline planner's own understanding (its lexicon: exact phrases, words scattered in order,
typo-tolerant matches), then by fuzzy similarity; the tool schema names exactly those metrics and
dimensions as enums, so a server that constrains decoding with a grammar cannot emit any other name.

Tokens are estimated, not counted: `estimate_tokens` is ceil(characters / 3), which over-counts for
the BPE tokenizers these servers use (about 4 characters per token in English prose, 3-3.5 in JSON
and identifiers), so a prompt within the estimate fits the model's real count.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from assistant.planner.durations import timed_metrics
from assistant.planner.lexicon import Lexicon, fold
from semantic_layer.derived import UNITS

DEFAULT_PROMPT_TOKENS = 1600
"""The default budget of what pace sends (system prompt, question, tool schemas), by its estimate. A server's
function-calling chat template adds its own text around the tools (about 20% on llama-cpp-python's
`chatml-function-calling`), so 1,600 keeps the prompt the model sees within 2,000 of its tokens."""

MIN_METRICS = 3
"""Always offer at least this many metrics, so a question with no recognised word still has choices."""

VALUES_SHOWN = 12
"""At most this many data values per categorical dimension in the prompt."""

VALUE_CHARS = 60
"""Longer data values are cut (they are data, shown quoted, never instructions)."""


def estimate_tokens(text: str) -> int:
    """A documented over-estimate of a tokenizer's count: ceil(len / 3)."""
    return math.ceil(len(text) / 3)


@dataclass(frozen=True)
class Relevant:
    """The catalog entries chosen for one question, most relevant first."""

    metrics: tuple[str, ...]
    dimensions: tuple[str, ...]


def rank_catalog(question: str, catalog: Any, lexicon: Lexicon) -> Relevant:
    """Metrics and dimensions ordered by how clearly the question names them.

    Lexicon hits (what the offline planner would place) come first, then typo-tolerant hits, then
    the rest by fuzzy similarity of the question to each entry's name, label and synonyms.
    """
    text = fold(question)
    metric_score: dict[str, float] = {}
    dim_score: dict[str, float] = {}
    for hit in lexicon.find(text, "metric") + lexicon.scattered(text, frozenset()):
        metric_score[hit.target] = max(metric_score.get(hit.target, 0.0), 300.0 + hit.length)
    for name in timed_metrics(question, catalog):  # 'how long do approvals take': every statistic of that event
        metric_score[name] = max(metric_score.get(name, 0.0), 300.0)
    for hit in lexicon.find(text, "dimension"):
        dim_score[hit.target] = max(dim_score.get(hit.target, 0.0), 300.0 + hit.length)
    for hit in lexicon.find(text, "value"):
        dim_score[hit.target] = max(dim_score.get(hit.target, 0.0), 250.0)
    for word in set(question.lower().split()):
        for name in lexicon.fuzzy(word.strip("?,.!"), "metric"):
            metric_score[name] = max(metric_score.get(name, 0.0), 200.0)
        for name in lexicon.fuzzy(word.strip("?,.!"), "dimension"):
            dim_score[name] = max(dim_score.get(name, 0.0), 200.0)
    for name, m in catalog.metrics.items():
        words = " ".join([name.replace("_", " "), getattr(m, "label", ""), *getattr(m, "synonyms", [])])
        metric_score[name] = max(metric_score.get(name, 0.0), fuzz.token_set_ratio(text, fold(words)))
    for name, d in catalog.dimensions.items():
        words = " ".join([name.replace("_", " "), getattr(d, "label", ""), *getattr(d, "synonyms", [])])
        base = 150.0 if getattr(d, "kind", "") == "time" else 0.0  # trends and grains need the time dimension
        dim_score[name] = max(dim_score.get(name, 0.0), base + fuzz.token_set_ratio(text, fold(words)))
    by_score = lambda scores: tuple(sorted(scores, key=lambda k: (-scores[k], k)))  # noqa: E731
    return Relevant(by_score(metric_score), by_score(dim_score))


def quoted(value: Any) -> str:
    """A data value as a JSON string literal: control characters gone, length capped."""
    text = "".join(ch for ch in str(value) if ch.isprintable())
    if len(text) > VALUE_CHARS:
        text = text[: VALUE_CHARS - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def metric_line(catalog: Any, name: str) -> str:
    m = catalog.metrics[name]
    synonyms = ", ".join(getattr(m, "synonyms", [])[:4])
    return f"- {name}: {m.label}. {m.description} Unit: {m.unit}." + (f" Also: {synonyms}." if synonyms else "")


def dimension_line(catalog: Any, name: str) -> str:
    d = catalog.dimensions[name]
    values = [v for v in (getattr(d, "values", None) or [])][:VALUES_SHOWN]
    shown = f" Values (data): [{', '.join(quoted(v) for v in values)}]" if values else ""
    return f"- {name} ({d.kind}): {d.label}.{shown}"


def plan_schema(metrics: tuple[str, ...], dimensions: tuple[str, ...]) -> dict[str, Any]:
    """A compact MetricQuery JSON schema whose metric and dimension names are enums of the given entries."""
    dim = {"type": "string", "enum": list(dimensions)} if dimensions else {"type": "string"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["metrics"],
        "properties": {
            "metrics": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(metrics)}},
            "group_by": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["dimension"],
                "properties": {"dimension": dim,
                               "grain": {"type": "string", "enum": ["hour", "day", "week", "month", "quarter"]}}}},
            "filters": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["dimension", "values"],
                "properties": {"dimension": dim,
                               "operator": {"type": "string", "enum": ["=", "!=", "in", "not in", ">", ">=", "<", "<="]},
                               "values": {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}}}}},
            "time_range": {"type": "object", "additionalProperties": False, "required": ["start", "end"],
                           "properties": {"start": {"type": "string"}, "end": {"type": "string"}}},
            "order_by": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["field"],
                "properties": {"field": {"type": "string"}, "descending": {"type": "boolean"}}}},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
            "compare_to_previous": {"type": "boolean"},
            **derived_properties(metrics),
        },
    }


def derived_properties(metrics: tuple[str, ...]) -> dict[str, Any]:
    """The derived columns a MetricQuery may ask for beside its metrics (semantic_layer.derived), as schema properties.

    The compiler checks what they may apply to (a share or a rate only of sums and counts, a unit only
    of its own kind), so a plan that breaks a rule is refused with the reason and goes to repair.
    """
    return {
        "share_of_total": {"type": "boolean"},
        "per": {"type": "string", "enum": ["second", "minute", "hour", "day", "week"]},
        "convert": {"type": "object", "additionalProperties": {"type": "string", "enum": list(UNITS)}},
        "per_count": {"type": "string", "enum": list(metrics)},
    }


def fit(relevant: Relevant, render: Any, budget: int) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The largest prefix of the ranked entries whose rendered request stays within `budget` tokens.

    `render(metrics, dimensions) -> str` gives the whole request text (prompt and tool schemas) for a
    choice of entries; the choice grows one entry at a time, metrics and dimensions alternately.
    """
    m_all, d_all = relevant.metrics, relevant.dimensions
    n_m, n_d = min(MIN_METRICS, len(m_all)), min(2, len(d_all))
    best = render(m_all[:n_m], d_all[:n_d])
    grew = True
    while grew:
        grew = False
        for step in ("m", "d"):
            cand_m = m_all[: n_m + 1] if step == "m" and n_m < len(m_all) else m_all[:n_m]
            cand_d = d_all[: n_d + 1] if step == "d" and n_d < len(d_all) else d_all[:n_d]
            if (len(cand_m), len(cand_d)) == (n_m, n_d):
                continue
            text = render(cand_m, cand_d)
            if estimate_tokens(text) <= budget:
                best, n_m, n_d, grew = text, len(cand_m), len(cand_d), True
    return best, m_all[:n_m], d_all[:n_d]
