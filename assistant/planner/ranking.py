"""Ranking words that must rank something: 'which day had the highest spend', 'biggest spenders', 'sort ascending'.

A superlative ('highest', 'most', 'worst', 'top') or a sort word orders a list. Where the question
names a list (a grouping), the planner orders it; where it names time buckets ('which day'), the
buckets are ranked; where it names nothing to rank, dropping the word would answer another question
(a fleet total for 'biggest spenders'), so the planner asks what to rank instead.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.planner.change_ranking import CHANGE_VERBS, change_rank
from assistant.planner.plan import PlannerPlan
from semantic_layer.query import GroupBy, MetricQuery, OrderBy

# 'which day', 'the busiest week', 'what hour': the time bucket a ranking asks for, and its grain.
_TIME_BUCKET = re.compile(r"\b(?:which|what|the|top|best|worst|busiest|costliest|peak)\s+(?:(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten)\s+)?"
                          r"(?:\w+\s+)?(hour|day|date|week|month|quarter)s?\b")
_NUMBER = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_GRAIN = {"hour": "hour", "day": "day", "date": "day", "week": "week", "month": "month", "quarter": "quarter"}
# 'at least 100 jobs', 'at most 5%': a bound on values, not a ranking.
_BOUND = re.compile(r"\bat\s+(least|most)\b")
_VALUE_BOUND = re.compile(
    r"\b(at least|at most|no more than|no less than|more than|fewer than|less than|greater than|higher than|lower than|"
    r"over|above|under|below|exceeding|exceed|exceeds|upwards of|north of|south of)\s+(\$\s*)?(\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(k|m|%|percent|pct)?")
_OFFER = ("team", "cluster", "accelerator_type", "project", "endpoint", "model", "org")


def is_value_bound(text: str) -> bool:
    """'teams with at least 100 jobs' bounds values; it ranks nothing.

    >>> is_value_bound("teams with at least 100 failed jobs"), is_value_bound("which team used the least")
    (True, False)
    """
    return bool(_BOUND.search(text))


def value_bound(text: str, threshold: float | None) -> str | None:
    """The words of a bound on a metric's values ('more than 100', 'over $10k'), else None.

    A percent threshold the planner already gave to a metric parameter ('idle hours under 5%') is no
    such bound.

    >>> value_bound("teams with more than 100 failed jobs", None), value_bound("idle hours under 5%", 5.0)
    ('more than 100', None)
    >>> value_bound("teams that spent more than $20 000 last month", None)  # '20,000' as fold() leaves it
    'more than $20 000'
    """
    for m in _VALUE_BOUND.finditer(text):
        if threshold is not None and m.group(4) in ("%", "percent", "pct") and float(re.sub(r"[, ]", "", m.group(3))) == threshold:
            continue
        return m.group(0).strip()
    return None


def bound_abstain(bound: str, metric_label: str) -> PlannerPlan:
    """Say that a bound on values is not a filter pace applies, instead of answering without it."""
    return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"{metric_label} by team last week"], message=(
        f"'{bound}' bounds the values of {metric_label.lower()}, and I don't filter groups by a metric's value, so I "
        f"won't answer without it. I can list {metric_label.lower()} for every team or cluster, ranked, so you can "
        f"read off the ones past {re.sub(r'^(?:[a-z]+ )+', '', bound)}."))


def time_bucket_grain(text: str) -> str | None:
    """The grain of the time bucket a ranking names ('which day had the most jobs' -> 'day'), else None.

    >>> time_bucket_grain("which day had the highest spend"), time_bucket_grain("top 3 weeks by cost"), time_bucket_grain("cost by team")
    ('day', 'week', None)
    """
    m = _TIME_BUCKET.search(text)
    return _GRAIN[m.group(2)] if m else None


def time_bucket_count(text: str) -> int | None:
    """How many time buckets a ranking asks for ('the 4 weeks with the most jobs' -> 4), else None.

    >>> time_bucket_count("the 4 weeks with the most jobs"), time_bucket_count("which day had the most jobs")
    (4, None)
    """
    m = _TIME_BUCKET.search(text)
    if m is None or m.group(1) is None:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else _NUMBER[m.group(1)]


def rank_time_buckets(query: MetricQuery, rank: tuple[bool, int | None], grain: str, which: bool, plural: bool) -> MetricQuery:
    """The query's time series ranked by its first metric: 'which day' one winner, 'top 3 days' three."""
    desc, n = rank
    time_dim = next((g.dimension for g in query.group_by if g.grain), "time")
    group = [GroupBy(dimension=time_dim, grain=grain)] + [g for g in query.group_by if g.grain is None]  # type: ignore[arg-type]
    limit = n or (1 if which and not plural else 5)
    return query.model_copy(update={"group_by": group, "order_by": [OrderBy(field=query.metrics[0], descending=desc)], "limit": limit})


