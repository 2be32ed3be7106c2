"""Questions about a world that did not happen: 'what would it cost to add 16 GPUs', 'if we bought 8 more H100s'.

The catalog measures what happened. A conditional ('would', 'what if', 'suppose') around a change to
the fleet or its work ('add', 'more', 'buy', 'move') asks for a what-if; answering the same metric
for the past would answer another question with full confidence. The what-ifs pace can model are
its tools (tools/specs.py), which `assistant.intents` routes to before the planner runs; anything
else reaching the planner gets an abstention that names them.
"""

from __future__ import annotations

import re

from assistant.planner.plan import PlannerPlan

_CONDITIONAL = re.compile(r"\b(would|what if|what happens if|suppose|supposing|imagine|hypothetically|were we to|if we|if i|if they)\b")
_POLITE = re.compile(r"\bwould (you|u|it be possible|(?:i |we )?(?:like|love|prefer)|be (?:great|nice|helpful|good))\b|\b(i|we)'?d like\b")
_CHANGE = re.compile(
    r"\b(add|added|adding|buy|bought|buying|purchase|purchased|lease|rent|more|extra|additional|another|fewer|less|"
    r"remove|removed|retire|retired|decommission\w*|double|doubled|halve|halved|triple|cut|"
    r"move|moved|moving|migrate\w*|shift\w*|switch\w*|replace\w*|swap\w*|upgrade\w*|downgrade\w*|expand\w*|grow|scale|scaled)\b")


def hypothetical_change(text: str) -> str | None:
    """The words of a what-if about a change ('would ... add'), else None.

    >>> hypothetical_change("what would it cost to add 16 gpus"), hypothetical_change("how much did we add last week")
    ('would ... add', None)
    >>> hypothetical_change("what would our spend be last week") is None, hypothetical_change("would you show more detail") is None
    (True, True)
    """
    cond = _CONDITIONAL.search(_POLITE.sub(" ", text))
    if cond is None:
        return None
    change = _CHANGE.search(text)
    if change is None:
        return None
    return f"{cond.group(0)} ... {change.group(0)}"


def what_if_abstain(words: str) -> PlannerPlan:
    """Say the metric catalog measures what happened, and which what-ifs pace can model."""
    return PlannerPlan(kind="abstain", confidence=0.0, message=(
        f"That asks what would happen after a change ('{words}'), and the metric catalog only measures what did happen, "
        "so I won't answer it with past figures. What-ifs I can model: the value of a utilization gain "
        "('what is a 10-point utilization gain worth?'), where a workload would run best and at what cost "
        "('where should we fine-tune a 7B model?'), and whether demand will outgrow capacity "
        "('forecast H100 demand for the next 8 weeks')."),
        suggestions=["what is a 10-point utilization gain worth?", "forecast H100 demand for the next 8 weeks"])


__all__ = ["hypothetical_change", "what_if_abstain"]
