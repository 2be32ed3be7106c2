"""Reading a file into a temporary all-VARCHAR table `_raw` with a 1-based data line number `_line`.

CSV is read by DuckDB with explicit options (no sniffing surprises) and every value as text, so
typing happens later with TRY_CAST and a bad value becomes a quarantine row instead of an exception.
Structurally broken lines (wrong column count, invalid UTF-8) are rejected by the reader, kept in
`_rejects` with their line and text, and quarantined by the caller. Parquet keeps its native types
and numbers rows by `file_row_number`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

from core.errors import UserError
from telemetry.ingest.gates import q


@dataclass(frozen=True)
class Staged:
    """What staging found: the file's columns and how many records it read and rejected."""

    columns: tuple[str, ...]
    rows: int
    rejected: int


SNIFF_BYTES = 65536
MAX_HEADER_BYTES = 65536
# Leading bytes that say a file is not text at all: (magic, what it is, what to do).
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "gzip-compressed", "decompress it first: gunzip -k FILE"),
    (b"BZh", "bzip2-compressed", "decompress it first: bunzip2 -k FILE"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it first: unxz -k FILE"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it first: unzstd FILE"),
    (b"PK\x03\x04", "a zip archive", "extract the export from it first: unzip FILE"),
    (b"PAR1", "a Parquet file", "use --format parquet (or --format focus for a FOCUS Parquet export)"),
)
# Byte-order marks of encodings pace does not read (UTF-8's own BOM is fine and skipped).
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


def check_file(path: Path, fmt: str) -> None:
    """A readable, non-empty file in a format pace can read, or a UserError that says what to do.

    The first bytes are sniffed so that a compressed, binary or UTF-16 file is refused by name
    (never by echoing its bytes) before any reader sees it.
    """
    if not path.exists():
        raise UserError(f"{path} does not exist; pass the path of a {fmt} export")
    if not path.is_file():
        raise UserError(f"{path} is not a file; pass one {fmt} export file")
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or type(exc).__name__}; check its permissions") from None
    if not head:
        raise UserError(f"{path} is empty (0 bytes): nothing to ingest; check that the {fmt} export finished")
    parquet_ok = fmt == "parquet" or (fmt == "focus" and path.suffix.lower() == ".parquet")
    if parquet_ok:
        if not head.startswith(b"PAR1"):
            raise UserError(f"{path} is not a Parquet file (no PAR1 header); check the path and --format")
        return
    for magic, what, todo in MAGIC:
        if head.startswith(magic):
            raise UserError(f"{path} is {what}, not {fmt} text; {todo}")
    for bom, encoding in BOMS:
        if head.startswith(bom):
            raise UserError(_encoding_message(path, encoding))
    if b"\x00" in head:
        pairs = head[: len(head) - len(head) % 2]
        if pairs and pairs[1::2].count(0) > 0.4 * len(pairs) / 2:
            raise UserError(_encoding_message(path, "UTF-16LE"))
        if pairs and pairs[0::2].count(0) > 0.4 * len(pairs) / 2:
            raise UserError(_encoding_message(path, "UTF-16BE"))
        raise UserError(
            f"{path} is a binary file (a NUL byte at offset {head.index(0)}), not {fmt} text; "
            "check the path and --format"
        )
    text = head.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - head.decode("utf-8", errors="ignore").count("\ufffd")
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
    if invalid > len(text) // 10 or controls > len(head) // 100:
        raise UserError(
            f"{path} is a binary file ({invalid:,} invalid UTF-8 sequences and {controls:,} control bytes in its "
            f"first {len(head):,} bytes), not {fmt} text; check the path and --format"
        )


def _encoding_message(path: Path, encoding: str) -> str:
    return (
        f"{path} is encoded as {encoding}; pace reads UTF-8. Convert it first: "
        f"iconv -f {encoding} -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}"
    )


def require_columns(columns: tuple[str, ...], needed: tuple[str, ...], fmt: str, path: Path) -> None:
    """Fail with the missing column names, the format, and what the file did have."""
    missing = [c for c in needed if c not in columns]
    if missing:
        found = printable(", ".join(columns), 300) or "none"
        raise UserError(
            f"{path.name} is missing required {fmt} column(s): {', '.join(missing)} "
            f"(found: {found}); export them or pick the right --format"
        )


