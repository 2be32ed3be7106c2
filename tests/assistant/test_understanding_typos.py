"""Typos: one clear candidate within the edit budget is corrected and said; a tie asks; no candidate abstains."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.planner.lexicon import Lexicon
from assistant.planner.offline import PlannerInputs, plan_offline
from tests.assistant.fakes import fake_catalog

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def inputs() -> PlannerInputs:
    cat = fake_catalog()
    cat.dimensions["team"].values = [*cat.dimensions["team"].values, "vena", "vela"]  # two values one edit from 'veha'
    return PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=AS_OF)


@pytest.mark.parametrize(
    ("question", "typo", "fixed"),
    [("busy hours by clsuter last week", "clsuter", "cluster"),       # a swapped pair: one edit
     ("effecive cost by team last week", "effecive", "effective"),    # a dropped letter in a metric word
     ("busy hours for hleix last week", "hleix", "helix"),            # a value
     ("busy hours by taem last week", "taem", "team")],               # a catalog word beats the filler word 'them'
)
def test_one_clear_candidate_is_corrected_and_the_answer_says_so(inputs: PlannerInputs, question: str, typo: str, fixed: str) -> None:
    inputs.previous = None
    p = plan_offline(question, inputs)
    assert p.kind == "query", p
    assert any(f"'{typo}' as '{fixed}'" in n for n in p.notes), p.notes
    assert not any("Ignored words" in n for n in p.notes)


def test_the_corrected_word_means_what_the_right_spelling_means(inputs: PlannerInputs) -> None:
    inputs.previous = None
    right = plan_offline("busy hours for helix by cluster last week", inputs).query
    typo = plan_offline("busy hours for hleix by clsuter last week", inputs).query
    assert right == typo


def test_two_equally_close_candidates_ask_instead_of_guessing(inputs: PlannerInputs) -> None:
    inputs.previous = None
    p = plan_offline("busy hours for veha last week", inputs)
    assert p.kind == "clarify" and {"vena", "vela"} <= set(p.options)


@pytest.mark.parametrize("question", ["busy hours for frobnication last week", "busy hours by xq last week"])
def test_a_word_far_from_everything_is_not_corrected(inputs: PlannerInputs, question: str) -> None:
    inputs.previous = None
    p = plan_offline(question, inputs)
    assert not any("typo" in n for n in p.notes)


def test_a_word_the_catalog_uses_in_its_descriptions_is_a_word_not_a_typo() -> None:
    cat = fake_catalog()
    cat.metrics["busy_hours"].description = "Accelerator-hours the scheduler decided were busy."
    cat.metrics["denied"] = type(cat.metrics["busy_hours"])("denied", "Denied", ["denied requests"])
    inp = PlannerInputs(catalog=cat, lexicon=Lexicon.from_catalog(cat), today=AS_OF)
    p = plan_offline("decided busy hours last week", inp)  # 'decided' is two edits from 'denied'
    assert not any("typo" in n for n in p.notes)
