"""The offline planner's vocabulary: catalog names, synonyms and data values as matchable phrases.

Built once per catalog. Matching is on normalized text (lower case, punctuation to spaces, simple
plurals folded), exact phrase first and rapidfuzz only for single words of five letters or more, so
that a near-miss never silently becomes a different entity.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from assistant.planner.value_aliases import aliases_for
from assistant.planner.value_forms import domain_values

_PUNCT = re.compile(r"[^\w\s%$.-]|(?<!\d)\.(?!\d)|_")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, accents stripped, punctuation to spaces, single spaces.

    >>> normalize("  What's the COST, per-team?? ")
    'what s the cost per-team'
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


_PLURAL_US = frozenset({"gpus", "tpus", "cpus", "npus", "ipus", "xpus"})


def singular(word: str) -> str:
    """Fold a simple English plural ('H100s' -> 'h100', 'clusters' -> 'cluster', 'classes' kept).

    >>> [singular(w) for w in ["h100s", "teams", "gpus", "ss", "bus", "hours"]]
    ['h100', 'team', 'gpu', 'ss', 'bus', 'hour']
    """
    head, sep, last = word.rpartition("-")
    if last in _PLURAL_US or (len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is"))):
        return f"{head}{sep}{last[:-1]}"
    return word


_WORD_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")
_WORDISH = re.compile(r"[\w-]")  # a phrase never starts or ends inside a word or a hyphenated word


def fold(text: str) -> str:
    """Normalized text, hyphens between letters as spaces, every word singular (both sides of a match).

    >>> fold("Accelerator-hours on us-east-aws since 2026-10-01")
    'accelerator hour on us east aws since 2026-10-01'
    """
    return " ".join(singular(w) for w in _WORD_HYPHEN.sub(" ", normalize(text)).split())


def words(text: str) -> list[str]:
    """The words `fold` sees, before folding plurals (one for one with `fold(text).split()`).

    >>> words("Which teams-per-cluster?")
    ['which', 'teams', 'per', 'cluster']
    """
    return _WORD_HYPHEN.sub(" ", normalize(text)).split()


@dataclass(frozen=True)
class Hit:
    """A phrase found in the question: what it refers to and where."""

    target: str
    kind: str
    start: int
    end: int
    phrase: str
    exact: bool = True
    value: Any = None
    parts: tuple[tuple[int, int], ...] = ()
    """For a scattered match ('idle accelerator hours' for 'idle hours'): the spans actually matched."""

    def spans(self) -> tuple[tuple[int, int], ...]:
        return self.parts or ((self.start, self.end),)

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class Lexicon:
    """Phrase -> targets for metrics, dimensions and dimension values (built from a catalog)."""

    metrics: dict[str, set[str]] = field(default_factory=dict)
    dimensions: dict[str, set[str]] = field(default_factory=dict)
    values: dict[str, set[tuple[str, Any]]] = field(default_factory=dict)
    raw: dict[str, dict[str, str]] = field(default_factory=dict)
    """kind -> unfolded lower-case phrase -> display text, for typo suggestions."""

    @classmethod
    def from_catalog(cls, catalog: Any, aliases: dict[str, str] | None = None) -> Lexicon:
        lex = cls(raw={"metric": {}, "dimension": {}, "value": {}})
        for phrase, name in (aliases or {}).items():
            if name in catalog.metrics:
                lex._add(lex.metrics, phrase, name)
        for name, metric in catalog.metrics.items():
            for phrase in [name, getattr(metric, "label", ""), *getattr(metric, "synonyms", [])]:
                lex._add(lex.metrics, phrase, name)
                lex.raw["metric"][normalize(phrase)] = name
        for name, dim in catalog.dimensions.items():
            for phrase in [name, getattr(dim, "label", ""), *getattr(dim, "synonyms", [])]:
                lex._add(lex.dimensions, phrase, name)
                lex.raw["dimension"][normalize(phrase)] = name
            if getattr(dim, "kind", "categorical") != "categorical":
                continue
            for value in domain_values(name, dim):  # the data's values, and a documented domain's others (Slurm states)
                if isinstance(value, bool) or not isinstance(value, str):
                    continue
                for phrase in _value_variants(value) | {fold(a) for a in aliases_for(value)}:
                    lex.values.setdefault(phrase, set()).add((name, value))
                lex.raw["value"][normalize(value)] = value
        return lex

    @staticmethod
    def _add(index: dict[str, set[str]], phrase: str, target: str) -> None:
        key = fold(phrase)
        if key:
            index.setdefault(key, set()).add(target)

    def find(self, text: str, kind: str) -> list[Hit]:
        """Every phrase of `kind` in folded `text` (leftmost, longest first), non-overlapping."""
        index = self._index(kind)
        hits: list[Hit] = []
        pos = 0
        while pos < len(text):
            end = self.match_at(text, pos, kind)
            if end is None:
                pos += 1
                continue
            phrase = text[pos:end]
            for target in sorted(index[phrase], key=str):
                if kind == "value":
                    dim, value = target
                    hits.append(Hit(dim, kind, pos, end, phrase, value=value))
                else:
                    hits.append(Hit(target, kind, pos, end, phrase))
            pos = end
        return _non_overlapping(hits)

    def match_at(self, text: str, pos: int, kind: str) -> int | None:
        """The end of the longest phrase of `kind` starting at `pos` as a whole word, or None.

        Dictionary probes by the phrases' lengths, longest first: the same answer as one regex alternation
        of every phrase (longest first, not inside a word or a hyphenated word), without compiling an
        alternation of a warehouse's thousands of values in every process (85 ms on the demo).
        """
        if pos > 0 and _WORDISH.match(text, pos - 1):
            return None
        index = self._index(kind)
        for length in self._lengths(kind):
            end = pos + length
            if end <= len(text) and text[pos:end] in index and not _WORDISH.match(text, end):
                return end
        return None

    def _index(self, kind: str) -> dict[str, set[Any]]:
        return {"metric": self.metrics, "dimension": self.dimensions, "value": self.values}[kind]

    def scattered(self, text: str, gap_ok: frozenset[str], max_gap: int = 2, skip: frozenset[str] = frozenset()) -> list[Hit]:
        """Metric phrases whose words appear in order with up to `max_gap` filler words between them.

        'idle accelerator hours' finds 'idle hours'; 'requests are pending' finds 'requests pending'.
        Only filler (`gap_ok`) or single-word data values may sit in the gaps; values are not consumed
        (only the phrase's own words are), so 'idle H100 hours' still filters on H100. Phrases with a
        word in `skip` (verbs such as 'used') are not matched scattered.
        """
        words = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        gap_ok = gap_ok | {v for v in self.values if " " not in v}
        hits: list[Hit] = []
        for phrase, targets in self.metrics.items():
            toks = phrase.split()
            if len(toks) < 2 or any(t in skip for t in toks):
                continue
            for i, (w, _, _) in enumerate(words):
                if w != toks[0]:
                    continue
                parts, j, ok = [(words[i][1], words[i][2])], i + 1, True
                for tok in toks[1:]:
                    gap = 0
                    while j < len(words) and words[j][0] != tok and words[j][0] in gap_ok and gap < max_gap:
                        j, gap = j + 1, gap + 1
                    if j >= len(words) or words[j][0] != tok:
                        ok = False
                        break
                    parts.append((words[j][1], words[j][2]))
                    j += 1
                if ok and parts[-1][1] - parts[0][0] > len(phrase):
                    for target in sorted(targets):
                        hits.append(Hit(target, "metric", parts[0][0], parts[-1][1], phrase, parts=tuple(parts)))
        return hits

    def _lengths(self, kind: str) -> list[int]:
        """The distinct phrase lengths of `kind`, longest first (computed once)."""
        cache = self.__dict__.setdefault("_length_cache", {})
        if kind not in cache:
            cache[kind] = sorted({len(p) for p in self._index(kind)}, reverse=True)
        return cache[kind]

    def fuzzy(self, word: str, kind: str, cutoff: float = 80.0) -> list[str]:
        """Names close to one unknown (unfolded) word: typos like 'clsuter', 'atals'; 4+ letters only."""
        if len(word) < 4:
            return []
        index = self.raw.get(kind, {})
        found = process.extract(word.lower(), list(index), scorer=fuzz.ratio, score_cutoff=cutoff, limit=3)
        close = [p for p, _, _ in found if abs(len(p) - len(word)) <= 1]  # 'nvda' is not 'nvidia'
        return list(dict.fromkeys(str(index[phrase]) for phrase in close))


def _value_variants(value: str) -> set[str]:
    """'us-east-aws' -> {'us-east-aws', 'us east aws'}; 'TPU v5e' -> {'tpu v5e', 'tpu-v5e'}."""
    base = fold(value)
    out = {base, fold(value.replace("-", " "))}
    parts = value.lower().split("-")
    if len(parts) >= 3:  # 'us-west-onprem' also answers to 'us-west'
        out.add(fold("-".join(parts[:2])))
    return {v for v in out if v and len(v) >= 2}


def _non_overlapping(hits: list[Hit]) -> list[Hit]:
    """Keep the longest hits; equal spans with different targets are all kept (ambiguity)."""
    hits.sort(key=lambda h: (-h.length, h.start))
    kept: list[Hit] = []
    for h in hits:
        clash = [k for k in kept if k.start < h.end and h.start < k.end]
        if not clash or all(k.start == h.start and k.end == h.end for k in clash):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span blanked out (same length, so other offsets stay valid)."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)
