"""A grouping word that names several dimensions is read as the one the asked metric has.

'Spend by service': 'service' is a serving endpoint and a FOCUS ServiceName. Cost lines carry a
ServiceName; only the pool-split cost metric reaches endpoints. Taking whichever name sorts first
answered a FinOps question with endpoints. The rule: of the dimensions a phrase names, keep those every
asked metric can be split by; one left is the reading; several left are a real tie, so ask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.planner.parse import Parsed
from assistant.planner.plan import PlannerPlan


def pick_senses(parsed: Parsed, metrics: list[str], reach: Callable[[str], set[str] | None],
                phrases: dict[str, set[str]]) -> PlannerPlan | None:
    """Rewrite `parsed.group_dims` to the sense every metric reaches; a clarify plan when two senses tie.

    A phrase none of whose senses the metrics reach is left as parsed (a split metric may still answer it,
    or the planner says which splits exist). `phrases` is the lexicon's phrase -> dimensions index, for
    options that name one dimension each.
    """
    for phrase, named in parsed.senses.items():
        if named[0] not in parsed.group_dims:
            continue
        fits = [d for d in named if all((r := reach(m)) is None or d in r for m in metrics)]
        if len(fits) == 1:
            parsed.group_dims[parsed.group_dims.index(named[0])] = fits[0]
        elif len(fits) > 1:
            return PlannerPlan(kind="clarify", replaces=phrase, options=[_own_phrase(d, phrases) for d in fits],
                               message=f"'{phrase}' names several breakdowns; which did you mean?")
    return None


def _own_phrase(dim: str, phrases: dict[str, set[str]]) -> str:
    """The shortest phrase that names `dim` alone (so the reply is not ambiguous again)."""
    own = sorted((p for p, targets in phrases.items() if targets == {dim}), key=lambda p: (len(p.split()), len(p)))
    return own[0] if own else dim.replace("_", " ")


# A ranking or comparison over a dimension that names no measure: 'which team is the biggest', 'rank the
# clusters', 'who used the most'. Several measures fit and none is said, so the readings tie: ask, offering the
# measures that word means in general English (size: what is spent, held and run; best/worst: the service
# and job health measures; busy: how hard the fleet works), never pick one.
_SIZE = ("effective_cost_usd", "allocated_hours", "jobs_ran")
_USE = ("allocated_hours", "busy_hours", "utilization_pct")
_HEALTH = ("utilization_pct", "job_failure_rate_pct", "latency_p95_ms", "inference_error_rate_pct")
_LOAD = ("utilization_pct", "sm_activity_pct", "allocated_hours")
_RANK_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("biggest", "largest", "heaviest", "most", "top", "highest", "rank", "ranking", "ranked", "compare",
                     "comparison", "leader", "leading", "bottom", "smallest", "least", "lowest", "fewest"), _SIZE),
    **dict.fromkeys(("use", "used", "using", "user", "usage", "consumer", "consumed"), _USE),
    **dict.fromkeys(("best", "worst", "healthiest", "unhealthiest", "strongest", "weakest"), _HEALTH),
    **dict.fromkeys(("busiest", "quietest", "hardest", "idlest"), _LOAD),
}
_LOWEST = frozenset({"smallest", "least", "lowest", "fewest", "quietest", "idlest", "weakest", "unhealthiest", "bottom"})
_TIME_DIMS = frozenset({"time", "day", "date", "week", "month", "hour"})


def unnamed_measure(parsed: Parsed, catalog: Any, reach: Callable[[str], set[str] | None],
                    stopwords: frozenset[str]) -> PlannerPlan | None:
    """A clarify plan listing the measures a measure-less ranking over a dimension could mean, else None.

    Only when nothing else is left unplaced: any other content word means the question is about something
    pace could not read, and then an abstention says so.
    """
    if parsed.metric_hits:
        return None
    words = parsed.text.split()
    dims = [d for d in dict.fromkeys([*parsed.group_dims, *parsed.mentioned_dims]) if d not in _TIME_DIMS]
    if not dims and "who" in words and "team" in catalog.dimensions:
        dims = ["team"]  # 'who used the most': the owning team
    ranking = [w for w in words if w in _RANK_WORDS]
    content = [w for w in parsed.leftover if w not in stopwords and w not in _RANK_WORDS]
    if not dims or not ranking or content:
        return None
    word = next((w for w in ranking if _RANK_WORDS[w] is not _SIZE), ranking[0])
    fits = [m for m in _RANK_WORDS[word] if m in catalog.metrics and all((r := reach(m)) is None or d in r for d in dims[:1])]
    if len(fits) < 2:
        return None
    options = [f"{getattr(catalog.metrics[m], 'label', m)} ({m})" for m in fits]
    replaces = None
    superlative = next((w for w in ranking if w in parsed.leftover and w.endswith("est")), None)
    if parsed.rank is None and superlative:  # 'heaviest', 'busiest': the reply takes the word's place, as a ranking
        direction = "lowest" if superlative in _LOWEST else "highest"
        options, replaces = [f"{direction} {o}" for o in options], superlative
    what = dims[0].replace("_", " ")
    return PlannerPlan(kind="clarify", options=options, replaces=replaces, message=(
        f"'{superlative or word}' ranks each {what} by some measure, and the question names none; which did you mean?"))


def unplaced_measure_word(parsed: Parsed, metric: str) -> str | None:
    """A superlative or use word left unplaced whose measures do not include `metric`, else None.

    'which cluster was the busiest?' after a spend answer: busiest is about load, so keeping the thread's
    spend and dropping the word would answer another question. After a utilization answer it is that
    measure ranked, and nothing is dropped.
    """
    for word in parsed.leftover:
        family = _RANK_WORDS.get(word)
        if family is not None and family is not _SIZE and metric not in family:
            return word
    return None
