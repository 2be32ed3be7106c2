"""Runs validated SQL on a read-only, sandboxed DuckDB connection; one cursor per request.

The connection is opened read-only, external access, extension autoloading and replacement scans are
switched off, memory and threads are capped from settings, and the configuration is locked last so no
statement can switch any of it back. Queries past `settings.query_timeout_s` are interrupted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb

from semantic_layer import live_requests
from semantic_layer.catalog import Catalog
from semantic_layer.checks import check_result
from semantic_layer.compiler import CompiledQuery, compile_query
from semantic_layer.query import MetricQuery
from semantic_layer.schema_info import Schema
from semantic_layer.validator import validate_sql
from core.errors import UserError
from telemetry.schema import QUERYABLE_TABLES, table_columns
from core.settings import Settings

_HARDENING: tuple[tuple[str, str], ...] = (
    ("enable_external_access", "false"),
    ("autoload_known_extensions", "false"),
    ("autoinstall_known_extensions", "false"),
    ("allow_community_extensions", "false"),
    ("python_enable_replacements", "false"),
)


@dataclass
class QueryResult:
    """Rows and columns of one run, with the SQL that ran, timings and result-check warnings."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    elapsed_ms: float
    sql: str
    warnings: list[str] = field(default_factory=list)
    compiled: CompiledQuery | None = None

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


class Engine:
    """The question-answering connection to one warehouse file; safe to share across threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._con: duckdb.DuckDBPyConnection | None = None
        self._schema: Schema | None = None
        self._lock = threading.Lock()

    def connection(self) -> duckdb.DuckDBPyConnection:
        """Open (once) the hardened read-only connection."""
        with self._lock:
            if self._con is None:
                self._con = _open_hardened(self.settings)
            return self._con

    def schema(self) -> Schema:
        """{table: {column: type}} for the queryable tables, read from the warehouse."""
        if self._schema is None:
            cur = self.connection().cursor()
            try:
                cols = table_columns(cur)
            finally:
                cur.close()
            self._schema = {t: c for t, c in cols.items() if t in QUERYABLE_TABLES}
        return self._schema

    def run_sql(self, sql: str, *, row_limit: int | None = None) -> QueryResult:
        """Validate any SQL, then run it on its own cursor with the timeout."""
        validated = validate_sql(sql, self.schema(), row_limit=row_limit or self.settings.row_limit)
        return self._execute(validated.sql, live=live_requests.TABLE in validated.tables)

    def run_query(self, catalog: Catalog, query: MetricQuery) -> QueryResult:
        """Compile, validate and run a MetricQuery, then attach result-check warnings."""
        compiled = compile_query(catalog, query)
        result = self.run_sql(compiled.sql)
        result.compiled = compiled
        result.warnings = check_result(compiled, result.columns, result.rows)
        return result

    def _execute(self, sql: str, *, live: bool = False) -> QueryResult:
        cur = self.connection().cursor()
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
            cur.close()
        return QueryResult(columns=columns, rows=rows, elapsed_ms=(time.perf_counter() - start) * 1000, sql=sql)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

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
    path = settings.db
    if not path.exists():
        raise UserError(f"no warehouse at {path}; run `pace seed` to build one (or pass --db PATH)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise UserError(f"cannot open the warehouse {path} read-only ({str(exc).splitlines()[0]}); run `pace seed` to rebuild it") from None
    if str(con.execute("SELECT current_setting('lock_configuration')").fetchone()[0]).lower() == "true":
        return _already_hardened(con, path)  # another connection in this process opened the same database
    known = {r[0] for r in con.execute("SELECT name FROM duckdb_settings()").fetchall()}
    for name, value in _HARDENING:
        if name in known:
            con.execute(f"SET {name} = {value}")
    try:
        con.execute(f"SET memory_limit = '{_quote(settings.memory_limit)}'")
        con.execute(f"SET threads = {int(settings.threads)}")
    except duckdb.Error as exc:
        con.close()
        raise UserError(f"PACE_MEMORY_LIMIT / PACE_THREADS rejected by DuckDB ({str(exc).splitlines()[0]}); use e.g. 4GB and 2") from None
    con.execute("SET lock_configuration = true")
    return con


def _already_hardened(con: duckdb.DuckDBPyConnection, path: object) -> duckdb.DuckDBPyConnection:
    """A shared, locked database instance is fine only when external access is already off."""
    if str(con.execute("SELECT current_setting('enable_external_access')").fetchone()[0]).lower() != "false":
        con.close()
        raise UserError(f"the warehouse {path} is open elsewhere in this process with external access on; close it first")
    return con


def _quote(value: str) -> str:
    """A settings value safe inside single quotes (memory limits look like '4GB')."""
    return value.replace("'", "''")
