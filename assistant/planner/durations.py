"""Durations of events, in anyone's words: 'how long do approvals take', 'p90 time to ack a page'.

A duration question has three parts: a duration phrasing ('how long', 'time to', 'turnaround', 'lead
time', 'take', 'wait', 'last'), an event the catalog declares (`events:` in definitions/durations.yaml,
with the words that name it: approve, acknowledge, resolve, queue, run) and a statistic (mean,
median, p90, max). The metric is the one declared to time that event (`duration: {event: ...}`) whose
measure has that statistic; the question is rewritten with the metric's name in place of the words
that named it, and the rest of the planner reads filters, groups and periods as usual.

A statistic no metric of the event has is never answered with another: the planner says which exist
and asks, nearest first. No statistic named: the metric marked `plain` (MTTA and MTTR are means by
definition; the catalog's approval lead time and queue wait are medians), and the answer says so.
'Typical', 'usually' read as the median, the middle case that a few very long ones do not move (the
convention of SRE practice for latencies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.planner.lexicon import fold, words
from core.stems import stem
from assistant.planner.plan import PlannerPlan
from assistant.planner.typos import max_distance
from assistant.planner.words import KNOWN_WORDS, STOPWORDS

# statistic phrases (folded) -> aggregation; 'pNN' and 'NNth percentile' are read by _PCT
_STATS: dict[tuple[str, ...], str] = {
    ("mean",): "avg", ("average",): "avg", ("avg",): "avg", ("on", "average"): "avg",
    ("median",): "p50", ("p50",): "p50", ("typical",): "p50", ("typically",): "p50", ("usually",): "p50",
    ("usual",): "p50", ("normally",): "p50",
    ("max",): "max", ("maximum",): "max", ("worst", "case"): "max", ("longest",): "max",
    ("slowest",): "max", ("min",): "min", ("minimum",): "min", ("best", "case"): "min", ("shortest",): "min", ("fastest",): "min",
    ("quickest",): "min",
}
_PCT = re.compile(r"^(?:p(\d{1,2})|(\d{1,2})(?:st|nd|rd|th))$")
_SUPERLATIVES = frozenset({"longest", "shortest", "slowest", "fastest", "quickest"})
"""Statistics only where nothing is ranked: 'which team waits longest' ranks teams by a duration."""
_RANKS = frozenset("which who whose rank ranked ranking top bottom each every per by across most least".split())
NAMES: dict[str, str] = {"avg": "mean", "p50": "median", "max": "maximum", "min": "minimum"}
_WORDS_FOR: dict[str, str] = {"avg": "mean", "p50": "median", "max": "max", "min": "min"}

_HOW = (("how", "long"), ("how", "much", "time"), ("how", "quickly"), ("how", "fast"), ("how", "soon"), ("how", "slow"),
        ("how", "slowly"))
_WAITS = frozenset("wait waited waiting pending sit sat sitting stay stayed open queue queued".split())
"""Waiting words: a duration beside 'how long' or a statistic ('median wait'), not alone ('jobs waiting')."""
_TAKES = frozenset("take took taken taking turnaround duration last lasted lasting".split()) | _WAITS
"""Verbs and nouns of a duration that name no event: 'how long does a request take' is the thing's own event."""
_DURATION = frozenset("take took taken taking turnaround duration latency delay lag".split())
_TIME_AFTER = frozenset("to for it taken spent until till before in".split())
_UNITS = {"second": "seconds", "minute": "minutes", "hour": "hours", "day": "days", "week": "weeks"}
_FILLER = frozenset("""do doe does did is are was were be been being it its to for a an the get got gets getting
                    take took taken taking takes sit sat sitting spend spent in of before until till they them our we us
                    usually typically on average have has had that this their from time how long much someone somebody anyone anybody
                    people folk on call oncall responder first""".split())
