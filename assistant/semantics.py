"""The assistant's one door to the semantic layer: catalog, vocabulary, compiler, validator, engine.

Loaded lazily and cached per warehouse file, so the first question pays for reading the catalog and
the dimension values once and later questions (and threads) reuse them. Every SQL string reaches
DuckDB only after `validate_sql` passed it: `Resources.validate` memoizes the validation per SQL text
for this warehouse version, so the validate and execute nodes compile and validate once per answer.
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
        self._compiled: dict[str, Any] = {}
        """MetricQuery JSON -> CompiledQuery (bounded; see `_remember`)."""
        self._validated: dict[str, Any] = {}
        """SQL text -> ValidatedSQL for this version's schema (bounded)."""

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

        if hasattr(self.engine, "cursor"):  # DuckDB: the engine's connection, so a process opens the file once
            with self.engine.cursor() as cur:
                return read_meta(cur)
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
        """The compiled query, memoized by the query's JSON: the validate and execute nodes compile once."""
        from semantic_layer.compiler import compile_query

        key = query.model_dump_json()
        hit = self._compiled.get(key)
        if hit is None:
            hit = compile_query(self.catalog, query)
            _remember(self._compiled, key, hit)
        return hit

    def validate(self, sql: str) -> Any:
        """`validate_sql` against this version's schema, memoized by the exact SQL text (refusals are not kept)."""
        from semantic_layer.validator import validate_sql

        hit = self._validated.get(sql)
        if hit is None:
            hit = validate_sql(sql, self.schema, row_limit=self.settings.row_limit)
            _remember(self._validated, sql, hit)
        return hit

    def run_query(self, query: Any) -> Any:
        """Compile, validate (each once per query and warehouse version) and run, with result checks."""
        if not hasattr(self.engine, "run_validated"):  # Spark validates in both dialects itself
            return self.engine.run_query(self.catalog, query)
        compiled = self.compile(query)
        return self.engine.run_validated(self.validate(compiled.sql), compiled)

    def run_sql(self, sql: str) -> Any:
        """Validate (once per SQL text and warehouse version), then run."""
        if not hasattr(self.engine, "run_validated"):
            return self.engine.run_sql(sql)
        return self.engine.run_validated(self.validate(sql))


_MEMO_SIZE = 256


def _remember(memo: dict[str, Any], key: str, value: Any) -> None:
    """Keep at most `_MEMO_SIZE` entries, dropping the oldest (dicts keep insertion order)."""
    with _LOCK:
        if len(memo) >= _MEMO_SIZE:
            memo.pop(next(iter(memo)), None)
        memo[key] = value


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
