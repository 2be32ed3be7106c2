"""Run a dashboard's tiles concurrently through the sandboxed engine; a failing tile carries its error.

One `DashboardContext` per warehouse holds the read-only Engine (one cursor per request inside it),
the catalog with warehouse values, and what `pace_meta` says about the data (for presets and freshness).
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dashboards.loader import load_dashboards
from dashboards.query import build_query
from dashboards.spec import FILTER_NAMES, Dashboard, Tile
from dashboards.state import FilterState, from_params
from dashboards.tools import TOOL_QUESTIONS, TOOLS
from semantic_layer.catalog import Catalog, load_catalog
from semantic_layer.engine import Engine
from core.errors import PaceError
from core.settings import Settings
from telemetry.warehouse import version

VALUES_LIMIT = 500
"""Distinct values read per categorical dimension (filters are checked against them when fewer)."""

MAX_WORKERS = 8
RESULTS_KEPT = 512
"""Tile results kept per context (a view of the fleet overview is 18): a view seen before is drawn again
without compiling, validating or running anything, until the warehouse file changes."""
CACHED_TOOLS = frozenset({"fleet_capacity", "hour_of_day_utilization", "idle_allocations", "quota_headroom"})
"""Tool tiles whose result depends on the warehouse file alone (scan, savings and forecast keep their own
cache; pending requests read governance's live requests, which change without a new file)."""
LIVE_TABLE = "compute_requests"
_LOCK = threading.Lock()
_VALIDATED: dict[tuple[int, tuple[tuple[str, float], ...]], dict[str, Dashboard]] = {}


@functools.lru_cache(maxsize=1)
def base_catalog() -> Catalog:
    """The catalog as defined (no warehouse values), parsed once per process; it is read-only."""
    return load_catalog()


def validated_dashboards(catalog: Catalog) -> dict[str, Dashboard]:
    """The shipped dashboards validated against `catalog`, once per catalog and file versions."""
    from dashboards.loader import DEFINITIONS_DIR

    key = (id(catalog), tuple((p.name, p.stat().st_mtime) for p in sorted(DEFINITIONS_DIR.glob("*.y*ml"))))
    with _LOCK:
        if key not in _VALIDATED:
            _VALIDATED[key] = load_dashboards(catalog)
        return _VALIDATED[key]


@dataclass
class TileResult:
    """One tile's data in one view, or its error."""

    tile: Tile
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    error: str | None = None
    elapsed_ms: float = 0.0
    applied: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    question: str = ""
    metric_query: Any = None
    summary: str = ""
    warnings: list[str] = field(default_factory=list)
    cached: bool = False
    """Drawn from a result this context computed before for the same tile, view and warehouse version."""

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


class DashboardContext:
    """Everything tiles need from one warehouse; build once per app or export, close when done."""

    def __init__(self, settings: Settings, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.engine = Engine(settings)
        self.base_catalog = catalog or base_catalog()
        self.catalog = self.base_catalog.with_values(self.engine, max_values=VALUES_LIMIT)
        meta = self.engine.run_sql("SELECT data_start, data_end, built_at, scale, seed FROM pace_meta LIMIT 1").records()
        m = meta[0] if meta else {}
        self.data_start: datetime = m.get("data_start") or datetime(2000, 1, 1)
        end = m.get("data_end") or datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        if settings.as_of:
            end = datetime(settings.as_of.year, settings.as_of.month, settings.as_of.day)
        self.data_end: datetime = end
        self.built_at: datetime | None = m.get("built_at")
        self.scale: str = str(m.get("scale") or "")
        self.stamp = (self.built_at, self.data_end)
        self._pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="tile")
        self._dashboards: dict[str, Dashboard] | None = None
        self._results: OrderedDict[tuple[Any, ...], tuple[Catalog, TileResult]] = OrderedDict()
        self._results_lock = threading.Lock()
        self.deadline_s = settings.query_timeout_s + 30  # the ops tools run several queries each

    def dashboards(self) -> dict[str, Dashboard]:
        """The shipped dashboards, validated against this catalog once."""
        if self._dashboards is None:
            self._dashboards = validated_dashboards(self.base_catalog)
        return self._dashboards

    def state(self, params: dict[str, str], dashboard: Dashboard | None = None) -> FilterState:
        """The view's filters from URL parameters (presets end at the data's end)."""
        return from_params(params, data_start=self.data_start, data_end=self.data_end,
                           default=dashboard.default_range if dashboard else "7d", known=self.filter_values())

    def filter_values(self) -> dict[str, list[Any]]:
        """The values each global filter's dimension holds in this warehouse (a dimension whose list
        was cut at the catalog's limit, or is empty, is left unchecked)."""
        out: dict[str, list[Any]] = {}
        for name in FILTER_NAMES:
            dim = self.catalog.dimensions.get(name)
            values = list(getattr(dim, "values", None) or [])
            if 0 < len(values) < VALUES_LIMIT:
                out[name] = values
        return out

    def freshness(self) -> str:
        last = self.data_end - timedelta(hours=1)
        built = f", warehouse built {self.built_at:%Y-%m-%d %H:%M} UTC" if self.built_at else ""
        return f"data through {last:%Y-%m-%d %H:00} (exclusive end {self.data_end:%Y-%m-%d}){built}"

    def run(self, dashboard: Dashboard, state: FilterState) -> list[TileResult]:
        """Every tile, concurrently, in the dashboard's order; a tile past the deadline shows that instead."""
        tiles = dashboard.tiles()
        futures = [self._pool.submit(run_tile, self, tile, state) for tile in tiles]
        wait(futures, timeout=self.deadline_s)
        return [f.result() if f.done() else TileResult(
                    tile=t, elapsed_ms=self.deadline_s * 1000,
                    error=f"still running after {self.deadline_s:g}s; reload in a moment, or narrow the period or filters")
                for t, f in zip(tiles, futures)]

    def result_key(self, tile: Tile, state: FilterState) -> tuple[Any, ...] | None:
        """What a tile's result depends on: the tile (and the tool function behind it), the view, this
        context's catalog (its rollups) and the warehouse file's version; None for a tile whose data can
        change without a new file."""
        if tile.tool and tile.tool not in CACHED_TOOLS:
            return None
        return (tile.model_dump_json(), TOOLS.get(tile.tool or ""), state.start, state.end,
                tuple(sorted(state.values.items())), id(self.catalog), version(self.settings.db))

    def cached_result(self, key: tuple[Any, ...] | None) -> TileResult | None:
        if key is None:
            return None
        with self._results_lock:
            entry = self._results.get(key)
            if entry is None or entry[0] is not self.catalog:
                return None
            self._results.move_to_end(key)
        return dataclasses.replace(entry[1], cached=True)

    def keep_result(self, key: tuple[Any, ...] | None, result: TileResult) -> None:
        """Keep a successful result whose SQL reads no live table (oldest use dropped past RESULTS_KEPT)."""
        if key is None or result.error or any(LIVE_TABLE in sql for sql in result.sql):
            return
        with self._results_lock:
            self._results[key] = (self.catalog, result)  # the catalog kept alive, so its id is not reused
            self._results.move_to_end(key)
            while len(self._results) > RESULTS_KEPT:
                self._results.popitem(last=False)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.engine.close()

    def __enter__(self) -> DashboardContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_tile(ctx: DashboardContext, tile: Tile, state: FilterState) -> TileResult:
    """One tile; pace's own errors (bad filter value, timeout, refused SQL) and crashes become `.error`.
    A result this context already has for the same tile, view and warehouse version is reused."""
    key = ctx.result_key(tile, state)
    if (hit := ctx.cached_result(key)) is not None:
        return hit
    out = TileResult(tile=tile)
    t0 = time.perf_counter()
    try:
        if tile.tool:
            out.question = TOOL_QUESTIONS.get(tile.tool, tile.title)
            res = TOOLS[tile.tool](ctx, state)
            out.columns, out.rows, out.sql, out.ignored, out.summary = res.columns, res.rows, res.sql, res.ignored, res.summary
            out.applied = {k: v for k, v in state.values.items() if k not in res.ignored}
            out.question = _tool_question(tile, out.question, state)
        else:
            built = build_query(tile, state, ctx.catalog)
            out.applied, out.ignored, out.question, out.metric_query = built.applied, built.ignored, built.question, built.query
            result = ctx.engine.run_query(ctx.catalog, built.query)
            out.columns, out.rows, out.sql, out.warnings = result.columns, [list(r) for r in result.rows], [result.sql], result.warnings
    except PaceError as exc:
        out.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one broken tile must not take the dashboard down
        out.error = f"internal error: {type(exc).__name__}: {exc}"
    out.elapsed_ms = (time.perf_counter() - t0) * 1000
    ctx.keep_result(key, out)
    return out


def _tool_question(tile: Tile, base: str, state: FilterState) -> str:
    text = tile.question or base
    conds = [f"{k.replace('_', ' ')} {v}" for k, v in state.values.items()]
    if conds:
        text += " for " + " and ".join(conds)
    return text + f" from {state.describe().replace(' to ', ' to ')}"
