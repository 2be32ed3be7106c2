"""The shared pipeline after staging: type and gate (one pass), quarantine, dedupe, insert.

Every step is a set-based DuckDB statement over temporary tables; no Python touches a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import sqlglot
from sqlglot import exp

from telemetry.ingest.gates import Gate, name_columns, printable, reason_sql, sql, value_gates
from telemetry.ingest.staging import CREATE_TEMP, Source, unreadable_as_user_error


@dataclass(frozen=True)
class IngestPlan:
    """How staged rows become rows of one warehouse table."""

    table: str
    """Target warehouse table."""
    columns: dict[str, str]
    """Target column -> SQL expression over the staged row (`_r."raw column"`), usually a TRY_CAST."""
    gates: tuple[Gate, ...]
    """Rules a typed row must pass; see gates.py."""
    key: tuple[str, ...]
    """Columns that identify a row: repeats in the file or in the table count as duplicates."""
    key_window: str | None = None
    """Optional column whose min/max in the file bounds the scan of existing rows (speed)."""
    dimensions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Dimension table -> (value column, team column for projects) in the target."""
    replace_when: str | None = None
    """Optional predicate over the existing row `t` and the new row `g` with the same key: TRUE when
    the new row supersedes it (a running job that has since ended). Such rows are updated in place
    and count as loaded; other repeats stay duplicates, so re-ingesting is still idempotent."""


def check(
    con: duckdb.DuckDBPyConnection, plan: IngestPlan, source: str | Source = "_raw", *, has_line: bool = True
) -> None:
    """`_checked` in source order: `_line`, typed columns, `_reason` (NULL = passes), `_h` (key hash), `_raw_text`.

    The plan's gates run after the value gates every row passes whatever its format (finite numbers,
    plausible times, printable dimension values; see gates.value_gates), all in one CASE.
    A streamed source has no `_line` yet (NULL); the caller fills it in for failing rows.
    """
    src = source if isinstance(source, Source) else Source(source, {})
    typed_columns = [exp.alias_(_parse(expr), col, quoted=True) for col, expr in plan.columns.items()]
    typed = con.sql(src.select(*typed_columns, alias="_r").limit(0).sql(dialect="duckdb"), params=src.params or None)
    types = dict(zip(typed.columns, (str(t) for t in typed.types)))
    gates = value_gates(types) + plan.gates
    line = exp.column("_line", table="_r") if has_line else exp.cast(exp.null(), "BIGINT")
    row_json = _parse("json_merge_patch(to_json(_r), '{\"_line\": null}')" if has_line else "to_json(_r)")
    rows = src.select(exp.alias_(line, "_line"), *(c.copy() for c in typed_columns), "_r", alias="_r")
    scored = exp.select("*", exp.alias_(_parse(reason_sql(gates)), "_reason"),
                        exp.alias_(exp.func("hash", *(exp.column(k, quoted=True) for k in plan.key)), "_h")).from_(rows.subquery())
    raw_text = exp.Case(ifs=[exp.If(this=exp.column("_reason").is_(exp.null()).not_(), true=exp.cast(row_json, "VARCHAR"))])
    checked = exp.select(exp.Star(except_=[exp.column("_r")]), exp.alias_(raw_text, "_raw_text")).from_(scored.subquery())
    with unreadable_as_user_error(src):
        con.execute(CREATE_TEMP + " _checked AS " + checked.sql(dialect="duckdb"), src.params or None)
    _gate_names(con, plan, name_columns(types))


def _parse(fragment: str) -> exp.Expression:
    """A plan's SQL fragment (written in pace's ingest modules, never from data) as a sqlglot tree."""
    return sqlglot.parse_one(fragment, read="duckdb")


