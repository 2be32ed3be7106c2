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
