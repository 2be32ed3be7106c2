"""Events whose durations the catalog times, and the rule that keeps duration metrics honest.

A duration question names an event (a request approved, a page acknowledged, an incident resolved, a
job leaving the queue, a job running) and a statistic. The words that name each event are declared
here, in the catalog (`events:` in definitions/durations.yaml), and each duration metric says which
event it times (`duration: {event: ...}`); its statistic is its measure's aggregation, so "p90
approval time" finds the metric by declaration, and a statistic no metric has is said to be missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from semantic_layer.errors import Issue, did_you_mean
from semantic_layer.models import Definition

if TYPE_CHECKING:
    from semantic_layer.catalog_types import CatalogView as Catalog
    from semantic_layer.schema_info import Schema

STATISTICS: tuple[str, ...] = ("avg", "p50", "p90", "p95", "min", "max")
"""Aggregations a duration metric may state (a sum of durations is no duration)."""
TIME_UNITS: frozenset[str] = frozenset({"minutes", "hours", "ms", "seconds", "days"})


class DurationEvent(Definition):
    """Something that happens at a moment, whose time since an earlier moment the catalog measures."""

    name: str
    label: str = Field(description="How the answer names the duration ('approval time').")
    description: str = Field(description="From which moment to which, as the source's documentation defines it.")
    words: list[str] = Field(min_length=1, description="Words that name the event on their own ('approve', 'acknowledge').")
    with_things: list[str] = Field(default_factory=list, description="Words that name it only beside one of its `things` "
                                   "('start' of a job, 'last' of an incident), as they mean other things elsewhere.")
    things: list[str] = Field(default_factory=list, description="What the event happens to (requests, incidents, jobs).")
    takes: list[str] = Field(default_factory=list, description="Things whose 'how long does one take' means this event "
                             "(an incident takes its time to resolve); each thing belongs to one event at most.")


def _issue(defn: Definition, key: str, message: str, fix: str) -> Issue:
    return Issue("error", message, fix, defn.loc.file, defn.loc.key_lines.get(key, defn.loc.line), key)


def check_durations(catalog: Catalog, schema: Schema) -> list[Issue]:
    """Duration metrics time a declared event, in a time unit, one metric per (event, statistic), one plain each."""
    events: dict[str, DurationEvent] = getattr(catalog, "events", {}) or {}
    issues: list[Issue] = []
    seen: dict[tuple[str, str], str] = {}
    plain: dict[str, list[str]] = {}
    for name, metric in catalog.metrics.items():
        dur = getattr(metric, "duration", None)
        if dur is None:
            continue
        if dur.event not in events:
            issues.append(_issue(metric, "duration", f"metric `{name}` times unknown event `{dur.event}`",
                                 "name an event declared under `events:`;" + (did_you_mean(dur.event, events) or f" events: {', '.join(events)}")))
            continue
        measure = catalog.measures.get(metric.measure or "") if metric.kind == "simple" else None
        if measure is None or measure.agg not in STATISTICS:
            issues.append(_issue(metric, "duration", f"metric `{name}` is declared a duration but is no mean, percentile or extreme "
                                 "of one measure", f"declare `duration` only on simple metrics aggregated by one of {', '.join(STATISTICS)}"))
            continue
        if metric.unit not in TIME_UNITS:
            issues.append(_issue(metric, "unit", f"duration metric `{name}` is in {metric.unit}", f"use one of {', '.join(sorted(TIME_UNITS))}"))
        key = (dur.event, measure.agg)
        if key in seen:
            issues.append(_issue(metric, "duration", f"metrics `{seen[key]}` and `{name}` both state the {measure.agg} of "
                                 f"`{dur.event}`", "keep one; a question must find one metric per statistic"))
        seen.setdefault(key, name)
        if dur.plain:
            plain.setdefault(dur.event, []).append(name)
    owner: dict[str, str] = {}
    for name, event in events.items():
        if len(plain.get(name, [])) != 1:
            issues.append(_issue(event, "name", f"event `{name}` has {len(plain.get(name, []))} plain metrics "
                                 f"({', '.join(plain.get(name, [])) or 'none'})", "mark exactly one of its metrics `plain: true`"))
        for word in [*event.words, *event.with_things]:
            key = word.strip().lower()
            if key in owner and owner[key] != name:
                issues.append(_issue(event, "words", f"event word `{word}` names both `{owner[key]}` and `{name}`", "keep it in one event"))
            owner.setdefault(key, name)
        stray = [t for t in event.takes if t not in event.things]
        if stray:
            issues.append(_issue(event, "takes", f"event `{name}` takes {', '.join(stray)}, which are not among its things",
                                 "add them to `things` or remove them from `takes`"))
    takers: dict[str, str] = {}
    for name, event in events.items():
        for thing in event.takes:
            if thing in takers:
                issues.append(_issue(event, "takes", f"'how long does a {thing} take' is claimed by `{takers[thing]}` and `{name}`",
                                     "keep the thing in one event's `takes`"))
            takers.setdefault(thing, name)
    return issues


__all__ = ["DurationEvent", "STATISTICS", "check_durations"]
