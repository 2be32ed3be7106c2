"""A statistic a metric states in its name ('p95 latency', 'median queue wait') is never passed off as another.

Ratio and derived metrics carry no measure aggregation the planner can compare with the question's
statistic word, so their name says which statistic they are: 'average latency' is not the p95
latency. The metric with the asked statistic and the same subject replaces it (and the answer says
so); with none, the planner names the statistics that exist and asks.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.lexicon import fold, mask
from assistant.planner.plan import PlannerPlan
from assistant.planner.words import STATISTIC_NAMES, STATISTIC_WORDS

_TOKENS: dict[str, str] = {"p50": "p50", "median": "p50", "p90": "p90", "p95": "p95", "p99": "p99", "avg": "avg", "mean": "avg",
                           "average": "avg", "mttr": "avg", "mtta": "avg"}
_SPELLINGS: dict[str, tuple[str, ...]] = {"p50": ("p50", "median"), "avg": ("avg", "mean"), "p90": ("p90",), "p95": ("p95",)}


def stated_statistic(name: str, metric: Any) -> str | None:
    """The one statistic a metric's name states, else None.

    >>> class M: label = "p95 latency"
    >>> stated_statistic("latency_p95_ms", M()), stated_statistic("effective_cost_usd", M())
    ('p95', 'p95')
    """
    words = name.lower().split("_") + fold(getattr(metric, "label", "") or "").split()
    found = {_TOKENS[w] for w in words if w in _TOKENS}
    return found.pop() if len(found) == 1 else None


def _subject(name: str) -> tuple[str, ...]:
    return tuple(w for w in name.lower().split("_") if w not in _TOKENS)


def stated_clash(parsed: Any, metrics: list[str], catalog: Any) -> tuple[list[str], list[str]] | PlannerPlan | None:
    """'average latency' on a metric stated as the p95: its mean sibling, else a clarifying question.

    Only metrics without a simple measure are checked (a simple one's aggregation is checked elsewhere),
    and not where the question named the metric's statistic itself ('mean p95 latency' is the p95, averaged).
    """
    said = [w for w in parsed.rest.split() if w in STATISTIC_WORDS]
    named = {h.target for h in parsed.metric_hits if any(w in _TOKENS for w in h.phrase.split())}
    wanted = {STATISTIC_WORDS[w] for w in said}
    if len(wanted) != 1:
        return None
    want = wanted.pop()
    out, notes = [], []
    for name in metrics:
        metric = catalog.metrics[name]
        have = stated_statistic(name, metric) if getattr(metric, "kind", "simple") != "simple" else None
        if have is None or have == want or name in named:
            out.append(name)
            continue
        same = [n for n in catalog.metrics if n != name and _subject(n) == _subject(name) and stated_statistic(n, catalog.metrics[n])]
        sibling = next((n for n in same if stated_statistic(n, catalog.metrics[n]) == want), None)
        label = getattr(metric, "label", name)
        if sibling is None:
            options = [getattr(catalog.metrics[n], "label", n) for n in [name, *same]]
            return PlannerPlan(kind="clarify", replaces=said[0], options=options, message=(
                f"'{said[0]}' asks for the {STATISTIC_NAMES.get(want, want)}, but the catalog has {', '.join(options)}, "
                f"and no {STATISTIC_NAMES.get(want, want)} of it. Which one do you want?"))
        out.append(sibling)
        notes.append(f"Answered with {getattr(catalog.metrics[sibling], 'label', sibling)} ({sibling}), the "
                     f"{STATISTIC_NAMES.get(want, want)} as asked, not {label}.")
    if notes:  # the statistic word is answered: nothing is left for the measure-level check to read
        spans = [m.span() for w in set(said) for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", parsed.rest)]
        parsed.rest = mask(parsed.rest, spans)
        parsed.leftover = [w for w in parsed.rest.split() if w]
    return out, notes


_EXTREME = re.compile(r"\b(max|maximum|min|minimum|peak)\b")
_EXTREME_NAMES = {"max": "largest", "maximum": "largest", "peak": "largest", "min": "smallest", "minimum": "smallest"}


def extreme_statistic(parsed: Any, metrics: list[str], catalog: Any) -> PlannerPlan | None:
    """'max p95 latency yesterday', 'minimum utilization by cluster': the largest single value, which no metric states.

    A catalog metric is a total, a mean or a percentile over the period; answering it for 'max' would
    pass a mean off as a maximum. Where the word sits right before the metric and the question picks
    no winner ('which cluster had the max ...' ranks), the planner abstains and offers the ranked
    hours or days, whose top row is the largest value at that grain.
    """
    picks = re.search(r"\b(which|who)\b", parsed.text) or (re.search(r"\bwhat\b", parsed.text) and parsed.group_dims)
    if picks or not metrics or not parsed.metric_hits or (parsed.rank is not None and parsed.rank_word not in _EXTREME_NAMES):
        return None
    if re.search(r"(^|_)(peak|max|min)(_|$)", metrics[0]):  # the metric states the extreme itself ('peak power')
        return None
    first = min(h.start for h in parsed.metric_hits)
    for m in _EXTREME.finditer(parsed.text[:first]):
        between = parsed.text[m.end():first].split()
        if all(w in ("the", "a", "our", "of", "hourly", "daily") for w in between):
            label = getattr(catalog.metrics[metrics[0]], "label", metrics[0])
            period = parsed.period.label if parsed.period is not None else "last week"
            grain = "hour" if parsed.period is not None and parsed.period.days <= 2 else "day"
            return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"which {grain} {period} had the highest {label.lower()}"],
                               message=(f"'{m.group(1)}' asks for the {_EXTREME_NAMES[m.group(1)]} single value, but {label} is "
                                        f"stated over the whole period, so answering it would pass it off as the "
                                        f"{_EXTREME_NAMES[m.group(1)]}. I can rank the {grain}s by {label.lower()}."))
    return None


_RATE = re.compile(r"\b(?:per|a|an|each|every)\s+(?:second|minute|hour|day|week|month|quarter)\b|\b(?:hourly|daily|weekly|monthly)\b"
                   r"|\bper\s+\w+|\bby\s+\w+|\bacross\b|\beach\b")


def average_of_count(parsed: Any, metrics: list[str], catalog: Any) -> PlannerPlan | None:
    """'average execution time of training jobs' answered with the number of jobs: a mean asked of a count.

    A count or total over a period has no average of its own; an average of it needs a unit (per day, per team).
    Without one, the word 'average' names a measure the question did not place, so the planner abstains
    instead of dropping it.
    """
    if not metrics or parsed.grain or parsed.group_dims or _RATE.search(parsed.text):
        return None
    if not any(STATISTIC_WORDS.get(w) == "avg" for w in parsed.rest.split()):
        return None
    measures = getattr(catalog, "measures", None) or {}
    metric = catalog.metrics[metrics[0]]
    measure = measures.get(getattr(metric, "measure", None) or "")
    agg = getattr(measure, "agg", None)
    if getattr(metric, "kind", "simple") != "simple" or agg not in ("count", "sum"):
        return None
    label = getattr(metric, "label", metrics[0])
    kind = "a count" if agg == "count" else "a total"
    return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"average {label.lower()} per day last week"], message=(
        f"'average' asks for a mean, but {label} is {kind} over the period: an average of it needs a unit "
        f"('per day', 'per team'), and anything else averaged (a duration, a size) is not what {label.lower()} adds up."))
