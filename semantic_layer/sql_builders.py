"""sqlglot builders for the compiler: one fact CTE per entity, metric expressions over its measures.

Each fact is aggregated on its own (its rows joined only many-to-one to dimensions) before facts meet
on the group keys, so a sum is never multiplied by a join.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlglot
from sqlglot import exp

from semantic_layer.catalog_types import CatalogView as Catalog
from semantic_layer.graph import JoinStep, dimension_source, join_path, parse_expr
from semantic_layer.models import Measure, Metric
from semantic_layer.query import Filter, GroupBy, TimeRange
from semantic_layer.rollups import RollupInfo, choose, distinct_times, rollup_aggregate

DOUBLE = exp.DataType.build("DOUBLE")
_PERCENTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}


@dataclass
class FactScope:
    """The FROM clause of one fact CTE: the entity, plus the joins its columns have asked for."""

    catalog: Catalog
    entity: str
    steps: list[JoinStep] = field(default_factory=list)
    rollup: RollupInfo | None = None
    """A rollup read in place of the entity's table (semantic_layer/rollups.py), aliased as the entity."""
    time_override: str | None = None
    """The column that places a row in time for these measures when not the entity's (a job's start, not its submit)."""

    def need(self, path: list[JoinStep]) -> None:
        for step in path:
            if step not in self.steps:
                self.steps.append(step)

    def column(self, entity: str, name: str) -> exp.Column:
        """A column of `entity`, adding the join path from the fact when it is another entity."""
        if entity != self.entity:
            path = join_path(self.catalog, self.entity, entity)
            if path is None:  # catalog rules prevent this; keep the message useful anyway
                raise ValueError(f"no declared join from {self.entity} to {entity}")
            self.need(path)
        return exp.column(name, table=entity, quoted=True)

    def from_and_joins(self, select: exp.Select) -> exp.Select:
        source = _source(self.catalog, self.entity)
        if self.rollup is not None:
            source = exp.Table(this=exp.to_identifier(self.rollup.rollup.name, quoted=True),
                               alias=exp.TableAlias(this=exp.to_identifier(self.entity, quoted=True)))
        select = select.from_(source, copy=False)  # the caller's fresh SELECT: no copy per builder call
        for step in self.steps:
            cond = exp.and_(*[
                exp.column(local, table=step.from_entity, quoted=True).eq(exp.column(remote, table=step.to_entity, quoted=True))
                for local, remote in step.on
            ])
            select = select.join(_source(self.catalog, step.to_entity), on=cond, join_type="left", copy=False)
        return select


def _source(catalog: Catalog, name: str) -> exp.Expression:
    entity = catalog.entities[name]
    alias = exp.to_identifier(name, quoted=True)
    if entity.sql:
        tree = distinct_times(sqlglot.parse_one(entity.sql, read="duckdb"), getattr(catalog, "rollups", ()))
        return exp.Subquery(this=tree, alias=exp.TableAlias(this=alias))
    return exp.Table(this=exp.to_identifier(entity.source_table, quoted=True), alias=exp.TableAlias(this=alias))


def time_column(scope: FactScope) -> exp.Column:
    entity = scope.catalog.entities[scope.entity]
    name = scope.time_override or entity.time_column
    assert name, f"{scope.entity} has no time column"
    return exp.column(name, table=scope.entity, quoted=True)


def timestamp(value: datetime) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.strftime("%Y-%m-%d %H:%M:%S")), "TIMESTAMP")


def group_expression(scope: FactScope, group: GroupBy, shift: timedelta | None) -> exp.Expression:
    """The SQL for one group key in this fact: a (joined) column, or the time column bucketed by grain."""
    dim = scope.catalog.dimensions[group.dimension]
    if dim.kind == "time":
        col: exp.Expression = time_column(scope)
        if shift:
            col = exp.Add(this=col, expression=exp.Interval(this=exp.Literal.string(str(int(shift.total_seconds()))), unit=exp.var("SECOND")))
        return exp.TimestampTrunc(this=col, unit=exp.var((group.grain or "day").upper()))
    return dimension_column(scope, group.dimension)


def dimension_column(scope: FactScope, dimension: str) -> exp.Column:
    found = dimension_source(scope.catalog, scope.entity, dimension)
    assert found is not None, f"{scope.entity} cannot reach {dimension}"
    path, source = found
    scope.need(path)
    return exp.column(source.column, table=source.entity, quoted=True)


def filter_condition(scope: FactScope, flt: Filter, values: list[object]) -> exp.Expression:
    return compare(dimension_column(scope, flt.dimension), flt, values)


def compare(col: exp.Expression, flt: Filter, values: list[object]) -> exp.Expression:
    """`col` against a filter's resolved values with its operator (a list is IN / NOT IN)."""
    lits = [exp.convert(v) for v in values]
    if flt.operator in ("not in", "!="):  # 'spend excluding atlas' keeps the rows with no team (SQL's <> would drop them)
        kept = col.copy().isin(*lits).not_() if len(lits) > 1 or flt.operator == "not in" else exp.NEQ(this=col.copy(), expression=lits[0])
        return exp.Paren(this=exp.or_(kept, exp.Is(this=col, expression=exp.Null())))
    if flt.operator == "in" or len(lits) > 1:
        return col.isin(*lits)
    ops = {"=": exp.EQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}
    return ops[flt.operator](this=col, expression=lits[0])