def _gate_names(con: duckdb.DuckDBPyConnection, plan: IngestPlan, columns: tuple[str, ...]) -> None:
    """Quarantine passing rows whose dimension names are not printable, checking each distinct value once.

    Names repeat millions of times in telemetry, so one grouped pass plus a regex over the few distinct
    values costs a fraction of a regex per row; rows are only touched when a bad name exists, and only
    through the columns that hold one. The grouped pass also carries the plan's dimension columns, so
    `add_dimensions` reads its distinct values from this small table (`_groups`, with `_bad` per
    combination) instead of scanning `_checked` again: a row fails this gate exactly when its
    combination does, so the combinations left are those of the rows still passing.
    """
    con.execute("DROP TABLE IF EXISTS _groups")
    if not columns:
        return
    gates = tuple(printable(c) for c in columns)
    passing = exp.column("_reason").is_(exp.null())
    dimension_columns = (c for cols in plan.dimensions.values() for c in cols if c in plan.columns)
    grouped = [exp.column(c, quoted=True) for c in dict.fromkeys([*columns, *dimension_columns])]
    any_bad = exp.alias_(exp.paren(exp.or_(*(g.fails.copy() for g in gates))), "_bad")
    names = exp.select(*grouped, any_bad).from_("_checked").where(passing).group_by(*(c.copy() for c in grouped))
    con.execute(CREATE_TEMP + " _groups AS " + sql(names))
    flags = exp.select(*(exp.func("bool_or", exp.func("coalesce", g.fails.copy(), exp.false())) for g in gates)) \
        .from_("_groups").where("_bad")
    bad_columns = [c for c, flag in zip(columns, con.execute(sql(flags)).fetchone()) if flag]
    if not bad_columns:
        return
    bad = exp.or_(*(exp.column(c, quoted=True).isin(query=exp.select(exp.column(c, quoted=True)).from_("_groups")
                                                    .where(g.fails.copy())) for c, g in zip(columns, gates) if c in bad_columns))
    row = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(c, quoted=True), expression=exp.column(c, quoted=True))
                                  for c in plan.columns])
    update = exp.update("_checked", {"_reason": sqlglot.parse_one(reason_sql(gates), read="duckdb"),
                                     "_raw_text": exp.cast(exp.func("to_json", row), "VARCHAR")},
                        where=exp.and_(passing.copy(), exp.paren(bad)))
    con.execute(sql(update))


REJECTED = """SELECT _line, reason, raw FROM _rejects UNION ALL
SELECT _line, _reason AS reason, _raw_text AS raw FROM _checked WHERE _reason IS NOT NULL"""
QUARANTINE = """INSERT INTO ingest_quarantine (ingested_at, file, format, line, reason, raw)
SELECT now()::TIMESTAMP, $file, $fmt, _line, reason, raw FROM (""" + REJECTED + """) u
WHERE NOT EXISTS (SELECT 1 FROM ingest_quarantine x WHERE x.file = $file
    AND x.format = $fmt AND x.line IS NOT DISTINCT FROM u._line AND x.reason = u.reason
    AND x.raw IS NOT DISTINCT FROM u.raw)"""
GATE_COUNTS = "SELECT split_part(reason, ': ', 1) AS gate, count(*) FROM (" + REJECTED + ") GROUP BY 1 ORDER BY 2 DESC, 1"


