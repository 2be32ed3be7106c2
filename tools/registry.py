"""The ops tools as plain functions: `TOOLS[name](settings, question, time_range)`, one per spec in
`tools.specs` (a live view: a spec registered later is here too).

Every tool returns a `ToolAnswer` with `.summary_text()` (2-5 sentences with numbers), `.columns`,
`.rows`, `.evidence_sql` (list of the SQL that produced it) and `.result` (the tool's pydantic model).
`time_range` is None (the tool's default), a `(start, end)` pair of dates/datetimes (end exclusive),
or any object with `.start` and `.end` (such as `assistant.timeparse.Period`).

This module holds the question-reading adapters of the scan, savings, forecast and impact tools; the
specs name them (and the other tools' entry points) as `entry`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.settings import Settings
from core.stems import stem, stems
from tools.forecast import forecast_capacity, type_in_question
from tools.impact import utilization_gain_value
from tools.savings import estimate_savings
from tools.scan import KINDS, scan
from tools.specs import SPECS

TimeRange = Any  # None | (start, end) | object with .start/.end


@dataclass
class ToolAnswer:
    """What a tool hands the agent: words with numbers, a table, and the SQL behind it."""

    summary: str
    columns: list[str]
    rows: list[list[Any]]
    evidence_sql: list[str]
    result: Any = field(repr=False, default=None)

    def summary_text(self) -> str:
        return self.summary


def _bounds(time_range: TimeRange) -> tuple[datetime | date | None, datetime | date | None]:
    if time_range is None:
        return None, None
    if isinstance(time_range, (tuple, list)) and len(time_range) == 2:
        return time_range[0], time_range[1]
    if hasattr(time_range, "start") and hasattr(time_range, "end"):
        return time_range.start, time_range.end
    raise TypeError(f"time_range must be None, (start, end) or have .start/.end; got {type(time_range).__name__}")


_GENERIC = frozenset({"data"})  # 'anything odd in the data?' asks about everything; data quality is named in full


def kinds_named(question: str) -> list[str] | None:
    """The detector kinds whose measure the question names ('anything odd with cost?': cost spikes), else None.

    A kind's measure is the first word of its name (cost_spike: cost, failure_rate_spike: failure), compared
    as Snowball stems sharing at least four letters, so 'failed jobs' names failure-rate spikes.

    >>> kinds_named("anything weird with costs last week"), kinds_named("any failed job anomalies?"), kinds_named("anything odd?")
    (['cost_spike'], ['failure_rate_spike'], None)
    >>> kinds_named("any idle anomalies?")
    ['idle_allocation']
    """
    text = question.lower().replace("-", " ")
    named = [k for k in KINDS if k.replace("_", " ") in text]
    if named:
        return named
    said = stems(re.findall(r"[a-z]+", text))
    for kind in KINDS:
        if kind.split("_")[0] in _GENERIC:
            continue
        measure = stem(kind.split("_")[0])
        if any(s == measure or (len(p := _common_prefix(s, measure)) >= 4 and p in (s, measure)) for s in said):
            named.append(kind)
    return named or None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def scan_tool(settings: Settings, question: str, time_range: TimeRange = None) -> ToolAnswer:
    """Anomalies in the period (all data when none), optionally only the kinds whose measure the question names."""
    start, end = _bounds(time_range)
    kinds = kinds_named(question)
    r = scan(settings, start=start, end=end, kinds=kinds)
    if kinds and not r.rows:  # none of the kinds asked about: say so, and show what the other detectors found
        named = ", ".join(k.replace("_", " ") for k in kinds)
        r = scan(settings, start=start, end=end, kinds=None)
        return ToolAnswer(f"No {named} findings. All detectors: {r.summary_text()}", r.columns, r.rows, r.evidence_sql, r)
    return ToolAnswer(r.summary_text(), r.columns, r.rows, r.evidence_sql, r)


def savings_tool(settings: Settings, question: str, time_range: TimeRange = None) -> ToolAnswer:
    """Savings measured on the 28 days before the period's end (or the data's end)."""
    _, end = _bounds(time_range)
    r = estimate_savings(settings, end=end)
    return ToolAnswer(r.summary_text(), r.columns, r.rows, r.evidence_sql, r)


_WEEKS = re.compile(r"\b(\d{1,2})\s*weeks?\b")
_MONTHS = re.compile(r"\b(\d{1,2})\s*months?\b|\bnext (month|quarter)\b")


def forecast_tool(settings: Settings, question: str, time_range: TimeRange = None) -> ToolAnswer:
    """Capacity outlook; horizon from the question ('next month' = 5 weeks, 'N weeks'), default 8."""
    text = question.lower()
    weeks = 8
    if m := _WEEKS.search(text):
        weeks = max(1, min(52, int(m.group(1))))
    elif m := _MONTHS.search(text):
        weeks = 13 if m.group(2) == "quarter" else max(5, min(52, round(int(m.group(1) or 1) * 4.35)))
    r = forecast_capacity(settings, weeks=weeks)
    return ToolAnswer(r.summary_text(type_in_question(question, r)), r.columns, r.rows, r.evidence_sql, r)


_POINTS = re.compile(r"(\d+(?:\.\d+)?)\s*[- ]?(?:percentage[- ])?points?\b")
_FROM_TO = re.compile(r"from\s+(\d+(?:\.\d+)?)\s*%?\s+to\s+(\d+(?:\.\d+)?)\s*%")
_TO = re.compile(r"\bto\s+(\d+(?:\.\d+)?)\s*%")


def impact_tool(settings: Settings, question: str, time_range: TimeRange = None) -> ToolAnswer:
    """Value of a utilization gain read from the question ('10-point', 'from 60% to 75%', 'to 80%')."""
    text = question.lower()
    kwargs: dict[str, float] = {}
    if m := _FROM_TO.search(text):
        kwargs = {"from_pct": float(m.group(1)), "to_pct": float(m.group(2))}
    elif m := _POINTS.search(text):
        kwargs = {"points": float(m.group(1))}
    elif m := _TO.search(text):
        kwargs = {"to_pct": float(m.group(1))}
    r = utilization_gain_value(settings, **kwargs)
    return ToolAnswer(r.summary_text(), r.columns, r.rows, r.evidence_sql, r)


class _Tools(Mapping[str, Callable[[Settings, str, TimeRange], ToolAnswer]]):
    """Name -> tool function, read from the specs at each lookup."""

    def __getitem__(self, name: str) -> Callable[[Settings, str, TimeRange], ToolAnswer]:
        return SPECS[name].load()

    def __iter__(self) -> Iterator[str]:
        return iter(list(SPECS))

    def __len__(self) -> int:
        return len(SPECS)


TOOLS: Mapping[str, Callable[[Settings, str, TimeRange], ToolAnswer]] = _Tools()