def printable(value: str, limit: int) -> str:
    """`value` cut to `limit` characters with anything unprintable shown as an escape, for messages."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in value[:limit])
    return shown + ("..." if len(value) > limit else "")


# read_csv options: header, all text, named NULL spellings, rejects kept; values bound as $delim, $nulls.
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = $delim, quote = '\"', escape = '\"', "
    "nullstr = $nulls, strict_mode = true, ignore_errors = true, store_rejects = true, "
    "rejects_table = '_rejects_errors', rejects_scan = '_rejects_scans', auto_detect = false"
)


@dataclass(frozen=True)
class Source:
    """A table expression to read staged rows from, with the values it binds (file path, options)."""

    sql: str
    params: dict[str, object]

    def table(self, alias: str | None = None) -> exp.Expression:
        """The table expression as a sqlglot tree (parsed from the constant template; values stay `$name`)."""
        node = exp.select("*").from_(self.sql, dialect="duckdb").find(exp.From).this
        return exp.alias_(node, alias, table=True) if alias else node

    def select(self, *columns: str | exp.Expression, alias: str | None = None) -> exp.Select:
        """`SELECT columns (default *) FROM` this source, built by sqlglot."""
        return exp.select(*(columns or ("*",))).from_(self.table(alias))


CREATE_TEMP = "CREATE OR REPLACE TEMP TABLE"  # + a constant name + " AS " + a sqlglot-built SELECT


def header_columns(path: Path, delim: str) -> tuple[str, ...]:
    """The header line's column names (read as text, so a bad encoding further down does not matter)."""
    with path.open("rb") as fh:
        raw = fh.readline(MAX_HEADER_BYTES + 1)
    if len(raw) > MAX_HEADER_BYTES:
        raise UserError(
            f"{path}'s first line is longer than {MAX_HEADER_BYTES:,} bytes, so it is not a header naming "
            "the columns; check the path and --format"
        )
    first = raw.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    return tuple(c.strip() for c in next(csv.reader([first], delimiter=delim), []))


def stage_csv(
    con: duckdb.DuckDBPyConnection, path: Path, *, delim: str = ",", nullstr: tuple[str, ...] = ("",)
) -> Staged:
    """`_raw` (all VARCHAR, plus `_line`) and `_rejects` from a CSV file, materialized (small files)."""
    columns, source = csv_source(path, delim=delim, nullstr=nullstr)
    prepare_rejects(con)
    with unreadable_as_user_error(source):
        con.execute(CREATE_TEMP + " _read AS " + source.select().sql(dialect="duckdb"), source.params)
    _build_rejects(con)
    rows = con.execute("SELECT count(*) FROM _read").fetchone()[0]
    rejected = con.execute("SELECT count(*) FROM _rejects").fetchone()[0]
    # Insertion order is file order and rowids are consecutive (offset inside a transaction);
    # good records take the data line numbers that rejected lines did not.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _raw AS SELECT l.n AS _line, r.* FROM
        (SELECT rowid - (SELECT min(rowid) FROM _read) + 1 AS _k, * FROM _read) r JOIN
        (SELECT n, row_number() OVER (ORDER BY n) AS _k FROM range(1, $last) t(n)
         WHERE n NOT IN (SELECT _line FROM _rejects)) l USING (_k)""",
        {"last": rows + rejected + 1},
    )
    con.execute("ALTER TABLE _raw DROP COLUMN _k")
    con.execute("DROP TABLE _read")
    return Staged(columns, rows + rejected, rejected)


def _build_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """`_rejects(_line, reason, raw)` from the reader's reject table (wrong column count, bad UTF-8)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rejects AS SELECT DISTINCT ON (line) line - 1 AS _line, "
        "CASE WHEN error_type = 'INVALID ENCODING' THEN 'encoding: not UTF-8; re-encode the file, e.g. "
        "iconv -f latin1 -t utf-8 IN > OUT' ELSE 'csv(' || error_type || '): ' || error_message END AS reason, "
        "csv_line AS raw FROM _rejects_errors ORDER BY line"
    )


