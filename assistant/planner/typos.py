"""Typo correction: an unknown word within a small edit distance of exactly one known word is read as it.

Known words are the catalog's vocabulary (metric, dimension and value phrases, word by word) plus
the filler and time words the planner understands. The distance is Damerau's optimal string
alignment (a swap of two letters counts once: 'atals' -> 'atlas'), computed by rapidfuzz. A word
is corrected only when one candidate is strictly closer than every other; two equally close
candidates leave it to a clarifying question, so a near miss never silently becomes another entity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.planner.lexicon import Lexicon, singular


def max_distance(word: str) -> int:
    """Edits allowed for a word: none below 4 letters, 1 up to 5 letters, 2 from 6.

    >>> [max_distance(w) for w in ("gpu", "cost", "atals", "clsuter")]
    [0, 1, 1, 2]
    """
    return 0 if len(word) < 4 else 1 if len(word) < 6 else 2


def vocabulary(lex: Lexicon, filler: Iterable[str] = ()) -> Vocabulary:
    """The words the planner can place, built once per lexicon: the catalog's and the filler."""
    cache = lex.__dict__.setdefault("_typo_vocab", {})
    key = frozenset(filler)
    if key not in cache:
        display: dict[str, str] = {}
        for phrases in lex.raw.values():
            for phrase in phrases:
                for w in phrase.split():
                    display.setdefault(singular(w), w)
        words: set[str] = set()
        for index in (lex.metrics, lex.dimensions, lex.values):
            for phrase in index:
                words.update(w for w in phrase.split() if w.isalpha() and len(w) >= 3)
        cache[key] = Vocabulary(sorted(words), sorted(key - words), display)
    return cache[key]


@dataclass(frozen=True)
class Vocabulary:
    """Catalog words (folded), filler words, and how each catalog word is written in the catalog."""

    catalog: list[str]
    filler: list[str]
    display: dict[str, str] = field(default_factory=dict)


def _closest(word: str, words: list[str], limit: int) -> tuple[int, list[str]]:
    found = process.extract(word, words, scorer=OSA.distance, score_cutoff=limit, limit=3)
    if not found:
        return limit + 1, []
    best = found[0][1]
    return best, [w for w, d, _ in found if d == best]


def correction(word: str, vocab: Vocabulary) -> str | None:
    """The one known word `word` is a typo of, else None (unknown, exact, or two equally close).

    A catalog word wins a tie with a filler word ('taem' is 'team', not 'them').

    >>> v = Vocabulary(["cluster", "cost", "team", "mean"], ["them"])
    >>> correction("clsuter", v), correction("taem", v), correction("tean", v)
    ('cluster', 'team', None)
    """
    limit = max_distance(word)
    if limit == 0 or not word.isalpha():
        return None
    d_cat, cat = _closest(word, vocab.catalog, limit)
    d_fill, fill = _closest(word, vocab.filler, limit)
    if min(d_cat, d_fill) == 0:
        return None
    if d_fill < d_cat:
        cat, d_cat = fill, d_fill
    if len(cat) != 1:
        return None
    if d_cat == 2 and cat[0][0] != word[0]:
        return None  # two edits and a different first letter is a different word, not a typo
    return cat[0]


def correct_words(unknown: list[str], vocab: Vocabulary) -> dict[str, str]:
    """Unknown word -> its correction, for the words that have exactly one clear candidate."""
    out: dict[str, str] = {}
    for word in unknown:
        fixed = correction(word, vocab)
        if fixed is not None:
            out[word] = fixed
    return out


def close_ties(word: str, vocab: Vocabulary) -> list[str]:
    """Catalog words equally close to `word` when there are several (the options of a clarifying question)."""
    limit = max_distance(word)
    if limit == 0 or not word.isalpha():
        return []
    dist, cands = _closest(word, vocab.catalog, limit)
    return [vocab.display.get(c, c) for c in cands] if 0 < dist <= limit and len(cands) > 1 else []


def phrase_corrections(words: list[str], phrases: Iterable[str], unknown: set[str]) -> dict[str, str]:
    """Short words inside a multi-word name: 'us est aws' is 'us east aws'.

    A word under four letters is too short to correct alone (max_distance), but inside a name whose
    other words all match it is: one edit away, in exactly one known name of the longest length that
    fits, and not a word the planner already placed. Two equally close names correct nothing.
    Returns unknown word -> correction.

    >>> names = ["us east aws", "us east", "us west"]
    >>> phrase_corrections("idle hours on us est aws".split(), names, {"est"})
    {'est': 'east'}
    >>> phrase_corrections("spend on us est".split(), names, {"est"})
    {}
    """
    by_len: dict[int, list[list[str]]] = {}
    for phrase in phrases:
        toks = phrase.split()
        if len(toks) >= 2:
            by_len.setdefault(len(toks), []).append(toks)
    decided: dict[str, str | None] = {}
    for n in sorted(by_len, reverse=True):
        found: dict[str, set[str]] = {}
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            for toks in by_len[n]:
                diff = [j for j in range(n) if window[j] != toks[j]]
                if len(diff) != 1:
                    continue
                word, right = window[diff[0]], toks[diff[0]]
                if word in unknown and word not in decided and word.isalpha() and len(word) >= 3 and OSA.distance(word, right) == 1:
                    found.setdefault(word, set()).add(right)
        for word, cands in found.items():
            decided[word] = next(iter(cands)) if len(cands) == 1 else None
    return {w: c for w, c in decided.items() if c is not None}