_JOINS = frozenset("and vs versus or plus".split())
_END_TO_END = re.compile(r"\b(turnaround|turn around|end to end|from submi\w*|submit to \w+|start to finish|all told)\b")
_SWAPPED = frozenset("".join(sorted(w)) for w in _FILLER if len(w) >= 3)
"""Filler with two letters swapped ('dose it take', 'teh queue') is still filler between the words read."""
_PERIOD_NEXT = frozenset("week month quarter year day night hour fortnight weekend time few couple".split())
_PERIOD_PREV = frozenset("the in over for during since of this".split())


@dataclass(frozen=True)
class _Vocab:
    words: dict[tuple[str, ...], str]        # phrase that names an event alone -> event
    with_things: dict[tuple[str, ...], str]  # phrase that names it only beside one of its things
    things: dict[tuple[str, ...], set[str]]  # thing -> events it belongs to
    takes: dict[tuple[str, ...], str]        # thing -> the event its 'how long does it take' means
    metrics: dict[tuple[str, str], str]      # (event, statistic) -> metric
    plain: dict[str, str]                    # event -> the metric a question naming no statistic gets
    spellings: list[str]                     # the declared single words, as written, for typo correction
    others: dict[tuple[str, ...], str]       # multi-word phrases of metrics that are no duration ('approval rate')


_CACHE: dict[int, tuple[Any, _Vocab]] = {}


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in fold(phrase).split())


def _vocab(catalog: Any) -> _Vocab | None:
    events = getattr(catalog, "events", None) or {}
    if not events:
        return None
    hit = _CACHE.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1]
    v = _Vocab({}, {}, {}, {}, {}, {}, sorted({w for e in events.values()
                                               for p in [*e.words, *getattr(e, "with_things", []), *getattr(e, "things", [])]
                                               for w in fold(p).split() if len(w) >= 4}), {})
    for name, event in events.items():
        for w in event.words:
            v.words[_key(w)] = name
        for w in getattr(event, "with_things", []):
            v.with_things[_key(w)] = name
        for t in getattr(event, "things", []):
            v.things.setdefault(_key(t), set()).add(name)
        for t in getattr(event, "takes", []):
            v.takes[_key(t)] = name
    measures = getattr(catalog, "measures", {}) or {}
    for name, metric in catalog.metrics.items():
        dur = getattr(metric, "duration", None)
        measure = measures.get(getattr(metric, "measure", None) or "")
        if dur is None or measure is None:
            continue
        v.metrics[(dur.event, measure.agg)] = name
        if dur.plain:
            v.plain[dur.event] = name
    for name, metric in catalog.metrics.items():
        if getattr(metric, "duration", None) is None:
            for phrase in [getattr(metric, "label", ""), *getattr(metric, "synonyms", [])]:
                if len(key := tuple(fold(phrase).split())) > 1:
                    v.others[key] = name
    _CACHE[id(catalog)] = (catalog, v)
    return v


def _find(tokens: list[str], phrases: dict[tuple[str, ...], Any], taken: set[int]) -> list[tuple[int, int, Any]]:
    """(start, end, value) of each phrase in `tokens`, longest first, not overlapping each other or `taken`."""
    found: list[tuple[int, int, Any]] = []
    used = set(taken)
    for phrase in sorted(phrases, key=len, reverse=True):
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i : i + n]) == phrase and not used & set(range(i, i + n)):
                found.append((i, i + n, phrases[phrase]))
                used |= set(range(i, i + n))
    return sorted(found)


def _statistics(tokens: list[str], ranked: bool) -> list[tuple[int, int, str]]:
    """(start, end, aggregation) of each statistic the question names; 'p75' is 'p75' even if no metric has it."""
    found = _find(tokens, _STATS, set())
    others = any(tokens[s] not in _SUPERLATIVES for s, _, _ in found)
    found = [(s, e, a) for s, e, a in found if tokens[s] not in _SUPERLATIVES  # 'the cluster with the longest median wait' ranks
             or not (ranked or others or (s >= 2 and tokens[s - 1] == "the" and tokens[s - 2] in ("with", "has", "had", "have")))]
    taken = {i for s, e, _ in found for i in range(s, e)}
    for i, tok in enumerate(tokens):
        m = _PCT.match(tok)
        if i in taken or m is None:
            continue
        if m.group(1) is None and (i + 1 >= len(tokens) or tokens[i + 1] not in ("percentile", "pct")):
            continue  # '3rd' alone is an ordinal, not a percentile
        end = i + 2 if m.group(1) is None else i + 1 + (i + 1 < len(tokens) and tokens[i + 1] == "percentile")
        found.append((i, end, f"p{int(m.group(1) or m.group(2))}"))
    return sorted(found)


