"""Governance, quota and incident questions in people's words: severity names, request outcomes, and 'who'.

The words come from the field's documents, not from failed questions:

- **Severity.** Incident-response practice writes severity as 'SEV-1' to 'SEV-5', lower numbers more
  urgent (PagerDuty Incident Response, "Severity Levels"); people also say 'sev 1', 'severity 1' and,
  where the tool calls the level a priority, 'P1'. pace's incidents carry severity only (no separate
  priority), so 'P1' names the same level. 'Critical' is left unplaced: PagerDuty calls both SEV-1 and
  SEV-2 critical, so it names no one level. 'Major incident' is SEV-1 and SEV-2 ("anything above a
  SEV-3"), which is the catalog's `major_incidents`.
- **Request outcomes.** A request a governor turned down is 'denied' in pace's workflow; 'rejected',
  'declined' and 'turned down' are the same decision in plain English.
- **Who.** In a question about compute requests, incidents or quotas, 'who' is the team that owns the
  row (the requesting team, the incident's primary team, the team a quota belongs to), never the
  accelerator model counted ('who asked for the most GPUs' ranks teams, not GPU types).
- **Kinds of incident.** 'Hardware incidents': a word that is both a grouping and a value of an incident
  or request attribute, written right before the metric it qualifies, filters by that value ('hardware'
  is an incident category, though it also names the accelerator type).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.planner.plan import PlannerPlan
from semantic_layer.query import GroupBy, MetricQuery, OrderBy

SEVERITY_LEVELS = range(1, 6)


def _severity_names(n: int) -> tuple[str, ...]:
    """Every way the level is written: 'SEV1', 'sev 1', 'sev-1', 'severity 1', 'P1', and their plurals ('sev-1s').

    >>> _severity_names(2)[:4]
    ('SEV2', 'sev 2', 'sev-2', 'severity 2')
    """
    forms = (f"sev {n}", f"sev-{n}", f"severity {n}", f"severity-{n}", f"sev{n}", f"p{n}")
    return (f"SEV{n}", *forms, *(f"{f}s" for f in forms))


SEVERITY_NAMES: tuple[tuple[str, ...], ...] = tuple(_severity_names(n) for n in SEVERITY_LEVELS)
"""Names of each severity level (value_aliases: applied only to the levels the data holds)."""

REQUEST_STATUS_NAMES: tuple[tuple[str, ...], ...] = (
    ("denied", "rejected", "declined", "turned down", "knocked back"),
    ("needs_info", "needs info", "needs more info", "more info needed", "info requested", "waiting on info"),
)
"""Plain-English names of compute-request outcomes (pace's workflow writes 'denied', 'needs_info')."""

NAMES: tuple[tuple[str, ...], ...] = SEVERITY_NAMES + REQUEST_STATUS_NAMES

OWNED_ENTITIES = frozenset({"compute_requests", "incidents", "quota_hourly"})
"""Facts whose 'who' is the owning team."""

MODIFIER_DIMENSIONS = frozenset({"category", "severity", "request_status", "priority"})
"""Incident and request attributes whose values qualify the metric they precede ('hardware incidents')."""

_WHO = re.compile(r"^\s*(?:(?:and|so|ok|okay|but|then|now|hey|also)\s+)?(?:who|whose)\b")
_WHO_PLURAL = re.compile(r"\bwho\s+(?:are|were|all|have|s\s+all)\b")
LIST_LIMIT = 25


def metric_entities(metric: str, catalog: Any) -> set[str]:
    """The facts a metric reads (its measure, or a ratio's numerator and denominator)."""
    m = getattr(catalog, "metrics", {}).get(metric)
    measures = getattr(catalog, "measures", None) or {}
    names = [getattr(m, key, None) for key in ("measure", "numerator", "denominator")]
    return {measures[n].entity for n in names if n in measures}


def _owned(query: MetricQuery, catalog: Any) -> bool:
    return bool(query.metrics) and all(metric_entities(m, catalog) and metric_entities(m, catalog) <= OWNED_ENTITIES
                                       for m in query.metrics)


def who_owns(question: str, query: MetricQuery, parsed: Any, catalog: Any, reach: Callable[[str], set[str] | None],
             additive: Callable[[str], bool]) -> tuple[MetricQuery, list[str]] | None:
    """'Who asked for the most GPUs', 'who is over quota': the teams, for requests, incidents and quotas.

    A ranking with no list, or one the question did not name ('the most GPUs' read as by GPU type), ranks
    teams; a question with no ranking lists the teams with any (above zero), highest first. A list
    the question names ('who ... by cluster') is kept. None where the rule does not apply.
    """
    if not _WHO.search(question.lower()) or not _owned(query, catalog) or "team" not in getattr(catalog, "dimensions", {}):
        return None
    if any((r := reach(m)) is not None and "team" not in r for m in query.metrics):
        return None
    cats = [g for g in query.group_by if g.grain is None]
    if any(g.dimension == "team" for g in cats) or any(f.dimension == "team" for f in query.filters):
        return None
    times = [g for g in query.group_by if g.grain is not None]
    metric = query.metrics[0]
    if parsed.rank is not None:
        if cats and not parsed.ranked_noun:
            return None  # a list the question names stays
        desc, n = parsed.rank
        limit = n or (5 if _WHO_PLURAL.search(question.lower()) else 1)
        dropped = f" (not {', '.join(g.dimension for g in cats)})" if cats else ""
        update = {"group_by": [GroupBy(dimension="team"), *times], "order_by": [OrderBy(field=metric, descending=desc)], "limit": limit}
        return query.model_copy(update=update), [f"'Who' read as the owning team{dropped}."]
    if cats or times or len(query.metrics) != 1 or not additive(metric) or query.compare_to_previous:
        return None
    update = {"group_by": [GroupBy(dimension="team")], "order_by": [OrderBy(field=metric, descending=True)],
              "positive_only": True, "limit": min(query.limit or LIST_LIMIT, LIST_LIMIT)}
    return query.model_copy(update=update), [
        "'Who' read as the owning team: the teams whose value is above zero, highest first."]


def modifier_values(parsed: Any, metrics: list[str], lexicon: Any, reach: Callable[[str], set[str] | None]) -> list[str]:
    """'Hardware incidents': a value of an incident or request attribute that was read only as a grouping word filters.

    The lexicon reads a word that names a dimension ('hardware': accelerator type) as that dimension, so the
    value it also is ('hardware': an incident category) would be dropped when nothing groups by it. Where the
    word belongs to one of MODIFIER_DIMENSIONS, the dimension it names is not a grouping the question asked for
    (only mentioned, or made a grouping by a ranking alone), and every asked metric can be filtered by the value's
    dimension, it is that filter. Returns the notes to state.
    """
    notes: list[str] = []
    if not metrics:
        return notes
    for word in dict.fromkeys(parsed.text.split()):
        named = lexicon.dimensions.get(word, set())
        values = {(d, v) for d, v in lexicon.values.get(word, set()) if d in MODIFIER_DIMENSIONS}
        if not named or len(values) != 1 or not (named & set(parsed.mentioned_dims) or parsed.ranked_noun):
            continue
        dim, value = next(iter(values))
        grouped = named & set(parsed.group_dims)
        if dim in parsed.filters or dim in parsed.group_dims or (grouped and not parsed.ranked_noun):
            continue
        if any((r := reach(m)) is not None and dim not in r for m in metrics):
            continue
        parsed.filters[dim] = ("=", [value])
        parsed.group_dims[:] = [d for d in parsed.group_dims if d not in named]
        notes.append(f"'{word}' read as {dim} {value}.")
    return notes

def count_metric(entity: str, catalog: Any) -> str | None:
    """The catalog's plain row count of `entity` (a count measure with no condition), else None."""
    measures = getattr(catalog, "measures", None) or {}
    found = [n for n, m in getattr(catalog, "metrics", {}).items() if getattr(m, "kind", "simple") == "simple"
             and (meas := measures.get(getattr(m, "measure", None) or "")) is not None
             and meas.entity == entity and meas.agg == "count" and not getattr(meas, "expr", None)]
    return found[0] if len(found) == 1 else None


def _home(dim: str, catalog: Any) -> str | None:
    """The one fact an incident or request attribute is read from ('severity': incidents), else None."""
    sources = getattr(getattr(catalog, "dimensions", {}).get(dim), "sources", None) or []
    entities = {s.entity for s in sources}
    return next(iter(entities)) if len(entities) == 1 else None


def counted_by_value(parsed: Any, catalog: Any) -> tuple[list[str], list[str]]:
    """'How many sev-1s last month', 'how many P1s': the value names the rows counted (incidents of that severity).

    Only for values of MODIFIER_DIMENSIONS, each read from one fact that has a plain count metric; the
    answer states the reading. Returns (metrics, notes); no metrics where the rule does not apply.
    """
    dims = [d for d in parsed.filters if d in MODIFIER_DIMENSIONS]
    if not dims or parsed.metric_hits:
        return [], []
    homes = {_home(d, catalog) for d in dims}
    if len(homes) != 1 or None in homes:
        return [], []
    metric = count_metric(next(iter(homes)), catalog)
    if metric is None:
        return [], []
    label = getattr(catalog.metrics[metric], "label", metric)
    return [metric], [f"Counted as {label.lower()} ({metric}) with that {', '.join(dims)}."]


def request_sense(parsed: Any, metrics: list[str], catalog: Any, lexicon: Any,
                  reach: Callable[[str], set[str] | None]) -> tuple[list[str], list[str]]:
    """'Requests got rejected', 'requests by priority': a bare noun read as the count the question's attribute applies to.

    'Requests' alone names inference requests (serving traffic); a compute-request status or priority
    cannot filter those. Where a metric named by one bare word cannot reach a dimension the question
    names, and the plain count of that dimension's fact answers to the same word ('compute request'),
    that count is the reading, and the answer says so.
    """
    named = [d for d in [*parsed.filters, *parsed.group_dims] if d in MODIFIER_DIMENSIONS]
    if not named:
        return metrics, []
    homes = {_home(d, catalog) for d in named}
    if len(homes) != 1 or None in homes:
        return metrics, []
    other = count_metric(next(iter(homes)), catalog)
    if other is None or other in metrics:
        return metrics, []
    out, notes = list(metrics), []
    for hit in parsed.metric_hits:
        word = hit.phrase.strip()
        if hit.target not in out or " " in word or (r := reach(hit.target)) is None or all(d in r for d in named):
            continue
        m = catalog.metrics[other]
        own_words = {w for phrase, targets in lexicon.metrics.items() if other in targets for w in phrase.split()}
        if word not in own_words or not all(d in (reach(other) or set(named)) for d in named):
            continue
        was = getattr(catalog.metrics[hit.target], "label", hit.target).lower()
        out[out.index(hit.target)] = other
        notes.append(f"Read '{word}' as {getattr(m, 'label', other).lower()} ({other}): the question's "
                     f"{', '.join(named)} applies to them, not to {was}.")
    return list(dict.fromkeys(out)), notes



_ANY_ESCALATION = re.compile(r"\b(?:beyond|past|above|out of)\s+(?:tier\s*(?:1|one)|first\s+line|l1)\b|\bat all\b|\bany\s+escalation")


def word_ties(parsed: Any, metrics: list[str], catalog: Any) -> PlannerPlan | None:
    """Words with two readings in incident practice: ask, never pick one.

    - 'Escalated' alone: to any higher tier (escalated_incidents) or to tier 3, engineering (tier3_escalations).
    - 'Critical' incidents: PagerDuty's severity levels call both SEV-1 and SEV-2 critical; other scales
      keep the word for the top level only.

    And 'guaranteed' left over ('how many GPUs does atlas have guaranteed'): the quota is held in
    accelerator-hours, so a count is not answered with another metric.
    """
    incident = any("incidents" in metric_entities(m, catalog) for m in metrics)
    bare = ("escalated_incidents" in metrics and any(h.target == "escalated_incidents" and "escalat" in h.phrase and "tier" not in h.phrase
                                                     for h in parsed.metric_hits)) or (incident and "escalated" in parsed.leftover)
    if bare and not _ANY_ESCALATION.search(parsed.text) and {"escalated_incidents", "tier3_escalations"} <= set(catalog.metrics):
        return PlannerPlan(kind="clarify", replaces="escalated", options=["escalated beyond tier 1", "escalated to tier 3"], message=(
            "'Escalated' can mean passed to any higher support tier (tier 2 or 3) or escalated to tier 3 (engineering); "
            "which did you mean?"))
    if "critical" in parsed.leftover and incident:
        return PlannerPlan(kind="clarify", replaces="critical", options=["SEV1", "major"], message=(
            "'Critical' names SEV1 alone in some severity scales and SEV1 and SEV2 in others (PagerDuty calls both critical); "
            "which did you mean: SEV1 only, or major incidents (SEV1 and SEV2)?"))
    if "guaranteed" in parsed.leftover and "quota_accelerator_hours" in catalog.metrics:
        return PlannerPlan(kind="abstain", confidence=0.0, suggestions=["Guaranteed quota by team last week"], message=(
            "pace holds guaranteed quota as accelerator-hours over a period (quota_accelerator_hours: quota accelerators x "
            "hours), not as a count of accelerators, so I won't answer a count for 'guaranteed'. Ask for the guaranteed "
            "quota over a period, e.g. 'guaranteed quota by team last week'."))
    return None


def bare_population(parsed: Any, metrics: list[str], catalog: Any, lexicon: Any) -> list[str]:
    """'How many requests are waiting on approval': the bare noun names the rows the other metric counts.

    'Requests' alone is serving traffic; next to a compute-request metric (requests pending) it is those
    requests, not a second metric to answer. Only a one-word phrase that the other metric's fact's plain count
    also answers to is dropped.
    """
    if len(metrics) < 2:
        return metrics
    drop = set()
    for hit in parsed.metric_hits:
        word = hit.phrase.strip()
        if " " in word or hit.target not in metrics or metric_entities(hit.target, catalog) & OWNED_ENTITIES:
            continue
        for other in metrics:
            facts = metric_entities(other, catalog) & OWNED_ENTITIES
            count = count_metric(next(iter(facts)), catalog) if len(facts) == 1 else None
            if count and word in {w for p, t in lexicon.metrics.items() if count in t for w in p.split()}:
                drop.add(hit.target)
    drop |= _counted_rows(parsed, metrics, catalog)
    return [m for m in metrics if m not in drop] or metrics


_JOINERS = frozenset("and or plus vs versus with".split())


def _counted_rows(parsed: Any, metrics: list[str], catalog: Any) -> set[str]:
    """'MTTR for sev-1 incidents': a plain count of the rows another metric is about, with only filler and placed
    values between the two (never 'and' or 'vs'), names whose metric it is, not a second one to answer."""
    from assistant.planner.words import STOPWORDS

    hits = sorted({(h.start, h.end, h.target) for h in parsed.metric_hits if h.target in metrics})
    out: set[str] = set()
    for (s1, e1, a), (s2, e2, b) in zip(hits, hits[1:]):
        between = parsed.rest[e1:s2].split()
        if a == b or any(w in _JOINERS for w in parsed.text[e1:s2].split()) or not all(w in STOPWORDS for w in between):
            continue
        for count, other in ((a, b), (b, a)):
            facts = metric_entities(other, catalog)
            if len(facts) == 1 and count_metric(next(iter(facts)), catalog) == count:
                out.add(count)
    return out


GAPS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (r"post[- ]?mortems?|retrospectives?|retros?|incident reviews?|root cause analys[ie]s|rcas?",
     "postmortems", "pace holds incidents with their resolution notes, not postmortem or incident-review records",
     ("incidents", "mttr_hours")),
    (r"on[- ]?call (?:shifts?|rotations?|schedules?|load|hours|burden)|who (?:is|s|was) on[- ]?call",
     "on-call schedules", "pace holds incidents and their acknowledgement times, not on-call rotations or shifts",
     ("incidents", "mtta_minutes")),
)
"""Incident-practice records people ask about that pace does not hold: (pattern, what, why, closest metrics),
for planner.unmeasured's 'pace has no X; the closest is Y'."""