def nothing_to_rank(word: str, metric_label: str, reachable: set[str] | None, catalog: Any) -> PlannerPlan:
    """Ask what a ranking word ranks, offering the groupings the metric has and its days.

    The options are appended to the question when picked ('... by team'), so each is a grouping phrase.
    """
    dims = [d for d in _OFFER if d in catalog.dimensions and (reachable is None or d in reachable)][:4]
    options = [f"by {getattr(catalog.dimensions[d], 'label', d).lower()}" for d in dims] + ["by day"]
    return PlannerPlan(kind="clarify", options=options, message=(
        f"'{word}' ranks a list, but the question names nothing to rank {metric_label.lower()} over; "
        f"which list did you mean?"))




# 'the top team on each cluster', 'for every cluster, the busiest team': a ranking inside each group.
_WITHIN_EACH = re.compile(r"\b(?:on|in|for|within|of|at|per|across)\s+(?:each|every)\b|\b(?:each|every|per)\s+[a-z_-]+\s*,|^\s*(?:for\s+)?(?:each|every)\b")


def rank_within_groups(query: MetricQuery, catalog: Any) -> PlannerPlan:
    """A top-N inside each group is no single query's order: a top-N over all pairs would answer
    another question, so the planner says so and offers the full list by both groupings.

    >>> bool(_WITHIN_EACH.search("top team on each cluster by gpu hours")), bool(_WITHIN_EACH.search("top 5 teams by cost"))
    (True, False)
    """
    dims = [g.dimension for g in query.group_by if g.grain is None]
    label = getattr(catalog.metrics.get(query.metrics[0]), "label", query.metrics[0])
    names = [getattr(catalog.dimensions.get(d), "label", d).lower() for d in dims[:2]]
    ask = f"{label} by {names[0]} and {names[1]}" if len(names) == 2 else f"{label} by {names[0]}"
    return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[ask + " last week"], message=(
        f"That asks for a ranking inside each group ({' and '.join(names)}), and one query ranks only the whole list, so "
        f"the top rows overall would not be the top of each group. I can list {ask.lower()}, ordered, to read each one off."))


def apply_rank(query: MetricQuery, parsed: Any, catalog: Any, reachable: set[str] | None, question: str = "") -> MetricQuery | PlannerPlan:
    """Make a ranking word rank something, or ask what it ranks; never drop it.

    A grouped query is already ordered by the planner; a query over time buckets ('which day') is
    ranked by its metric; a query with nothing to rank gets a clarifying question.
    """
    if parsed.rank is not None and len(parsed.group_dims) >= 2 and _WITHIN_EACH.search(parsed.text):
        return rank_within_groups(query, catalog)
    changed = change_rank(query, parsed, catalog)  # 'which teams' spend grew the most': ranked by the change
    if changed is not None:
        return changed
    if parsed.rank is None or any(g.grain is None for g in query.group_by) or is_value_bound(parsed.text):
        return query
    words = parsed.text.split()
    which = any(w in words for w in ("which", "what", "when"))
    grain = time_bucket_grain(parsed.text) or next((g.grain for g in query.group_by if g.grain), None)
    metric = catalog.metrics.get(query.metrics[0])
    desc, n = parsed.rank
    if parsed.rank_word in ("best", "worst"):  # the worst day for queue wait is the longest one
        desc = (parsed.rank_word == "best") == bool(getattr(metric, "higher_is_better", True))
    if grain is not None:
        plural = bool(re.search(r"\b(hours|days|dates|weeks|months|quarters)\b", question.lower()))  # 'worst days': a list
        return rank_time_buckets(query, (desc, n or time_bucket_count(parsed.text)), grain, which or not plural, plural)
    label = getattr(metric, "label", query.metrics[0])
    who = who_ranks(query, (desc, n), parsed.text, question, reachable, catalog)
    if isinstance(who, MetricQuery):  # 'whose spend grew the most': the teams, ranked by the change
        return change_rank(who, parsed, catalog) or who
    return who or nothing_to_rank(parsed.rank_word or "top", label, reachable, catalog)


