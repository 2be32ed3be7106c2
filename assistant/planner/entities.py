"""Questions about the things a fleet is made of: "which GPUs ...", "list the teams that ...", "spend per GPU".

A count answers "how many"; "which" asks for the things themselves. So a question that names an entity
in the plural after "which", or asks to list or show the entities that meet something, is answered
with the entity's key as the grouping and only the groups whose measure is above zero (the GPUs that
were idle all day, not every GPU with a zero), highest first, with the row limit stated. An entity the
catalog has no key for (a job, a compute request) cannot be listed, and the planner says so rather
than answering with the count.

"X per GPU" with no grouping by GPU divides: for a sum or count X and an entity the catalog counts
(distinct GPUs), X over the count over the same period, filters and groups, composed by the
compiler (semantic_layer.derived, `per_count`) and stated as a rule. A ratio per GPU is that ratio
split by GPU. Where the count cannot see the question's filters or groups, nothing is composed: the
answer says so and offers the two side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.planner.lexicon import mask
from assistant.planner.plan import PlannerPlan
from assistant.planner.shapes import additive
from semantic_layer.derived import derived_name
from semantic_layer.query import GroupBy, MetricQuery, OrderBy

LIST_LIMIT = 1000
"""Rows a list of entities shows at most; the answer states it, so a longer list is never silently cut."""


@dataclass(frozen=True)
class Entity:
    """A kind of thing people ask about by name: the words for it, the dimension naming each one, the metric counting them."""

    noun: str
    words: tuple[str, ...]
    key: str | None
    count: str | None = None
    elsewhere: str = ""
    """Where a list of them can be had when the catalog has no key for them."""
    individual: bool = False
    """One of many alike (a GPU, a node, a job): a count split by them is mostly zeros, so only the ones that had any are shown."""


# Words from the field: DCGM labels each GPU by UUID (a 'device' in NVIDIA's docs), Kubernetes and DCGM's Hostname label name
# the node; FOCUS and Slurm name teams, projects, clusters and jobs. A job or a compute request has no key in the catalog.
ENTITIES: tuple[Entity, ...] = (
    Entity("GPU", ("gpu", "gpus", "card", "cards", "device", "devices", "gpu device", "gpu devices"), "gpu_uuid", "gpu_count",
           individual=True),
    Entity("host", ("host", "hosts", "node", "nodes", "server", "servers", "machine", "machines"), "host", individual=True),
    Entity("team", ("team", "teams"), "team"),
    Entity("org", ("org", "orgs", "organization", "organizations", "organisation", "organisations"), "org"),
    Entity("project", ("project", "projects"), "project"),
    Entity("cluster", ("cluster", "clusters"), "cluster"),
    Entity("region", ("region", "regions"), "region"),
    Entity("endpoint", ("endpoint", "endpoints"), "endpoint"),
    Entity("model", ("model", "models"), "model"),
    Entity("job", ("job", "jobs"), "job_id", "jobs", individual=True),
    Entity("compute request", ("compute request", "compute requests", "request", "requests"), None,
           elsewhere=" `pace request list` lists compute requests one by one."),
)
_BY_WORD = {w: e for e in ENTITIES for w in e.words}
_WORDS = "|".join(re.escape(w) for w in sorted(_BY_WORD, key=len, reverse=True))
# a noun that names a kind of thing or a quantity, not the things themselves: 'gpu type', 'gpu hours', 'job count'
_NOT_THE_THING = (r"(?!\s+(?:type|types|kind|kinds|model|models|sku|family|class|generation|category|hour|hours|day|days|week|weeks|"
                  r"minute|minutes|count|counts|number|utili[sz]ation|util|memory|cost|costs|spend|time|times|wait|duration|"
                  r"state|status|uuid|id|ids|name|names|size|sizes)\b)")
# one qualifying word may sit between ('which atlas jobs', 'which H100 GPUs'), never a word that makes it a quantity ('what share of jobs')
# (folded "atlas's" is "atla s")
_QUALIFIER = (r"(?:(?!(?:time|kind|kinds|type|types|share|fraction|number|proportion|percent|percentage|portion|many|much|of)\b)"
              r"[\w'-]+(?:\s+s)?\s+)?")
_WHICH = re.compile(rf"\b(?:which|what)\s+(?:of\s+(?:the|our)\s+)?(?:(?:individual|specific|particular)\s+)?{_QUALIFIER}"
                    rf"({_WORDS})\b{_NOT_THE_THING}")
_LIST = re.compile(rf"\b(?:list|show|show me|give me|name|find|get|identify|flag)\s+(?:all\s+|every\s+|each\s+)?(?:the\s+|our\s+|of\s+the\s+)?"
                   rf"{_QUALIFIER}({_WORDS})\s+(?:that|which|who|where|whose|with|having|had|have|has|were|was|are|is|in|on|over|under|"
                   r"idle|sitting|sat|still)\b")
_PER_KEY = re.compile(rf"(?<![\w-])(?:per|by|for each|for every)[\s-]+({_WORDS})\s+(?:uuid|id|ids|name)(?![\w-])")
_RELATIVE = re.compile(r"\s+(that|which|who|whose|where)\b")
_PER = re.compile(rf"(?<![\w-])per[\s-]+({_WORDS})(?![\w-]){_NOT_THE_THING}")


def listed_entity(text: str) -> tuple[Entity, str] | None:
    """The entity a question asks to list, and the words that asked, else None (lower-cased text).

    >>> [e.noun for e, _ in filter(None, map(listed_entity, ["which gpus were idle all day", "list the teams that went over quota",
    ...                                                        "which gpu type costs most", "how many gpus were idle"]))]
    ['GPU', 'team']
    """
    m = _asked_list(text)
    return (_BY_WORD[m.group(1)], m.group(0)) if m else None


def _asked_list(text: str) -> re.Match[str] | None:
    return _WHICH.search(text) or _LIST.search(text)


def _placed(parsed: Any, span: tuple[int, int]) -> None:
    """The entity's words are understood: blank them, so they are not left over as words nobody placed."""
    parsed.rest = mask(parsed.rest, [span])
    parsed.leftover = [w for w in parsed.rest.split() if w]


