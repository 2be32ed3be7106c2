"""Question -> the parts the offline planner understands: metrics, filters, groupings, period, rank.

Each recognizer blanks the words it consumed, so whatever is left at the end is text the planner
did not understand; the planner lowers its confidence for it instead of ignoring it silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from assistant.planner.lexicon import Hit, Lexicon, fold, mask, singular, words
from assistant.planner.money import read_money
from assistant.planner.shapes import mask_share_verbs, unit_nouns
from assistant.planner.words import GAP_OK, SCATTER_SKIP
from assistant.timeparse import Period, comparison_period, moved_back, resolve_period, same_before

Grain = Literal["hour", "day", "week", "month", "quarter"]

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_GRAINS: list[tuple[str, Grain | Literal["auto"]]] = [
    (r"\b(hourly|per hour|by hour|each hour|hour by hour)\b", "hour"),
    (r"\b(daily|per day|by day|each day|day by day|a day)\b", "day"),
    (r"\b(weekly|per week|by week|each week|week by week)\b", "week"),
    (r"\b(monthly|per month|by month|each month|month by month)\b", "month"),
    (r"\b(quarterly|per quarter|by quarter|each quarter)\b", "quarter"),
    (r"\b(over time|trend|trending|time serie|timeserie|timeline)\b", "auto"),
]
_RANK = re.compile(
    r"\b(top|bottom|highest|lowest|largest|smallest|biggest|most|least|fewest|best|worst|max|min|maximum|minimum)"
    r"(?:\s+(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten))?\b"
)
_STATISTIC_RANKS = frozenset({"max", "maximum", "min", "minimum"})
_LEAD_N = re.compile(r"(?:\b(?:which|what|the|top|our|show|show me|list|give me|name)\s+|^\s*)(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten)\b"
                     r"(?!\s*(?:day|week|month|hour|quarter|year|%))")
_WHICH = re.compile(r"\b(which|what|who)\b")
_UNIT = r"(?:period|window|week|month|day|quarter|year)"
_COMPARE = re.compile(
    r"\b(week over week|month over month|day over day|quarter over quarter|year over year|period over period|wow|mom|dod|qoq|yoy)\b"
    rf"|\b(?:vs|versus|against|compared?(?: (?:to|with|against))?|change from|relative to)\s+(?:the\s+|a\s+)?"
    rf"(?:(?:previous|prior|preceding|last)\s+{_UNIT}|{_UNIT}\s+before|one before)\b|\bvs yesterday\b"
)
_AND_BEFORE = re.compile(rf"\b(?:and|or|vs\.?|versus|against|compared (?:to|with))\s+(?:the\s+|a\s+)?(?:{_UNIT}\s+(?:before|prior|earlier)|one before|"
                         rf"(?:previous|prior|preceding)\s+(?:one|{_UNIT}))\b")
_VS_OR_AND = re.compile(r"\s*(?:vs\.?|versus|against|and|compared (?:to|with)|or|,)\s*(?:the\s+|in\s+)?")
_GROUP_CUE = re.compile(r"(?:\bby|\bper|\beach|\bevery|\bacross|\bbreakdown of|\bsplit by|\bbroken down by|\bfor each|\bfor every|\bby each"
                        r"|\brank|\branked|\branking of|\border|\bsort|\bsorted|\blist|\bcompare|\bcompared)\s+(?:the\s+|a\s+)?$")
# 'sort teams by spend ascending', 'lowest first': the order of a list, without a top-N.
_SORT = re.compile(r"\b(?P<asc>ascending|asc|increasing(?: order)?|(?:from )?(?:the )?(?:low|lowest|small|smallest|least) (?:to (?:the )?(?:high|highest|large|largest|most)|first))\b"
                   r"|\b(?P<desc>descending|desc|decreasing(?: order)?|(?:from )?(?:the )?(?:high|highest|large|largest|big|biggest|most) (?:to (?:the )?(?:low|lowest|small|smallest|least)|first))\b")
_LIST_BY = re.compile(r"\s+(?:by|ranked by|sorted by|ordered by|in terms of)\s+(?:the\s+|their\s+|its\s+)?")
_NEGATION = re.compile(r"\b(excluding|exclude|except|not|without|other than|ignoring|apart from|besides)\s+(?:the\s+)?(?:\w+\s+)?$")


# "under 5%", "below 2.5 percent utilization": a threshold a metric's parameter can take (an idle rule).
_THRESHOLD = re.compile(
    r"\b(?:under|below|less than|lower than|at most)\s+(\d+(?:\.\d+)?)\s*(?:%|percent\b|pct\b)"
    r"(?:\s+(?:gpu\s+)?(?:utili[sz]ation|util|usage|busy)\b)?"
)


@dataclass
class Parsed:
    """What was recognized in one question, plus the leftover words nobody consumed."""

    text: str
    metric_hits: list[Hit] = field(default_factory=list)
    filters: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)
    ambiguous_values: list[list[Hit]] = field(default_factory=list)
    group_dims: list[str] = field(default_factory=list)
    mentioned_dims: list[str] = field(default_factory=list)
    grain: Grain | Literal["auto"] | None = None
    period: Period | None = None
    compare_days: int | None = None
    rank: tuple[bool, int | None] | None = None
    rank_word: str | None = None
    threshold: float | None = None
    """A percent threshold the question gives ("under 5%"), for a metric parameter."""
    other_period: Period | None = None
    """A second period set against the first ('October vs November'): both sides are answered."""
    sort_desc: bool | None = None
    """A sort order the question states ('ascending', 'highest first'), without a top-N."""
    senses: dict[str, list[str]] = field(default_factory=dict)
    """A grouping phrase that names several dimensions ('service': endpoint, FOCUS service) -> all of them, the grouped one first."""
    ranked_noun: bool = False
    """The ranking word names the grouping itself ('the cheapest team', 'top cluster'), not a list 'by team'."""
    plural_groups: bool = False
    """A grouping was named in the plural ('which teams ...'): the answer is a list, not one winner."""
    share: bool = False
    """Each group's share of the total is asked ('share of spend by team'), see planner.shapes."""
    per: Literal["second", "minute", "hour", "day", "week"] | None = None
    """A rate per second ... week of the period is asked ('average daily cost', 'requests per second')."""
    convert: dict[str, str] = field(default_factory=dict)
    """Metric -> a unit the question asks it in that the compiler converts to ('queue wait in hours')."""
    leftover: list[str] = field(default_factory=list)
    rest: str = ""
    """The question with every recognized phrase blanked (offsets match `text`)."""

    @property
    def has_edit_parts(self) -> bool:
        return bool(self.filters or self.group_dims or self.grain or self.period or self.rank or self.compare_days is not None
                    or self.sort_desc is not None)


