"""Runs validated SQL on a read-only, sandboxed DuckDB connection; one cursor per request.

The connection is opened read-only, external access, extension autoloading and replacement scans are
switched off, memory and threads are capped from settings, and the configuration is locked last so no
statement can switch any of it back. Queries past `settings.query_timeout_s` are interrupted.

Writers swap a new version of the file in atomically (`telemetry.warehouse.writer`); before each request
the engine compares the file's version with the one it opened and, when it changed, opens the new one.
Requests already running finish on the version they started on, whose connection closes after them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlglot import exp

from semantic_layer import live_requests
from semantic_layer.catalog import Catalog
from semantic_layer.checks import check_result
from semantic_layer.compiler import CompiledQuery, compile_query
from semantic_layer.query import MetricQuery
from semantic_layer.results import QueryResult
from semantic_layer.schema_info import Schema
from semantic_layer.validator import ValidatedSQL, validate_sql
from core.errors import UserError
from telemetry.schema import QUERYABLE_TABLES, table_columns
from telemetry.warehouse import Version, open_reader, version
from core.settings import Settings

_HARDENING: tuple[tuple[str, str], ...] = (
    ("enable_external_access", "false"),
    ("autoload_known_extensions", "false"),
    ("autoinstall_known_extensions", "false"),
    ("allow_community_extensions", "false"),
    ("python_enable_replacements", "false"),
)


@dataclass
class _Opened:
    """One opened version of the file and the requests using it (closed when retired and unused)."""

    con: duckdb.DuckDBPyConnection
    version: Version | None
    users: int = 0
    retired: bool = False

    def release(self) -> None:
        self.users -= 1
        if self.retired and self.users == 0:
            self.con.close()


class Engine:
    """The question-answering connection to one warehouse file; safe to share across threads."""

    runs_duckdb = True
    """Read by the catalog (which must not import engines) to pick DuckDB's one-statement value scan."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._opened: _Opened | None = None
        self._schema: Schema | None = None
        self._lock = threading.Lock()

    def _acquire(self) -> _Opened:
        """The current version's connection, reopened when a writer swapped a new file in; counted as in use."""
        with self._lock:
            now = version(self.settings.db)
            if self._opened is None or (now is not None and now != self._opened.version):
                fresh = _Opened(_open_hardened(self.settings), now)
                if self._opened is not None:
                    self._retire(self._opened)
                    self._schema = None  # a new version may have new columns
                self._opened = fresh
            self._opened.users += 1
            return self._opened

    def _release(self, opened: _Opened) -> None:
        with self._lock:
            opened.release()

    @staticmethod
    def _retire(opened: _Opened) -> None:
        opened.retired = True
        if opened.users == 0:
            opened.con.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the current version; that version stays open while the cursor is in use."""
        opened = self._acquire()
        try:
            cur = opened.con.cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._release(opened)

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The hardened read-only connection to the current version (prefer `cursor()`, which pins it)."""
        opened = self._acquire()
        self._release(opened)
        return opened.con

    def schema(self) -> Schema:
        """{table: {column: type}} for the queryable tables, read from the warehouse."""
        with self.cursor() as cur:
            if self._schema is None:
                cols = table_columns(cur)
                self._schema = {t: c for t, c in cols.items() if t in QUERYABLE_TABLES}
            return self._schema

    def run_sql(self, sql: str, *, row_limit: int | None = None) -> QueryResult:
        """Validate any SQL, then run it on its own cursor with the timeout."""
        validated = validate_sql(sql, self.schema(), row_limit=row_limit or self.settings.row_limit)
        return self._execute(validated.sql, live=live_requests.TABLE in validated.tables)

    def run_query(self, catalog: Catalog, query: MetricQuery) -> QueryResult:
        """Compile, validate and run a MetricQuery, then attach result-check warnings."""
        compiled = compile_query(catalog, query)
        validated = validate_sql(compiled.sql, self.schema(), row_limit=self.settings.row_limit, tree=compiled.expression)
        result = self._execute(validated.sql, live=live_requests.TABLE in validated.tables)
        result.compiled = compiled
        result.warnings = check_result(compiled, result.columns, result.rows)
        return result

    def run_validated(self, validated: ValidatedSQL, compiled: CompiledQuery | None = None) -> QueryResult:
        """Run SQL that `validate_sql` already passed against this warehouse's schema (a caller that
        validated once, e.g. the assistant's validate node); with `compiled`, attach result-check warnings."""
        result = self._execute(validated.sql, live=live_requests.TABLE in validated.tables)
        if compiled is not None:
            result.compiled = compiled
            result.warnings = check_result(compiled, result.columns, result.rows)
        return result

    def _execute(self, sql: str, *, live: bool = False) -> QueryResult:
        with self.cursor() as cur:
            if live:  # governance requests submitted since the warehouse was built (see live_requests.py)
                live_requests.overlay(cur, self.settings)
            timer = threading.Timer(self.settings.query_timeout_s, cur.interrupt)
            start = time.perf_counter()
            timer.start()
            try:
                cur.execute(sql)
                rows = cur.fetchall()
                columns = [d[0] for d in cur.description or []]
            except duckdb.InterruptException:
                raise UserError(
                    f"the query ran longer than {self.settings.query_timeout_s:g}s and was stopped; "
                    "narrow the period, filter, or group by fewer dimensions"
                ) from None
            except duckdb.Error as exc:
                raise UserError(f"the query failed in DuckDB: {str(exc).splitlines()[0]}") from None
            finally:
                timer.cancel()
        return QueryResult(columns=columns, rows=rows, elapsed_ms=(time.perf_counter() - start) * 1000, sql=sql)

    def close(self) -> None:
        """Close the connection now, or, while requests still use it, as soon as the last one finishes."""
        with self._lock:
            if self._opened is not None:
                self._retire(self._opened)
                self._opened = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_engine(settings: Settings) -> Any:
    """The engine `settings.engine` names: this DuckDB `Engine`, or the Spark one (imported only then).

    Both offer `run_sql`, `run_query`, `schema`, `close` and the context manager.
    """
    if settings.engine == "spark":
        from semantic_layer.spark_engine import SparkEngine

        return SparkEngine(settings)
    return Engine(settings)


def _open_hardened(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Its own in-memory instance with the file attached read-only (`open_reader`), then locked down."""
    con = open_reader(settings.db)  # WarehouseError (exit 2) when missing, corrupt, locked or not pace's
    known = {r[0] for r in con.execute("SELECT name FROM duckdb_settings()").fetchall()}
    for name, value in _HARDENING:
        if name in known:
            con.execute(f"SET {name} = {value}")
    try:
        con.execute(_set("memory_limit", settings.memory_limit))
        con.execute(f"SET threads = {int(settings.threads)}")
    except duckdb.Error as exc:
        con.close()
        raise UserError(f"PACE_MEMORY_LIMIT / PACE_THREADS rejected by DuckDB ({str(exc).splitlines()[0]}); use e.g. 4GB and 2") from None
    con.execute("SET lock_configuration = true")
    return con


def _set(name: str, value: str) -> str:
    """`SET name = 'value'` built by sqlglot (the value is a string literal, quoted by sqlglot)."""
    return exp.Set(expressions=[exp.EQ(this=exp.column(name), expression=exp.Literal.string(value))]).sql(dialect="duckdb")
