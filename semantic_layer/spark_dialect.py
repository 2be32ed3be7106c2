"""Spark SQL as pace renders it: sqlglot's Spark dialect plus an allowlist of renderings that agree with DuckDB.

sqlglot transpiles most of what pace emits correctly. Where DuckDB and Spark differ in meaning, pace
renders each construct it uses so that both engines return the same rows (docs/scale-out.md lists
every case), and refuses the few constructs that have no faithful Spark form instead of running a
rewrite that changes the answer:

- `quantile_cont(x, q)`: sqlglot emits `PERCENTILE_CONT(x, q)`, which Spark rejects; pace emits
  Spark's exact `PERCENTILE(x, q)` (linear interpolation, as DuckDB). `percentile_cont(q) WITHIN
  GROUP (ORDER BY x)` stays as written (sqlglot would make it `PERCENTILE_APPROX`).
- `date_trunc(unit, x)`: DuckDB returns a TIMESTAMP (no time zone). For a date sqlglot emits
  `TRUNC(d, unit)`, a DATE, and Spark's `DATE_TRUNC` returns a session-time-zone TIMESTAMP even for
  TIMESTAMP_NTZ input; pace emits `CAST(DATE_TRUNC(unit, x) AS TIMESTAMP)` (NTZ in pace's session).
- `<date> +/- INTERVAL`: DuckDB returns a TIMESTAMP, Spark a DATE; pace casts the operand to TIMESTAMP.
- `date_diff(unit, a, b)`: DuckDB counts unit boundaries, Spark's `DATEDIFF(unit, ...)` whole
  elapsed units; pace emits `TIMESTAMPDIFF(unit, DATE_TRUNC(unit, a), DATE_TRUNC(unit, b))`.
- `a / b`: DuckDB divides as DOUBLE; Spark divides decimal literals (`x / 3600.0`) as DECIMAL with
  6 digits of scale; pace casts the dividend to DOUBLE.
- `list(x ORDER BY y)`: sqlglot emits `COLLECT_LIST(x)`, dropping the order; pace refuses it.
- QUALIFY: sqlglot's rewrite to a subquery leaves the ORDER BY inside it; pace keeps it outside.
- Null ordering, week start (Monday), string comparison (binary) and TIMESTAMP without time zone
  agree once ORDER BY carries explicit NULLS LAST (sqlglot and the compiler do it) and the session
  pins `spark.sql.timestampType=TIMESTAMP_NTZ` (see `spark_engine.SPARK_CONF`).

>>> import sqlglot
>>> to_spark(sqlglot.parse_one("SELECT quantile_cont(x, 0.95) FROM t", read="duckdb"))
'SELECT PERCENTILE(x, 0.95) FROM t'
"""

from __future__ import annotations

from sqlglot import exp, transforms
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ErrorLevel
from sqlglot.generators.spark import SparkGenerator

from core.errors import UserError

DIFF_UNITS = ("SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "YEAR")


class SparkUnsupported(UserError):
    """A construct with no faithful Spark rendering; the message says how to write it instead."""


def _unit(node: exp.Expression) -> str:
    unit = node.args.get("unit")
    return (unit.name if unit is not None else "DAY").upper()


def _percentile(gen: SparkGenerator, node: exp.PercentileCont) -> str:
    if node.args.get("expression") is None:  # inside WITHIN GROUP: Spark has that form natively
        return gen.func("PERCENTILE_CONT", node.this)
    return gen.func("PERCENTILE", node.this, node.expression)


def _percentile_disc(gen: SparkGenerator, node: exp.PercentileDisc) -> str:
    if node.args.get("expression") is None:
        return gen.func("PERCENTILE_DISC", node.this)
    order = exp.Order(expressions=[exp.Ordered(this=node.this.copy(), nulls_first=False)])
    return f"{gen.func('PERCENTILE_DISC', node.expression)} WITHIN GROUP ({gen.sql(order).strip()})"


def _date_trunc(gen: SparkGenerator, node: exp.DateTrunc | exp.TimestampTrunc) -> str:
    trunc = gen.func("DATE_TRUNC", exp.Literal.string(_unit(node)), node.this)
    return f"CAST({trunc} AS TIMESTAMP)"


def _date_diff(gen: SparkGenerator, node: exp.DateDiff) -> str:
    unit = _unit(node)
    if unit not in DIFF_UNITS:
        raise SparkUnsupported(f"date_diff by {unit.lower()} has no exact Spark form; use one of {', '.join(u.lower() for u in DIFF_UNITS)}")
    lit = exp.Literal.string(unit)
    start = gen.func("DATE_TRUNC", lit, node.expression)
    end = gen.func("DATE_TRUNC", lit, node.this)
    return f"TIMESTAMPDIFF({unit}, {start}, {end})"


def _interval_operand(node: exp.Expression) -> exp.Expression:
    """In `x +/- INTERVAL ...`, compute on x as a TIMESTAMP (DuckDB's result type for dates too)."""
    if isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval) and not isinstance(node.this, exp.Interval):
        this = node.this
        already = isinstance(this, (exp.DateTrunc, exp.TimestampTrunc, exp.Add, exp.Sub)) or (isinstance(this, exp.Cast) and this.to.is_type("timestamp"))
        if not already:
            node.set("this", exp.cast(this, exp.DataType.build("TIMESTAMP")))
    return node