def parse(question: str, lexicon: Lexicon, today: date, value_priority: tuple[str, ...] = ()) -> Parsed:
    """Recognize every part of `question` against the catalog vocabulary and the as-of date."""
    question = read_money(question, lexicon)  # 'what is idle time costing us', 'cloud bill': the catalog's cost words
    text, in_unit = unit_nouns(fold(question)[:2000])  # 'GPU-days': accelerator-hours, shown in days
    out = Parsed(text=text, convert={"": in_unit} if in_unit else {})
    plural_at = _plural_offsets(question, text)
    work = mask_share_verbs(text)
    m = _COMPARE.search(work)
    if m:
        out.compare_days = comparison_period(m.group(0)) or 0
        work = mask(work, [m.span()])
    same = same_before(work)  # 'yesterday vs the same day last week': the named period moved back, both sides shown
    main = resolve_period(mask(work, [same[2]]), today) if same is not None else None
    if same is not None and main is not None:
        out.period, out.other_period = main, replace(moved_back(main, same[0], same[1]), span=same[2])
        work = mask(work, [same[2], main.span])
    else:
        out.period = resolve_period(work, today)
    if out.period is not None and out.other_period is None:
        work = mask(work, [out.period.span])
        other = resolve_period(work, today)
        if other is not None and _VS_OR_AND.fullmatch(text[min(out.period.span[1], other.span[1]) : max(out.period.span[0], other.span[0])]):
            out.other_period = other  # 'October vs November', 'last week and the week before'
            work = mask(work, [other.span])
        side = resolve_period(m.group(0), today) if m is not None and out.other_period is None and "to date" in out.period.label else None
        if side is not None and (side.start, side.end) != (out.period.start, out.period.end):
            # 'this month vs last month': a period to date against the whole one before, both sides shown (not 23 days vs 23 days)
            out.other_period, out.compare_days = replace(side, span=(m.start() + side.span[0], m.start() + side.span[1])), None
        before = _AND_BEFORE.search(work) if out.other_period is None and out.compare_days is None else None
        if before is not None:  # 'jobs last week and the week before': both sides, the named period against the one before it
            out.compare_days = comparison_period(before.group(0)) or 0
            work = mask(work, [before.span()])
    tm = _THRESHOLD.search(work)
    if tm:
        out.threshold = float(tm.group(1))
        work = mask(work, [tm.span()])
    for pattern, grain in _GRAINS:
        gm = re.search(pattern, work)
        if gm:
            out.grain = grain
            work = mask(work, [gm.span()])
            break
    sm = _SORT.search(work)
    if sm:
        out.sort_desc = sm.group("desc") is not None
        work = mask(work, [sm.span()])
    rm = _RANK.search(work)
    if rm and rm.group(1) in _STATISTIC_RANKS and any(h.kind == "metric" and h.start <= rm.start() < h.end for h in _all_hits(work, lexicon)):
        rm = None  # 'max power per cluster': the word begins a metric's name (peak power), not a ranking of another
    if rm:
        word = rm.group(1)
        n_raw = rm.group(2)
        lead = _LEAD_N.search(work)  # "which 3 teams ... the most", "the three least utilized teams"
        if not n_raw and lead:
            n_raw = lead.group(1)
            work = mask(work, [lead.span(1)])
        n = (int(n_raw) if n_raw.isdigit() else _NUMBERS[n_raw]) if n_raw else None
        out.rank = (word not in ("bottom", "lowest", "smallest", "least", "fewest", "min", "minimum", "worst"), n)
        out.rank_word = word
        work = mask(work, [rm.span()])
    hits = _all_hits(work, lexicon)
    groups = _by_span(hits)
    last_group_end = -1
    negated_end: dict[str, int] = {}  # dimension -> end of its last excluded value ('excluding atlas, orion and nova')
    for i, span_hits in enumerate(groups):
        kind = span_hits[0].kind
        h = span_hits[0]
        before = work[: h.start]
        if kind == "metric":
            out.metric_hits.extend(span_hits)
        elif kind == "dimension":
            dim = h.target
            nxt = groups[i + 1] if i + 1 < len(groups) else []
            names_value = any(n.kind == "value" and n.target == dim for n in nxt) and not work[h.end : nxt[0].start].strip()
            joined = last_group_end >= 0 and work[last_group_end : h.start].strip() in ("and", ",", "&", "plus")
            cue = bool(_GROUP_CUE.search(before)) or bool(_WHICH.search(before[-12:])) or joined
            # 'clusters by spend', 'teams ranked by cost': the list named before what orders it
            cue = cue or bool(nxt and nxt[0].kind == "metric" and _LIST_BY.fullmatch(work[h.end : nxt[0].start]))
            if not names_value and (cue or (out.rank is not None and not out.group_dims)):
                if dim not in out.group_dims:
                    out.group_dims.append(dim)
                    named = list(dict.fromkeys(x.target for x in span_hits if x.kind == "dimension"))
                    if len(named) > 1:
                        out.senses[h.phrase] = named
                out.ranked_noun = out.ranked_noun or (out.rank is not None and not _GROUP_CUE.search(before) and not joined)  # 'the cheapest team'
                out.plural_groups = out.plural_groups or any(h.start <= o < h.end for o in plural_at)
                last_group_end = h.end
            else:
                out.mentioned_dims.append(dim)
        else:
            chosen = _pick_value(span_hits, out.mentioned_dims, value_priority)
            if chosen is None:
                out.ambiguous_values.append(span_hits)
            else:
                neg = _NEGATION.search(before[-40:])
                gap = before[negated_end[chosen.target]:] if chosen.target in negated_end else None
                listed = gap is not None and re.fullmatch(r"\s*(?:(?:and|or|nor)\s+)?", gap)
                op = "!=" if neg or listed else "="  # 'other than atlas and orion': both are excluded
                if op == "!=":
                    negated_end[chosen.target] = h.end
                if neg is not None:  # 'excluding', 'other than': placed by the filter it negates, never left unplaced
                    at = len(before) - len(before[-40:])
                    work = mask(work, [(at + neg.start(1), at + neg.end(1))])
                prev = out.filters.get(chosen.target)
                if prev and prev[0] == op:
                    prev[1].append(chosen.value)
                else:
                    out.filters[chosen.target] = (op, [chosen.value])
        work = mask(work, list(h.spans()))
    if out.rank is not None and rm and not out.group_dims and rm.group(1) in ("max", "min", "maximum", "minimum"):
        out.rank = None  # "max utilization" names a statistic, not a ranking
    out.leftover = [w for w in work.split() if w]
    out.rest = work
    return out


