"""Everyday English for what pace measures, read from `general_english.yaml` (built from WordNet).

Used only for words the planner could not place: a word the catalog or the planner's own word lists
know is never touched, and a word WordNet gives two readings of is not in the file (the build leaves
it out), so it still leads to a clarifying question or an abstention. A found word is rewritten to
the word pace reads it as ('forked out' -> 'spend', 'rebuffed' -> 'denied') and the answer says so.
Inflections are undone with WordNet's own detachment rules (morphy: -s, -es, -ies, -ed, -ing, a
doubled final consonant) plus the irregular forms the build copied from WordNet's exception lists.
Multi-word lemmas ('turn down', 'call off') match as phrases, inflected on their first word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.planner.lexicon import singular, words
from assistant.planner.plan import PlannerPlan

DATA = Path(__file__).with_name("general_english.yaml")


@dataclass(frozen=True)
class Entry:
    """One everyday word: what the planner reads it as, and the WordNet sense it came from."""

    read_as: str
    concept: str
    synset: str


@dataclass(frozen=True)
class Table:
    """The generated map: lemma (folded, phrases space-separated) -> entry; irregular form -> lemma."""

    words: dict[str, Entry]
    forms: dict[str, str]

    @property
    def longest(self) -> int:
        return max((len(w.split()) for w in self.words), default=1)


@lru_cache(maxsize=4)
def load(path: Path = DATA) -> Table:
    """The table in `path`, read once."""
    data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # libyaml: ~10x faster
    entries = {w: Entry(**e) for w, e in (data.get("words") or {}).items()}
    return Table(entries, dict(data.get("forms") or {}))


def lemmas(word: str, forms: dict[str, str]) -> list[str]:
    """Dictionary forms `word` may be an inflection of, most literal first (WordNet's morphy rules).

    >>> lemmas("splurged", {})[:3]
    ['splurged', 'splurg', 'splurge']
    >>> "dwindle" in lemmas("dwindling", {}), "scrub" in lemmas("scrubbed", {}), lemmas("misspent", {"misspent": "misspend"})[1]
    (True, True, 'misspend')
    """
    out = [singular(word)]
    for suffix, ends in (("ies", ("y",)), ("es", ("e", "")), ("s", ("",)), ("ied", ("y",)), ("ed", ("", "e")), ("ing", ("", "e"))):
        if word.endswith(suffix):
            for end in ends:
                stem = word[: -len(suffix)] + end
                out.append(stem)
                if not end and len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "aeiousl":
                    out.append(stem[:-1])  # 'scrubbed' -> 'scrub'; 'shelled' keeps its 'll'
    irregular = [forms[word]] if word in forms else []  # 'went' -> 'go' (WordNet's verb.exc), short as it is
    return list(dict.fromkeys([word, *irregular, *(w for w in out if len(w) > 2)]))


@dataclass(frozen=True)
class Reading:
    """One rewrite: the words as asked, the word read instead, and the sense that justifies it."""

    said: str
    read_as: str
    synset: str

    def note(self) -> str:
        return f"Read '{self.said[:40]}' as '{self.read_as}' (everyday English; WordNet sense {self.synset})."


def readings(question: str, unplaced: Iterable[str], known: frozenset[str], table: Table | None = None) -> list[Reading]:
    """Everyday words in `question` that the planner left unplaced (`unplaced`, folded) and does not know.

    A single word must be unplaced and unknown; a phrase's words need only be unplaced ('*went* wrong', 'turned
    *down*': the planner knows 'went' and 'down' as filler, not what the phrase means).
    """
    table = table or load()
    free = set(unplaced)
    said = words(question[:2000])
    folded = [singular(w) for w in said]
    found: list[Reading] = []
    i = 0
    while i < len(said):
        hit = None
        if folded[i] in free:
            for n in range(min(table.longest, len(said) - i), 0, -1):
                rest = folded[i + 1:i + n]
                if any(w not in free for w in rest) or (n == 1 and (folded[i] in known or said[i] in known)):
                    continue
                for lemma in lemmas(said[i], table.forms):
                    entry = table.words.get(" ".join([lemma, *rest]))
                    if entry is not None and entry.read_as not in said[i:i + n]:
                        hit = (n, Reading(" ".join(said[i:i + n]), entry.read_as, entry.synset))
                        break
                if hit:
                    break
        if hit:
            found.append(hit[1])
            i += hit[0]
        else:
            i += 1
    return found


def rewrite(question: str, found: list[Reading]) -> str:
    """`question` with each reading's words replaced by the word pace reads them as."""
    for r in found:
        pattern = r"(?<![\w-])" + r"[\W_]+".join(re.escape(w) for w in r.said.split()) + r"(?![\w-])"
        question = re.sub(pattern, r.read_as, question, flags=re.IGNORECASE)
    return question


def plain_words(question: str, unplaced: Iterable[str], known: frozenset[str]) -> tuple[str, list[str]] | None:
    """The question with its everyday words read as pace's, and the notes that say so; None if none was found.

    >>> plain_words("which team forked out the most", ["which", "forked", "out", "the", "most"], frozenset({"most"}))
    ('which team spend the most', ["Read 'forked out' as 'spend' (everyday English; WordNet sense hand_over.v.01)."])
    """
    found = readings(question, unplaced, known)
    if not found:
        return None
    return rewrite(question, found), [r.note() for r in found]


def with_reading(plan: PlannerPlan, notes: list[str]) -> PlannerPlan:
    """`plan` stating the readings: as notes of an answer, or before the question of a clarification or abstention."""
    if plan.kind in ("query", "sql"):
        return plan.model_copy(update={"notes": [*notes, *plan.notes]})
    return plan.model_copy(update={"message": " ".join([*notes, plan.message])})


__all__ = ["Entry", "Reading", "Table", "lemmas", "load", "plain_words", "readings", "rewrite", "with_reading"]
