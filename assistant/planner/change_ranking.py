"""Rankings by a change: 'which teams' spend grew the most month over month', 'which cluster's jobs fell the most'.

A superlative over a word of change ranks the groups by how much their value moved from the previous
period, not by the value: the query is compared with the previous period (each group's value in both,
the change and the % change) and ordered by the change (semantic_layer.change). In plain English:
'grew', 'rose', 'increased' order the largest increase first; 'fell', 'dropped', 'shrank' the largest
decrease; 'changed', 'moved', 'swung' the largest change either way; 'improved' and 'worsened' follow
the metric's direction (a shorter queue wait is an improvement). 'In percent' or 'relative' ranks
by the % change. 'The least' reverses the order. Both periods are stated in the answer.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.plan import PlannerPlan
from semantic_layer.change import change_name
from semantic_layer.query import MetricQuery, OrderBy

GROW = frozenset("grow grew grown grows growing growth rise rose risen rises rising increase increased increases increasing "
                 "jump jumped jumps climb climbed climbs gain gained gains spike spiked surge surged balloon ballooned up".split())
FALL = frozenset("drop dropped drops dropping fall fell fallen falls falling decrease decreased decreases decreasing decline "
                 "declined declines declining shrink shrank shrunk shrinks dip dipped dips sink sank slump slumped down".split())
EITHER = frozenset("change changed changes changing shift shifted shifts move moved moves swing swung swings".split())
BETTER = frozenset("improve improved improves improving".split())
WORSE = frozenset("worsen worsened worsens worsening deteriorate deteriorated degrade degraded regress regressed".split())
CHANGE_VERBS = GROW | FALL | EITHER | BETTER | WORSE
"""Every word that makes a superlative rank a change; placed once the answer shows both periods."""
NOT_TYPOS = frozenset(w for w in CHANGE_VERBS if len(w) >= 6)
"""Change words never read as typos ('changed' is no 'charged'); short ones stay out, as a known word is also a
typo fix's target ('more' must not become 'move')."""
_RELATIVE = re.compile(r"\b(?:percent|percentage|pct|relative|relatively|proportionally|growth rate|rate of growth)\b|%")
_ENDPOINTS = re.compile(r"\b(?:from|between|since)\b")
_UP_DOWN = frozenset({"up", "down"})  # 'went up the most': a direction only next to a verb of motion
_MOTION = frozenset("go went gone goe going come came".split())


def direction(words: set[str], higher_is_better: bool) -> tuple[bool, bool] | None:
    """(descending, by the size of the change) for the change words in `words`, else None.

    >>> direction({"which", "grew", "the"}, True), direction({"fell"}, True), direction({"changed"}, True)
    ((True, False), (False, False), (True, True))
    >>> direction({"improved"}, False), direction({"went", "up"}, True), direction({"up"}, True)
    ((False, False), (True, False), None)
    """
    said = words & CHANGE_VERBS
    if said & _UP_DOWN and not words & _MOTION:
        said -= _UP_DOWN
    kinds = {k for k, group in (("grow", GROW), ("fall", FALL), ("either", EITHER), ("better", BETTER), ("worse", WORSE)) if said & group}
    if not kinds:
        return None
    if kinds & {"better", "worse"} and not kinds & {"grow", "fall"}:
        kinds = {"grow" if ("better" in kinds) == higher_is_better else "fall"}
    if kinds == {"grow"}:
        return True, False
    if kinds == {"fall"}:
        return False, False
    return True, True  # 'changed', or both ways named ('rose or fell the most'): the size of the change


def change_rank(query: MetricQuery, parsed: Any, catalog: Any) -> MetricQuery | PlannerPlan | None:
    """The ranked query, an abstention where the change cannot be ranked, or None where no change is ranked."""
    if parsed.rank is None or not query.metrics or not any(g.grain is None for g in query.group_by):
        return None
    metric = catalog.metrics.get(query.metrics[0])
    way = direction(set(parsed.text.split()), bool(getattr(metric, "higher_is_better", True)))
    if way is None:
        return None
    if any(g.grain for g in query.group_by) or query.time_range is None or _ENDPOINTS.search(parsed.text):
        # two named periods apart, all time, or 'grew from January to March' (January against March, not the quarter before)
        return cannot_rank_change(query, catalog)
    descending, absolute = way
    if not parsed.rank[0]:  # 'grew the least'
        descending = not descending
    relative = bool(_RELATIVE.search(parsed.text)) and not absolute
    if query.share_of_total and not relative:  # a change in each group's share is no column of the comparison
        return cannot_rank_change(query, catalog)
    field = f"{query.metrics[0]}__change_pct" if relative else change_name(query.metrics[0], absolute)
    limit = parsed.rank[1] or query.limit or 5
    return query.model_copy(update={"compare_to_previous": True, "order_by": [OrderBy(field=field, descending=descending)],
                                    "limit": limit, "share_of_total": False})  # 'in percent' is the % change here, not a share


def change_note(query: MetricQuery, catalog: Any) -> list[str]:
    """The rule a change ranking used, with both periods, so the order is never read as one of values."""
    order = query.order_by[0] if query.order_by else None
    if order is None or not query.compare_to_previous or query.time_range is None or "__change" not in order.field:
        return []
    from semantic_layer.compiler import previous_period

    name = query.metrics[0]
    metric = catalog.metrics.get(name)
    label = getattr(metric, "label", name)
    prev = previous_period(query.time_range)
    unit = " (percentage points)" if getattr(metric, "unit", "") == "%" and order.field.endswith(("__change", "__change_abs")) else ""
    how = ("by the % change" if order.field.endswith("__change_pct") else "by the size of the change" if order.field.endswith("__change_abs")
           else "by the change")
    first = ("largest first" if order.descending else ("smallest first" if order.field.endswith("__change_abs") else "largest decrease first"))
    return [f"Ranked {how}{unit} in {label.lower()} from the period before ({prev.describe()}) to this one "
             f"({query.time_range.describe()}), {first}; "
            "each row shows both periods, the change and the % change. A group with no value in the earlier period has no change and ranks last."]


def cannot_rank_change(query: MetricQuery, catalog: Any) -> PlannerPlan:
    """A change between periods that are not a period and the one before it is not ranked: say so, offer both sides."""
    label = getattr(catalog.metrics.get(query.metrics[0]), "label", query.metrics[0])
    dims = [getattr(catalog.dimensions.get(g.dimension), "label", g.dimension).lower() for g in query.group_by if g.grain is None]
    by = f" by {dims[0]}" if dims else ""
    return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"which{by.replace(' by', '')} grew the most in {label.lower()} last month"],
                       message=(f"That ranks by how much {label.lower()} changed, and I rank a change only between a period and the one "
                                f"just before it (last month against the month before), so I won't rank this one. I can show "
                                f"{label.lower()}{by} for both periods side by side."))


__all__ = ["CHANGE_VERBS", "NOT_TYPOS", "change_note", "change_rank", "direction"]