def _is_last_verb(tokens: list[str], i: int) -> bool:
    """'how long did runs last' (a verb), not 'last week' or 'the last 30 days'."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    prev = tokens[i - 1] if i > 0 else ""
    return not (nxt in _PERIOD_NEXT or nxt.isdigit() or prev in _PERIOD_PREV)


def _phrasing(tokens: list[str], events_at: set[int], stats: list[tuple[int, int, str]]) -> set[int]:
    """Indices of the words that make this a duration question ('how long', 'time to', 'X time', 'take')."""
    out: set[int] = set()
    for s, e, _ in _find(tokens, dict.fromkeys(_HOW, True), set()):
        out |= set(range(s, e))
    stat_ends = {e - 1 for _, e, _ in stats}
    for i, tok in enumerate(tokens):
        if tok in _DURATION or tok in _WAITS or (tok in ("last", "lasted", "lasting") and _is_last_verb(tokens, i)):
            out.add(i)
        elif tok == "lead" and i + 1 < len(tokens) and tokens[i + 1] == "time":
            out |= {i, i + 1}
        elif tok == "time":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in _TIME_AFTER or (i - 1) in events_at or (i - 1) in stat_ends:  # 'time to ack', 'approval time', 'mean time'
                out.add(i)
        elif tok == "turn" and i + 1 < len(tokens) and tokens[i + 1] == "around":
            out |= {i, i + 1}
    return out


def _unit(tokens: list[str]) -> tuple[set[int], str | None]:
    """'how many hours does it take': the unit to answer in, and its words."""
    for i in range(len(tokens) - 2):
        if tokens[i] == "how" and tokens[i + 1] == "many" and tokens[i + 2] in _UNITS:
            return {i, i + 1, i + 2}, _UNITS[tokens[i + 2]]
    return set(), None


def duration_question(question: str, catalog: Any, previous: Any = None) -> tuple[str, list[str]] | PlannerPlan | None:
    """The question with its duration words replaced by the metric's name, and the notes the answer states.

    None when the question asks no duration of a declared event (nothing changes); a clarifying plan
    when the statistic asked for has no metric, or when two events fit equally. After a duration answer,
    'and the p90?' is that event's p90 (`previous`: the thread's last MetricQuery).
    """
    vocab = _vocab(catalog)
    if vocab is None:
        return None
    read = _read(question, catalog, vocab)
    if read is None and previous is not None:
        return _statistic_followup(question, catalog, vocab, previous)
    return read


def timed_metrics(question: str, catalog: Any) -> list[str]:
    """Every metric timing an event the question asks the duration of, for the LLM planner's catalog ranking.

    'how long do approvals take' shows the model the mean, median and p90 of approval time, so it can pick
    the statistic asked for (or see that one is missing) instead of the nearest name.
    """
    vocab = _vocab(catalog)
    read = _read(question, catalog, vocab) if vocab is not None else None
    if not isinstance(read, tuple):
        return []
    named = set(read[0].split())
    events = {e for (e, _), m in vocab.metrics.items() if m in named} if vocab is not None else set()
    return sorted(m for (e, _), m in vocab.metrics.items() if e in events) if vocab is not None else []


_FOLLOW_FILLER = frozenset("and the what about how of for it that same instead but also now then a its".split())


def _statistic_followup(question: str, catalog: Any, vocab: _Vocab, previous: Any) -> tuple[str, list[str]] | PlannerPlan | None:
    """'and the p90?', 'what about the mean' after a duration: the same event's metric with that statistic."""
    events = [m.duration.event for n in getattr(previous, "metrics", []) if (m := catalog.metrics.get(n)) is not None
              and getattr(m, "duration", None) is not None]
    raw = words(question[:300])
    tokens = [fold(w) or w for w in raw]
    stats = _statistics(tokens, ranked=True)
    if len(set(events)) != 1 or len({a for _, _, a in stats}) != 1 or len(tokens) > 8:
        return None
    rest = [i for i in range(len(tokens)) if not any(s <= i < e for s, e, _ in stats) and tokens[i] not in _FOLLOW_FILLER]
    if any(stem(tokens[i]) in {w for k in [*vocab.words, *vocab.with_things, *vocab.things] for w in k} for i in rest):
        return None  # another event or thing: not this duration's statistic
    picked = _metric(events[0], stats[0][2], vocab, catalog, stats, raw)
    if isinstance(picked, PlannerPlan):
        return picked
    return " ".join(["what about", picked[0], *(raw[i] for i in rest)]), picked[1]