Outcome = tuple[MetricQuery, list[str]] | PlannerPlan | None
"""The query reshaped and the notes to state, a plan that says why not, or None: the rule does not apply."""


def entity_list(question: str, query: MetricQuery, parsed: Any, catalog: Any, reach: Any) -> Outcome:
    """'Which GPUs were idle all day yesterday': the GPUs, by key, where the measure is above zero, highest first.

    Only for one additive metric (a ratio has no "meets it") with no ranking, sort order or period buckets;
    the entity must be one the question does not already filter to one value. `reach(metric)` gives the
    dimensions a metric can be split by (None: unknown, assume it can).
    """
    m = _asked_list(question)
    if m is None:
        return _individual_split(query, catalog, parsed)
    if parsed.rank is not None or parsed.sort_desc is not None or query.time_grain() is not None:
        return None
    entity = _BY_WORD[m.group(1)]
    metric = query.metrics[0]
    label = getattr(catalog.metrics[metric], "label", metric)
    if entity.key is None or entity.key not in catalog.dimensions:
        return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"{label} by team yesterday"], message=(
            f"That asks for a list of {entity.noun}s, and the catalog has no {entity.noun} identifier to list them "
            f"by, so I won't answer with a count. I can give how many, or list the teams, clusters or projects that had any."
            f"{entity.elsewhere}"))
    if len(query.metrics) != 1 or not additive(catalog, metric) or query.compare_to_previous or query.share_of_total:
        return None
    if any(f.dimension == entity.key and f.operator == "=" and len(f.values) == 1 for f in query.filters):
        return None  # 'which team ... atlas' names the one already
    allowed = reach(metric)
    if allowed is not None and entity.key not in allowed:
        return PlannerPlan(kind="abstain", confidence=0.0, message=(
            f"That asks for a list of {entity.noun}s, but {label.lower()} cannot be split by {entity.key}: its "
            f"data has no such attribute. It can be split by: {', '.join(sorted(allowed)) or 'nothing'}."))
    others = [g for g in query.group_by if g.dimension != entity.key and not _names_same(g.dimension, entity, catalog, parsed.text)]
    group_by = [GroupBy(dimension=entity.key), *others]
    order = [OrderBy(field=metric, descending=True)]
    update = {"group_by": group_by, "order_by": order, "positive_only": True, "limit": min(query.limit or LIST_LIMIT, LIST_LIMIT)}
    _placed(parsed, m.span(1))
    if (rel := _RELATIVE.match(question, m.end(1))) is not None:  # 'the projects whose jobs ...': the pronoun only links
        _placed(parsed, rel.span(1))
    note = f"Listed: the {entity.noun}s ({entity.key}) whose value is above zero, highest first, at most {update['limit']} rows."
    return query.model_copy(update=update), [note]


