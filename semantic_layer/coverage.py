"""Which period each table's data covers, per source, so answers never present "no rows" as a finding.

Ingest records a span per (table, source) in `pace_coverage`; a generated warehouse covers every fact
table over `pace_meta`'s period; a table with neither is measured directly (min and max of its time
column). Spans are half-open, [start, end), midnight-aligned like `pace_meta`.

>>> from datetime import datetime
>>> s = Span("jobs", "sacct", datetime(2025, 1, 1), datetime(2025, 6, 1))
>>> s.overlaps(datetime(2025, 5, 1), datetime(2025, 7, 1)), s.overlaps(datetime(2025, 6, 1), datetime(2025, 7, 1))
(True, False)
>>> s.describe()
'jobs (sacct) from 2025-01-01 to 2025-05-31'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from semantic_layer.catalog import Catalog
from semantic_layer.graph import metric_entities


@dataclass(frozen=True)
class Span:
    """Data of one table from one source over [start, end)."""

    table: str
    source: str
    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when [start, end) shares any time with this span."""
        return self.start < end and start < self.end

    def describe(self) -> str:
        """'jobs (sacct) from 2025-01-01 to 2025-05-31' (the last day inclusive, as people say it)."""
        last = self.end - timedelta(days=1) if self.end > self.start else self.end
        return f"{self.table} ({self.source}) from {self.start:%Y-%m-%d} to {last:%Y-%m-%d}"


def _ts(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return None


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [table]
    ).fetchone()[0])


def covered_period(con: duckdb.DuckDBPyConnection, table: str, time_column: str | None = None) -> list[Span]:
    """The spans of `table`'s data, per source (empty when the table holds nothing)."""
    spans: list[Span] = []
    if _has_table(con, "pace_coverage"):
        rows = con.execute(
            "SELECT source, data_start, data_end FROM pace_coverage WHERE table_name = ? ORDER BY data_start, source",
            [table],
        ).fetchall()
        spans = [Span(table, src, s, e) for src, s, e in rows]
    meta = con.execute("SELECT source, data_start, data_end FROM pace_meta ORDER BY built_at DESC LIMIT 1").fetchone() \
        if _has_table(con, "pace_meta") else None
    generated = meta is not None and str(meta[0]) == "generated"
    if not (generated or not spans) or not time_column or not _has_table(con, table):
        return spans
    source = exp.to_table(table, quoted=True)
    if generated and _ts(meta[1]) and _ts(meta[2]):
        # The generator fills every fact table over pace_meta's period (one row says the table is there),
        # unless it recorded a narrower span itself (gpu_hourly's trailing window).
        if not any(s.source == "generated" for s in spans) and \
                con.execute(exp.select("1").from_(source).limit(1).sql("duckdb")).fetchone():
            spans.insert(0, Span(table, "generated", _ts(meta[1]), _ts(meta[2])))
        return spans
    column = exp.column(time_column, quoted=True)
    first, last = con.execute(exp.select(exp.func("min", column), exp.func("max", column.copy())).from_(source)
                              .sql("duckdb")).fetchone()
    if first is not None:
        start = datetime(first.year, first.month, first.day)
        spans.append(Span(table, "data", start, datetime(last.year, last.month, last.day) + timedelta(days=1)))
    return spans


def _timed_sources(catalog: Catalog, metric: str) -> list[tuple[str, str]]:
    """(table, time column) behind `metric`: its entities' tables, or for a derived entity (gpu_daily) the
    tables its SQL reads, timed as the catalog's entity on that table is."""
    timed = {e.source_table: e.time_column for e in catalog.entities.values() if e.time_column and not e.sql}
    return [(t, timed[t]) for t in _base_tables(catalog, metric) if t in timed]


def _timed_tables(catalog: Catalog, metric: str) -> list[str]:
    return [t for t, _ in _timed_sources(catalog, metric)]


def metric_coverage(con: duckdb.DuckDBPyConnection, catalog: Catalog, metric: str) -> list[Span]:
    """Spans of every table behind `metric` (its measures' entities, or the tables a derived entity reads)."""
    out: list[Span] = []
    for table, time_column in _timed_sources(catalog, metric):
        out += covered_period(con, table, time_column)
    return out