# 'who used the most', 'the biggest spender': a ranking of the people who use the fleet. In FOCUS and Slurm
# terms that is the owning team (the cost allocation unit) or the user who submitted a job.
_WHO = re.compile(r"\b(?:who|whose|whom|spenders?|consumers?|burners?)\b")
_WHO_PLURAL = re.compile(r"\b(?:spenders|consumers|burners|who\s+(?:are|were)|whom?\s+all)\b")
PEOPLE = ("team", "user")
"""The dimensions a 'who' can mean, the owning team first."""


def who_ranks(query: MetricQuery, rank: tuple[bool, int | None], text: str, question: str, reachable: set[str] | None,
              catalog: Any) -> MetricQuery | PlannerPlan | None:
    """'Who used the most GPU hours' ranks teams where the metric has teams and no users; where it has both
    (jobs carry the submitting user), the planner asks which; with neither, None (the caller asks what to rank).

    >>> bool(_WHO.search("who s burning the most")), bool(_WHO.search("biggest spender last month")), bool(_WHO.search("top teams"))
    (True, True, False)
    """
    if not (_WHO.search(text) or _WHO.search(question.lower())):  # a typo fix may have read 'spender' as 'spend'
        return None
    people = [d for d in PEOPLE if d in catalog.dimensions and (reachable is None or d in reachable)]
    if not people:
        return None
    if len(people) > 1:
        labels = [getattr(catalog.dimensions[d], "label", d).lower() for d in people]
        return PlannerPlan(kind="clarify", options=[f"by {x}" for x in labels], message=(
            f"'Who' can mean the {labels[0]} or the {labels[1]} here (both are recorded for "
            f"{getattr(catalog.metrics.get(query.metrics[0]), 'label', query.metrics[0]).lower()}); which did you mean?"))
    desc, n = rank
    limit = n or (5 if _WHO_PLURAL.search(question.lower()) else 1)
    return query.model_copy(update={"group_by": [GroupBy(dimension=people[0]), *query.group_by],
                                    "order_by": [OrderBy(field=query.metrics[0], descending=desc)], "limit": limit})



# A superlative adjective carries both the ranking and the measure: 'the most expensive cluster' is the
# cluster with the highest cost (plain English, and FinOps' cost as the measure of expense).
_SUPERLATIVES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:most expensive|costliest|priciest|most costly|dearest)\b", re.I), "highest cost"),
    (re.compile(r"\b(?:least expensive|cheapest|least costly)\b", re.I), "lowest cost"),
    (re.compile(r"\b(?:more expensive|costlier|pricier)\b", re.I), "higher cost"),
)


# 'by cost per busy hour', 'in terms of latency': the measure a superlative ranks by is named after it.
_RANKED_BY = re.compile(r"\b(?:by|in terms of|measured by|ranked by)\s+\w", re.I)
# Superlatives that only order: how busy, slow or long is read from the measure the question names.
# Slow, fast, long and short order durations; without a duration measure they stay unplaced.
_DURATION = re.compile(r"\b(?:wait\w*|queue\w*|latenc\w*|durations?|run\s?times?|runtimes?|elapsed|resolve|resolution|"
                       r"acknowledge\w*|approvals?|lead\s+times?|mttr|mtta|time\s+to)\b", re.I)
