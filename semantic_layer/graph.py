"""The catalog's join graph and reference graph: which entity reaches which dimension, and how.

Only many-to-one (and one-to-one) joins are walked, so joining a fact row to its dimensions can never
multiply it; facts with different grains are aggregated separately and met on the group keys.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from semantic_layer.catalog_types import CatalogView as Catalog
    from semantic_layer.models import DimensionSource, Metric


@dataclass(frozen=True)
class JoinStep:
    """One hop of a join path: LEFT JOIN `to_entity` ON from.local = to.remote for each pair."""

    from_entity: str
    to_entity: str
    on: tuple[tuple[str, str], ...]


def join_path(catalog: Catalog, start: str, target: str) -> list[JoinStep] | None:
    """Shortest many-to-one path from `start` to `target` (declared order breaks ties), else None."""
    if start == target:
        return []
    seen = {start}
    queue: deque[tuple[str, list[JoinStep]]] = deque([(start, [])])
    while queue:
        name, path = queue.popleft()
        entity = catalog.entities.get(name)
        if entity is None:
            continue
        for join in entity.joins:
            if join.cardinality == "one_to_many" or join.to in seen:
                continue
            step = JoinStep(name, join.to, tuple(join.on.items()))
            if join.to == target:
                return path + [step]
            seen.add(join.to)
            queue.append((join.to, path + [step]))
    return None


def dimension_source(catalog: Catalog, entity: str, dimension: str) -> tuple[list[JoinStep], DimensionSource] | None:
    """How `entity` reads a categorical dimension: the source with the shortest join path, else None."""
    best: tuple[list[JoinStep], DimensionSource] | None = None
    for source in catalog.dimensions[dimension].sources:
        path = join_path(catalog, entity, source.entity)
        if path is not None and (best is None or len(path) < len(best[0])):
            best = (path, source)
    return best


def reachable_dimensions(catalog: Catalog, entity: str) -> list[str]:
    """Dimension names an entity's measures can be grouped or filtered by."""
    out = []
    for name, dim in catalog.dimensions.items():
        if dim.kind == "time":
            if catalog.entities[entity].time_column:
                out.append(name)
        elif dimension_source(catalog, entity, name) is not None:
            out.append(name)
    return out


def metric_refs(metric: Metric) -> list[str]:
    """Metrics a derived or cumulative metric reads directly."""
    if metric.kind == "cumulative" and metric.metric:
        return [metric.metric]
    if metric.kind == "derived" and metric.expr:
        return expr_identifiers(metric.expr)
    return []


@lru_cache(maxsize=512)
def _parse_expr(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read="duckdb")


def parse_expr(text: str) -> exp.Expression:
    """A fresh copy of a parsed definition expression (cached parse)."""
    return _parse_expr(text).copy()


def expr_identifiers(text: str) -> list[str]:
    """Bare names in a derived metric expression (the metrics it reads), in order, unique."""
    names: list[str] = []
    for col in parse_expr(text).find_all(exp.Column):
        if col.name not in names:
            names.append(col.name)
    return names


def expr_columns(text: str) -> list[tuple[str | None, str]]:
    """(entity or None, column) pairs a measure expression reads."""
    return [(col.table or None, col.name) for col in parse_expr(text).find_all(exp.Column)]


def metric_measures(catalog: Catalog, name: str, _stack: tuple[str, ...] = ()) -> list[str]:
    """Every measure a metric needs, following derived and cumulative references."""
    if name in _stack or name not in catalog.metrics:
        return []
    metric = catalog.metrics[name]
    if metric.kind == "simple":
        return [metric.measure] if metric.measure else []
    if metric.kind == "ratio":
        return [m for m in (metric.numerator, metric.denominator) if m]
    out: list[str] = []
    for ref in metric_refs(metric):
        for m in metric_measures(catalog, ref, _stack + (name,)):
            if m not in out:
                out.append(m)
    return out


def metric_entities(catalog: Catalog, name: str) -> list[str]:
    """Entities whose rows a metric aggregates."""
    out: list[str] = []
    for m in metric_measures(catalog, name):
        if m in catalog.measures and catalog.measures[m].entity not in out:
            out.append(catalog.measures[m].entity)
    return out


def reachable_from(catalog: Catalog, entity: str, dimension: str) -> bool:
    """True when `entity` reads `dimension` (time needs a time column)."""
    dim = catalog.dimensions[dimension]
    if dim.kind == "time":
        return bool(catalog.entities[entity].time_column)
    return dimension_source(catalog, entity, dimension) is not None
