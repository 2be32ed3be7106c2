"""Unit words in a question: 'in GB', 'how many kWh of', 'as a fraction'. Which unit is asked, and never a metric.

A unit word is also a metric's synonym where the unit names one quantity ('kWh' is energy), so 'cost in
kWh' found two metrics, cost and energy, and answered both. After 'in', 'as', 'into', 'expressed in' or
'measured in', or in 'how many GB of', the word names the unit the other metric is wanted in; the unit
step (planner.offline._units) then converts it, or says the metric is measured in something else.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.words import UNIT_WORDS

_ALTS = "|".join(re.escape(w) for w in sorted(UNIT_WORDS, key=len, reverse=True))
UNIT_ASK = re.compile(rf"(?<![\w-])(?:(?:in|as|into|expressed in|measured in|converted to|in term of)\s+(?:a\s+|the\s+|us\s+)?({_ALTS})"
                      rf"(?![\w-])(?!\s+of\b)|how many\s+({_ALTS})\s+of(?![\w-]))")
"""'in hours', 'as a percent', 'how many GB of memory' (folded text); the unit word is group 1 or 2."""


def asked_unit(m: re.Match[str]) -> str:
    """The unit a UNIT_ASK match asks for (a `MetricQuery.convert` unit or a metric unit).

    >>> asked_unit(UNIT_ASK.search("memory in gib")), asked_unit(UNIT_ASK.search("how many mb of memory"))
    ('GiB', 'MB')
    """
    return UNIT_WORDS[m.group(1) or m.group(2)]


def unit_not_metric(parsed: Any, metrics: list[str]) -> list[str]:
    """Drop a metric found only by a unit word that a unit phrase asks for, and give the phrase back to the unit step.

    'cost last month in kWh': 'kWh' is asked of cost, not energy as a second metric. Only when another
    metric is asked: 'energy in kWh' or 'how many kWh' alone keep the metric the unit names.
    """
    if len(metrics) < 2:
        return metrics
    text = parsed.text
    for m in UNIT_ASK.finditer(text):
        unit_span = m.span(1) if m.group(1) else m.span(2)
        hits = [h for h in parsed.metric_hits if (h.start, h.end) == unit_span]
        names = {h.target for h in hits}
        if not hits or not names <= set(metrics) or len(set(metrics) - names) == 0:
            continue
        if any(h.target in names and (h.start, h.end) != unit_span for h in parsed.metric_hits):
            continue  # the metric is also named elsewhere ('energy ... in kWh'): keep it
        parsed.metric_hits = [h for h in parsed.metric_hits if h not in hits]
        metrics = [n for n in metrics if n not in names]
        start, end = m.span()
        parsed.rest = parsed.rest[:start] + text[start:end] + parsed.rest[end:]
        parsed.leftover = [w for w in parsed.rest.split() if w]
    return metrics


def unit_twin(catalog: Any, name: str, wanted: str) -> str | None:
    """The metric declared as `name`'s quantity in another unit (`unit_form_of`, either way) measured in `wanted`.

    'accelerator memory used in GiB' is the memory percent's twin in GiB; a percent has no other sibling
    in an amount unit ('utilization in hours' is another quantity).
    """
    metrics = catalog.metrics
    twins = set(getattr(metrics[name], "unit_form_of", None) or []) | {
        n for n, m in metrics.items() if name in (getattr(m, "unit_form_of", None) or [])}
    found = [t for t in sorted(twins) if t in metrics and getattr(metrics[t], "unit", "") == wanted]
    return found[0] if len(found) == 1 else None
