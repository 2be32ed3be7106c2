"""A metric tile plus the view's filters -> the MetricQuery `pace query` would run, and its chat form.

Global filters apply to a tile only where every metric of the tile accepts the dimension (serving
metrics have no workload type, for instance); the ones left out are reported on the tile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from dashboards.spec import Tile
from dashboards.state import FilterState
from semantic_layer.catalog import Catalog
from semantic_layer.query import Filter, GroupBy, MetricQuery, OrderBy, TimeRange


@dataclass
class BuiltQuery:
    """The query for one tile in one view, which global filters it honours, and its question."""

    query: MetricQuery
    applied: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    question: str = ""


def accepted_filters(tile: Tile, state: FilterState, catalog: Catalog) -> tuple[dict[str, str], list[str]]:
    """(filters this tile applies, filter names it cannot apply) for the view's global filter values."""
    allowed = set.intersection(*(set(catalog.dimensions_for(m)) for m in tile.metrics)) if tile.metrics else set()
    applied, ignored = {}, []
    for name, value in state.values.items():
        if name in tile.ignore_filters or (tile.metrics and name not in allowed):
            ignored.append(name)
        else:
            applied[name] = value
    return applied, ignored


def build_query(tile: Tile, state: FilterState, catalog: Catalog) -> BuiltQuery:
    """The MetricQuery for a metric tile in this view."""
    applied, ignored = accepted_filters(tile, state, catalog)
    group_by = [GroupBy(dimension=d) for d in tile.group_by]
    grain = state.grain() if tile.grain == "auto" else tile.grain
    if grain:
        group_by.append(GroupBy(dimension="time", grain=grain))
    filters = [Filter(dimension=f.dimension, operator=f.operator, values=list(f.values)) for f in tile.filters]
    filters += [Filter(dimension=k, operator="=", values=[v]) for k, v in applied.items()]
    query = MetricQuery(
        metrics=list(tile.metrics), group_by=group_by, filters=filters,
        time_range=TimeRange(start=state.start, end=state.end),
        order_by=[OrderBy(field=tile.metrics[0], descending=True)] if tile.top else [],
        limit=tile.top, compare_to_previous=tile.wants_compare,
    )
    return BuiltQuery(query, applied, ignored, chat_question(tile, query, catalog))


def chat_question(tile: Tile, query: MetricQuery, catalog: Catalog) -> str:
    """The tile as a `pace ask` question: metrics, split, filters and the exact period."""
    if tile.question:
        text = tile.question
    else:
        labels = [catalog.metrics[m].label if m in catalog.metrics else m for m in query.metrics]
        text = " and ".join(labels)
        if tile.top:
            text = f"top {tile.top} " + " by ".join(
                catalog.dimensions[g.dimension].label.lower() for g in query.group_by if not g.grain) + f" by {text.lower()}"
        else:
            dims = [catalog.dimensions[g.dimension].label.lower() for g in query.group_by if not g.grain and g.dimension in catalog.dimensions]
            if dims:
                text += " by " + " and ".join(dims)
            if grain := query.time_grain():
                text += f" per {grain}"
    conds = [f"{f.dimension.replace('_', ' ')} {f.values[0]}" if f.operator == "=" else
             f"{f.dimension.replace('_', ' ')} {f.operator} {', '.join(map(str, f.values))}" for f in query.filters]
    if conds:
        text += " for " + " and ".join(conds)
    if query.time_range:
        tr = query.time_range
        last = tr.end - timedelta(days=1)
        text += f" from {tr.start:%Y-%m-%d} to {last:%Y-%m-%d}" if last.date() > tr.start.date() else f" on {tr.start:%Y-%m-%d}"
    if query.compare_to_previous:
        text += " compared with the previous period"
    return text[0].upper() + text[1:]
