"""The catalog's shape as the compiler, the join graph and the validation rules read it.

`semantic_layer.catalog.Catalog` implements it; the modules that only read a catalog type against this
protocol, so none of them imports the loader that builds one (which itself runs their rules and joins):
the catalog, its rules, the graph and the compiler no longer import each other in a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from semantic_layer.models import Dimension, Entity, Measure, Metric, VerifiedQuery


class CatalogView(Protocol):
    """Every definition by name, plus the verified queries."""

    entities: dict[str, Entity]
    dimensions: dict[str, Dimension]
    measures: dict[str, Measure]
    metrics: dict[str, Metric]
    verified_queries: list[VerifiedQuery]

    def metric(self, name: str) -> Metric: ...

    def dimension(self, name: str) -> Dimension: ...

    def dimensions_for(self, metric: str) -> list[str]: ...
