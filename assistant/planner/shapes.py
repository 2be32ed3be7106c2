"""Words that change the shape of an answer, not its metric: a share of the total, a rate per day, a unit.

"What share of spend did each team have", "average daily cost", "queue wait in hours": the metric
stays the catalog's, and the compiler adds the derived value beside it (semantic_layer.derived), so
the answer can say exactly what was composed. What has no meaning for the metric (a share of a
ratio, a cost "per GPU" with no GPU count to divide by) is never dropped: the planner says so.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.lexicon import mask
from assistant.planner.plan import PlannerPlan
from assistant.planner.units import UNIT_ASK as _UNIT_ASK, asked_unit
from assistant.planner.words import STATE_METRICS

SHARE_WORDS: frozenset[str] = frozenset("share fraction proportion portion percentage percent pct %".split())
"""A part of a whole (general English; FinOps 'share of spend' in allocation and showback)."""

_SHARE = re.compile(r"(?<![\w-])(?:share|fraction|proportion|portion|percentage|percent|pct|%|how much of|how many of)(?![\w-])"
                    r"(?:\s+of(?:\s+(?:the|our|all|overall))?(?:\s+total)?(?=\s|$))?")
SHARE_PHRASE = _SHARE
"""'what share of', 'percent', 'how much of': a part of a whole is asked (planner.unit_senses reads it too)."""
_SHARE_VERBS = re.compile(r"(?<![\w-])(?:account(?:ed)? for|belong(?:ed)? to|went to|go(?:e)? to|attributable to|attributed to|"
                          r"made up|make up|represent(?:ed)?|took up|take up|taken up)(?![\w-])")
_AVERAGE = re.compile(r"(?<![\w-])(?:on average|average|avg|mean)(?![\w-])")
_PER_THING = re.compile(r"(?<![\w-])per\s+(gpu|accelerator|card|device|chip|node|host|machine|server)(?![\w-])(?!\s+(?:hour|day|minute|type|kind|model|vendor|sku|family|class|generation|category|uuid|id|pool|count)\b)")
_PER_SECOND = re.compile(r"(?<![\w-])(?:per|a|each|every)\s+(second|sec|minute|min)(?![\w-])")
_RATE_GRAINS = {"hour": "hour", "day": "day", "week": "week"}


def mask_share_verbs(text: str) -> str:
    """'what share of spend did atlas account for': with a share word, these verbs only name the part of a whole.

    >>> mask_share_verbs("what share of spend did atlas account for").split()
    ['what', 'share', 'of', 'spend', 'did', 'atlas']
    >>> mask_share_verbs("spend by account for atlas").split()
    ['spend', 'by', 'account', 'for', 'atlas']
    """
    if not _SHARE.search(text):
        return text
    return mask(text, [m.span() for m in _SHARE_VERBS.finditer(text)])


def additive(catalog: Any, name: str) -> bool:
    """A sum or a count of the catalog (its groups add up to its total); ratios, means and percentiles are not."""
    metric = catalog.metrics.get(name)
    measures = getattr(catalog, "measures", None) or {}
    if getattr(metric, "kind", "") != "simple" or getattr(metric, "measure", None) not in measures:
        return False
    return getattr(measures[metric.measure], "agg", "") in ("sum", "count")


def _count_with_rate(catalog: Any, name: str) -> bool:
    """A count of things in one state with a catalog rate over it: a share word on it asks for that rate."""
    measure = getattr(catalog.metrics[name], "measure", None)
    measures = getattr(catalog, "measures", None) or {}
    if getattr(measures.get(measure), "agg", "") != "count":
        return False
    return any(getattr(m, "kind", "") == "ratio" and getattr(m, "numerator", None) == measure for m in catalog.metrics.values())


def share_of_total(parsed: Any, metrics: list[str], catalog: Any) -> list[str] | None:
    """'share of spend by team', 'what fraction of idle hours was atlas': each group's value over the total.

    Applies to additive metrics split (or filtered to one value) by a dimension. A share of one state
    of a count ('share of jobs that failed') is the catalog's rate, not this, so it is left alone.
    Returns the note the answer states, or None when the question is not a share of a total.
    """
    found = list(_SHARE.finditer(parsed.rest))
    in_percent = "%" in parsed.convert.values()  # 'spend by team in %': the unit step kept the amount for this
    if not (found or in_percent) or len(metrics) != 1 or not additive(catalog, metrics[0]):
        return None  # two metrics and a share word are a ratio of them ('share of allocated hours that was idle')
    base = metrics[0]
    if any(STATE_METRICS.get((base, d, str(v[0]).lower())) for d, (op, v) in parsed.filters.items() if op == "="):
        return None
    if _count_with_rate(catalog, base):
        return None  # 'share of incidents escalated to tier 3': the share of the population, the catalog's rate
    grain_dims = {n for n, d in catalog.dimensions.items() if getattr(d, "kind", "categorical") == "time"}
    grouped = [d for d in parsed.group_dims if d not in grain_dims]
    if not grouped:
        picked = [d for d, (op, _) in parsed.filters.items() if op == "="]
        if len(picked) != 1:
            return None
        parsed.group_dims.append(picked[0])  # the share of one team is read off the split over every team
        grouped = picked
    parsed.share = True
    parsed.rest = mask(parsed.rest, [m.span() for m in found])
    parsed.leftover = [w for w in parsed.rest.split() if w]
    dims = " and ".join(grouped)
    labels = ", ".join(getattr(catalog.metrics[m], "label", m) for m in metrics)
    return [f"Share of the total: each {dims}'s {labels.lower()} over the total of every {dims} for the same period "
            "and filters (composed from the metric, not a catalog metric)."]


def daily_average(parsed: Any, metrics: list[str], catalog: Any) -> list[str] | None:
    """'average daily cost', 'tokens per day on average': the total over the period's days, one number.

    Only for additive metrics with a per-hour/day/week grain and an averaging word; a plain 'per day'
    stays a series by day. Returns the note the answer states, or None.
    """
    if not metrics or not all(additive(catalog, m) for m in metrics):
        return None
    fine = _PER_SECOND.search(parsed.rest) if parsed.grain is None else None
    avg = list(_AVERAGE.finditer(parsed.rest))
    if fine is not None:  # 'requests per second': no series that fine, so only the rate can be meant
        parsed.per = "second" if fine.group(1).startswith("s") else "minute"
        avg.append(fine)
    elif parsed.grain in _RATE_GRAINS and avg:
        parsed.per = _RATE_GRAINS[parsed.grain]
        parsed.grain = None
    else:
        return None
    parsed.rest = mask(parsed.rest, [m.span() for m in avg])
    parsed.leftover = [w for w in parsed.rest.split() if w]
    return [f"Per {parsed.per} on average: the period's total divided by its length in {parsed.per}s "
            "(composed from the metric, not a catalog metric)."]


def per_thing(text: str, metrics: list[str], catalog: Any, consumed: list[tuple[int, int]] = (), grouped: set[str] = frozenset(),
              dimension_names: dict[str, set[str]] | None = None) -> PlannerPlan | None:
    """'cost per GPU': a division by a count of things the catalog defines no ratio for; say so, never drop it.

    `consumed` are the spans of metric phrases ('memory used per accelerator' is a metric's own name);
    where the planner read 'per accelerator' as a split by a dimension that word names (`grouped`,
    `dimension_names`: phrase -> dimensions), the split stands.
    """
    found = [m for m in _PER_THING.finditer(text) if not any(s < m.end() and m.start() < e for s, e in consumed)]
    if not found or not metrics:
        return None
    m = found[0]
    if any(m.group(1) in phrase.split() and dims & grouped for phrase, dims in (dimension_names or {}).items()):
        return None
    labels = ", ".join(getattr(catalog.metrics[n], "label", n) for n in metrics)
    if not all(additive(catalog, n) for n in metrics):  # a ratio is not divided by a count: it is asked per thing, a split
        return PlannerPlan(kind="abstain", confidence=0.0, message=(
            f"'{m.group(0)}' asks for {labels} for each {m.group(1)}, a split I could not place; ask for it by accelerator "
            f"type, cluster or host (e.g. '{labels.lower()} by accelerator type')."),
            suggestions=[f"{labels} by accelerator type last week"])
    counts = [n for n in ("installed_accelerators", "gpu_count") if n in catalog.metrics]
    offer = f" I can give {labels} and the accelerator count ({', '.join(counts)}) side by side." if counts else ""
    return PlannerPlan(kind="abstain", confidence=0.0, message=(
        f"'{m.group(0)}' asks to divide {labels} by a number of {m.group(1)}s, and the catalog defines no {labels.lower()} "
        f"per {m.group(1)}, so I won't compose one.{offer}"),
        suggestions=[f"{labels} and installed accelerators last week"] if counts else [])


def conversions(metrics: list[str], asked: dict[str, str], catalog: Any) -> dict[str, str]:
    """The unit asked ('in hours') for every final metric it converts to: a metric swapped later (median ->
    mean) keeps the conversion its question asked for."""
    from semantic_layer.derived import conversion_factor

    units = set(asked.values())
    if len(units) != 1:
        return {k: v for k, v in asked.items() if k in metrics}
    wanted = units.pop()
    out = {}
    for name in metrics:
        unit = getattr(catalog.metrics[name], "unit", "")
        if unit != wanted and conversion_factor(unit, wanted) is not None:
            out[name] = wanted
    return out


def percent_without_share(metrics: list[str], catalog: Any) -> PlannerPlan:
    """'spend in %' with nothing to split it by: a total is 100% of itself, so say what a percentage needs."""
    label = ", ".join(getattr(catalog.metrics[m], "label", m) for m in metrics)
    return PlannerPlan(kind="abstain", confidence=0.0, message=(
        f"{label} is an amount, so as a percentage it needs a whole to be a share of: split it ('{label.lower()} by team "
        f"as a percent of the total') or name the part ('what share of {label.lower()} was atlas')."),
        suggestions=[f"{label} by team as a percent of the total last month"])


def shape_followup(parsed: Any, previous: Any, catalog: Any) -> tuple[Any, list[str]] | None:
    """'as a share of the total?', 'in hours?', 'per day on average?' after a question: the same query, reshaped.

    Only when the follow-up changes nothing else (no filter, grouping, period or ranking) and the
    shape means something for the previous metrics; otherwise the ordinary follow-up edit handles it.
    """
    if parsed.filters or parsed.group_dims or parsed.period is not None or parsed.rank is not None or parsed.metric_hits:
        return None
    names = list(previous.metrics)
    split = [g for g in previous.group_by if g.grain is None]
    update: dict[str, Any] = {}
    notes: list[str] = []
    spans: list[tuple[int, int]] = []
    share = list(_SHARE.finditer(parsed.rest))
    if share and split and len(names) == 1 and additive(catalog, names[0]):
        update["share_of_total"] = True
        spans += [m.span() for m in share]
        notes.append(f"Share of the total: each {' and '.join(g.dimension for g in split)}'s value over the total of every group "
                     "(composed from the metric, not a catalog metric).")
    avg, fine = list(_AVERAGE.finditer(parsed.rest)), _PER_SECOND.search(parsed.rest)
    rate = "second" if fine and fine.group(1).startswith("s") else "minute" if fine else (
        _RATE_GRAINS.get(parsed.grain or "") if avg else None)
    if rate and previous.time_range is not None and previous.time_grain() is None and all(additive(catalog, n) for n in names):
        update["per"] = rate
        spans += [m.span() for m in avg] + ([fine.span()] if fine else [])
        notes.append(f"Per {rate} on average: the period's total divided by its length in {rate}s.")
    unit = _UNIT_ASK.search(parsed.rest)
    if unit is not None:
        from semantic_layer.derived import conversion_factor

        wanted = asked_unit(unit)
        convert = {n: wanted for n in names if getattr(catalog.metrics[n], "unit", "") != wanted
                   and conversion_factor(getattr(catalog.metrics[n], "unit", ""), wanted) is not None}
        if not convert:
            return None
        update["convert"] = convert
        spans.append(unit.span())
        notes.append(f"Also shown in {wanted}, as asked.")
    if not update:
        return None
    parsed.rest = mask(parsed.rest, spans)
    parsed.leftover = [w for w in parsed.rest.split() if w]
    parsed.grain = None if "per" in update else parsed.grain
    return previous.model_copy(update=update), notes


_UNIT_NOUN = re.compile(r"(?<![\w-])(gpu|accelerator|card|chip|device|node)\s+(day|week|minute|month|year)(?![\w-])")


def unit_nouns(text: str) -> tuple[str, str | None]:
    """'GPU-days', 'accelerator-weeks': accelerator-hours counted in another unit (folded text in and out).

    A GPU-month is 730 accelerator-hours (8,760 / 12, the month cloud price lists use), a GPU-year 8,760.

    >>> unit_nouns("how many gpu day did we use")
    ('how many gpu hour did we use', 'days')
    >>> unit_nouns("gpu hour per day")
    ('gpu hour per day', None)
    """
    m = _UNIT_NOUN.search(text)
    if m is None:
        return text, None
    return f"{text[: m.start(2)]}hour{text[m.end(2):]}", f"{m.group(2)}s"
