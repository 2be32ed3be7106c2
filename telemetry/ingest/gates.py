"""Data-quality gates: small named rules, each a sqlglot predicate that is TRUE for a row to quarantine.

Gates run in one vectorized pass: `reason_sql` folds a tuple of gates into a single CASE whose first
matching rule names the problem (`<gate name>: <detail>`), so a row carries exactly one reason.
Predicates see the typed columns by name and the raw text of the row as the struct `_r`. Every
constant is a sqlglot literal (sqlglot quotes it); nothing is pasted into SQL text by hand.

>>> reason_sql((finite("busy_hours"),))
'CASE WHEN NOT ISFINITE("busy_hours") THEN \\'finite(busy_hours): \\' || (\\'busy_hours is not a finite number: \\' || CAST("busy_hours" AS TEXT)) END'
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import sqlglot
from sqlglot import exp

DIALECT = "duckdb"
# Timestamps outside these years are typos or sentinels (year 9999, 294247), never telemetry.
FIRST_YEAR, LAST_YEAR = 1970, 2100
# Longest dimension value pace accepts; longer ones are pasted blobs, not names.
MAX_DIMENSION_CHARS = 200
# Values answers group and filter by (docs/data-model.md): they must be printable names.
DIMENSION_COLUMNS: frozenset[str] = frozenset({
    "team", "project", "cluster", "accelerator_type", "workload_type", "user_name", "state", "job_id",
    "endpoint", "org", "region", "provider", "requester", "approver", "priority", "status", "category",
    "x_team", "x_project", "x_cluster", "x_accelerator_type", "ProviderName", "ServiceName",
    "ServiceCategory", "ChargeCategory", "PricingCategory", "RegionId", "BillingCurrency", "BillingAccountId",
    "gpu", "gpu_uuid", "hostname", "namespace", "pod",
})
_CONTROL = "[\\x00-\\x1f\\x7f]"  # an RE2 class: ASCII control characters


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return exp.to_identifier(name, quoted=True).sql(DIALECT)


def text(value: str) -> exp.Literal:
    """A string constant as a sqlglot literal (sqlglot does the quoting)."""
    return exp.Literal.string(value)


def sql(node: exp.Expression) -> str:
    """DuckDB SQL text of a sqlglot expression."""
    return node.sql(DIALECT)


def _expr(node: exp.Expression | str) -> exp.Expression:
    return node if isinstance(node, exp.Expression) else sqlglot.parse_one(node, read=DIALECT)


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _raw(column: str, raw: exp.Expression | str | None) -> exp.Expression:
    return _expr(raw) if raw is not None else exp.column(column, table="_r", quoted=True)


def _concat(*parts: exp.Expression) -> exp.Expression:
    out = parts[0]
    for part in parts[1:]:
        out = exp.DPipe(this=out, expression=part, safe=True)
    return out


def _as_text(node: exp.Expression) -> exp.Expression:
    return exp.cast(node, "VARCHAR")


@dataclass(frozen=True)
class Gate:
    """One rule: `fails` is a predicate TRUE for bad rows; `detail` a VARCHAR expression saying why.

    Either may be given as DuckDB SQL text (parsed once by sqlglot) or as a sqlglot expression.
    """

    name: str
    fails: exp.Expression
    detail: exp.Expression

    def __post_init__(self) -> None:
        object.__setattr__(self, "fails", _expr(self.fails))
        object.__setattr__(self, "detail", _expr(self.detail))


def required(column: str, raw: exp.Expression | str | None = None) -> Gate:
    """The value must be present (not empty, not NULL)."""
    return Gate(f"required({column})", _raw(column, raw).is_(exp.null()), text(f"{column} is empty; it is required"))


def typed(column: str, type_name: str, raw: exp.Expression | str | None = None) -> Gate:
    """A present raw value must cast to the column's type (TRY_CAST gave NULL: the value is bad)."""
    source = _raw(column, raw)
    return Gate(
        f"type({column})",
        exp.and_(exp.not_(source.is_(exp.null())), _col(column).is_(exp.null())),
        _concat(text(f"{column} is not a valid {type_name}: "), _as_text(source.copy())),
    )


def in_range(column: str, low: float | None, high: float | None) -> Gate:
    """A typed number must lie within [low, high] (either bound optional); NaN fails an upper bound."""
    checks: list[exp.Expression] = []
    if low is not None:
        checks.append(exp.LT(this=_col(column), expression=exp.Literal.number(low)))
    if high is not None:
        checks.append(exp.GT(this=_col(column), expression=exp.Literal.number(high)))
    bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    return Gate(
        f"range({column})",
        exp.or_(*checks),
        _concat(text(f"{column} out of range {bounds}: "), _as_text(_col(column))),
    )


