"""A tool reading from the words of each tool's own spec (`tools/specs.py`: `keywords` and `asks`).

A question asks for a tool when it names the tool's subject ('leaking', 'red flag', 'runway') inside a
request for what the tool gives ('where are we', 'anything', 'will we'): a subject alone ('how many
incidents were NCCL timeouts') is a metric question, and a request frame alone says nothing. Words
are compared as Snowball stems, so 'leaking', 'leaks' and 'leaked' are one word and the vocabulary
stays the spec's short list rather than every inflection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.stems import stems as stem_words
from tools.specs import ToolSpec

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) for every word of `text`, lower-cased; hyphens and apostrophes split words.

    >>> [t[0] for t in tokens("Where are we leaking money?")]
    ['where', 'are', 'we', 'leak', 'money']
    """
    found = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]
    return [(s, a, b) for s, (_, a, b) in zip(stem_words(w for w, _, _ in found), found, strict=True)]


@lru_cache(maxsize=2048)
def _phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(s for s, _, _ in tokens(phrase))


def find_phrases(toks: list[tuple[str, int, int]], phrases: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """The phrases found in `toks` as (phrase, start, end) character spans, longest first, not overlapping."""
    stems = [t[0] for t in toks]
    hits: list[tuple[str, int, int]] = []
    for phrase in sorted(phrases, key=lambda p: -len(_phrase_stems(p))):
        want = _phrase_stems(phrase)
        n = len(want)
        for i in range(len(stems) - n + 1):
            if n and tuple(stems[i : i + n]) == want:
                span = (toks[i][1], toks[i + n - 1][2])
                if not any(a < span[1] and span[0] < b for _, a, b in hits):
                    hits.append((phrase, *span))
    return hits


def _overlap(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[1] < b[2] and b[1] < a[2]


@dataclass(frozen=True)
class Reading:
    """How strongly a spec's own words read the question as a request for the tool."""

    tool: str
    score: float
    """0 without a request frame or without a subject word; else 1 + the subject words found (at most 2)."""
    subject: tuple[tuple[str, int, int], ...] = ()
    """The subject phrases found, with their spans in the question (a metric may read the same words)."""
    asks: tuple[tuple[str, int, int], ...] = ()
    """The request frames found ('where', 'draft'), with their spans."""


def read(question: str, spec: ToolSpec) -> Reading:
    """The spec's reading of `question`.

    >>> from tools.specs import SPECS
    >>> read("where are we leaking money", SPECS["savings"]).score, read("idle cost wasted last week", SPECS["savings"]).score
    (2.0, 0.0)
    """
    if not spec.keywords or not spec.asks:
        return Reading(spec.name, 0.0)
    toks = tokens(question)
    asks, subject = find_phrases(toks, spec.asks), find_phrases(toks, spec.keywords)
    # where an ask and a subject overlap, the longer phrase is what was said: 'best place' is a request ('place'
    # inside it no subject), 'red flag' a subject ('flag' inside it no request)
    asks_kept = [a for a in asks if not any(_overlap(a, s) and s[2] - s[1] > a[2] - a[1] for s in subject)]
    subject = [s for s in subject if not any(_overlap(a, s) and a[2] - a[1] >= s[2] - s[1] for a in asks)]
    if not subject or not asks_kept:
        return Reading(spec.name, 0.0)
    return Reading(spec.name, 1.0 + min(2, len(subject)), tuple(subject), tuple(asks_kept))


__all__ = ["Reading", "find_phrases", "read", "tokens"]