def _read(question: str, catalog: Any, vocab: _Vocab) -> tuple[str, list[str]] | PlannerPlan | None:
    """The duration a fresh question asks for, as `duration_question` returns it."""
    raw = words(question[:2000])
    tokens = [fold(w) or w for w in raw]
    if any(fold(name) in " ".join(tokens) for name in vocab.metrics.values()):
        return None  # the metric is already named ('mttr_hours'): nothing to read
    typo_notes = _typos(tokens, raw, vocab)
    stems = [stem(t) for t in tokens]
    duration_words = {w for k in [*vocab.words, *vocab.with_things, *vocab.things] for w in k}
    claimed = {i for s, e, _ in _find(tokens, vocab.others, set())  # 'approval rate' is a rate, not a duration's words
               if any(stems[i] not in duration_words and tokens[i] not in _FILLER | _TAKES | _DURATION for i in range(s, e))
               for i in range(s, e)}
    alone = _find(stems, vocab.words, claimed)
    things = _find(stems, vocab.things, claimed | {i for s, e, _ in alone for i in range(s, e)})
    thing_at = {i for s, e, _ in things for i in range(s, e)}
    if any(tokens[s - 1] in _WAITS for s, _, _ in things if s > 0):
        return None  # 'pending requests', 'open incidents': how old the ones still waiting are, which no duration metric times
    thing_events = {ev for _, _, evs in things for ev in evs}
    paired = [(s, e, ev) for s, e, ev in _find(stems, vocab.with_things, claimed | {i for s, e, _ in alone for i in range(s, e)})
              if ev in thing_events and (tokens[s] not in ("last", "lasting") or _is_last_verb(tokens, s))
              and any(not (s <= i < e) for i in thing_at)]
    ranked = any(t in _RANKS for t in tokens)
    # a statistic inside another metric's own name ('p95 latency') is that metric's, never the duration's
    stats = [st for st in _statistics(tokens, ranked) if not any(i in claimed for i in range(st[0], st[1]))]
    hits = alone + paired
    events_at = {e - 1 for s, e, _ in hits}
    phrasing = _phrasing(tokens, events_at, stats) - claimed
    unit_at, unit = _unit(tokens)
    strong = {i for i in phrasing if tokens[i] not in _WAITS} | {i for i, t in enumerate(tokens) if t in _SUPERLATIVES}
    if not strong and not stats and unit is None:
        return None
    chosen = _events(tokens, stems, alone, paired, things, vocab, phrasing)
    if isinstance(chosen, PlannerPlan):
        return chosen
    if not chosen:
        return None
    event_names = list(dict.fromkeys(ev for ev, _ in chosen))
    inferred = [f"Read as {catalog.events[ev].label}: {catalog.events[ev].description}." for ev, idx in chosen if not idx]
    wanted = list(dict.fromkeys(a for _, _, a in stats)) or [None]
    metrics, notes = [], []
    for event in event_names:
        for want in wanted:
            picked = _metric(event, want, vocab, catalog, stats, raw)
            if isinstance(picked, PlannerPlan):
                return picked
            metrics.append(picked[0])
            notes += picked[1]
    ranks = [i for i, t in enumerate(tokens) if t in _SUPERLATIVES and not any(s <= i < e for s, e, _ in stats)]
    consumed = set(phrasing) | unit_at | set(ranks) | {i for s, e, _ in stats for i in range(s, e)}
    consumed |= {i for _, idx in chosen for i in idx}
    consumed |= {i for s, e, evs in things if set(evs) & set(event_names) and not _counted(tokens, s) for i in range(s, e)}
    consumed = _fill_gaps(tokens, consumed, _JOINS if len(metrics) > 1 else frozenset())
    first = min(consumed)
    joiner = next((tokens[i] for i in sorted(consumed) if tokens[i] in _JOINS), "and")
    phrase = f" {joiner} ".join(metrics) + (f" in {unit}" if unit else "")
    if ranks:  # 'which team waits longest': ranked by the duration, longest first
        phrase = f"{'highest' if tokens[ranks[0]] in ('longest', 'slowest') else 'lowest'} {phrase}"
    out = [phrase if i == first else w for i, w in enumerate(raw) if i == first or i not in consumed]
    return " ".join(out), typo_notes + inferred + notes


