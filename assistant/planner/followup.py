"""Follow-ups as edits of the previous MetricQuery: "and by cluster?", "only H100s", "top 3 instead".

A follow-up changes only what it names; everything else (metrics, filters, period) carries over, so
the conversation never silently drops a filter the user set two questions ago.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from semantic_layer.query import Filter, GroupBy, MetricQuery, OrderBy, TimeRange

if TYPE_CHECKING:
    from assistant.planner.parse import Parsed

_CUES = re.compile(
    r"^\s*(and|also|but|what about|how about|only|just|now|same|instead|then|ok|okay|break (it )?down|split|"
    r"exclude|excluding|except|without|filter|limit|top|bottom|make it|show it|as a|per|by)\b|\b(instead|too|as well)\b\W*$",
    re.IGNORECASE,
)
_ADD = re.compile(r"\b(also|too|as well|additionally|plus)\b", re.IGNORECASE)
SHOW_SQL = re.compile(r"^\W*(show|give|print|see|display|what(?:'s| is| was)?)?\s*(me\s+)?(the\s+)?(sql|query|code)\b(\s+(for|behind|of)\s+(that|this|it))?\W*$", re.IGNORECASE)


_STRONG = re.compile(r"^\s*(and|also|but|what about|how about|same|now|then|instead)\b|\binstead\W*$", re.IGNORECASE)


def is_strong_followup(question: str) -> bool:
    """Wording that edits the previous question even when it names a metric ('what about idle hours?').

    >>> is_strong_followup("what about idle hours?"), is_strong_followup("top 5 teams by cost")
    (True, False)
    """
    return bool(_STRONG.search(question.strip()))


def is_followup(question: str) -> bool:
    """True when the wording says it builds on the previous question.

    >>> is_followup("and by cluster?"), is_followup("only H100s"), is_followup("cost by team")
    (True, True, False)
    """
    return bool(_CUES.search(question.strip()))


def apply_edits(prev: MetricQuery, parsed: Parsed, metrics: list[str], time_dims: set[str],
                period: TimeRange | None) -> MetricQuery:
    """`prev` with the parts `parsed` names replaced or added."""
    q = prev.model_copy(deep=True)
    add = bool(_ADD.search(parsed.text))
    if metrics:
        q.metrics = metrics
        q.order_by = [OrderBy(field=metrics[0], descending=o.descending) if o.field in prev.metrics else o for o in q.order_by]
    new_dims = [d for d in parsed.group_dims if d not in time_dims]
    if new_dims:
        kept = [g for g in q.group_by if g.grain is not None or (add and g.dimension not in new_dims)]
        q.group_by = kept + [GroupBy(dimension=d) for d in new_dims]
        if not q.order_by and not any(g.grain for g in q.group_by):
            q.order_by = [OrderBy(field=q.metrics[0], descending=True)]
        if parsed.rank is None:
            q.limit = None  # a new shape ('and by cluster?') is a new list: the old top-N does not carry over
    if parsed.grain is not None or any(d in time_dims for d in parsed.group_dims):
        grain = parsed.grain if parsed.grain not in (None, "auto") else "day"
        time_dim = next((g.dimension for g in q.group_by if g.grain), sorted(time_dims)[0] if time_dims else "time")
        q.group_by = [GroupBy(dimension=time_dim, grain=grain)] + [g for g in q.group_by if g.grain is None]
    for dim, (op, values) in parsed.filters.items():
        operator = op if len(values) == 1 else ("in" if op == "=" else "not in")
        q.filters = [f for f in q.filters if f.dimension != dim] + [Filter(dimension=dim, operator=operator, values=values)]
        q.group_by = [g for g in q.group_by if g.dimension != dim or operator in ("in", "not in")]
    if period is not None:
        q.time_range = period
    if parsed.sort_desc is not None and parsed.rank is None:  # 'sorted ascending': the same list, another order
        q.order_by = [OrderBy(field=q.metrics[0], descending=parsed.sort_desc)]
    if parsed.rank is not None:
        desc, n = parsed.rank
        q.order_by = [OrderBy(field=q.metrics[0], descending=desc)]
        q.limit = n or q.limit or 5
    if parsed.compare_days is not None:
        q.compare_to_previous = True
    return MetricQuery.model_validate(q.model_dump())
