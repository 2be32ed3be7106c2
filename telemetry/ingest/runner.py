"""`ingest()`: one file through staging, gates, quarantine, dedupe and load, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Literal

import duckdb

from core.errors import UserError
from telemetry.ingest import dcgm, focus, mapping, sacct, tables
from telemetry.ingest.catalog import ensure_catalog, record_meta
from telemetry.ingest.load import IngestPlan, add_dimensions, check, insert_new, quarantine
from telemetry.ingest.staging import (
    check_file,
    csv_source,
    finish_csv,
    prepare_rejects,
    require_columns,
    stage_csv,
    stage_parquet,
)
from telemetry.ingest.summary import IngestSummary
from telemetry.rollups import loaded_window
from telemetry.rollups import refresh as refresh_rollups
from telemetry.warehouse import writer

Format = Literal["focus", "dcgm", "sacct", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("focus", "dcgm", "sacct", "csv", "parquet")
STEPS: tuple[str, ...] = ("read", "type and gate", "quarantine", "dimensions", "load")


def ingest(
    path: Path,
    fmt: str,
    db: Path,
    *,
    table: str | None = None,
    mapping_file: Path | None = None,
    progress: bool = False,
    threads: int | None = None,
) -> IngestSummary:
    """Load `path` into the warehouse at `db`; all or nothing (one transaction), counts reconciled."""
    path = Path(path)
    if fmt not in FORMATS:
        raise UserError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if table and fmt not in ("csv", "parquet"):
        raise UserError(f"--table applies to --format csv or parquet only (got --format {fmt})")
    check_file(path, fmt)
    triples = mapping.load_mapping(mapping_file)
    started = time.perf_counter()
    clock = _StageClock()
    with writer(db, purpose=f"ingest {path.name}") as con, _progress(progress, path) as advance:  # next version, swapped in on commit
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # DuckDB's own bar on stderr; `--progress` draws pace's
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        mapping.register(con, triples)
        con.execute("BEGIN TRANSACTION")
        try:
            ensure_catalog(con)
            clock.lap("setup")
            summary = _run(con, path, fmt, table, lambda step: (clock.lap(step), advance(step)))
            if summary.loaded:  # the rollups of the loaded table, in the same transaction (telemetry/rollups.py)
                refresh_rollups(con, (summary.table,),
                                window=None if summary.updated else loaded_window(con, "_checked", summary.table))
            clock.lap("rollups")
            record_meta(con, summary.table, fmt)
            clock.lap("coverage")
            con.execute("COMMIT")
            clock.lap("commit")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    clock.lap("checkpoint")  # the writer's CHECKPOINT, fsync and swap of the new version
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.stage_seconds = clock.seconds
    return summary


class _StageClock:
    """Wall seconds between successive `lap(stage)` calls, by stage (for `IngestSummary.stage_seconds`)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 3)
        self._last = now


def _run(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str, table: str | None, advance: Callable[[str], None]
) -> IngestSummary:
    if fmt == "dcgm":
        return dcgm.ingest_dcgm(con, path, advance)
    parquet = fmt == "parquet" or (fmt == "focus" and path.suffix.lower() == ".parquet")
    skipped: dict[str, int] = {}
    if fmt == "sacct":
        staged = stage_csv(con, path, delim="|")
        advance("read")
        require_columns(staged.columns, sacct.REQUIRED, "sacct --parsable2", path)
        plan, source, skipped = sacct.plan(con, staged.columns)
        check(con, plan, source)
    elif parquet:
        staged, source = stage_parquet(con, path)
        advance("read")
        plan = _plan(con, fmt, table, staged.columns, path)
        check(con, plan, source)
    else:
        columns, source = csv_source(path, nullstr=focus.NULLS if fmt == "focus" else ("",))
        plan = _plan(con, fmt, table, columns, path)
        prepare_rejects(con)
        advance("read")
        check(con, plan, source, has_line=False)
        staged = finish_csv(con)
    advance("type and gate")
    # `_checked` keeps file order (row ids give CSV line numbers and a key's first record); what follows
    # writes rows whose order nobody reads, and an INSERT whose plan has a join (the anti-join on existing
    # rows) or an aggregate (rollups) runs on one thread while insertion order is preserved.
    con.execute("SET preserve_insertion_order = false")
    reasons = quarantine(con, path, fmt)
    quarantined = sum(reasons.values())
    advance("quarantine")
    new_values = add_dimensions(con, plan)
    advance("dimensions")
    counts = insert_new(con, plan)
    advance("load")
    read = staged.rows - sum(skipped.values())
    return IngestSummary(
        file=str(path), format=fmt, table=plan.table, read=read, loaded=counts.loaded, quarantined=quarantined,
        duplicates=counts.duplicates, new_dimension_values=new_values, quarantine_reasons=reasons,
        skipped=skipped, rows_written=counts.loaded - counts.updated, updated=counts.updated,
    )


def _plan(con: duckdb.DuckDBPyConnection, fmt: str, table: str | None, columns: tuple[str, ...], path: Path) -> IngestPlan:
    """The load plan for focus or a pace-shaped table, after checking the file's columns."""
    if fmt == "focus":
        require_columns(columns, focus.REQUIRED, "FOCUS", path)
        return focus.plan(con, columns, path)
    if not table:
        raise UserError(f"--format {fmt} needs --table (one of {', '.join(tables.TABLES)})")
    return tables.plan(con, table, columns, path, fmt)


def _progress(enabled: bool, path: Path) -> AbstractContextManager[Callable[[str], None]]:
    """A rich progress bar over the ingest steps (bulk SQL steps, so it advances per step, not per row)."""
    return _RichSteps(path) if enabled else nullcontext(lambda step: None)


class _RichSteps(AbstractContextManager):
    """Context manager yielding `advance(step)` for a transient rich progress bar on stderr."""

    def __init__(self, path: Path) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.name = path.name

    def __enter__(self) -> Callable[[str], None]:
        self.bar.start()
        task = self.bar.add_task(f"ingest {self.name}", total=len(STEPS))
        return lambda step: self.bar.update(task, advance=1, description=f"ingest {self.name}: {step}")

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()
