"""The Spark engine: the same `run_sql` / `run_query` / `schema` as `engine.Engine`, over Parquet on Spark.

Imported only when `settings.engine == "spark"` (see `engine.open_engine`), so pyspark and Java are
needed only by those who choose Spark. One SparkSession per process. `SPARK_CONF`, on any master:
time zone UTC and TIMESTAMP without time zone (DuckDB's meaning of TIMESTAMP), ANSI mode pinned on
(errors, never silently wrapped numbers). `LOCAL_CONF`, for local[N] only: few shuffle partitions,
no UI, driver on loopback.

Tables are temp views over `pace export` Parquet under `settings.warehouse_path` (a folder or an
object-store URL). Every statement passes the validator twice: on the DuckDB text it came as, and on
the Spark text that will run (the same rules, checked on the Spark dialect).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from semantic_layer.catalog import Catalog
from semantic_layer.checks import check_result
from semantic_layer.compiler import compile_query
from semantic_layer.results import QueryResult
from semantic_layer.query import MetricQuery
from semantic_layer.schema_info import Schema, ddl_schema
from semantic_layer.spark_dialect import to_spark
from semantic_layer.validator import validate_sql
from core.errors import UserError
from telemetry.export import MANIFEST, read_manifest
from telemetry.schema import QUERYABLE_TABLES
from core.settings import Settings

# What a query means: pinned on every master, so answers never depend on a cluster's defaults.
SPARK_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
}
# How a local[N] session runs: small, quiet, loopback only. A cluster takes these from spark-defaults.conf.
LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
# Spark's own logging: errors only, on stderr (the default prints INFO/WARN start-up lines to users).
_LOG4J2 = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark %p %c{1}: %m%n
"""
JAVA_HINT = "install Java 17 (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"
_SESSION: Any = None
_SESSION_LOCK = threading.Lock()
_VIEWS: dict[str, str] = {}  # table -> base path its temp view reads (views are per session)


def java_problem() -> str | None:
    """Why Spark cannot start here (no Java, no pyspark), or None when it can."""
    home = os.environ.get("JAVA_HOME")
    if not (home and (Path(home) / "bin" / "java").exists()) and shutil.which("java") is None:
        return f"Java is not installed, and Spark needs it: {JAVA_HINT}"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install 'pace[spark]' (or pip install pyspark)"
    return None


def spark_session(master: str = "local[2]") -> Any:
    """The process's one SparkSession, started on first use with `SPARK_CONF`."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is not None:
            return _SESSION
        problem = java_problem()
        if problem:
            raise UserError(f"the Spark engine cannot start: {problem}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # pyspark 4 warns about pandas 3; pace never uses pandas here
            from pyspark.sql import SparkSession

            builder = SparkSession.builder.master(master).appName("pace")
            local = {**LOCAL_CONF, **_logging_conf()} if master.startswith("local") else {}
            conf = {**local, **SPARK_CONF}
            for key, value in conf.items():
                builder = builder.config(key, value)
            _SESSION = builder.getOrCreate()
        _SESSION.sparkContext.setLogLevel("ERROR")
        from pyspark.logger import PySparkLogger

        PySparkLogger.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # errors reach the caller as UserError
        return _SESSION


def _logging_conf() -> dict[str, str]:
    """Point the driver's log4j2 at a quiet configuration written to a temp file (before the JVM starts)."""
    import tempfile

    path = Path(tempfile.gettempdir()) / f"pace-spark-log4j2-{os.getuid()}.properties"
    if not path.exists() or path.read_text() != _LOG4J2:
        path.write_text(_LOG4J2)
    return {"spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{path}"}


def default_warehouse_path(settings: Settings) -> str:
    """PACE_WAREHOUSE_PATH, else `<warehouse>.parquet/` beside the DuckDB file."""
    if settings.warehouse_path:
        return str(settings.warehouse_path)
    return str(settings.db.with_name(settings.db.stem + ".parquet"))


def _is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


