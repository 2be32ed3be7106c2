"""A question that reads both as a tool request and as a catalog metric asks which was meant.

'Find me some cost savings': the savings tool hunts for money to save; the catalog also has a metric
named savings (what commitments saved against list prices). Either answer would be given with full
confidence and one of them is not what was asked, so when the words that made the tool reading are
the name of a metric, the answer is a clarifying question listing both (answerable by a number).
A spec's strong cue ('savings opportunities', 'anomalies') names the tool itself and is never a tie, nor is
a request only a tool answers ('draft a write-up for the XID outage': 'outage' also names incidents, but
nobody drafts a count); a tie needs a frame any question has ('where', 'any', 'how can').
"""

from __future__ import annotations

import re

from assistant.planner.lexicon import Lexicon, fold
from assistant.planner.plan import PlannerPlan
from assistant.planner.words import STOPWORDS
from assistant.tool_words import read, tokens
from tools.specs import SPECS, by_command

_TOOL_OPTION = re.compile(r"\(the ([\w-]+) tool\)\s*$")


def tool_option(spec_name: str) -> str:
    """The option text that stands for a tool ('Where money can be saved ... (the savings tool)')."""
    spec = SPECS[spec_name]
    return f"{spec.purpose} (the {spec.cli_name} tool)"


def chosen_tool(option: str) -> str | None:
    """The tool an option picked from a tie stands for, else None.

    >>> chosen_tool("Anomalies: spikes, idle capacity, failing jobs (the scan tool)"), chosen_tool("Savings vs list (savings_usd)")
    ('scan', None)
    """
    m = _TOOL_OPTION.search(option)
    spec = by_command(m.group(1)) if m else None
    return spec.name if spec is not None else None


def tie_possible(question: str, tool: str) -> bool:
    """Whether `tool` was read from its spec's words rather than named by a strong cue (only then can it tie).

    >>> tie_possible("find me some cost savings", "savings"), tie_possible("any savings opportunities?", "savings")
    (True, False)
    """
    spec = SPECS.get(tool)
    return spec is not None and not re.search(spec.cues, question, re.IGNORECASE) and read(question, spec).score > 0


def metric_tie(question: str, tool: str, lexicon: Lexicon, labels: dict[str, str]) -> PlannerPlan | None:
    """A clarify plan when `tool` was read from words that also name a metric, else None.

    `labels` maps metric names to their labels (the options say what each metric is).
    """
    if not tie_possible(question, tool):
        return None
    spec = SPECS[tool]
    reading = read(question, spec)
    if any(w not in STOPWORDS for phrase, _, _ in reading.asks for w in fold(phrase).split()):
        return None  # 'draft', 'put together', 'help me with' ask for the tool's work: no metric question asks that way
    for hit in lexicon.find(fold(question), "metric"):
        named = {s for s, _, _ in tokens(hit.phrase)}
        for phrase, start, end in reading.subject:
            if {s for s, _, _ in tokens(phrase)} <= named:
                options = [tool_option(tool), f"{labels.get(hit.target, hit.target)} ({hit.target})"]
                word = question[start:end]
                return PlannerPlan(kind="clarify", replaces=word, options=options, message=(
                    f"'{word}' reads two ways here: the {spec.cli_name} tool ({spec.purpose[0].lower()}{spec.purpose[1:]}) "
                    f"or the metric {options[1]}. Which did you mean?"))
    return None


__all__ = ["chosen_tool", "metric_tie", "tie_possible", "tool_option"]