def _individual_split(query: MetricQuery, catalog: Any, parsed: Any) -> tuple[MetricQuery, list[str]] | None:
    """'Idle-all-day GPUs by GPU UUID': a count split by one GPU, node or job lists the ones that had any, not every zero.

    Only for a count (unit 'count'); an amount split by GPU (hours, cost) keeps its zeros, which are values.
    """
    keys = {e.key: e for e in ENTITIES if e.individual}
    split = [g.dimension for g in query.group_by if g.grain is None]
    if (len(split) != 1 or split[0] not in keys or len(query.metrics) != 1 or query.positive_only or parsed.rank is not None
            or query.compare_to_previous or query.share_of_total or query.per_count):
        return None
    metric = query.metrics[0]
    if getattr(catalog.metrics[metric], "unit", "") != "count" or not additive(catalog, metric):
        return None
    entity = keys[split[0]]
    limit = min(query.limit or LIST_LIMIT, LIST_LIMIT)
    return query.model_copy(update={"positive_only": True, "limit": limit}), [
        f"Only the {entity.noun}s with a count above zero are listed (the others had none), at most {limit} rows."]


def _names_same(dimension: str, entity: Entity, catalog: Any, text: str) -> bool:
    """A grouping that the entity's own word produced ('which gpus' read as by accelerator type): the entity replaces it."""
    words = set(text.split())
    syn = {s.lower() for s in getattr(catalog.dimensions.get(dimension), "synonyms", []) or []}
    return dimension != entity.key and bool({w.rstrip("s") for w in entity.words} & words & ({dimension} | syn))


def counted_pair(text: str, metrics: list[str], catalog: Any) -> bool:
    """'GPU-hours per job': a sum and the count of the thing after 'per', which `per_entity` divides (no ratio to refuse).

    >>> counted_pair("gpu hour per job last week", ["gpu_hours", "jobs"], type("C", (), {"metrics": {}})())
    False
    """
    found = [_BY_WORD[m.group(1)] for m in _PER.finditer(text)]
    return (len(metrics) == 2 and len(found) == 1 and found[0].count == metrics[1] and metrics[1] in catalog.metrics
            and additive(catalog, metrics[0]))