def csv_source(path: Path, *, delim: str = ",", nullstr: tuple[str, ...] = ("",)) -> tuple[tuple[str, ...], Source]:
    """(columns, a read_csv table expression) to stream a CSV straight into the gates, all VARCHAR.

    Streaming skips materializing the text (the slow part at 10M rows); the checked table keeps file
    order, so `finish_csv` recovers line numbers from row ids afterwards.
    """
    columns = header_columns(path, delim)
    if not columns or columns == ("",):
        raise UserError(f"{path} has no header line; the first line must name the columns")
    params = {"path": str(path), "delim": delim, "nulls": list(nullstr), "columns": {c: "VARCHAR" for c in columns}}
    return columns, Source(f"read_csv($path, {CSV_OPTIONS}, columns = $columns)", params)


def prepare_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the reader's reject tables so that the next read_csv starts them afresh."""
    con.execute("DROP TABLE IF EXISTS _rejects_errors; DROP TABLE IF EXISTS _rejects_scans")


def finish_csv(con: duckdb.DuckDBPyConnection) -> Staged:
    """After a streamed check: `_rejects` from the reader, and `_line` set on failing `_checked` rows."""
    _build_rejects(con)
    rows = con.execute("SELECT count(*) FROM _checked").fetchone()[0]
    rejected = con.execute("SELECT count(*) FROM _rejects").fetchone()[0]
    base = con.execute("SELECT min(rowid) FROM _checked").fetchone()[0] or 0
    if rejected == 0:
        con.execute("UPDATE _checked SET _line = rowid - $base + 1 WHERE _reason IS NOT NULL", {"base": base})
    else:
        # The k-th good record sits on the k-th data line that the reader did not reject.
        con.execute(
            """UPDATE _checked c SET _line = l.n FROM (
                SELECT n, row_number() OVER (ORDER BY n) AS k FROM range(1, $last) t(n)
                WHERE n NOT IN (SELECT _line FROM _rejects)) l
            WHERE c._reason IS NOT NULL AND l.k = c.rowid - $base + 1""",
            {"base": base, "last": rows + rejected + 1},
        )
    return Staged((), rows + rejected, rejected)


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[Staged, Source]:
    """(counts, a source of rows with `_line` = 1-based row number) for a Parquet file, native types kept.

    `_raw` is created empty: it carries the file's column types for planning (`raw_type`).
    """
    source = Source(
        "(SELECT file_row_number + 1 AS _line, * EXCLUDE (file_row_number) "
        "FROM read_parquet($path, file_row_number = true))",
        {"path": str(path)},
    )
    try:
        con.execute(CREATE_TEMP + " _raw AS " + source.select().limit(0).sql(dialect="duckdb"), source.params)
        columns = tuple(r[0] for r in con.execute("DESCRIBE _raw").fetchall() if r[0] != "_line")
        rows = con.execute("SELECT count(*) FROM read_parquet($path)", source.params).fetchone()[0]
    except duckdb.Error as exc:
        raise UserError(f"{path} is not a readable Parquet file ({one_line(exc)}); check --format") from None
    con.execute("CREATE OR REPLACE TEMP TABLE _rejects (_line BIGINT, reason VARCHAR, raw VARCHAR)")
    return Staged(columns, rows, 0), source


@contextmanager
def unreadable_as_user_error(source: Source) -> Iterator[None]:
    """A reader that gives up on the file's content (not on pace's SQL) becomes one `error:` line."""
    try:
        yield
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.OutOfRangeException) as exc:
        name = Path(str(source.params.get("path", "the file"))).name
        raise UserError(f"{name} could not be read ({one_line(exc)}); check the path and --format") from None


def one_line(exc: BaseException) -> str:
    """The first line of an error message, with control characters (NUL...) shown as escapes."""
    first = (str(exc).splitlines() or [type(exc).__name__])[0].split(" Possible fixes:")[0]
    return printable(first, 300)


def raw_type(con: duckdb.DuckDBPyConnection, column: str) -> str:
    """The DuckDB type of a staged column (VARCHAR for CSV, streamed or not; native for Parquet)."""
    row = con.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_name = '_raw' AND column_name = ?", [column]
    ).fetchone()
    return str(row[0]) if row else "VARCHAR"


def raw_ref(columns: tuple[str, ...], column: str) -> str:
    """`_r."col"` when the file has the column, else a typed NULL (optional columns)."""
    return f"_r.{q(column)}" if column in columns else "CAST(NULL AS VARCHAR)"