def _plural_offsets(question: str, text: str) -> set[int]:
    """Start offsets in folded `text` of the words that were plural in `question` ('teams' folded to 'team')."""
    raw = words(question)
    out: set[int] = set()
    pos = 0
    for word, folded in zip(raw, text.split()):
        start = text.find(folded, pos)
        if start < 0:
            break
        if singular(word) != word:
            out.add(start)
        pos = start + len(folded)
    return out


def _overlaps(a: Hit, b: Hit) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a.spans() for s2, e2 in b.spans())


def _all_hits(work: str, lexicon: Lexicon) -> list[Hit]:
    """Metric, dimension and value phrases together; the longest wins, metrics first on a tie."""
    order = {"metric": 0, "dimension": 1, "value": 2}
    hits = (_compound_tails(lexicon.find(work, "metric"), work, lexicon) + lexicon.scattered(work, GAP_OK, skip=SCATTER_SKIP)
            + lexicon.find(work, "dimension") + lexicon.find(work, "value"))
    hits.sort(key=lambda h: (-h.length, order[h.kind], h.start))
    kept: list[Hit] = []
    for h in hits:
        clash = [k for k in kept if _overlaps(k, h)]
        if not clash or all(k.start == h.start and k.end == h.end and k.kind == h.kind for k in clash):
            kept.append(h)
    return sorted(kept, key=lambda h: (h.start, order[h.kind]))


