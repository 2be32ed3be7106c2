"""The warehouse as Parquet: one folder per table, facts Hive-partitioned by day or month.

This is an admin step (like `pace seed`), not the question path: it attaches the DuckDB file read-only
to a normal in-memory connection (external access on, so COPY can write files) and never touches the
hardened question engine. The layout is what Spark, Trino and Athena expect from an external table:

    OUT/utilization_hourly/day=2026-11-01/data_0.parquet   (facts, partitioned)
    OUT/teams/data_0.parquet                               (dimensions, one file)
    OUT/_pace_export.json                                  (tables, columns, DuckDB types, partitions)

The partition column (`day` or `month`) is derived from the fact's time column and is not a warehouse
column: readers drop it again (see `semantic_layer.spark_engine`). Timestamps are written as
TIMESTAMP without time zone, which Spark reads as TIMESTAMP_NTZ, the same meaning as in DuckDB.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import sqlglot
from sqlglot import exp

from core.errors import UserError
from telemetry.schema import QUERYABLE_TABLES, table_columns

Partitioning = Literal["day", "month", "none"]
MANIFEST = "_pace_export.json"
# The time column each fact is partitioned on (the one the semantic layer filters periods on).
PARTITION_COLUMNS: dict[str, str] = {
    "utilization_hourly": "hour",
    "jobs": "submit_at",
    "cost_daily": "ChargePeriodStart",
    "serving_hourly": "hour",
    "compute_requests": "submitted_at",
    "incidents": "opened_at",
}
# Statements built by sqlglot from these constant shapes: the path is a string literal and every table and
# column an identifier, so neither can change the statement.
_ATTACH = "ATTACH :path AS warehouse (READ_ONLY)"
_COPY = {
    "day": "COPY (SELECT 1) TO :path (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE true)",
    "month": "COPY (SELECT 1) TO :path (FORMAT parquet, PARTITION_BY (month), OVERWRITE_OR_IGNORE true)",
    "none": "COPY (SELECT 1) TO :path (FORMAT parquet)",
}


@dataclass
class TableExport:
    """One exported table: rows, where it lies, and how it is partitioned."""

    table: str
    rows: int
    path: str
    partition_by: str | None
    columns: dict[str, str]
    seconds: float


@dataclass
class ExportResult:
    """What `export_parquet` wrote; `to_json()` is `pace export --json` and the manifest."""

    out: str
    partition_by: Partitioning
    source_db: str
    tables: list[TableExport] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {"out": self.out, "format": "parquet", "partition_by": self.partition_by, "source_db": self.source_db,
                "seconds": round(self.seconds, 3), "tables": [asdict(t) for t in self.tables]}


def _statement(template: str, path: Path, select: exp.Select | None = None) -> str:
    """A constant ATTACH or COPY shape with its path (and the COPY's SELECT) filled in as expressions."""
    tree = sqlglot.parse_one(template, read="duckdb")
    if select is not None:
        tree.set("this", select.subquery())
    return exp.replace_placeholders(tree, path=str(path)).sql(dialect="duckdb")


def _partition_key(partition_by: Partitioning, column: str) -> exp.Expression:
    """The partition value of a row: its day, or its month as 'YYYY-MM'."""
    col = exp.column(column, quoted=True)
    if partition_by == "day":
        return exp.cast(col, exp.DataType.Type.DATE)
    return exp.func("strftime", col, exp.Literal.string("%Y-%m"))


def export_parquet(db: Path, out: Path, *, partition_by: Partitioning = "day", overwrite: bool = True) -> ExportResult:
    """Write every queryable table of the warehouse `db` as Parquet under `out`, plus the manifest."""
    if partition_by not in ("day", "month", "none"):
        raise UserError(f"--partition-by {partition_by!r} is not one of day, month, none")
    if not Path(db).exists():
        raise UserError(f"no warehouse at {db}; run `pace seed` first (or pass --db PATH)")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not overwrite or not (out / MANIFEST).exists():
            raise UserError(f"{out} is not empty and holds no pace export; choose an empty or new folder for --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = ExportResult(out=str(out.resolve()), partition_by=partition_by, source_db=str(Path(db).resolve()))
    with duckdb.connect(":memory:") as con:
        # A fresh instance that attaches the file: a hardened engine elsewhere in this process shares
        # its instance (and its external-access lock) with any plain connect() to the same path.
        con.execute(_statement(_ATTACH, Path(db)))
        con.execute("USE warehouse")
        columns = table_columns(con)
        for table in QUERYABLE_TABLES:
            if table in columns:
                result.tables.append(_export_table(con, table, columns[table], out, partition_by))
    result.seconds = time.perf_counter() - started
    (out / MANIFEST).write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result


def _export_table(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], out: Path, partition_by: Partitioning) -> TableExport:
    t0 = time.perf_counter()
    target = out / table
    source = exp.table_(table, quoted=True)
    select = exp.select(*(exp.column(c, quoted=True) for c in columns)).from_(source)
    count = exp.select(exp.func("count", exp.Star())).from_(source.copy()).sql(dialect="duckdb")
    rows = int(con.execute(count).fetchone()[0])
    # An empty table gets one schema-only file: a partitioned COPY of no rows writes nothing to read a schema from.
    part_col = PARTITION_COLUMNS.get(table) if partition_by != "none" and rows else None
    if part_col:
        select = select.select(exp.alias_(_partition_key(partition_by, part_col), partition_by))
        con.execute(_statement(_COPY[partition_by], target, select))
    else:
        target.mkdir(parents=True, exist_ok=True)
        con.execute(_statement(_COPY["none"], target / "data_0.parquet", select))
    return TableExport(table=table, rows=rows, path=table, partition_by=partition_by if part_col else None,
                       columns=columns, seconds=time.perf_counter() - t0)


def read_manifest(path: Path) -> dict[str, object]:
    """The manifest of an export folder, with an error that says how to make one."""
    manifest = Path(path) / MANIFEST
    if not manifest.exists():
        raise UserError(
            f"no pace export at {path} (missing {MANIFEST}); run `pace export --format parquet --out {path}` "
            "and point PACE_WAREHOUSE_PATH at it"
        )
    return json.loads(manifest.read_text())