class SparkEngine:
    """Questions on Spark over exported Parquet; the interface of `engine.Engine`."""

    dialect = "spark"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base = default_warehouse_path(settings).rstrip("/")
        self._schema: Schema | None = None
        self._lock = threading.Lock()

    def schema(self) -> Schema:
        """{table: {column: DuckDB type}}: from the export's manifest, else (object storage) the DDL."""
        if self._schema is None:
            if _is_local(self.base):
                local = self.base.removeprefix("file://")
                manifest = read_manifest(Path(local))
                self._check_fresh(Path(local) / MANIFEST)
                tables = {t["table"]: dict(t["columns"]) for t in manifest["tables"]}  # type: ignore[index,union-attr]
            else:
                tables = ddl_schema()
            self._schema = {t: c for t, c in tables.items() if t in QUERYABLE_TABLES}
        return self._schema

    def _check_fresh(self, manifest: Path) -> None:
        db = self.settings.db
        if self.settings.warehouse_path is None and db.exists() and db.stat().st_mtime > manifest.stat().st_mtime:
            raise UserError(f"the Parquet export at {self.base} is older than {db}; rerun `pace export --format parquet --out {self.base}`")

    def session(self, tables: list[str] | None = None) -> Any:
        """The shared session with `tables` (default: all) of this export registered as temp views.

        Views are registered on first use: each costs a Parquet listing and footer read.
        """
        spark = spark_session(self.settings.spark_master)
        schema = self.schema()
        with self._lock:
            for table in tables if tables is not None else list(schema):
                columns = schema[table]
                if _VIEWS.get(table) != self.base:
                    df = spark.read.parquet(f"{self.base}/{table}")
                    df.select(*[f"`{c}`" for c in columns]).createOrReplaceTempView(table)
                    _VIEWS[table] = self.base
        return spark

    def prepare(self, sql: str, *, row_limit: int | None = None) -> str:
        """DuckDB SQL -> validated Spark SQL: the rules on the DuckDB text, render, the rules on the Spark text."""
        limit = row_limit or self.settings.row_limit
        validated = validate_sql(sql, self.schema(), row_limit=limit)
        spark_sql = to_spark(validated.expression)
        validate_sql(spark_sql, self.schema(), row_limit=limit, dialect="spark")
        return spark_sql

    def run_sql(self, sql: str, *, row_limit: int | None = None) -> QueryResult:
        """Validate DuckDB-dialect SQL (as users and planners write it), then run it on Spark."""
        return self.execute(self.prepare(sql, row_limit=row_limit))

    def run_query(self, catalog: Catalog, query: MetricQuery) -> QueryResult:
        """Compile for Spark, validate on both dialects, run, then attach result-check warnings."""
        compiled = compile_query(catalog, query, dialect="spark")
        result = self.execute(self.prepare(compiled.expression.sql(dialect="duckdb")))
        result.compiled = compiled
        result.warnings = check_result(compiled, result.columns, result.rows)
        return result

    def execute(self, spark_sql: str) -> QueryResult:
        """Run Spark SQL that already passed `prepare` (or trusted gold SQL) with the timeout."""
        spark = self.session(_tables_in(spark_sql, self.schema()))
        sc = spark.sparkContext
        group = f"pace-{uuid.uuid4().hex[:12]}"
        fired = threading.Event()

        def stop() -> None:
            fired.set()
            sc.cancelJobGroup(group)

        timer = threading.Timer(self.settings.query_timeout_s, stop)
        start = time.perf_counter()
        sc.setJobGroup(group, "pace query", interruptOnCancel=True)
        timer.start()
        try:
            df = spark.sql(spark_sql)
            rows = [tuple(r) for r in df.collect()]
            columns = list(df.columns)
        except Exception as exc:  # py4j and pyspark errors: one line for the user
            raise _user_error(exc, self.settings.query_timeout_s, fired.is_set()) from None
        finally:
            timer.cancel()
            sc.setLocalProperty("spark.jobGroup.id", None)
        return QueryResult(columns=columns, rows=rows, elapsed_ms=(time.perf_counter() - start) * 1000, sql=spark_sql)

    def close(self) -> None:
        """Nothing to release: the session lives for the process (starting one costs seconds)."""

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _tables_in(spark_sql: str, schema: Schema) -> list[str]:
    """Warehouse tables the statement reads (CTE names and unknown names are left to Spark to report)."""
    try:
        tree = sqlglot.parse_one(spark_sql, read="spark")
    except sqlglot.errors.SqlglotError:
        return list(schema)
    lower = {t.lower(): t for t in schema}
    return list(dict.fromkeys(lower[t.name.lower()] for t in tree.find_all(exp.Table) if t.name.lower() in lower))


_PY4J_NOISE = re.compile(r"^(An error occurred while calling|o\d+\.\w+\.?$|at )")


def _user_error(exc: Exception, timeout_s: float, timed_out: bool) -> UserError:
    """One line for the user: py4j wraps the Java error under 'An error occurred while calling ...'."""
    text = str(exc)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not _PY4J_NOISE.match(ln.strip())]
    message = (lines or [type(exc).__name__])[0].removeprefix(": ")
    if timed_out:
        return UserError(f"the query ran longer than {timeout_s:g}s and was stopped; narrow the period, filter, or group by fewer dimensions")
    if "DIVIDE_BY_ZERO" in text:
        return UserError("division by zero on Spark (ANSI mode); guard the divisor with NULLIF(divisor, 0)")
    return UserError(f"the query failed in Spark: {message}")