def quarantine(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> dict[str, int]:
    """Copy rejected and gate-failing rows into `ingest_quarantine`; return counts by gate name.

    The file is recorded by its absolute path, so a re-ingest from another directory still matches.
    """
    params = {"file": str(Path(path).resolve()), "fmt": fmt}
    con.execute(QUARANTINE, params)  # rows an earlier ingest of the same file quarantined are not written twice
    rows = con.execute(GATE_COUNTS).fetchall()
    return {gate: int(n) for gate, n in rows}


# Rows whose key repeats an earlier one in the file (:nth numbers each key's rows in file order, or in
# reverse where a later record supersedes). Candidates come from a 64-bit hash of the key first.
REPEATS = """WITH candidates AS (SELECT _h FROM _checked WHERE _reason IS NULL GROUP BY _h HAVING count(*) > 1)
SELECT _rid FROM (
    SELECT rowid AS _rid, :nth AS _n FROM _checked WHERE _reason IS NULL AND _h IN (SELECT _h FROM candidates)
) WHERE _n > 1"""


class Loaded(NamedTuple):
    """What `insert_new` did: rows loaded (inserted or updated), duplicates, and how many of loaded were updates."""

    loaded: int
    duplicates: int
    updated: int


def insert_new(con: duckdb.DuckDBPyConnection, plan: IngestPlan) -> Loaded:
    """Insert passing rows whose key is new, update superseded ones (`replace_when`).

    A key repeated in the file keeps its first row, or its last when the plan has `replace_when`.

    Repeats inside the file are found from a 64-bit hash of the key (one narrow column, fast at 10M
    rows): when its distinct count falls short of the rows, the colliding hashes are grouped and the
    repeats confirmed on the real key columns among those few rows only.
    """
    # As many distinct key hashes as passing rows proves that no key repeats (equal keys hash alike): one
    # aggregate, about half the cost of grouping the hashes, and the usual case for an export.
    good, hashes = con.execute("SELECT count(*), count(DISTINCT _h) FROM _checked WHERE _reason IS NULL").fetchone()
    if good == 0:
        return Loaded(0, 0, 0)
    # With `replace_when`, a key's later record in the file is its later state (sacct --duplicates lists
    # a requeued job's runs in order), so the last one stands; otherwise the first.
    if hashes < good:
        nth = exp.Window(this=exp.RowNumber(), partition_by=[exp.column(k, quoted=True) for k in plan.key],
                         order=exp.Order(expressions=[exp.Ordered(this=exp.column("rowid"), desc=bool(plan.replace_when))]))
        repeats = exp.replace_placeholders(sqlglot.parse_one(REPEATS, read="duckdb"), nth=nth)
        con.execute("CREATE OR REPLACE TEMP TABLE _repeats AS " + sql(repeats))
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _repeats (_rid BIGINT)")
    target = exp.to_table(plan.table, quoted=True)
    any_row = exp.select("1").from_(target.copy()).limit(1)
    existing = con.execute(sql(exp.select(exp.Count(this=exp.Star())).from_(any_row.subquery()))).fetchone()[0]
    passing = exp.column("_reason").is_(exp.null())
    rows = exp.select(*(exp.column(c, quoted=True) for c in plan.columns)).from_(exp.to_table("_checked").as_("g")).where(passing)
    if hashes < good:
        rows = rows.where(exp.not_(exp.column("rowid", "g").isin(query=exp.select("_rid").from_("_repeats"))))
    if existing:
        same = [exp.NullSafeEQ(this=exp.column(k, "t", quoted=True), expression=exp.column(k, "g", quoted=True))
                for k in plan.key]
        if plan.key_window:  # bound the scan of existing rows to the file's span of the window column
            span = [exp.select(exp.func(f, exp.column(plan.key_window, quoted=True))).from_("_checked").where(passing.copy())
                    for f in ("min", "max")]
            same.append(exp.Between(this=exp.column(plan.key_window, "t", quoted=True), low=span[0].subquery(),
                                    high=span[1].subquery()))
        rows = rows.where(exp.not_(exp.Exists(this=exp.select("1").from_(target.copy().as_("t")).where(exp.and_(*same)))))
    updated = _update_superseded(con, plan) if existing and plan.replace_when else 0
    loaded = con.execute(sql(exp.insert(rows, target.copy(), columns=list(plan.columns)))).fetchone()[0]
    return Loaded(int(loaded + updated), int(good - loaded - updated), updated)


def _update_superseded(con: duckdb.DuckDBPyConnection, plan: IngestPlan) -> int:
    """Update existing rows that a passing new row supersedes (`plan.replace_when`); return how many."""
    newer = exp.select("*").from_("_checked").where(exp.and_(
        exp.column("_reason").is_(exp.null()), exp.not_(exp.column("rowid").isin(query=exp.select("_rid").from_("_repeats")))))
    same = [exp.column(k, "t", quoted=True).eq(exp.column(k, "g", quoted=True)) for k in plan.key]
    update = exp.Update(
        this=exp.to_table(plan.table, quoted=True).as_("t"),
        expressions=[exp.EQ(this=exp.column(c, quoted=True), expression=exp.column(c, "g", quoted=True))
                     for c in plan.columns if c not in plan.key],
        from_=exp.From(this=newer.subquery("g")),
        where=exp.Where(this=exp.and_(*same, exp.paren(sqlglot.parse_one(plan.replace_when or "TRUE", read="duckdb")))),
    )
    return int(con.execute(sql(update)).fetchone()[0])


# New dimension values get placeholder attributes until someone fills them in.
DIMENSION_COLUMNS: dict[str, list[str]] = {
    "teams": ["team", "org", "cost_center", "tier2_lead"],
    "projects": ["project", "team", "primary_workload", "description"],
    "clusters": ["cluster", "region", "provider", "is_on_prem"],
}
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "teams": ("unassigned", "unassigned", "unassigned"),
    "projects": ("unassigned", "unknown", "added by pace ingest"),  # team when the file names none
    "clusters": ("unknown", "unknown"),  # and is_on_prem FALSE
}


