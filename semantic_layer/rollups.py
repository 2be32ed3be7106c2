"""Answer a fact's measures from a rollup when the query allows it (telemetry/rollups.py builds them).

The rule, like MetricFlow's or Cube's pre-aggregation matching: one fact CTE may read a rollup instead
of its source table when
- the rollup is present and current in the warehouse (`available`: its declaration digest and the
  source's row count match what `pace_rollups` recorded at build time),
- every group-by and filter dimension is a rollup key, or is read through a join whose columns on the
  fact side are rollup keys (so it is constant within a rollup row),
- a time grouping is no finer than the rollup's grain, and the period starts and ends on its buckets,
- every measure is a sum or a count whose row expression can be rewritten over the rollup's columns
  (`rewrite`): a stored sum, a group-constant factor times a rewritable one, a CASE whose conditions are
  group-constant, or a group-constant value (times the row count).
Anything else (a median, a distinct count, an hour-grain chart over a daily rollup) reads the source.
The rollup is aliased as the fact entity and keeps the source's column names, so joins, filters and
the time bucketing compile exactly as on the source; only the aggregates change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlglot import exp

from semantic_layer.catalog_types import CatalogView as Catalog
from semantic_layer.graph import dimension_source, join_path, parse_expr
from semantic_layer.models import Measure
from semantic_layer.query import Filter, GroupBy, TimeRange
from semantic_layer.validator import validate_sql
from telemetry.rollups import META_TABLE, ROLLUPS, ROW_COUNT, Rollup

DOUBLE = exp.DataType.build("DOUBLE")
_FINER_OK = {"hour": {"hour", "day", "week", "month", "quarter"}, "day": {"day", "week", "month", "quarter"}}


@dataclass(frozen=True)
class RollupInfo:
    """A rollup present and current in one warehouse: its declaration and how many rows it holds."""

    rollup: Rollup
    rows: int

    @property
    def stored(self) -> dict[str, str]:
        """{normalized SQL of a summed row expression: rollup column}."""
        return _stored(self.rollup)


@functools.lru_cache(maxsize=32)
def _stored(rollup: Rollup) -> dict[str, str]:
    """Parsed once per declaration: the compiler asks for every measure of every query (about 0.1 s per
    dashboard view when it was parsed again each time)."""
    return {parse_expr(sql).sql("duckdb"): name for name, sql in rollup.sums}


def available(engine_or_con: Any) -> tuple[RollupInfo, ...]:
    """The rollups a DuckDB warehouse holds whose declaration and source row count are current; () when
    it has none (an older warehouse), so every query reads the base tables."""
    schema = getattr(engine_or_con, "schema", None)
    present = schema() if callable(schema) else None
    names = {r.name for r in ROLLUPS} | {META_TABLE}
    if present is not None and not names & set(present):
        return ()
    try:
        meta = _rows(engine_or_con, exp.select("rollup", "digest", "source_rows", "rollup_rows").from_(META_TABLE))
    except Exception:  # noqa: BLE001 - no pace_rollups table: an older warehouse answers from its base tables
        return ()
    recorded = {r[0]: r[1:] for r in meta}
    wanted = [r for r in ROLLUPS if r.name in recorded and recorded[r.name][0] == r.digest()
              and (present is None or r.name in present)]
    if not wanted:
        return ()
    sources = sorted({r.source for r in wanted})
    counts_sql: exp.Expression = _count(sources[0])
    for s in sources[1:]:
        counts_sql = exp.union(counts_sql, _count(s), distinct=False)
    counts = dict(_rows(engine_or_con, counts_sql))
    return tuple(RollupInfo(r, int(recorded[r.name][2])) for r in wanted if counts.get(r.source) == recorded[r.name][1])


def _count(table: str) -> exp.Select:
    return exp.select(exp.Literal.string(table).as_("source"), exp.Count(this=exp.Star()).as_("n")).from_(
        exp.Table(this=exp.to_identifier(table, quoted=True)))


def _rows(engine_or_con: Any, query: exp.Expression) -> list[tuple[Any, ...]]:
    """Rows of a bookkeeping query: validated against the warehouse's schema like any other, and run
    apart from `run_sql`, whose count is the dimension values' one statement per warehouse version."""
    sql = query.sql("duckdb")
    if hasattr(engine_or_con, "run_validated") and hasattr(engine_or_con, "schema"):
        return [tuple(r) for r in engine_or_con.run_validated(validate_sql(sql, engine_or_con.schema())).rows]
    if hasattr(engine_or_con, "run_sql"):
        return [tuple(r) for r in engine_or_con.run_sql(sql).rows]
    return engine_or_con.execute(sql).fetchall()


