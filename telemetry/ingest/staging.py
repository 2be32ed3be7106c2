"""Reading a file into a temporary all-VARCHAR table `_raw` with a 1-based data line number `_line`.

CSV is read by DuckDB with explicit options (no sniffing surprises) and every value as text, so
typing happens later with TRY_CAST and a bad value becomes a quarantine row instead of an exception.
Structurally broken lines (wrong column count, invalid UTF-8) are rejected by the reader, kept in
`_rejects` with their line and text, and quarantined by the caller. Parquet keeps its native types
and numbers rows by `file_row_number`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from telemetry.errors import UserError
from telemetry.ingest.gates import lit, q


@dataclass(frozen=True)
class Staged:
    """What staging found: the file's columns and how many records it read and rejected."""

    columns: tuple[str, ...]
    rows: int
    rejected: int


def check_file(path: Path, fmt: str) -> None:
    """A readable, non-empty file, or a UserError that says what to do."""
    if not path.exists():
        raise UserError(f"{path} does not exist; pass the path of a {fmt} export")
    if not path.is_file():
        raise UserError(f"{path} is not a file; pass one {fmt} export file")
    if path.stat().st_size == 0:
        raise UserError(f"{path} is empty (0 bytes): nothing to ingest; check that the {fmt} export finished")


def require_columns(columns: tuple[str, ...], needed: tuple[str, ...], fmt: str, path: Path) -> None:
    """Fail with the missing column names, the format, and what the file did have."""
    missing = [c for c in needed if c not in columns]
    if missing:
        raise UserError(
            f"{path.name} is missing required {fmt} column(s): {', '.join(missing)} "
            f"(found: {', '.join(columns) or 'none'}); export them or pick the right --format"
        )


def csv_options(delim: str, nullstr: tuple[str, ...]) -> str:
    """Explicit read_csv options: header, all text, named NULL spellings, rejects kept."""
    nulls = "[" + ", ".join(lit(n) for n in nullstr) + "]"
    return (
        f"header = true, all_varchar = true, delim = {lit(delim)}, quote = '\"', escape = '\"', "
        f"nullstr = {nulls}, strict_mode = true, ignore_errors = true, store_rejects = true, "
        "rejects_table = '_rejects_errors', rejects_scan = '_rejects_scans', auto_detect = false"
    )


def header_columns(path: Path, delim: str) -> tuple[str, ...]:
    """The header line's column names (read as text, so a bad encoding further down does not matter)."""
    with path.open("rb") as fh:
        first = fh.readline().decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    import csv

    return tuple(c.strip() for c in next(csv.reader([first], delimiter=delim), []))


def stage_csv(
    con: duckdb.DuckDBPyConnection, path: Path, *, delim: str = ",", nullstr: tuple[str, ...] = ("",)
) -> Staged:
    """`_raw` (all VARCHAR, plus `_line`) and `_rejects` (line, reason, raw text) from a CSV file."""
    columns = header_columns(path, delim)
    if not columns or columns == ("",):
        raise UserError(f"{path} has no header line; the first line must name the columns")
    cols = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns) + "}"
    con.execute("DROP TABLE IF EXISTS _rejects_errors; DROP TABLE IF EXISTS _rejects_scans")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _read AS SELECT * FROM read_csv({lit(str(path))}, "
        f"{csv_options(delim, nullstr)}, columns = {cols})"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rejects AS SELECT DISTINCT ON (line) line - 1 AS _line, "
        "CASE WHEN error_type = 'INVALID ENCODING' THEN 'encoding: not UTF-8; re-encode the file, e.g. "
        "iconv -f latin1 -t utf-8 IN > OUT' ELSE 'csv(' || error_type || '): ' || error_message END AS reason, "
        "csv_line AS raw FROM _rejects_errors ORDER BY line"
    )
    rows = con.execute("SELECT count(*) FROM _read").fetchone()[0]
    rejected = con.execute("SELECT count(*) FROM _rejects").fetchone()[0]
    # Insertion order is file order and rowids are consecutive (offset inside a transaction).
    rid = "rowid - (SELECT min(rowid) FROM _read)"
    if rejected == 0:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT {rid} + 1 AS _line, * FROM _read")
    else:
        # Good records take the data line numbers that rejected lines did not.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _lines AS SELECT n AS _line, row_number() OVER (ORDER BY n) - 1 AS _rid "
            f"FROM range(1, {rows + rejected + 1}) t(n) WHERE n NOT IN (SELECT _line FROM _rejects)"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT l._line, r.* FROM (SELECT {rid} AS _rid, * FROM _read) r "
            "JOIN _lines l USING (_rid)"
        )
        con.execute("ALTER TABLE _raw DROP COLUMN _rid")
        con.execute("DROP TABLE _lines")
    con.execute("DROP TABLE _read")
    return Staged(columns, rows + rejected, rejected)


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Staged:
    """`_raw` from a Parquet file with native types; `_line` is the 1-based row number."""
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT file_row_number + 1 AS _line, * EXCLUDE (file_row_number) "
            f"FROM read_parquet({lit(str(path))}, file_row_number = true)"
        )
    except duckdb.Error as exc:
        raise UserError(f"{path} is not a readable Parquet file ({str(exc).splitlines()[0]}); check --format") from None
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (_line BIGINT, reason VARCHAR, raw VARCHAR)")
    columns = tuple(r[0] for r in con.execute("DESCRIBE _raw").fetchall() if r[0] != "_line")
    rows = con.execute("SELECT count(*) FROM _raw").fetchone()[0]
    return Staged(columns, rows, 0)


def raw_type(con: duckdb.DuckDBPyConnection, column: str) -> str:
    """The DuckDB type of a staged column (VARCHAR for CSV; native for Parquet)."""
    for name, dtype, *_ in con.execute("DESCRIBE _raw").fetchall():
        if name == column:
            return str(dtype)
    return "VARCHAR"


def raw_ref(columns: tuple[str, ...], column: str) -> str:
    """`_r."col"` when the file has the column, else a typed NULL (optional columns)."""
    return f"_r.{q(column)}" if column in columns else "CAST(NULL AS VARCHAR)"
