"""Follow-ups as edits of the previous MetricQuery: "and by cluster?", "only H100s", "top 3 instead".

A follow-up changes only what it names; everything else (metrics, filters, period) carries over, so
the conversation never silently drops a filter the user set two questions ago.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from assistant.planner.lexicon import fold, mask
from assistant.planner.plan import PlannerPlan
from assistant.planner.words import PRESENTATION_WORDS, STOPWORDS
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
                period: TimeRange | None, release: set[str] | None = None,
                higher_is_better: Callable[[str], bool] | None = None) -> MetricQuery:
    """`prev` with the parts `parsed` names replaced or added, and the filters on `release` lifted."""
    q = prev.model_copy(deep=True)
    q.filters = [f for f in q.filters if f.dimension not in (release or set())]
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
        if parsed.rank is None:  # 'as a daily series': a series in time order, not the old ranking or its top-N
            q.order_by, q.limit = [], None
    for dim, (op, values) in parsed.filters.items():
        operator = op if len(values) == 1 else ("in" if op == "=" else "not in")
        q.filters = [f for f in q.filters if f.dimension != dim] + [Filter(dimension=dim, operator=operator, values=values)]
        q.group_by = [g for g in q.group_by if g.dimension != dim or operator != "="]  # 'excluding device-lab' keeps the list
    if period is not None:
        q.time_range = period
    if parsed.sort_desc is not None and parsed.rank is None:  # 'sorted ascending': the same list, another order
        q.order_by = [OrderBy(field=q.metrics[0], descending=parsed.sort_desc)]
    if parsed.rank is not None:
        desc, n = parsed.rank
        if parsed.rank_word in ("best", "worst") and higher_is_better is not None:  # the worst queue wait is the longest
            desc = (parsed.rank_word == "best") == higher_is_better(q.metrics[0])
        q.order_by = [OrderBy(field=q.metrics[0], descending=desc)]
        one = bool(re.search(r"\b(which|who)\b", parsed.text)) and not parsed.plural_groups  # 'which was worst?' one winner
        q.limit = n or (1 if one else q.limit or 5)
    if parsed.compare_days is not None:
        q.compare_to_previous = True
    return MetricQuery.model_validate(q.model_dump())


_RELEASE_ALL = re.compile(r"\b(?:for|across|over|on|in|of)?\s*(?:all|any)\s+(?:the\s+)?$")
_DROP_FILTER = re.compile(r"\b(drop|remove|clear|ignore|lose|without|no)\b(?:\s+\w+){0,4}?\s+filters?\b|\bunfiltered\b")


def release_and_regroup(question: str, parsed: Parsed, prev: MetricQuery, dim_phrases: dict[str, list[str]]) -> set[str]:
    """A follow-up that lifts filters ('for all accelerators', 'drop the H100 filter') or names a new list ('now show clusters').

    Returns the dimensions whose filters the thread drops (the values named in a 'drop ... filter'
    phrase are taken out of `parsed.filters`, so they are not set again); a dimension the follow-up
    names without a value, and that the thread does not filter, becomes its grouping (added to
    `parsed.group_dims`). `dim_phrases` maps each dimension to the words that name it.
    """
    release: set[str] = set()
    filtered = {f.dimension for f in prev.filters}
    spans: list[tuple[int, int]] = []
    if (drop := _DROP_FILTER.search(parsed.text)) is not None:
        spans.append(drop.span())
        for dim in list(parsed.filters):
            if dim in filtered:
                release.add(dim)
                del parsed.filters[dim]
        release |= {d for d in parsed.mentioned_dims if d in filtered}
    for dim in parsed.mentioned_dims:
        if dim not in filtered or dim in parsed.filters:
            continue
        for phrase in dim_phrases.get(dim, []):
            m = re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", parsed.text)
            if m and (a := _RELEASE_ALL.search(parsed.text[: m.start()])) is not None:
                release.add(dim)
                spans.append(a.span())
    if is_strong_followup(question) and not parsed.group_dims and not parsed.filters:
        parsed.group_dims.extend(d for d in dict.fromkeys(parsed.mentioned_dims) if d not in filtered and d not in release)
    if release:  # 'drop the ... filter', 'all': understood, not left over
        parsed.rest = mask(parsed.rest, spans)
        parsed.leftover = [w for w in parsed.rest.split() if w]
    return release


def presentation_only(parsed: Parsed) -> bool:
    """'show that as a chart', 'as a table please': how to show the thread's answer, nothing to change in it."""
    said = [w for w in parsed.leftover if w not in STOPWORDS or w in PRESENTATION_WORDS]
    return bool(said) and all(w in PRESENTATION_WORDS for w in said) and not parsed.metric_hits and not parsed.has_edit_parts


