"""Data-quality gates: small named rules, each a SQL predicate that is TRUE for a row to quarantine.

Gates run in one vectorized pass: `reason_sql` folds a tuple of gates into a single CASE whose first
matching rule names the problem (`<gate name>: <detail>`), so a row carries exactly one reason.
Predicates see the typed columns by name and the raw text of the row as the struct `_r`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Gate:
    """One rule: `fails` is a SQL predicate TRUE for bad rows; `detail` a VARCHAR SQL expression."""

    name: str
    fails: str
    detail: str


def required(column: str, raw: str | None = None) -> Gate:
    """The value must be present (not empty, not NULL)."""
    raw_ref = raw or f"_r.{q(column)}"
    return Gate(f"required({column})", f"{raw_ref} IS NULL", lit(f"{column} is empty; it is required"))


def typed(column: str, type_name: str, raw: str | None = None) -> Gate:
    """A present raw value must cast to the column's type (TRY_CAST gave NULL: the value is bad)."""
    raw_ref = raw or f"_r.{q(column)}"
    return Gate(
        f"type({column})",
        f"{raw_ref} IS NOT NULL AND {q(column)} IS NULL",
        f"{lit(column + ' is not a valid ' + type_name + ': ')} || CAST({raw_ref} AS VARCHAR)",
    )


def in_range(column: str, low: float | None, high: float | None) -> Gate:
    """A typed number must lie within [low, high] (either bound optional)."""
    checks = []
    if low is not None:
        checks.append(f"{q(column)} < {low}")
    if high is not None:
        checks.append(f"{q(column)} > {high}")
    bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    return Gate(
        f"range({column})",
        " OR ".join(checks),
        f"{lit(column + ' out of range ' + bounds + ': ')} || CAST({q(column)} AS VARCHAR)",
    )


def ordered(start: str, end: str, *, strict: bool = True) -> Gate:
    """`end` must come after `start` (or not before it when `strict` is False)."""
    op = "<=" if strict else "<"
    return Gate(
        f"order({start},{end})",
        f"{q(end)} {op} {q(start)}",
        f"{lit(end + ' is not after ' + start + ': ')} || CAST({q(start)} AS VARCHAR) || ' -> ' || CAST({q(end)} AS VARCHAR)",
    )


def known_accelerator(con: duckdb.DuckDBPyConnection, column: str = "accelerator_type") -> Gate:
    """Accelerator types must be in the catalog: their price and capability are otherwise unknown."""
    known = [r[0] for r in con.execute("SELECT accelerator_type FROM accelerator_types ORDER BY 1").fetchall()]
    hint = (
        f" (known: {', '.join(known)}; add the type to accelerator_types, e.g. with "
        "`pace ingest types.csv --format csv --table accelerator_types`, or map it)"
    )
    return Gate(
        "unknown_accelerator_type",
        f"{q(column)} IS NOT NULL AND {q(column)} NOT IN (SELECT accelerator_type FROM accelerator_types)",
        f"'unknown accelerator type ' || {q(column)} || {lit(hint)}",
    )


def reason_sql(gates: tuple[Gate, ...]) -> str:
    """One CASE expression: the first failing gate's `name: detail`, else NULL (the row passes)."""
    if not gates:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(f"WHEN ({g.fails}) THEN {lit(g.name + ': ')} || ({g.detail})" for g in gates)
    return f"CASE {whens} END"