def covers(spans: list[Span], start: datetime, end: datetime) -> bool:
    """True when some span shares time with [start, end)."""
    return any(s.overlaps(start, end) for s in spans)


def describe_spans(spans: list[Span]) -> str:
    """'jobs, which holds sacct data from 2025-01-01 to 2025-05-31', per table; or 'no table with data'.

    >>> from datetime import datetime as d
    >>> describe_spans([Span("jobs", "generated", d(2026, 1, 1), d(2026, 2, 1)), Span("jobs", "sacct", d(2026, 3, 1), d(2026, 3, 2))])
    'jobs, which holds generated data from 2026-01-01 to 2026-01-31 and sacct data from 2026-03-01 to 2026-03-01'
    """
    by_table: dict[str, list[str]] = {}
    for s in spans:
        text = s.describe().split(" (", 1)[1].replace(") from", " data from", 1)
        if text not in by_table.setdefault(s.table, []):
            by_table[s.table].append(text)
    return "; ".join(f"{t}, which holds {' and '.join(parts)}" for t, parts in by_table.items()) or "no table with data"


# Metrics that measure one quantity from different sources: accelerator-hours held, from utilization
# telemetry (DCGM) or from the scheduler's jobs (Slurm). A question naming the quantity ("GPU-hours")
# is answered from whichever source covers the asked period, and the answer says so.
SAME_QUANTITY: tuple[tuple[str, ...], ...] = (("allocated_hours", "job_accelerator_hours"),)


def prefer_covered(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, metrics: list[str], start: datetime, end: datetime
) -> tuple[list[str], list[str]]:
    """(metrics, notes): each metric whose tables miss [start, end) swapped for a same-quantity one that covers it."""
    out, notes = list(metrics), []
    for i, name in enumerate(metrics):
        group = next((g for g in SAME_QUANTITY if name in g), None)
        if group is None or covers(metric_coverage(con, catalog, name), start, end):
            continue
        for other in group:
            if other == name or other in out or other not in catalog.metrics:
                continue
            spans = metric_coverage(con, catalog, other)
            if covers(spans, start, end):
                out[i] = other
                mine = describe_spans(metric_coverage(con, catalog, name))
                notes.append(
                    f"Answered with {catalog.metrics[other].label} ({other}), from {describe_spans(spans)}: "
                    f"{catalog.metrics[name].label} ({name}) is computed from {mine}, which misses the period asked."
                )
                break
    return out, notes


def _base_tables(catalog: Catalog, metric: str) -> list[str]:
    """Warehouse tables a metric reads: its entities' tables, or the tables a derived entity's SQL reads."""
    out: list[str] = []
    for name in metric_entities(catalog, metric):
        entity = catalog.entities.get(name)
        if entity is None:
            continue
        found = [t.name for t in sqlglot.parse_one(entity.sql, read="duckdb").find_all(exp.Table)] if entity.sql \
            else [entity.source_table]
        out += [t for t in found if t not in out]
    return out


# How to fill a table that an older warehouse lacks (docs/data-model.md); others: re-seed or ingest a table file.
FILL_HINTS: dict[str, str] = {
    "gpu_hourly": "ingest DCGM exporter data with `pace ingest FILE --format dcgm` (or `--prometheus URL`), "
                  "or rebuild a demo warehouse with `pace seed`",
}


def absent_tables(con: duckdb.DuckDBPyConnection, catalog: Catalog, metrics: list[str]) -> str | None:
    """None when the warehouse has every table behind `metrics`; else which it lacks and how to fill each."""
    missing: list[str] = []
    for name in metrics:
        missing += [t for t in _base_tables(catalog, name) if t not in missing and not _has_table(con, t)]
    if not missing:
        return None
    labels = [catalog.metrics[m].label if m in catalog.metrics else m for m in metrics]
    how = "; ".join(f"to fill {t}, {FILL_HINTS.get(t, f'ingest a file shaped like it (`pace ingest FILE --format csv --table {t}`) or rebuild a demo warehouse with `pace seed`')}"
                    for t in missing)
    return (f"{', '.join(labels)} {'is' if len(labels) == 1 else 'are'} computed from {', '.join(missing)}, which this "
            f"warehouse does not have (it was built by an earlier pace version); {how}.")