def _double_division(node: exp.Div) -> exp.Div:
    """DuckDB's `/` always divides as DOUBLE; Spark keeps DECIMAL (scale capped at 6) for decimal literals."""
    this = node.this
    if not (isinstance(this, exp.Cast) and this.to.is_type("double")):
        node.set("this", exp.cast(this, exp.DataType.build("DOUBLE")))
    return node


def _ordered_aggregate(gen: SparkGenerator, node: exp.Expression) -> str:
    if isinstance(node.this, exp.Order):
        raise SparkUnsupported(
            f"`{node.sql('duckdb')}` keeps an order that Spark's collect_list does not; "
            "aggregate without ORDER BY and sort the rows instead"  # a message, not SQL
        )
    return gen.func("COLLECT_LIST", node.this)


def _qualify_keeping_order(expression: exp.Expression) -> exp.Expression:
    """Rewrite QUALIFY to a filtered subquery, keeping ORDER BY / LIMIT on the outer query."""
    if not isinstance(expression, exp.Select) or not expression.args.get("qualify"):
        return expression
    inner = expression.copy()
    order, limit, offset = (inner.args.get(k) for k in ("order", "limit", "offset"))
    for key in ("order", "limit", "offset"):
        inner.set(key, None)
    outer = transforms.eliminate_qualify(inner)
    if order is not None:
        names = {n.lower() for n in outer.named_selects}
        for col in order.find_all(exp.Column):
            if col.name.lower() not in names:
                raise SparkUnsupported(f"with QUALIFY, order by selected columns only; `{col.sql('duckdb')}` is not selected")
            col.set("table", None)
        outer.set("order", order)
    outer.set("limit", limit)
    outer.set("offset", offset)
    return outer


class PaceSpark(Spark):
    """Spark SQL with pace's allowlisted renderings (registered with sqlglot as `pacespark`)."""

    class Generator(SparkGenerator):
        TRANSFORMS = {
            **SparkGenerator.TRANSFORMS,
            exp.PercentileCont: _percentile,
            exp.PercentileDisc: _percentile_disc,
            exp.WithinGroup: lambda gen, e: gen.withingroup_sql(e),  # not Spark's rewrite to PERCENTILE_APPROX
            exp.DateTrunc: _date_trunc,
            exp.TimestampTrunc: _date_trunc,
            exp.DateDiff: _date_diff,
            exp.ArrayAgg: _ordered_aggregate,
            exp.Select: transforms.preprocess(
                [_qualify_keeping_order, transforms.eliminate_distinct_on, transforms.unnest_to_explode, transforms.any_to_exists]
            ),
        }

        def add_sql(self, expression: exp.Add) -> str:
            return super().add_sql(_interval_operand(expression.copy()))

        def sub_sql(self, expression: exp.Sub) -> str:
            return super().sub_sql(_interval_operand(expression.copy()))

        def div_sql(self, expression: exp.Div) -> str:
            return super().div_sql(_double_division(expression.copy()))


def to_spark(expression: exp.Expression, *, pretty: bool = False) -> str:
    """Render a (DuckDB-parsed or compiled) expression as Spark SQL with pace's renderings."""
    return expression.sql(dialect=PaceSpark, pretty=pretty, unsupported_level=ErrorLevel.RAISE)


def transpile_to_spark(sql: str) -> str:
    """DuckDB SQL text (gold SQL, what users and planners write) -> Spark SQL, or SparkUnsupported."""
    import sqlglot

    return to_spark(sqlglot.parse_one(sql, read="duckdb"))