_ORDER_ONLY: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    (re.compile(r"\b(?:slowest|longest)\b", re.I), "highest", True),
    (re.compile(r"\b(?:fastest|quickest|shortest)\b", re.I), "lowest", True),
    (re.compile(r"\bbusiest\b(?!\s+(?:hour|day|date|week|month|quarter)s?\b)", re.I), "highest", False),
)
UNPLACED_RANKS = frozenset("busiest slowest fastest quickest longest shortest quietest heaviest lightest second third fourth fifth "
                           "2nd 3rd 4th 5th runner-up".split())
"""Words that order a list: left unplaced they change the answer, so the planner abstains rather than ignore them."""


# 'the biggest spender', 'top 3 spenders', 'heaviest consumers': people ranked by what they spend or use.
_SPENDER = re.compile(r"\b(top|biggest|largest|heaviest|highest|greatest|smallest|lowest|lightest)\s+"
                      r"((?:\d{1,3}|two|three|four|five|six|seven|eight|nine|ten)\s+)?(spender|consumer)(s)?\b", re.I)


def _spender(m: re.Match[str]) -> str:
    """'top 3 spenders' -> 'top 3 spend by whom all', 'biggest spender' -> 'biggest spend by whom'; a consumer ranks usage."""
    noun = "spend" if m.group(3).lower() == "spender" else "usage"
    return f"{m.group(1)} {m.group(2) or ''}{noun} by whom{' all' if m.group(4) else ''}"


def superlatives_as_measure(question: str) -> str:
    """'the five most expensive clusters' -> 'the five highest cost clusters' (ranking word + measure).

    Where the question names what it ranks by ('cheapest type by cost per busy hour'), the superlative
    only orders: the measure after 'by' is ranked, never plain cost in its place. 'Slowest', 'longest',
    'fastest' order a duration the question names; 'busiest' orders the measure named after 'by'.

    >>> superlatives_as_measure("what are the five most expensive clusters"), superlatives_as_measure("cheapest team last week")
    ('what are the five highest cost clusters', 'lowest cost team last week')
    >>> superlatives_as_measure("cheapest accelerator type by cost per busy hour")
    'lowest accelerator type by cost per busy hour'
    >>> superlatives_as_measure("which cluster has the slowest median queue wait"), superlatives_as_measure("the fastest team")
    ('which cluster has the highest median queue wait', 'the fastest team')
    """
    question = _SPENDER.sub(_spender, question)  # 'the biggest spender': the highest spend, by whom (who_ranks)
    for pattern, plain in _SUPERLATIVES:
        question = pattern.sub(lambda m: plain.split()[0] if _RANKED_BY.search(question, m.end()) else plain, question)
    for pattern, plain, needs_duration in _ORDER_ONLY:
        m = pattern.search(question)
        if m is None:
            continue
        if (_DURATION.search(question) if needs_duration else _RANKED_BY.search(question, m.end())):
            question = pattern.sub(plain, question)
    return question


_ORDINAL = re.compile(r"\b(second|third|fourth|fifth|2nd|3rd|4th|5th)[- ](highest|largest|biggest|most|greatest|top|"
                      r"lowest|smallest|least|fewest|bottom)\b", re.I)
