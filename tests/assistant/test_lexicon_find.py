"""The lexicon finds whole phrases, longest first, never inside a word or a hyphenated word."""

from __future__ import annotations

from assistant.planner.lexicon import Lexicon


def _lexicon() -> Lexicon:
    return Lexicon(values={"h100": {("accelerator", "H100")}, "h100 sxm": {("accelerator", "H100 SXM")},
                           "atlas": {("team", "atlas")}},
                   metrics={"gpu hour": {"gpu_hours"}, "gpu": {"gpus"}})


def test_the_longest_phrase_at_a_position_wins() -> None:
    hits = _lexicon().find("spend on h100 sxm and h100", "value")
    assert [(h.phrase, h.value, h.start) for h in hits] == [("h100 sxm", "H100 SXM", 9), ("h100", "H100", 22)]


def test_no_phrase_inside_a_word_or_a_hyphenated_word() -> None:
    lex = _lexicon()
    assert lex.find("atlases atlas-2 x-atlas h100x", "value") == []
    assert [h.phrase for h in lex.find("(atlas), atlas.", "value")] == ["atlas", "atlas"]


def test_a_longer_phrase_that_ends_inside_a_word_gives_way_to_a_shorter_whole_one() -> None:
    hits = _lexicon().find("gpu hourly and gpu hour", "metric")
    assert [(h.phrase, h.start) for h in hits] == [("gpu", 0), ("gpu hour", 15)]
    assert _lexicon().match_at("gpu hours", 0, "metric") == 3 and _lexicon().match_at("a gpu hour", 1, "metric") is None
