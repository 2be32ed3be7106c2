"""English Snowball stems, one stemmer per thread.

A Snowball stemmer keeps state while it works, so threads that share one (the Slack app answers
several questions at once) can corrupt each other's stems; each thread gets its own here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

_LOCAL = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """Snowball's English stem of one lower-case word.

    >>> [stem(w) for w in ("acknowledged", "approval", "fixing", "leaking")]
    ['acknowledg', 'approv', 'fix', 'leak']
    """
    return str(_stemmer().stemWord(word))


def stems(words: Iterable[str]) -> list[str]:
    """The stem of each word, in order."""
    return [stem(w) for w in words]
