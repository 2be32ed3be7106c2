"""The assistant's one door to the semantic layer: catalog, vocabulary, compiler, validator, engine.

Loaded lazily and cached per warehouse file, so the first question pays for reading the catalog and
the dimension values once and later questions (and threads) reuse them. Every SQL string reaches
DuckDB only through `Engine.run_query` / `Engine.run_sql`, which validate before running.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.planner.lexicon import Lexicon
from core.settings import Settings

_CACHE: dict[tuple[str, str, str, str], Resources] = {}
_LOCK = threading.Lock()


class Resources:
    """Catalog with data values, its lexicon, the engine and the warehouse's `pace_meta` row."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self.reach_cache: dict[str, set[str]] = {}
        """metric -> dimensions it can be split by (filled by the offline planner)."""
        self.version: tuple[int, int, int] | None = None
        """The warehouse file's version these resources were read from (`telemetry.warehouse.version`)."""

    @cached_property
    def engine(self) -> Any:
        from semantic_layer.engine import open_engine

        return open_engine(self.settings)  # DuckDB, or Spark when settings.engine == "spark"

    @cached_property
    def catalog(self) -> Any:
        from semantic_layer.catalog import load_catalog

        with self._lock:
            return load_catalog().with_values(self.engine)

    @cached_property
    def lexicon(self) -> Lexicon:
        from assistant.planner.words import ALIASES

        return Lexicon.from_catalog(self.catalog, ALIASES)

    @cached_property
    def meta(self) -> dict[str, Any]:
        from telemetry.warehouse import open_reader, read_meta

        with open_reader(self.settings.db) as con:  # WarehouseError (exit 2) when it cannot be read
            return read_meta(con)

    @cached_property
    def schema(self) -> dict[str, dict[str, str]]:
        return self.engine.schema()

    def as_of(self) -> date:
        """PACE_AS_OF, else `pace_meta.data_end` (the exclusive end of data, i.e. 'today')."""
        if self.settings.as_of is not None:
            return self.settings.as_of
        end = self.meta.get("data_end")
        if isinstance(end, datetime):
            return end.date()
        if isinstance(end, date):
            return end
        return date.today()

    def freshness(self) -> str:
        """'data 2026-08-25 to 2026-11-22, built 2026-11-25 20:01 (generated, seed 7)'."""
        m = self.meta
        if not m:
            return "no pace_meta row: data freshness unknown"
        start, end = m.get("data_start"), m.get("data_end")
        last = f"{end:%Y-%m-%d %H:%M}" if isinstance(end, datetime) else str(end)
        first = f"{start:%Y-%m-%d}" if isinstance(start, datetime) else str(start)
        return f"data from {first} to {last} (exclusive), source {m.get('source', '?')}, built {m.get('built_at', '?')}"

    def compile(self, query: Any) -> Any:
        from semantic_layer.compiler import compile_query

        return compile_query(self.catalog, query)

    def validate(self, sql: str) -> Any:
        from semantic_layer.validator import validate_sql

        return validate_sql(sql, self.schema, row_limit=self.settings.row_limit)

    def run_query(self, query: Any) -> Any:
        return self.engine.run_query(self.catalog, query)

    def run_sql(self, sql: str) -> Any:
        return self.engine.run_sql(sql)


def resources_for(settings: Settings) -> Resources:
    """Cached resources for the version of the warehouse file now at the path (rebuilt after a writer's swap).

    Only the current version's resources are kept: older ones are dropped and their engine closes once the
    questions still running on it finish. Never builds a warehouse (a missing one is a `WarehouseError`).
    """
    from telemetry.warehouse import require_warehouse, version

    path = Path(settings.db)
    now = version(path)
    if now is None:
        require_warehouse(path)  # raises: no warehouse at PATH; build one with `pace seed --db PATH`
    place = (str(path.resolve()), str(settings.as_of), settings.engine, str(settings.warehouse_path))
    with _LOCK:
        res = _CACHE.get(place)
        if res is not None and res.version == now:
            return res
        res_new = Resources(settings)
        res_new.version = now
        _CACHE[place] = res_new
    if res is not None and "engine" in res.__dict__:
        res.engine.close()  # closes after the requests still using the old version
    return res_new