def uncovered(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, metrics: list[str], start: datetime, end: datetime
) -> str | None:
    """None when some table behind every metric has data in [start, end); else what data exists, for which period."""
    absent = absent_tables(con, catalog, metrics)
    if absent:
        return absent
    parts = []
    for name in metrics:
        tables = _timed_tables(catalog, name)
        spans = metric_coverage(con, catalog, name)
        if not tables or covers(spans, start, end):
            return None  # covered, or nothing to say (no table with a time column behind it)
        label = catalog.metrics[name].label if name in catalog.metrics else name
        hints = [f"to fill {t}, {FILL_HINTS[t]}" for t in tables if t in FILL_HINTS]
        held = describe_spans(spans) if spans else f"{', '.join(tables)}, which holds no data" + "".join(f" ({h})" for h in hints)
        parts.append(f"{label} is computed from {held}")
    return "; ".join(parts) + "." if parts else None


def chooser(engine: Any, catalog: Catalog) -> Callable[[list[str], datetime, datetime], tuple[list[str], list[str]]] | None:
    """`prefer_covered` bound to a DuckDB engine (None for engines without cursors, e.g. Spark)."""
    if not hasattr(engine, "cursor"):
        return None

    def choose(metrics: list[str], start: datetime, end: datetime) -> tuple[list[str], list[str]]:
        if not any(m in group for group in SAME_QUANTITY for m in metrics):
            return metrics, []  # nothing to choose between: no warehouse read
        with engine.cursor() as cur:
            return prefer_covered(cur, catalog, metrics, start, end)

    return choose


def coverage_gap(engine: Any, catalog: Catalog, metrics: list[str], start: datetime, end: datetime) -> str | None:
    """`uncovered` read through a DuckDB engine; None where coverage cannot be read (Spark)."""
    if not hasattr(engine, "cursor"):
        return None
    with engine.cursor() as cur:
        return uncovered(cur, catalog, metrics, start, end)


def partial(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, metrics: list[str], start: datetime, end: datetime
) -> str | None:
    """A note when a metric's tables cover only part of [start, end) and the warehouse holds more elsewhere.

    A table kept for a shorter window than the rest (generated per-GPU hours, a DCGM retention window)
    would otherwise give a figure for part of the period as if for all of it. A period running past the
    warehouse's own data (this week, mid-week) is not flagged: every table stops there alike.
    """
    meta = con.execute("SELECT data_start, data_end FROM pace_meta ORDER BY built_at DESC LIMIT 1").fetchone() \
        if _has_table(con, "pace_meta") else None
    first, last = (_ts(meta[0]), _ts(meta[1])) if meta else (None, None)
    notes = []
    for name in metrics:
        spans = [s for s in metric_coverage(con, catalog, name) if s.overlaps(start, end)]
        if not spans:
            continue
        lo, hi = min(s.start for s in spans), max(s.end for s in spans)
        if (start < lo and (first is None or lo > first)) or (end > hi and (last is None or hi < last)):
            label = catalog.metrics[name].label if name in catalog.metrics else name
            notes.append(f"{label} covers only part of the period asked: it is computed from {describe_spans(spans)}.")
    return " ".join(notes) or None


def partial_coverage(engine: Any, catalog: Catalog, metrics: list[str], start: datetime, end: datetime) -> str | None:
    """`partial` read through a DuckDB engine; None where coverage cannot be read (Spark)."""
    if not hasattr(engine, "cursor"):
        return None
    with engine.cursor() as cur:
        return partial(cur, catalog, metrics, start, end)


def warehouse_lacks(engine: Any, catalog: Catalog, metrics: list[str]) -> str | None:
    """`absent_tables` read through a DuckDB engine; None where it cannot be read (Spark) or nothing is missing."""
    if not hasattr(engine, "cursor"):
        return None
    with engine.cursor() as cur:
        return absent_tables(cur, catalog, metrics)