def finite(column: str) -> Gate:
    """A floating-point value must be a number: NaN and +-Infinity pass `>= 0` in DuckDB and poison sums."""
    return Gate(
        f"finite({column})",
        exp.not_(exp.func("isfinite", _col(column))),
        _concat(text(f"{column} is not a finite number: "), _as_text(_col(column))),
    )


def plausible_time(column: str) -> Gate:
    """A timestamp or date must fall in FIRST_YEAR..LAST_YEAR (a year-9999 row is a sentinel, not data)."""
    low = exp.cast(text(f"{FIRST_YEAR}-01-01"), "TIMESTAMP")
    high = exp.cast(text(f"{LAST_YEAR + 1}-01-01"), "TIMESTAMP")
    value = exp.cast(_col(column), "TIMESTAMP")
    return Gate(
        f"time({column})",
        exp.or_(exp.LT(this=value, expression=low), exp.GTE(this=value.copy(), expression=high)),
        _concat(text(f"{column} is outside {FIRST_YEAR}..{LAST_YEAR}: "), _as_text(_col(column))),
    )


def printable(column: str) -> Gate:
    """A dimension value must be a name: no control characters, at most MAX_DIMENSION_CHARS characters."""
    value = _col(column)
    too_long = exp.GT(this=exp.func("length", value), expression=exp.Literal.number(MAX_DIMENSION_CHARS))
    control = exp.func("regexp_matches", value.copy(), text(_CONTROL))
    # The detail shows the value JSON-escaped and cut short, so no control byte reaches a terminal.
    shown = _as_text(exp.func("to_json", exp.func("left", value.copy(), exp.Literal.number(60))))
    why = exp.Case(ifs=[exp.If(this=too_long.copy(), true=_concat(
        text(f"longer than {MAX_DIMENSION_CHARS} characters ("), _as_text(exp.func("length", value.copy())), text("): ")))],
        default=text("contains a control character: "))
    return Gate(f"text({column})", exp.or_(too_long, control), _concat(text(f"{column} "), why, shown))


def at_most(column: str, bound: str) -> Gate:
    """`column` must not exceed `bound` in the same row (busy hours within allocated hours)."""
    excess = exp.Sub(this=_col(column), expression=_col(bound))
    return Gate(
        f"bound({column}<={bound})",
        exp.GT(this=excess, expression=exp.Literal.number(1e-9)),
        _concat(text(f"{column} is above {bound}: "), _as_text(_col(column)), text(" > "), _as_text(_col(bound))),
    )


def ordered(start: str, end: str, *, strict: bool = True) -> Gate:
    """`end` must come after `start` (or not before it when `strict` is False)."""
    compare = exp.LTE if strict else exp.LT
    return Gate(
        f"order({start},{end})",
        compare(this=_col(end), expression=_col(start)),
        _concat(text(f"{end} is not after {start}: "), _as_text(_col(start)), text(" -> "), _as_text(_col(end))),
    )


def known_accelerator(con: duckdb.DuckDBPyConnection, column: str = "accelerator_type") -> Gate:
    """Accelerator types must be in the catalog: their price and capability are otherwise unknown."""
    known = [r[0] for r in con.execute("SELECT accelerator_type FROM accelerator_types ORDER BY 1").fetchall()]
    hint = (
        f" (known: {', '.join(known)}; add the type to accelerator_types, e.g. with "
        "`pace ingest types.csv --format csv --table accelerator_types`, or map it)"
    )
    catalog = exp.select("accelerator_type").from_("accelerator_types")
    return Gate(
        "unknown_accelerator_type",
        exp.and_(exp.not_(_col(column).is_(exp.null())), exp.not_(_col(column).isin(query=catalog))),
        _concat(text("unknown accelerator type "), _col(column), text(hint)),
    )


def value_gates(types: dict[str, str]) -> tuple[Gate, ...]:
    """The row gates every loaded row passes, by column type: finite floats and plausible times.

    Dimension names are checked by `name_columns` instead, once per distinct value (see load.check).
    """
    out: list[Gate] = []
    for column, dtype in types.items():
        if dtype in ("DOUBLE", "FLOAT", "REAL"):
            out.append(finite(column))
        elif dtype.startswith("TIMESTAMP") or dtype == "DATE":
            out.append(plausible_time(column))
    return tuple(out)


def name_columns(types: dict[str, str]) -> tuple[str, ...]:
    """The text columns whose values must be printable names (`printable`)."""
    return tuple(c for c, dtype in types.items() if dtype == "VARCHAR" and c in DIMENSION_COLUMNS)


def reason_sql(gates: tuple[Gate, ...]) -> str:
    """One CASE expression: the first failing gate's `name: detail`, else NULL (the row passes)."""
    if not gates:
        return sql(exp.cast(exp.null(), "VARCHAR"))
    ifs = [exp.If(this=exp.paren(g.fails.copy()), true=_concat(text(g.name + ": "), exp.paren(g.detail.copy())))
           for g in gates]
    return sql(exp.Case(ifs=ifs))