def carry_period_label(plan: PlannerPlan, last_period: dict[str, Any] | None) -> PlannerPlan:
    """A follow-up that keeps the thread's period keeps its label too: 'and by cluster?' after 'last week' is last week.

    Only a plan without a label of its own, whose period is exactly the previous answer's, takes it;
    a changed period ('the week before') has its own label or none, never the old one.

    >>> from semantic_layer.query import MetricQuery
    >>> q = MetricQuery(metrics=["cost"], time_range={"start": "2026-11-16", "end": "2026-11-23"})
    >>> last = {"start": "2026-11-16", "end": "2026-11-23", "label": "last week"}
    >>> carry_period_label(PlannerPlan(kind="query", query=q), last).period_label
    'last week'
    >>> carry_period_label(PlannerPlan(kind="query", query=q), {**last, "start": "2026-11-09"}).period_label is None
    True
    """
    if plan.kind not in ("query", "sql") or plan.query is None or plan.query.time_range is None or plan.period_label:
        return plan
    if not last_period or not last_period.get("label"):
        return plan
    try:
        start, end = datetime.fromisoformat(str(last_period["start"])), datetime.fromisoformat(str(last_period["end"]))
    except (KeyError, ValueError):
        return plan
    tr = plan.query.time_range
    if (tr.start.replace(tzinfo=None), tr.end.replace(tzinfo=None)) != (start, end):
        return plan
    return plan.model_copy(update={"period_label": str(last_period["label"])})


_COUNT_ASK = re.compile(r"^\s*(?:(?:and|so|ok|okay|then|but)\s+)?(?:how many|count(?: them| those| these| that| it)?|"
                        r"what(?: s| is) the (?:count|number|total count)|number of)\b")
_COUNT_FILLER = frozenset("is that are there were they them those these it this in the list listed total altogether all of "
                          "in total overall item row entry one a that s do we have we got you showed shown".split())


def asks_count_of_list(text: str, list_words: set[str]) -> bool:
    """'how many?', 'how many is that', 'how many teams is that': the number of rows just listed.

    `text` is folded; `list_words` are the words that name the listed dimension ('team'). Any other
    word ('how many jobs failed?') is a new question, not a count of the list.

    >>> asks_count_of_list("how many", {"team"}), asks_count_of_list("so how many team is that", {"team"})
    (True, True)
    >>> asks_count_of_list("how many job failed", {"team"}), asks_count_of_list("which team", {"team"})
    (False, False)
    """
    m = _COUNT_ASK.match(text)
    if m is None:
        return False
    rest = [w for w in text[m.end():].split() if w not in _COUNT_FILLER and w not in list_words]
    return not rest


def count_of_list(question: str, prev: MetricQuery, catalog: Any, dimension_phrases: dict[str, set[str]]) -> PlannerPlan | None:
    """A plan counting the rows of the previous list (same metric, filters, period, limit), else None.

    The count runs over the previous question's own compiled query, so it is exactly the rows shown
    (a top 5 counts 5, a list of the teams above zero counts those), never a second reading of it.
    `dimension_phrases` is the lexicon's folded phrase -> dimensions index (the words that name the list).
    """
    from sqlglot import exp

    from semantic_layer.compiler import compile_query

    listed = [g.dimension for g in prev.group_by if g.grain is None]
    if not listed or any(g.grain for g in prev.group_by) or prev.compare_to_previous:
        return None
    words = {w for phrase, dims in dimension_phrases.items() if dims & set(listed) for w in phrase.split()}

    if not asks_count_of_list(fold(question), words):
        return None
    compiled = compile_query(catalog, prev)
    alias = f"{'_'.join(listed)}_count"
    sql = exp.select(exp.Count(this=exp.Star()).as_(alias)).from_(compiled.expression.subquery("listed")).sql(dialect="duckdb")
    names = " and ".join(d.replace("_", " ") for d in listed)
    return PlannerPlan(kind="sql", sql=sql, query=prev, confidence=1.0, notes=[
        f"Counted the {names} rows of the previous answer (same metric, filters and period)."])