def _compound_tails(hits: list[Hit], work: str, lexicon: Lexicon) -> list[Hit]:
    """'how many GPU hours': a phrase whose last word begins a longer metric phrase ('GPU hours') gives way to it.

    The last word of 'how many gpus' is a modifier of the noun after it, so the compound is the metric;
    only where the rest of the phrase is filler ('how many', 'number of'): 'serving cost per million
    tokens' keeps 'serving cost'.
    """
    from assistant.planner.words import STOPWORDS

    out: list[Hit] = []
    for h in hits:
        last = work.rfind(" ", h.start, h.end) + 1
        filler = last > h.start and all(w in STOPWORDS for w in work[h.start : last].split())
        end = lexicon.match_at(work, last, "metric") if filler else None
        if end is None or end <= h.end:
            out.append(h)
            continue
        out.extend(Hit(t, "metric", last, end, work[last:end]) for t in sorted(lexicon.metrics.get(work[last:end], ())))
    return out


def _by_span(hits: list[Hit]) -> list[list[Hit]]:
    groups: dict[tuple[int, int], list[Hit]] = {}
    for h in hits:
        groups.setdefault((h.start, h.end), []).append(h)
    return [groups[k] for k in sorted(groups)]


def _pick_value(hits: list[Hit], mentioned: list[str], priority: tuple[str, ...]) -> Hit | None:
    """One (dimension, value) for a phrase; several -> the mentioned or higher-priority dimension."""
    if len({(h.target, h.value) for h in hits}) == 1:
        return hits[0]
    for dim in reversed(mentioned):
        for h in hits:
            if h.target == dim:
                return h
    for dim in priority:
        same = [h for h in hits if h.target == dim]
        if same:
            return same[0]
    return None