@dataclass
class _Scope:
    """What the matcher needs to know about one fact: its entity, the rollup and its key columns."""

    catalog: Catalog
    entity: str
    info: RollupInfo
    column: Callable[[str, str], exp.Column] = field(default=lambda entity, name: exp.column(name, table=entity, quoted=True))
    """Makes a qualified column (the compiler's adds the join a joined column needs)."""

    def constant(self, node: exp.Expression) -> bool:
        """True when `node` has one value per rollup row: it reads only rollup keys, columns joined on
        rollup keys, literals and parameters (no aggregate, no other fact column)."""
        if any(isinstance(n, exp.AggFunc) for n in node.find_all(exp.AggFunc)):
            return False
        return all(self._key_column(c) for c in node.find_all(exp.Column))

    def _key_column(self, col: exp.Column) -> bool:
        table = col.table or self.entity
        if table == self.entity:
            return col.name in self.info.rollup.keys
        path = join_path(self.catalog, self.entity, table)
        return bool(path) and all(local in self.info.rollup.keys for local, _ in path[0].on)


def choose(
    catalog: Catalog,
    rollups: tuple[RollupInfo, ...],
    entity: str,
    measures: list[str],
    group_by: list[GroupBy],
    filters: list[tuple[Filter, list[object]]],
    period: TimeRange | None,
    shift: timedelta | None,
    parameters: dict[str, float],
) -> RollupInfo | None:
    """The smallest rollup that answers this fact CTE exactly, else None (read the source table)."""
    ent = catalog.entities[entity]
    if ent.sql or not rollups:
        return None
    fits = [info for info in rollups if info.rollup.source == ent.source_table and info.rollup.time_column == ent.time_column
            and _fits(catalog, info, entity, measures, group_by, filters, period, shift, parameters)]
    return min(fits, key=lambda i: i.rows, default=None)


def _fits(catalog: Catalog, info: RollupInfo, entity: str, measures: list[str], group_by: list[GroupBy],
          filters: list[tuple[Filter, list[object]]], period: TimeRange | None, shift: timedelta | None,
          parameters: dict[str, float]) -> bool:
    grain = info.rollup.grain
    if info.rollup.truncate:  # buckets: the period (and a comparison's shift) must fall on their edges
        if period is not None and not (_aligned(period.start, grain) and _aligned(period.end, grain)):
            return False
        if shift is not None and not _aligned(datetime(2000, 1, 1) + shift, grain):
            return False
    scope = _Scope(catalog, entity, info)
    for g in group_by:
        if g.grain:
            if info.rollup.truncate and g.grain not in _FINER_OK[grain]:
                return False
        elif not _dimension_constant(scope, g.dimension):
            return False
    if not all(_dimension_constant(scope, f.dimension) for f, _ in filters):
        return False
    return all(rollup_aggregate(catalog, entity, info, catalog.measures[m], parameters) is not None for m in measures)


def _aligned(t: datetime, grain: str) -> bool:
    if t.minute or t.second or t.microsecond:
        return False
    return grain == "hour" or t.hour == 0


def _dimension_constant(scope: _Scope, dimension: str) -> bool:
    found = dimension_source(scope.catalog, scope.entity, dimension)
    if found is None:
        return False
    path, source = found
    if not path:
        return source.column in scope.info.rollup.keys
    return all(local in scope.info.rollup.keys for local, _ in path[0].on)


def rollup_aggregate(catalog: Catalog, entity: str, info: RollupInfo, measure: Measure, parameters: dict[str, float],
                     column: Callable[[str, str], exp.Column] | None = None) -> exp.Expression | None:
    """The measure's aggregate over the rollup's rows (columns qualified by the fact entity, which the
    rollup is aliased as), or None when the rollup cannot give exactly the source's answer."""
    if measure.agg not in ("sum", "count"):
        return None
    scope = _Scope(catalog, entity, info) if column is None else _Scope(catalog, entity, info, column)
    rows = exp.column(ROW_COUNT, table=entity, quoted=True)
    if measure.agg == "count" and measure.expr is None:
        body: exp.Expression | None = rows
    else:
        values = {**measure.parameters, **parameters}
        row = parse_expr(measure.expr or measure.name).transform(
            lambda n: exp.Literal.number(float(values[n.name])) if isinstance(n, exp.Placeholder) and n.name in values else n)
        if measure.agg == "count":
            row = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=exp.Paren(this=row), expression=exp.Null())),
                                       true=exp.Literal.number(1))], default=exp.Literal.number(0))
        body = _rewrite(scope, row, rows)
    if body is None:
        return None
    if measure.agg == "count":
        return exp.Cast(this=exp.Coalesce(this=exp.Sum(this=body), expressions=[exp.Literal.number(0)]),
                        to=exp.DataType.build("BIGINT"))
    return exp.Cast(this=exp.Sum(this=body), to=DOUBLE.copy())