def _typos(tokens: list[str], raw: list[str], vocab: _Vocab) -> list[str]:
    """'how long to get aproved': an unknown word one clear edit from an event's word is read as it, and the answer
    says so; only in a question already asking how long, so a near miss elsewhere is left to the planner's own check."""
    cue = any(tokens[i : i + 2] in (["how", "long"], ["time", "to"]) for i in range(len(tokens))) or any(t in _TAKES for t in tokens)
    if not cue:
        return []
    known = {w for key in [*vocab.words, *vocab.with_things, *vocab.things] for w in key}
    notes = []
    for i, tok in enumerate(tokens):
        limit = min(max_distance(tok), 1 if len(tok) < 8 else 2)
        if not tok.isalpha() or limit == 0 or tok in KNOWN_WORDS or tok in STOPWORDS or stem(tok) in known:
            continue
        found = [(w, d) for w, d, _ in process.extract(tok, vocab.spellings, scorer=OSA.distance, score_cutoff=limit, limit=3)
                 if len(w) != len(tok) or sorted(w) == sorted(tok) or len(tok) >= 8]  # 'wanted' is a word, not 'waited'
        best = [w for w, d in found if d == min(d for _, d in found)]
        if len(best) == 1:
            notes.append(f"Read '{raw[i][:40]}' as '{best[0]}' (a likely typo).")
            tokens[i] = raw[i] = best[0]
    return notes


def _counted(tokens: list[str], i: int) -> bool:
    """'how many jobs ...': the thing is counted, not the population of the duration."""
    return i >= 2 and tokens[i - 2 : i] in (["how", "many"], ["number", "of"])


def _events(tokens: list[str], stems: list[str], alone: list[tuple[int, int, str]], paired: list[tuple[int, int, str]],
            things: list[tuple[int, int, set[str]]], vocab: _Vocab, phrasing: set[int]) -> list[tuple[str, set[int]]] | PlannerPlan:
    """The events asked about, each with the words that named it; two that fit equally -> ask which."""
    found: dict[str, set[int]] = {}
    for s, e, ev in alone:
        found.setdefault(ev, set()).update(range(s, e))
    cue = _END_TO_END.search(" ".join(tokens))
    for s, e, evs in things if cue and not found else []:  # a job's turnaround is queue + run, which pace times apart
        if len(evs) > 1:
            options = [vocab.plain[x] for x in sorted(evs) if x in vocab.plain]
            return PlannerPlan(kind="clarify", confidence=0.0, options=options, replaces=cue.group(0), message=(
                f"pace times each step of a {' '.join(tokens[s:e])} apart ({', '.join(sorted(evs))}) and has no time from "
                "end to end; which step do you mean?"))
    if not found:  # 'start' of a job, 'last' of an incident count only where no word names an event alone
        for s, e, ev in paired:
            found.setdefault(ev, set()).update(range(s, e))
    if not found and any(tokens[i] in _TAKES for i in phrasing):  # 'how long does a request take'
        for s, e, evs in things:
            ev = vocab.takes.get(tuple(stems[s:e]))
            if ev is not None:
                found.setdefault(ev, set())
    if len(found) <= 1:
        return list(found.items())
    firsts = sorted((min(idx) if idx else 0, ev) for ev, idx in found.items())
    joined = all(any(t in ("and", "vs", "versus", "or", "plus") for t in tokens[a:b]) for (a, _), (b, _) in zip(firsts, firsts[1:]))
    if joined:
        return [(ev, found[ev]) for _, ev in firsts]
    labels = [vocab.plain[ev] for _, ev in firsts if ev in vocab.plain]
    return PlannerPlan(kind="clarify", confidence=0.0, options=labels, message=(
        f"That could be the duration of more than one step ({', '.join(ev for _, ev in firsts)}); which one do you mean?"))


