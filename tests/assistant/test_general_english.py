"""General English from WordNet: an everyday word the planner could not place is read as the catalog word it means.

Against the small fake catalog ('spend' is effective cost there), on two as-of dates (the `inputs` fixture).
The rules: a word in the generated file is read as its anchor and the answer says so; inflections and
multi-word lemmas are found; a word WordNet gives two readings of is not read; a catalog word is never
rewritten, even where the file lists it.
"""

from __future__ import annotations

import re

import pytest

from assistant.planner.offline import PlannerInputs
from core.settings import Settings
from assistant.planner.vocabulary import general
from assistant.planner.vocabulary.general import Entry, Table, lemmas, load, readings
from tests.assistant.fakes import ask

HEADER = re.compile(r"^# ambiguous, left out \(reach two concepts\):(.*(?:\n#   .*)*)", re.M)


def _ambiguous() -> list[str]:
    """The words the generated file lists as reaching two concepts (a comment, wrapped over lines)."""
    block = HEADER.search(general.DATA.read_text())
    assert block is not None
    return [w.strip() for w in re.findall(r"([a-z][a-z ]*?) \(", block.group(1).replace("#", " "))]


@pytest.mark.parametrize("said", ["forked out", "splurged", "expended", "forked over", "disbursed"])
def test_an_everyday_spend_word_is_read_as_spend_and_said(inputs: PlannerInputs, said: str) -> None:
    plan = ask(inputs, f"which team {said} the most last month")
    assert plan.kind == "query" and plan.query is not None
    assert plan.query.metrics == ["effective_cost"]
    assert [g.dimension for g in plan.query.group_by] == ["team"]
    assert any(f"Read '{said}' as 'spend'" in n and "WordNet" in n for n in plan.notes)


def test_the_reading_keeps_the_rest_of_the_question(inputs: PlannerInputs) -> None:
    """A filter and a period around the everyday word are placed as usual."""
    plan = ask(inputs, "how much dough did atlas splurge on H100s last week")
    assert plan.kind == "query" and plan.query is not None
    assert plan.query.metrics == ["effective_cost"]
    assert {(f.dimension, tuple(f.values)) for f in plan.query.filters} == {("team", ("atlas",)), ("accelerator_type", ("H100",))}


@pytest.mark.parametrize("word", ["blow", "squander"])
def test_a_word_with_two_readings_is_not_read(inputs: PlannerInputs, word: str) -> None:
    """'blow' is spend (spend.v.02's hyponym waste.v.01) and fail (fail.v.04); 'squander' is spend and waste
    (idle cost in pace): the file leaves both out, so neither is read as either, and no metric is answered for them."""
    assert word in _ambiguous() and word not in load().words
    plan = ask(inputs, f"how much did atlas {word} last week")
    assert plan.kind in ("abstain", "clarify")
    assert f"Read '{word}'" not in " ".join([*plan.notes, plan.message])


def test_ambiguous_and_known_words_never_reach_the_runtime_table() -> None:
    """Left out by the build: words with two readings, the planner's own words, stop words, two-letter words."""
    from assistant.planner.words import KNOWN_WORDS, STOPWORDS

    table = load()
    assert _ambiguous() and all(w not in table.words for w in _ambiguous())
    assert all(len(w) > 2 and w not in STOPWORDS | KNOWN_WORDS for w in table.words)
    assert {e.read_as for e in table.words.values()} & set(table.words) == set()  # a reading never needs another


def test_a_catalog_word_is_never_rewritten(inputs: PlannerInputs, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a table that lists 'usage' (a catalog synonym) cannot make the planner read it another way."""
    table = Table({"usage": Entry("spend", "spend", "made.up.01"), "splurge": Entry("spend", "spend", "splurge.v.01")}, {})
    monkeypatch.setattr(general, "load", lambda path=general.DATA: table)
    plan = ask(inputs, "usage by team last week")
    assert plan.kind in ("query", "clarify")
    assert not any("Read 'usage'" in n for n in plan.notes) and "Read 'usage'" not in plan.message
    plan = ask(inputs, "splurge by team last week")
    assert plan.kind == "query" and plan.query is not None and plan.query.metrics == ["effective_cost"]


def test_a_word_the_planner_placed_is_not_read_even_if_listed() -> None:
    """`readings` only looks at unplaced words: 'turn' placed elsewhere blocks the phrase 'turn down'."""
    table = Table({"turn down": Entry("denied", "deny", "refuse.v.02"), "veto": Entry("denied", "deny", "veto.v.01")}, {})
    q = "how many requests were turned down or vetoed"
    free = ["how", "many", "were", "turned", "down", "or", "vetoed"]
    assert [r.said for r in readings(q, free, frozenset(), table)] == ["turned down", "vetoed"]
    assert [r.said for r in readings(q, [w for w in free if w != "down"], frozenset(), table)] == ["vetoed"]
    assert [r.said for r in readings(q, free, frozenset({"vetoed"}), table)] == ["turned down"]


def test_a_multi_word_lemma_matches_as_a_phrase_inflected_on_its_first_word(inputs: PlannerInputs) -> None:
    for said in ("forks out", "forking out", "forked over"):
        plan = ask(inputs, f"how much did orion {said} last week")
        assert plan.kind == "query" and plan.query is not None and plan.query.metrics == ["effective_cost"], said
        assert any(f"Read '{said}'" in n for n in plan.notes)
    plan = ask(inputs, "how much did the fork team use last week")  # 'fork' alone is no lemma of the file
    assert not any("Read 'fork" in n for n in plan.notes)


@pytest.mark.parametrize(("word", "lemma"), [("splurged", "splurge"), ("dwindling", "dwindle"), ("vetoes", "veto"),
                                             ("miscarried", "miscarry"), ("forking", "fork"), ("squanderers", "squanderer")])
def test_inflections_are_undone_by_wordnet_rules(word: str, lemma: str) -> None:
    assert lemma in lemmas(word, load().forms)


def test_every_reading_is_a_word_the_real_catalog_places(settings: Settings) -> None:
    """The anchors are pace's own words: the catalog's phrases and data values (demo warehouse) or the planner's word lists."""
    from assistant.planner.lexicon import fold
    from assistant.planner.words import KNOWN_WORDS, MONEY_WORDS
    from assistant.semantics import resources_for

    lex = resources_for(settings).lexicon
    placed = {w for index in (lex.metrics, lex.dimensions, lex.values) for phrase in index for w in phrase.split()}
    for word, entry in load().words.items():
        assert fold(entry.read_as) in placed | KNOWN_WORDS | MONEY_WORDS, (word, entry)


def test_a_phrase_may_start_with_filler_but_a_filler_word_alone_is_never_read() -> None:
    """'went wrong' is fail.v.02 although the planner knows 'went' (as filler); 'go' alone stays the planner's."""
    table = Table({"go wrong": Entry("failed", "fail", "fail.v.02"), "go": Entry("failed", "fail", "fail.v.04")}, {"went": "go"})
    known = frozenset({"went", "go", "how", "many", "did", "it"})
    found = readings("how many jobs went wrong", ["how", "many", "went", "wrong"], known, table)
    assert [(r.said, r.read_as) for r in found] == [("went wrong", "failed")]
    assert readings("how did it go", ["how", "did", "it", "go"], known, table) == []