def _qualify(scope: _Scope, node: exp.Expression) -> exp.Expression:
    """Columns of the fact read the rollup's same-named key columns; joined columns keep their entity."""
    return node.copy().transform(lambda n: scope.column(n.table or scope.entity, n.name) if isinstance(n, exp.Column) else n)


def _rewrite(scope: _Scope, node: exp.Expression, rows: exp.Column) -> exp.Expression | None:
    """An expression over rollup columns whose SUM over rollup rows equals SUM(node) over source rows."""
    key = node.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) and n.table in ("", scope.entity) else n)
    stored = scope.info.stored.get(key.sql("duckdb"))
    if stored is not None:
        return exp.column(stored, table=scope.entity, quoted=True)
    if scope.constant(node):
        return exp.Mul(this=exp.Paren(this=_qualify(scope, node)), expression=rows.copy())
    if isinstance(node, exp.Paren):
        inner = _rewrite(scope, node.this, rows)
        return None if inner is None else exp.Paren(this=inner)
    if isinstance(node, exp.Neg):
        inner = _rewrite(scope, node.this, rows)
        return None if inner is None else exp.Neg(this=inner)
    if isinstance(node, (exp.Mul, exp.Div)):
        left, right = node.this, node.expression
        if scope.constant(right) and (lr := _rewrite(scope, left, rows)) is not None:
            return type(node)(this=lr, expression=_qualify(scope, right))
        if isinstance(node, exp.Mul) and scope.constant(left) and (rr := _rewrite(scope, right, rows)) is not None:
            return exp.Mul(this=_qualify(scope, left), expression=rr)
        return None
    if isinstance(node, exp.Case) and node.args.get("this") is None:
        ifs = []
        for branch in node.args.get("ifs") or []:
            if not scope.constant(branch.this):
                return None
            value = _rewrite(scope, branch.args["true"], rows)
            if value is None:
                return None
            ifs.append(exp.If(this=_qualify(scope, branch.this), true=value))
        default = node.args.get("default")
        out_default = None if default is None else _rewrite(scope, default, rows)
        if default is not None and out_default is None:
            return None
        return exp.Case(ifs=ifs, default=out_default)
    return None


def table_for(rollups: tuple[RollupInfo, ...], source: str, columns: set[str], sums: set[str], grain: str) -> str:
    """The smallest current rollup of `source` with every key in `columns`, every sum in `sums` (stored under
    the source column's name) and a grain no coarser than `grain`; else `source` itself. For hand-written
    SQL whose shape a rollup keeps (the dashboards' hour-of-day tile): same names, same sums, fewer rows."""
    fits = [i for i in rollups if i.rollup.source == source and columns <= set(i.rollup.keys)
            and sums <= {name for name, sql in i.rollup.sums if name == sql} and grain in _FINER_OK[i.rollup.grain]]
    return min(fits, key=lambda i: i.rows).rollup.name if fits else source


def distinct_times(tree: exp.Expression, rollups: tuple[RollupInfo, ...]) -> exp.Expression:
    """`SELECT DISTINCT t FROM source` (the hours a derived entity spans) read from an untruncated rollup of
    `source` whose time column is t: every source row lands in a rollup row with the same time, so the
    set is the same, from far fewer rows (capacity_hourly, quota_hourly)."""
    by_source = {}
    for info in sorted(rollups, key=lambda i: -i.rows):
        if not info.rollup.truncate:
            by_source[(info.rollup.source, info.rollup.time_column)] = info.rollup.name

    def swap(node: exp.Expression) -> exp.Expression:
        if not (isinstance(node, exp.Select) and node.args.get("distinct") and len(node.expressions) == 1):
            return node
        if any(node.args.get(k) for k in ("joins", "where", "group", "having", "qualify", "limit", "with")):
            return node
        source, col = node.args.get("from_"), node.expressions[0]
        table = source.this if source is not None else None
        column = col.this if isinstance(col, exp.Alias) else col
        if not isinstance(table, exp.Table) or not isinstance(column, exp.Column):
            return node
        name = by_source.get((table.name, column.name))
        if name is None:
            return node
        alias = table.args.get("alias")
        node = node.copy()
        node.args["from_"].set("this", exp.Table(this=exp.to_identifier(name, quoted=True), alias=alias.copy() if alias else None))
        return node

    return tree.transform(swap) if by_source else tree
