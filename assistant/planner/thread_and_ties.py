"""The offline planner with the two readings it cannot make from one question alone.

- 'How many?' after a list is the number of the listed rows (`followup.count_of_list`), read before
  the question is planned as a new one.
- A ranking with no measure ('which team is the biggest') is a tie between the measures the word can
  mean (`senses.unnamed_measure`): where the planner would abstain, it asks instead. Only an
  abstention is looked at again, and a follow-up that keeps the thread's metric while a word it could
  not place ('which cluster was the busiest?' after spend) names other measures asks the same way.
"""

from __future__ import annotations

from assistant.planner.followup import count_of_list
from assistant.planner.offline import VALUE_PRIORITY, PlannerInputs, _reach, plan_offline
from assistant.planner.parse import parse
from assistant.planner.plan import PlannerPlan
from assistant.planner.senses import unnamed_measure, unplaced_measure_word
from assistant.planner.words import STOPWORDS


def plan_in_thread(question: str, inp: PlannerInputs) -> PlannerPlan:
    """`plan_offline`, with a count of the previous list and a clarify for a measure-less ranking."""
    text = question[:2000]
    if inp.previous is not None and (counted := count_of_list(text, inp.previous, inp.catalog, inp.lexicon.dimensions)):
        return counted
    planned = plan_offline(question, inp)
    if inp.previous is not None and planned.kind == "query" and planned.query is not None and any(n.startswith("Follow-up:") for n in planned.notes):
        parsed = parse(text, inp.lexicon, inp.today, VALUE_PRIORITY)
        if not parsed.metric_hits and unplaced_measure_word(parsed, planned.query.metrics[0]) is not None:
            # 'which cluster was the busiest?' after spend: the word names other measures than the thread's
            return unnamed_measure(parsed, inp.catalog, lambda m: _reach(m, inp), STOPWORDS) or planned
        return planned
    if planned.kind != "abstain" or inp.previous is not None:
        return planned
    tie = unnamed_measure(parse(text, inp.lexicon, inp.today, VALUE_PRIORITY), inp.catalog, lambda m: _reach(m, inp), STOPWORDS)
    return tie or planned


__all__ = ["plan_in_thread"]
