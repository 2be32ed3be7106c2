"""Two statistics of one measure in one question: 'total and average queue wait', 'mean and p95 wait by cluster'.

Each statistic asked is a column of the answer, or the answer says which one the catalog lacks; one
is never dropped silently. A statistic is placed on the metric whose measure aggregates the same
column of the same table that way (the mean and the median queue wait share `queue_wait_minutes`);
'total' and 'sum' are a sum of it. A statistic with no such metric makes the planner abstain and name
the statistics that exist, as does a lone 'total' of a measure the catalog keeps only as a mean or
percentile (a total of waits is not their median).
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.plan import PlannerPlan

_STAT = (r"total|sum|average|avg|mean|median|typical|p50|p90|p95|p99|50th percentile|90th percentile|95th percentile|"
         r"99th percentile|max|maximum|min|minimum")
_KEY = {"total": "sum", "sum": "sum", "average": "avg", "avg": "avg", "mean": "avg", "median": "p50", "typical": "p50",
        "p50": "p50", "50th percentile": "p50", "p90": "p90", "90th percentile": "p90", "p95": "p95", "95th percentile": "p95",
        "p99": "p99", "99th percentile": "p99", "max": "max", "maximum": "max", "min": "min", "minimum": "min"}
_NAMES = {"sum": "total", "avg": "mean", "p50": "median", "p90": "90th percentile", "p95": "95th percentile", "p99": "99th percentile",
          "max": "maximum", "min": "minimum"}
_JOIN = r"(?:\s*(?:,|\band\b|&|\bplus\b|\bas well as\b|\bvs\.?|\bversus\b|\bor\b)\s*|\s+)"  # folding drops commas: 'mean median'
_LIST = re.compile(rf"\b(?:the\s+)?({_STAT})((?:{_JOIN}(?:the\s+|its\s+)?(?:{_STAT})\b)+)")
_ONE = re.compile(rf"\b({_STAT})\b")
_TWO_ASKS = re.compile(r"\bhow (?:many|much)\b.+?(?:\band\b|,)\s*(?:also\s+)?how (?:many|much)\b")
_BEFORE = re.compile(rf"\b(?:{_STAT})\s*$")
_STATISTICS = frozenset({"avg", "p50", "p90", "p95", "p99", "max", "min"})


def statistics_asked(text: str) -> list[str]:
    """The statistics a question lists together ('total and average' -> sum, avg), in order; [] for one or none.

    >>> statistics_asked("total and average queue wait last week"), statistics_asked("mean, median and p95 queue wait")
    (['sum', 'avg'], ['avg', 'p50', 'p95'])
    >>> statistics_asked("average queue wait and total spend"), statistics_asked("spend and gpu hours")
    ([], [])
    """
    m = _LIST.search(text)
    if m is None:
        return []
    found = [_KEY[w] for w in _ONE.findall(m.group(0))]
    return list(dict.fromkeys(found)) if len(set(found)) > 1 else []


def _agg(name: str, catalog: Any) -> tuple[Any, str] | None:
    """(measure, its statistic key) of a simple metric; sums and counts are totals."""
    metric = catalog.metrics.get(name)
    measure = getattr(catalog, "measures", {}).get(getattr(metric, "measure", None) or "")
    if measure is None:
        return None
    return measure, "sum" if measure.agg in ("sum", "count") else measure.agg


def _sibling(measure: Any, key: str, catalog: Any) -> str | None:
    """The metric that aggregates the same column of the same table as `key` asks, else None."""
    for name in catalog.metrics:
        other = _agg(name, catalog)
        if other is not None and other[1] == key and other[0].entity == measure.entity and other[0].expr == measure.expr:
            return name
    return None


def _with_statistics(parsed: Any, catalog: Any) -> str:
    """The question with the statistic each placed metric states written before it, where the question's words had
    become the metric's name ('total and queue_wait_avg_minutes' -> 'total and mean queue wait avg minute')."""
    text = parsed.text
    for hit in sorted(parsed.metric_hits, key=lambda h: h.start, reverse=True):
        found = _agg(hit.target, catalog)
        if found is not None and found[1] in _STATISTICS and not _BEFORE.search(text[: hit.start]) \
                and not _ONE.match(hit.phrase):
            text = f"{text[: hit.start]}{_NAMES[found[1]]} {text[hit.start :]}"
    return text


def each_statistic(parsed: Any, metrics: list[str], catalog: Any) -> tuple[list[str], list[str]] | PlannerPlan | None:
    """Every statistic asked as its own metric, or an abstention naming the one the catalog lacks; None where the rule does
    not apply (one statistic over a measure, or no statistic metric chosen)."""
    if _TWO_ASKS.search(parsed.text) and len(metrics) < 2:  # 'how many ran and how many failed': two figures
        label = getattr(catalog.metrics.get(metrics[0]), "label", metrics[0]) if metrics else "one figure"
        return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"{label} last week"], message=(
            f"That asks for two figures, and I could place only one ({label}), so I won't answer half of it. "
            "Ask for both by name ('jobs and failed jobs by cluster'), or one at a time."))
    text = _with_statistics(parsed, catalog)
    asked = statistics_asked(text)
    if not asked:
        lone = [_KEY[w] for w in _ONE.findall(text)]
        if lone != ["sum"]:  # a lone 'total' of a measure kept only as a mean or percentile is checked too
            return None
        asked = lone
    base = next(((n, a) for n in metrics if (a := _agg(n, catalog)) is not None and a[1] in _STATISTICS), None)
    if base is None:
        return None
    name, (measure, _) = base
    found = {key: (name if key == base[1][1] else _sibling(measure, key, catalog)) for key in asked}
    missing = [k for k, v in found.items() if v is None]
    if missing:
        label = getattr(catalog.metrics[name], "label", name)
        subject = re.sub(rf"^(?:{_STAT})\s+", "", label.lower())
        have = sorted({a[1] for n in catalog.metrics if (a := _agg(n, catalog)) is not None
                       and a[0].entity == measure.entity and a[0].expr == measure.expr})
        return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"{_NAMES[h]} {subject} last week" for h in have][:3], message=(
            f"That asks for the {' and '.join(_NAMES[k] for k in asked)} of {subject}; the catalog has its "
            f"{', '.join(_NAMES[h] for h in have)}, but no {' or '.join(_NAMES[k] for k in missing)}, so I won't answer "
            f"{'only part of it' if len(asked) > 1 else 'with another statistic'}."))
    if len(asked) < 2:
        return None
    chosen = [found[k] for k in asked]
    rest = [n for n in metrics if n != name and n not in chosen]
    shown = ", ".join(f"{_NAMES[k]} ({found[k]})" for k in asked)
    return list(dict.fromkeys([*chosen, *rest])), [f"Each statistic asked is a column: {shown}."]  # type: ignore[list-item]


__all__ = ["each_statistic", "statistics_asked"]
