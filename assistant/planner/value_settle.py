"""A value phrase that several dimensions hold, settled by the metrics the question asks for.

'How many jobs were cancelled': 'cancelled' is a job state and a request status, and only the job
state can filter a job count, so the filter is the job state. Its own module because it reads the
parser's negation rule, and the parser's lexicon reads planner.value_forms.
"""

from __future__ import annotations

from typing import Any

from assistant.planner.parse import _NEGATION
from assistant.planner.value_forms import settle_by_reach


def settle_ambiguous(parsed: Any, reach: Any) -> None:
    """Turn each ambiguous value phrase that the named metrics settle (`settle_by_reach`) into its filter, in place.

    'How many jobs were cancelled': 'cancelled' is a job state and a request status, and only the job
    state can filter a job count, so it is the job state. Phrases the metrics do not settle stay
    ambiguous, and the planner asks.
    """
    metrics = list(dict.fromkeys(h.target for h in parsed.metric_hits))
    left = []
    for hits in parsed.ambiguous_values:
        chosen = settle_by_reach(hits, metrics, reach)
        if chosen is None:
            left.append(hits)
            continue
        op = "!=" if _NEGATION.search(parsed.text[: chosen.start][-40:]) else "="
        prev = parsed.filters.get(chosen.target)
        if prev and prev[0] == op:
            prev[1].append(chosen.value)
        else:
            parsed.filters[chosen.target] = (op, [chosen.value])
    parsed.ambiguous_values = left