_PAST = re.compile(r"\b(?:beyond|past|above|after|over|from|out of|than)\s+(?:the\s+)?$")
_RESOLVED_BY = re.compile(r"\b(?:resolved|handled|closed|fixed|solved)\s+(?:by|at|in|on)\s+(?:the\s+)?$")


def numbered_values(parsed: Any, catalog: Any, lexicon: Any) -> list[str]:
    """'Tier 3 incidents', 'resolved by tier 1': a number right after the word for a numbered attribute is its value.

    The lexicon matches only text values, so the support tier's number was left over and the answer counted
    every tier. Where a dimension whose values are numbers (resolved_tier: 1-3) is named and the number follows
    it, that is the filter (a grouping the word made is undone); 'resolved by' before it says the same thing.
    Returns the notes to state.
    """
    notes: list[str] = []
    for name, dim in getattr(catalog, "dimensions", {}).items():
        values = [v for v in getattr(dim, "values", []) or [] if isinstance(v, int) and not isinstance(v, bool)]
        if not values or name in parsed.filters:
            continue
        phrases = sorted((p for p, t in lexicon.dimensions.items() if name in t), key=len, reverse=True)
        for phrase in phrases:
            m = re.search(rf"(?<![\w-]){re.escape(phrase)}[\s-]?(\d+)(?![\w.-])", parsed.text)
            if m is None or not parsed.rest[m.start(1):m.end(1)].strip() or int(m.group(1)) not in values \
                    or _PAST.search(parsed.text[: m.start()]):
                continue  # 'escalated beyond tier 1' is not tier 1
            spans = [m.span(1)]
            if (verb := _RESOLVED_BY.search(parsed.text[: m.start()])) is not None:
                spans.append(verb.span())
            parsed.filters[name] = ("=", [int(m.group(1))])
            parsed.group_dims[:] = [d for d in parsed.group_dims if d != name]
            parsed.rest = _blank(parsed.rest, spans)
            parsed.leftover = [w for w in parsed.rest.split() if w]
            notes.append(f"'{m.group(0)}' read as {name} {m.group(1)}.")
            break
    return notes


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span blanked (offsets kept), as the parser marks words placed."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def plain_outcomes(parsed: Any, metrics: list[str], reach: Callable[[str], set[str] | None]) -> None:
    """'Has spend declined', 'jobs rejected by the scheduler': an outcome word on a metric no request status applies to
    is read in its plain sense (a change, another system's rejection), never as the governance filter 'denied'.

    The filter the alias made is dropped and the word is put back among the words left to place, so the
    planner treats it exactly as it would without the alias (a change verb, or a word it cannot place).
    """
    words = {w for group in REQUEST_STATUS_NAMES for w in group[1:]}
    for dim, (_, values) in list(parsed.filters.items()):
        if dim != "request_status" or not metrics or all((r := reach(m)) is None or dim in r for m in metrics):
            continue
        said = [m for w in words for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", parsed.text)
                if not parsed.rest[m.start():m.end()].strip()]
        if not said:
            continue
        del parsed.filters[dim]
        rest = parsed.rest
        for m in said:
            rest = rest[: m.start()] + parsed.text[m.start():m.end()] + rest[m.end():]
        parsed.rest = rest
        parsed.leftover = [w for w in rest.split() if w]