def _metric(event: str, want: str | None, vocab: _Vocab, catalog: Any, stats: list[tuple[int, int, str]],
            raw: list[str]) -> tuple[str, list[str]] | PlannerPlan:
    """The metric timing `event` with statistic `want` (None: the plain one), and the note; else say what exists."""
    ev = catalog.events[event]
    have = sorted(((a, m) for (e, a), m in vocab.metrics.items() if e == event), key=lambda am: _rank(am[0]))
    if want is None:
        name = vocab.plain[event]
        agg = next(a for a, m in have if m == name)
        others = [f"{_name(a)} ({m})" for a, m in have if m != name]
        label = getattr(catalog.metrics[name], "label", name)
        also = f"; it also has the {', '.join(others)}" if others else ""
        return name, [f"No statistic named, so this is the {_name(agg)} {ev.label} ({label}, the catalog's standard figure){also}."]
    name = vocab.metrics.get((event, want))
    if name is not None:
        said = next((" ".join(raw[s:e]) for s, e, a in stats if a == want), want)
        note = [f"'{said}' read as the median (the middle case, which a few very long ones do not move)."] \
            if want == "p50" and said.lower() in ("typical", "typically", "usually", "usual", "normally") else []
        return name, note
    said = next((" ".join(raw[s:e]) for s, e, a in stats if a == want), want)
    nearest = sorted(have, key=lambda am: abs(_rank(am[0]) - _rank(want)))
    listed = ", ".join(f"{_name(a)} ({m})" for a, m in have)
    return PlannerPlan(kind="clarify", confidence=0.0, replaces=said, options=[_WORDS_FOR.get(a, a) for a, _ in nearest], message=(
        f"pace has no {_name(want)} of {ev.label}; it has the {listed}. Which one do you want?"))


def _rank(agg: str) -> float:
    """Where a statistic sits between the shortest and the longest case (the mean reads as the middle)."""
    if agg in ("avg", "p50"):
        return 50.0 + (0.5 if agg == "avg" else 0.0)
    if agg == "max":
        return 100.0
    if agg == "min":
        return 0.0
    return float(agg[1:]) if agg[1:].isdigit() else 50.0


def _name(agg: str) -> str:
    return NAMES.get(agg) or (f"p{agg[1:]}" if agg.startswith("p") else agg)


def _fill_gaps(tokens: list[str], consumed: set[int], joins: frozenset[str] = frozenset()) -> set[int]:
    """Filler between the words that were read ('how long *does it* take *to get a* request approved') goes with them."""
    out = set(consumed)
    ordered = sorted(consumed)
    for a, b in zip(ordered, ordered[1:]):
        gap = range(a + 1, b)
        if all(tokens[i] in _FILLER or tokens[i] in joins or "".join(sorted(tokens[i])) in _SWAPPED for i in gap):  # 'dose it take'
            out |= set(gap)
    return out


__all__ = ["duration_question", "timed_metrics"]