def per_entity(parsed: Any, query: MetricQuery, catalog: Any, reach: Any, consumed: list[tuple[int, int]] = ()) -> Outcome:
    """'Spend per GPU last month': every additive metric over the entity's count, same period, filters and groups.

    A ratio per GPU ('utilization per GPU') is that ratio split by the GPU's key. Returns None where the
    question has no 'per <entity>' outside a metric's own name, or where it already groups by the entity.
    """
    text = parsed.text
    key = _PER_KEY.search(text)  # 'per GPU UUID', 'by job id': the split by the thing's own key, whatever the metric
    if key is not None and (entity := _BY_WORD[key.group(1)]).key in catalog.dimensions:
        _placed(parsed, key.span())
        if any(g.dimension == entity.key for g in query.group_by):
            return None
        split = [GroupBy(dimension=entity.key), *[g for g in query.group_by if not _names_same(g.dimension, entity, catalog, text)]]
        query = query.model_copy(update={"group_by": split, "order_by": [OrderBy(field=query.metrics[0], descending=True)]})
        return _individual_split(query, catalog, parsed) or (query, [])
    # a metric phrase inside the noun ('per job': 'job' read as jobs too) is the count; one around it is a metric's own name
    m = next((m for m in _PER.finditer(text)
              if not any(s < m.end() and m.start() < e and not m.start(1) <= s < e <= m.end(1) for s, e in consumed)), None)
    if m is None:
        return None
    entity = _BY_WORD[m.group(1)]
    names = [n for n in query.metrics if n != entity.count]
    if entity.key is not None and any(g.dimension == entity.key for g in query.group_by):
        if not all(additive(catalog, n) and (r := reach(n)) is not None and entity.key not in r for n in names):
            return None  # a split by GPU the metric has: 'per GPU' read as 'for each GPU' stands
        query = query.model_copy(update={"group_by": [g for g in query.group_by if g.dimension != entity.key]})
    if not names:
        return None
    labels = ", ".join(getattr(catalog.metrics[n], "label", n) for n in names)
    if not all(additive(catalog, n) for n in names):
        if entity.key is None or entity.key not in catalog.dimensions or any(additive(catalog, n) for n in names):
            return None  # the older rule (planner.shapes.per_thing) says what cannot be split
        group_by = [GroupBy(dimension=entity.key), *[g for g in query.group_by if not _names_same(g.dimension, entity, catalog, text)]]
        _placed(parsed, m.span())
        return query.model_copy(update={"group_by": group_by, "order_by": [OrderBy(field=names[0], descending=True)]}), [
            f"Per {entity.noun}: {labels.lower()} is a ratio, so per {entity.noun} means for each {entity.noun} ({entity.key}), "
            "not a division."]
    if entity.count is None or entity.count not in catalog.metrics or query.share_of_total or query.per or query.compare_to_previous:
        return None
    count_label = getattr(catalog.metrics[entity.count], "label", entity.count)
    wanted = [g.dimension for g in query.group_by if g.grain is None] + [f.dimension for f in query.filters]
    allowed = reach(entity.count)
    blind = [d for d in dict.fromkeys(wanted) if allowed is not None and d not in allowed]
    if blind:
        return PlannerPlan(kind="abstain", confidence=0.0, suggestions=[f"{labels} and {count_label.lower()} last month"], message=(
            f"'{m.group(0)}' divides {labels.lower()} by the {count_label.lower()}, which cannot be split or filtered by "
            f"{', '.join(blind)}, so the two would not cover the same things and I won't compose it. I can give {labels.lower()} "
            f"and {count_label.lower()} side by side."))
    # 'the highest spend per GPU' ranks the value per GPU, never the total it was divided from
    order = [o.model_copy(update={"field": derived_name(o.field, "per_count", entity.count)}) for o in query.order_by if o.field in names]
    _placed(parsed, m.span())
    update = {"metrics": [*names, entity.count], "per_count": entity.count, "order_by": order}
    desc = getattr(catalog.metrics[entity.count], "description", "") or count_label
    rule = (f"Per {entity.noun}: {labels.lower()} / {count_label.lower()} over the same period and filters "
            f"({desc.rstrip('.')}); composed from the two metrics, not a catalog metric.")
    return query.model_copy(update=update), [rule]


__all__ = ["ENTITIES", "LIST_LIMIT", "Entity", "entity_list", "listed_entity", "per_entity"]