def add_dimensions(con: duckdb.DuckDBPyConnection, plan: IngestPlan) -> dict[str, list[str]]:
    """Insert unseen teams, projects and clusters (with placeholder attributes); return the new values.

    One grouped scan collects the distinct values (or the name gate's `_groups` already holds them);
    each dimension then works on that small table.
    """
    if not plan.dimensions:
        return {}
    used = sorted({c for cols in plan.dimensions.values() for c in cols})
    if set(used) <= _columns(con, "_groups"):  # the combinations of passing rows, from the name gate's pass
        source, good = "_groups", exp.column("_bad").is_(exp.true()).not_()
    else:
        source, good = "_checked", exp.column("_reason").is_(exp.null())
    grouped = exp.select(*(exp.column(c, quoted=True) for c in used)).from_(source).where(good) \
        .group_by(*(exp.column(c, quoted=True) for c in used))
    con.execute("CREATE OR REPLACE TEMP TABLE _dimvals AS " + sql(grouped))
    added: dict[str, list[str]] = {}
    for dim, cols in plan.dimensions.items():
        value = exp.column(cols[0], quoted=True)
        known = exp.select(exp.column(dim[:-1])).from_(exp.to_table(dim))
        new = exp.select(value.copy().as_("v")).distinct().from_("_dimvals").where(
            exp.and_(exp.not_(value.copy().is_(exp.null())), exp.not_(value.copy().isin(query=known))))
        values = sorted(r[0] for r in con.execute(sql(new)).fetchall())
        if not values:
            continue
        fill = [exp.Literal.string(v) for v in PLACEHOLDERS[dim]]
        if dim == "projects":
            team = exp.func("coalesce", exp.func("min", exp.column(cols[1], quoted=True)), fill[0].copy()) \
                if len(cols) > 1 else fill[0].copy()
            rows = exp.select(value.copy(), team, *fill[1:]).from_("_dimvals") \
                .where(value.copy().isin(query=exp.select("v").from_(new.subquery()))).group_by(value.copy())
        else:
            rows = exp.select("v", *fill, *([exp.false()] if dim == "clusters" else [])).from_(new.subquery())
        con.execute(sql(exp.insert(rows, dim, columns=DIMENSION_COLUMNS[dim])))
        added[dim] = values
    return added


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of a temporary table of this connection (empty when it does not exist)."""
    rows = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name = 'temp'",
                       [table]).fetchall()
    return {r[0] for r in rows}