_ORDINAL_N = {"second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5}


def ordinal_as_top(question: str) -> tuple[str, str] | None:
    """'the second highest spend' -> the top 2 (the last row answers), and the note that says so; else None.

    A query has no offset, so the answer lists the ones above too rather than dropping 'second'.

    >>> ordinal_as_top("which team had the second highest spend last month")
    ('which team had the top 2 spend last month', 'The second highest is the last of the 2 rows shown.')
    >>> ordinal_as_top("the 3rd least busy cluster")[0], ordinal_as_top("spend by team")
    ('the bottom 3 busy cluster', None)
    """
    m = _ORDINAL.search(question)
    if m is None:
        return None
    n = _ORDINAL_N[m.group(1).lower()]
    low = m.group(2).lower() in ("lowest", "smallest", "least", "fewest", "bottom")
    return (question[: m.start()] + f"{'bottom' if low else 'top'} {n}" + question[m.end():],
            f"The {m.group(1).lower()} {m.group(2).lower()} is the last of the {n} rows shown.")


COMPARATIVES = frozenset("more less fewer better worse greater higher lower bigger smaller larger cheaper costlier faster slower busier".split())
"""'did atlas spend more than orion?': a comparative asks which side is larger, which an answer showing both sides answers."""


CHANGE_WORDS = frozenset(("change changed changes changing drop dropped drops fall fell falls rise rose rises risen grow grew grows "
                          "growth increase increased increases decrease decreased decreases jump jumped climb climbed decline "
                          "declined shift shifted move moved went gone improve improved worsen worsened differ difference delta "
                          "trend trending saw see sees seen experience experienced").split()) | CHANGE_VERBS  # 'which teams saw spend rise'
"""'Did utilization drop last week vs the week before?': a change is read off an answer that shows both sides."""
_PERCENT_CHANGE = frozenset("percent percentage pct % relative relatively term terms proportionally".split())
"""'By what percent did spend change?': the comparison with the previous period states the change in percent."""


_VS_NOW = re.compile(r"\b(?:vs\.?|versus|compared? (?:to|with)|against|than)\s+(?:right\s+)?(now|currently|at present|the present)\b")


def side_left_open(text: str, query: MetricQuery, other_period: Any) -> list[str]:
    """'spend a month ago vs now': a side named by 'now' that the answer does not show, as words to place.

    >>> side_left_open("spend a month ago vs now", MetricQuery(metrics=["m"]), None)
    ['now']
    """
    m = _VS_NOW.search(text)
    return [m.group(1)] if m and not shows_both_sides(query, other_period) else []


def shows_both_sides(query: MetricQuery, other_period: Any) -> bool:
    """The answer sets two or more sides next to each other: values of one dimension, or two periods."""
    return (any(f.operator == "in" and len(f.values) > 1 for f in query.filters) or query.compare_to_previous
            or (other_period is not None and any(g.grain for g in query.group_by)))


def placed_comparatives(unknown: list[str], query: MetricQuery, other_period: Any) -> list[str]:
    """`unknown` without the comparatives that an answer with both sides already answers.

    A comparative with only one side ('spend more last month') stays unplaced: the planner won't guess
    what it is compared with. Words of change ('did it drop') are placed the same way, and 'by what
    percent' where the answer is set against the previous period (which states the change in percent).
    """
    if not shows_both_sides(query, other_period):
        return unknown
    placed = COMPARATIVES | CHANGE_WORDS | (_PERCENT_CHANGE if query.compare_to_previous else frozenset())
    return [w for w in unknown if w not in placed]



_ELIDED = re.compile(r"\b([a-z][\w-]*)\s+(vs\.?|versus|and|or|against|compared to|compared with)\s+([a-z][\w-]*)\s+([a-z][\w-]*)\b", re.I)


def expand_elided(question: str, metric_phrases: Any, fold_fn: Any) -> str:
    """'billed vs effective cost' -> 'billed cost vs effective cost': a modifier that shares the other side's head noun.

    Only where the modifier with that head is itself a metric phrase of the catalog (and the modifier
    alone is not), so no side is invented.

    >>> expand_elided("billed vs effective cost last month", {"billed cost", "effective cost", "cost"}, str.lower)
    'billed cost vs effective cost last month'
    """
    def repl(m: re.Match[str]) -> str:
        first, sep, mod, head = m.groups()
        if fold_fn(f"{mod} {head}") in metric_phrases and fold_fn(f"{first} {head}") in metric_phrases and fold_fn(first) not in metric_phrases:
            return f"{first} {head} {sep} {mod} {head}"
        return m.group(0)

    return _ELIDED.sub(repl, question)


__all__ = ["COMPARATIVES", "UNPLACED_RANKS", "side_left_open", "ordinal_as_top", "expand_elided", "superlatives_as_measure", "apply_rank", "bound_abstain", "placed_comparatives", "shows_both_sides", "value_bound", "is_value_bound", "nothing_to_rank", "rank_time_buckets", "time_bucket_grain"]
