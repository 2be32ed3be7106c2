"""What a tool tile needs from a dashboard context, as a protocol: `dashboards.tools` types against it,
so the tiles do not import the runner that builds the context (no file circle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.settings import Settings
    from semantic_layer.catalog import Catalog
    from semantic_layer.engine import Engine


class TileContext(Protocol):
    """A warehouse's engine, catalog and settings, and a stamp that changes when its data does."""

    settings: Settings
    engine: Engine
    catalog: Catalog
    stamp: tuple[Any, Any]
