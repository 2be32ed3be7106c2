"""A follow-up that keeps the thread's period shows its label like a fresh question does.

Rule: the period a follow-up inherits ('and by cluster?', 'only atlas', 'what about idle hours?')
carries the label the thread gave it ('last week', 'last month'), on any as-of date; a follow-up that
moves the period ('same for the week before') has its own label and never the old one.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable
from typing import Any

import pytest

import assistant.planner.followup as followup

from assistant.planner.followup import carry_period_label
from assistant.planner.offline import PlannerInputs, plan_offline
from assistant.planner.plan import PlannerPlan


def _period(plan: PlannerPlan) -> dict[str, Any]:
    assert plan.query is not None and plan.query.time_range is not None
    tr = plan.query.time_range
    return {"start": tr.start.date().isoformat(), "end": tr.end.date().isoformat(), "label": plan.period_label}


def converse(inputs: PlannerInputs, *turns: str) -> list[PlannerPlan]:
    """Each turn planned with the thread's memory as the graph keeps it (last query, last answer's period)."""
    inputs.previous, last, plans = None, None, []
    for turn in turns:
        plan = carry_period_label(plan_offline(turn, inputs), last)
        assert plan.kind == "query" and plan.query is not None, (turn, plan.kind, plan.message)
        inputs.previous, last = plan.query, _period(plan)
        plans.append(plan)
    return plans


@pytest.mark.parametrize("first,label", [("cost by team last week", "last week"), ("gpu hours by team last month", "last month"),
                                         ("jobs by team yesterday", "yesterday")])
@pytest.mark.parametrize("follow", ["and by cluster?", "only atlas", "what about busy hours?", "top 3 instead"])
def test_an_inherited_period_keeps_its_label(inputs: PlannerInputs, first: str, label: str, follow: str) -> None:
    fresh, edited = converse(inputs, first, follow)
    assert fresh.period_label is not None and fresh.period_label.startswith(label)
    assert edited.query is not None and fresh.query is not None
    assert edited.query.time_range == fresh.query.time_range
    assert edited.period_label == fresh.period_label


def test_a_moved_period_has_its_own_label_and_the_next_edit_keeps_that(inputs: PlannerInputs) -> None:
    first, moved, kept = converse(inputs, "cost by team last week", "same for the week before", "and by cluster?")
    assert moved.query is not None and first.query is not None and moved.query.time_range != first.query.time_range
    assert moved.period_label and moved.period_label != first.period_label
    assert kept.period_label == moved.period_label


def test_a_question_that_names_its_period_is_not_relabelled(inputs: PlannerInputs) -> None:
    _, own = converse(inputs, "cost by team last week", "cost by team last month")
    assert own.period_label is not None and own.period_label.startswith("last month")


def test_through_the_graph_the_answer_says_the_label(ask: Callable[..., Any], thread: str) -> None:
    fresh = ask("effective cost by team last week", thread=thread)
    edited = ask("and by cluster?", thread=thread)
    assert fresh.status == edited.status == "answered"
    assert edited.period is not None and edited.period.label == "last week"
    assert "(last week)" in edited.text


def test_doctests() -> None:
    assert doctest.testmod(followup).failed == 0