def measure_expression(scope: FactScope, measure: Measure, parameters: dict[str, float] | None = None) -> exp.Expression:
    """The aggregate for a measure, its columns qualified by entity (joins added as needed).

    A `$name` placeholder becomes a number literal: the query's value, else the measure's default.
    """
    if scope.rollup is not None:
        rolled = rollup_aggregate(scope.catalog, scope.entity, scope.rollup, measure, parameters or {}, scope.column)
        assert rolled is not None, f"{measure.name} was matched to {scope.rollup.rollup.name} but cannot be read from it"
        return rolled
    if measure.agg == "count" and measure.expr is None:
        return exp.Count(this=exp.Star())
    values = {**measure.parameters, **(parameters or {})}

    def bind(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column):
            return scope.column(n.table or scope.entity, n.name)
        if isinstance(n, exp.Placeholder) and n.name in values:
            return exp.Literal.number(float(values[n.name]))
        return n

    row = parse_expr(measure.expr or measure.name).transform(bind)
    if measure.agg == "sum":
        return exp.Cast(this=exp.Sum(this=row), to=DOUBLE.copy())
    if measure.agg == "count":
        return exp.Count(this=row)
    if measure.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[row]))
    if measure.agg == "avg":
        return exp.Avg(this=exp.Cast(this=row, to=DOUBLE.copy()))
    if measure.agg in _PERCENTILES:
        return exp.PercentileCont(this=row, expression=exp.Literal.number(_PERCENTILES[measure.agg]))
    return (exp.Min if measure.agg == "min" else exp.Max)(this=row)


def fact_select(
    catalog: Catalog,
    entity: str,
    measures: list[str],
    group_by: list[GroupBy],
    filters: list[tuple[Filter, list[object]]],
    period: TimeRange | None,
    shift: timedelta | None = None,
    parameters: dict[str, float] | None = None,
    anchor: tuple[str, str | None] | None = None,
) -> exp.Select:
    """SELECT group keys, aggregated measures FROM one fact (+ many-to-one joins) WHERE period and filters;
    from a rollup of the fact instead when one the catalog found in the warehouse gives the same answer.
    `anchor` (the measures' own time column, and an end column) places rows by another time: with an end,
    a row counts in a period its [time, end) overlaps, a NULL end meaning it is still going."""
    rollup = None if anchor else choose(catalog, getattr(catalog, "rollups", ()), entity, measures, group_by, filters, period, shift, parameters or {})
    scope = FactScope(catalog, entity, rollup=rollup, time_override=anchor[0] if anchor else None)
    keys = [group_expression(scope, g, shift).as_(g.label(), quoted=True) for g in group_by]
    aggs = [measure_expression(scope, catalog.measures[m], parameters).as_(m, quoted=True) for m in measures]
    conds: list[exp.Expression] = []
    if period is not None and anchor and anchor[1]:
        col, end = time_column(scope), exp.column(anchor[1], table=entity, quoted=True)
        conds += [exp.LT(this=col, expression=timestamp(period.end)),
                  exp.or_(exp.Is(this=end, expression=exp.Null()), exp.GT(this=end.copy(), expression=timestamp(period.start)))]
    elif period is not None:
        col = time_column(scope)
        conds += [exp.GTE(this=col, expression=timestamp(period.start)), exp.LT(this=col.copy(), expression=timestamp(period.end))]
    conds += [filter_condition(scope, f, values) for f, values in filters]
    select = scope.from_and_joins(exp.select(*keys, *aggs))
    if conds:
        select = select.where(exp.and_(*conds), copy=False)  # built here, shared with nothing
    if keys:
        select = select.group_by(*[exp.Literal.number(i + 1) for i in range(len(keys))], copy=False)
    return select


def metric_expression(catalog: Catalog, metric: Metric, time_label: str | None, other_labels: list[str], table: str | None = None) -> exp.Expression:
    """The metric over measure columns of the joined fact CTEs (named `table`)."""
    if metric.kind == "simple":
        return exp.column(metric.measure, table=table, quoted=True)
    if metric.kind == "ratio":
        num = exp.Cast(this=exp.column(metric.numerator, table=table, quoted=True), to=DOUBLE.copy())
        if metric.scale != 1:
            num = exp.Mul(this=num, expression=exp.Literal.number(metric.scale))
        den = exp.Nullif(this=exp.column(metric.denominator, table=table, quoted=True), expression=exp.Literal.number(0))
        return exp.Div(this=num, expression=den)
    if metric.kind == "cumulative":
        base = metric_expression(catalog, catalog.metrics[metric.metric], time_label, other_labels, table)
        if time_label is None:
            return base
        spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")
        return exp.Window(
            this=exp.Sum(this=base),
            partition_by=[exp.column(lbl, quoted=True) for lbl in other_labels] or None,
            order=exp.Order(expressions=[exp.Ordered(this=exp.column(time_label, quoted=True))]),
            spec=spec,
        )
    tree = parse_expr(metric.expr or "")
    for div in list(tree.find_all(exp.Div)):
        div.set("expression", exp.Nullif(this=div.expression, expression=exp.Literal.number(0)))
    return exp.Paren(this=tree.transform(
        lambda n: exp.Cast(this=metric_expression(catalog, catalog.metrics[n.name], time_label, other_labels, table), to=DOUBLE.copy())
        if isinstance(n, exp.Column) else n
    ))
