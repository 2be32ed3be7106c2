"""MetricQuery -> sqlglot expression -> SQL, as a tuple of small steps over one `CompilePlan`.

Steps: resolve names, check every dimension is reachable, group measures by fact, build one CTE per
fact and period, combine them on the group keys, add the previous-period comparison, then order and
limit with deterministic tie-breaks. Callers may pass their own `steps`.

>>> from semantic_layer.catalog import load_catalog
>>> from semantic_layer.query import MetricQuery
>>> compile_query(load_catalog(), MetricQuery(metrics=["busy_hours"])).columns
['busy_hours']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlglot import exp

from semantic_layer.catalog_types import CatalogView as Catalog
from semantic_layer.derived import add_derived, lift_shown_filters
from semantic_layer.graph import metric_measures, reachable_from
from semantic_layer.models import Metric
from semantic_layer.query import Filter, GroupBy, MetricQuery, TimeRange
from semantic_layer.schema_info import ddl_schema
from semantic_layer.sql_builders import fact_select, metric_expression
from core.errors import UserError

DIALECTS: tuple[str, ...] = ("duckdb", "trino", "spark", "bigquery", "snowflake", "postgres")


@dataclass
class CompilePlan:
    """Everything the steps learn about one query, filled in order."""

    catalog: Catalog
    query: MetricQuery
    dialect: str = "duckdb"
    metrics: list[Metric] = field(default_factory=list)
    group_by: list[GroupBy] = field(default_factory=list)
    filters: list[tuple[Filter, list[object]]] = field(default_factory=list)
    facts: dict[str, list[str]] = field(default_factory=dict)
    """Fact key -> its measures: the entity's name, or `entity@column` for measures placed in time by their own column."""
    anchors: dict[str, tuple[str, tuple[str, str | None] | None]] = field(default_factory=dict)
    """Fact key -> (entity, (time column, end column) or None for the entity's own time)."""
    previous: TimeRange | None = None
    parameters: dict[str, float] = field(default_factory=dict)
    shown_only: list[tuple[Filter, list[object]]] = field(default_factory=list)
    """Filters on a grouped dimension of a share: they pick the groups shown, after the total over all groups."""
    expression: exp.Select | None = None
    columns: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [g.label() for g in self.group_by]

    @property
    def time_label(self) -> str | None:
        return next((g.label() for g in self.group_by if g.grain), None)


@dataclass(frozen=True)
class CompiledQuery:
    """The compiled SQL with its expression, output columns, metrics and periods."""

    sql: str
    expression: exp.Expression
    columns: list[str]
    metrics: list[Metric]
    dialect: str
    query: MetricQuery
    period: TimeRange | None
    previous_period: TimeRange | None


Step = Callable[[CompilePlan], CompilePlan]


def resolve_names(plan: CompilePlan) -> CompilePlan:
    """Metrics and dimensions exist; time groups get a grain; filters are on categorical values."""
    cat, q = plan.catalog, plan.query
    plan.metrics = [cat.metric(m) for m in dict.fromkeys(q.metrics)]
    for g in q.group_by:
        dim = cat.dimension(g.dimension)
        if dim.kind == "time":
            grain = g.grain or "day"
            if grain not in dim.grains:
                raise UserError(f"`{dim.name}` cannot be bucketed by {grain}; use one of {', '.join(dim.grains)}")
            g = GroupBy(dimension=g.dimension, grain=grain)
        elif g.grain:
            raise UserError(f"`{dim.name}` is not a time dimension, so it takes no grain; write `{dim.name}` without `:{g.grain}`")
        if g.label() not in [x.label() for x in plan.group_by]:
            plan.group_by.append(g)
    if sum(1 for g in plan.group_by if g.grain) > 1:
        raise UserError("group by one time grain at most; keep a single `time:<grain>`")
    for f in q.filters:
        dim = cat.dimension(f.dimension)
        if dim.kind == "time":
            raise UserError(f"filter time with the period (--from/--to, time_range), not a `{dim.name}` filter")
        plan.filters.append((f, _canonical_values(cat, dim.name, f.values)))
    if q.compare_to_previous and q.time_range is None:
        raise UserError("comparing to the previous period needs a time range; add --from and --to (time_range)")
    if q.time_range is not None and q.compare_to_previous:
        plan.previous = previous_period(q.time_range)
    plan.parameters = metric_parameters(cat, [m.name for m in plan.metrics], q.parameters)
    return plan


def metric_parameters(cat: Catalog, metrics: list[str], given: dict[str, float]) -> dict[str, float]:
    """The parameter values the metrics' measures use: the given ones over the catalog defaults."""
    defaults: dict[str, float] = {}
    for name in metrics:
        for m in metric_measures(cat, name):
            defaults.update(cat.measures[m].parameters)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        takes = f"they take {', '.join(sorted(defaults))}" if defaults else "they take none"
        raise UserError(f"parameter {', '.join(unknown)} does not apply to {', '.join(metrics)}; {takes}")
    return {**defaults, **given}


def previous_period(period: TimeRange) -> TimeRange:
    """The period just before: whole calendar months compare with as many months before (October with
    September, Q3 with Q2), anything else with the same length of time.

    >>> from datetime import datetime as dt
    >>> previous_period(TimeRange(start=dt(2026, 10, 1), end=dt(2026, 11, 1))).start
    datetime.datetime(2026, 9, 1, 0, 0)
    >>> previous_period(TimeRange(start=dt(2026, 11, 16), end=dt(2026, 11, 23))).start
    datetime.datetime(2026, 11, 9, 0, 0)
    """
    start, end = period.start, period.end
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and all(t == t.replace(day=1, hour=0, minute=0, second=0, microsecond=0) for t in (start, end)):
        index = start.year * 12 + start.month - 1 - months
        return TimeRange(start=start.replace(year=index // 12, month=index % 12 + 1), end=start)
    return TimeRange(start=start - (end - start), end=start)


def _canonical_values(catalog: Catalog, dimension: str, values: list[object]) -> list[object]:
    """Match values to the warehouse's spelling (case-insensitive) and the column's type."""
    dim = catalog.dimensions[dimension]
    known = {str(v).lower(): v for v in dim.values}
    source = dim.sources[0]
    entity = catalog.entities[source.entity]
    ctype = ddl_schema().get(entity.source_table, {}).get(source.column, "VARCHAR") if not entity.sql else "VARCHAR"
    out: list[object] = []
    for v in values:
        v = known.get(str(v).lower(), v)
        if ctype in ("INTEGER", "BIGINT") and isinstance(v, str) and v.strip().lstrip("-").isdigit():
            v = int(v)
        elif ctype == "BOOLEAN" and isinstance(v, str) and v.lower() in ("true", "false"):
            v = v.lower() == "true"
        out.append(v)
    return out


def check_reachability(plan: CompilePlan) -> CompilePlan:
    """Every group-by and filter dimension is reachable from every fact behind every metric."""
    cat = plan.catalog
    wanted = [g.dimension for g in plan.group_by] + [f.dimension for f, _ in plan.filters]
    for metric in plan.metrics:
        entities = {cat.measures[m].entity for m in metric_measures(cat, metric.name)}
        for dim in wanted:
            blocked = sorted(e for e in entities if not reachable_from(cat, e, dim))
            if blocked:
                available = ", ".join(cat.dimensions_for(metric.name)) or "none"
                raise UserError(
                    f"metric `{metric.name}` cannot be grouped or filtered by `{dim}`: its data ({', '.join(blocked)}) "
                    f"has no declared join to `{dim}`. Dimensions available for `{metric.name}`: {available}"
                )
    return plan


def plan_facts(plan: CompilePlan) -> CompilePlan:
    """Group the needed measures by the fact entity that holds them and the time that places them in a
    period (jobs submitted, started, ended or running are one table read by four different times)."""
    for metric in plan.metrics:
        for m in metric_measures(plan.catalog, metric.name):
            measure = plan.catalog.measures[m]
            anchor = (measure.time_column, measure.time_end_column) if measure.time_column else None
            if anchor and anchor[1] and any(g.grain for g in plan.group_by):
                raise UserError(f"`{metric.name}` counts each job in every period it ran through, so it is not split by "
                                "time buckets; ask for one period at a time")
            key = measure.entity if anchor is None else f"{measure.entity}@{anchor[0]}{'-' + anchor[1] if anchor[1] else ''}"
            plan.anchors[key] = (measure.entity, anchor)
            if m not in plan.facts.setdefault(key, []):
                plan.facts[key].append(m)
    return plan


def _table(name: str) -> exp.Table:
    """A quoted table reference (CTE names must match their quoted definitions in every dialect)."""
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _coalesce(exprs: list[exp.Expression]) -> exp.Expression:
    return exprs[0] if len(exprs) == 1 else exp.Coalesce(this=exprs[0], expressions=exprs[1:])


def _keys_match(labels: list[str], left: list[list[exp.Expression]], right: str) -> exp.Expression:
    """Null-safe equality on every group key (a NULL team must meet the other fact's NULL team)."""
    return exp.and_(*[
        exp.NullSafeEQ(this=exp.column(lbl, table=right, quoted=True), expression=_coalesce([e.copy() for e in exprs]))
        for lbl, exprs in zip(labels, left)
    ])


def _period_select(plan: CompilePlan, period: TimeRange | None, shift: timedelta | None, prefix: str) -> tuple[list[tuple[str, exp.Select]], exp.Select]:
    """CTEs for one period plus the SELECT that meets them on the group keys and computes the metrics."""
    ctes = [
        (f"{prefix}_{key.replace('@', '_by_').replace('-', '_to_')}", fact_select(plan.catalog, plan.anchors[key][0], measures, plan.group_by, plan.filters,
                                                             period, shift, plan.parameters, anchor=plan.anchors[key][1]))
        for key, measures in plan.facts.items()
    ]
    labels, time_label = plan.labels, plan.time_label
    first = ctes[0][0]
    keys: list[list[exp.Expression]] = [[exp.column(lbl, table=first, quoted=True)] for lbl in labels]
    joined = exp.select().from_(_table(first))
    for name, _ in ctes[1:]:
        table = _table(name)
        if labels:
            joined = joined.join(table, on=_keys_match(labels, keys, name), join_type="full outer", copy=False)
            for lbl, exprs in zip(labels, keys):
                exprs.append(exp.column(lbl, table=name, quoted=True))
        else:
            joined = joined.join(table, join_type="cross", copy=False)
    measures = [exp.column(m, table=name, quoted=True).as_(m, quoted=True) for (name, _), ms in zip(ctes, plan.facts.values()) for m in ms]
    # built in place: every builder call below extends a fresh tree (copying it each time was a third of compiling)
    joined = joined.select(*[_coalesce(exprs).as_(lbl, quoted=True) for lbl, exprs in zip(labels, keys)], *measures, copy=False)
    others = [lbl for lbl in labels if lbl != time_label]
    cols = [exp.column(lbl, quoted=True) for lbl in labels]
    cols += [metric_expression(plan.catalog, m, time_label, others).as_(m.name, quoted=True) for m in plan.metrics]
    source = joined.subquery(f"{prefix}_joined", copy=False) if len(ctes) > 1 else _table(first)
    return ctes, exp.select(*cols).from_(source, copy=False)


def build_select(plan: CompilePlan) -> CompilePlan:
    """The current period's metrics, and, when comparing, the previous period's beside them."""
    period = plan.query.time_range
    ctes, current = _period_select(plan, period, None, "cur")
    names = [m.name for m in plan.metrics]
    if plan.previous is None:
        select = current
    else:
        prev_ctes, previous = _period_select(plan, plan.previous, period.start - plan.previous.start if period else None, "prev")
        ctes += prev_ctes + [("current_period", current), ("previous_period", previous)]
        cols: list[exp.Expression] = [exp.column(lbl, table="current_period", quoted=True).as_(lbl, quoted=True) for lbl in plan.labels]
        for name in names:
            cur = exp.column(name, table="current_period", quoted=True)
            prev = exp.column(name, table="previous_period", quoted=True)
            change = exp.Div(
                this=exp.Mul(this=exp.Paren(this=exp.Sub(this=cur.copy(), expression=prev.copy())), expression=exp.Literal.number(100.0)),
                expression=exp.Nullif(this=exp.Abs(this=prev.copy()), expression=exp.Literal.number(0)),
            )
            cols += [cur.as_(name, quoted=True), prev.as_(f"{name}__previous", quoted=True), change.as_(f"{name}__change_pct", quoted=True)]
        select = exp.select(*cols).from_(_table("current_period"))
        if plan.labels:
            current_keys = [[exp.column(lbl, table="current_period", quoted=True)] for lbl in plan.labels]
            select = select.join(_table("previous_period"), on=_keys_match(plan.labels, current_keys, "previous_period"), join_type="left", copy=False)
        else:
            select = select.join(_table("previous_period"), join_type="cross", copy=False)
    for name, cte in ctes:
        select = select.with_(exp.to_identifier(name, quoted=True), as_=cte, copy=False)  # each CTE is used once
    plan.expression = select
    plan.columns = plan.labels + [c for n in names for c in ([n, f"{n}__previous", f"{n}__change_pct"] if plan.previous else [n])]
    return plan


def order_and_limit(plan: CompilePlan) -> CompilePlan:
    """Requested order (else time, else the first metric descending), then every label as a tie-break."""
    assert plan.expression is not None
    label_of = {g.dimension: g.label() for g in plan.group_by}
    valid = set(plan.columns) | set(label_of)
    keys: list[tuple[str, bool]] = []
    for o in plan.query.order_by:
        if o.field not in valid:
            raise UserError(f"cannot order by `{o.field}`: order by one of {', '.join(plan.columns)}")
        keys.append((label_of.get(o.field, o.field), o.descending))
    if not keys:
        if plan.time_label:
            keys.append((plan.time_label, False))
        elif plan.labels:
            keys.append((plan.metrics[0].name, True))
    used, ranked_by = {k for k, _ in keys}, list(keys)
    keys += [(lbl, False) for lbl in plan.labels if lbl not in used]
    # a top-N ranks the attributed groups: cost or usage no team/cluster claims never takes a slot
    unattributed_last = [exp.Ordered(this=exp.Is(this=exp.column(lbl, quoted=True), expression=exp.Null()))
                         for lbl in plan.labels if lbl != plan.time_label] if plan.query.limit else []
    if plan.query.limit and _ranks_by_value(plan, ranked_by):  # a top-N never cuts inside a tie
        plan.expression = _keep_ties(plan, ranked_by, plan.query.limit)
    if keys:
        plan.expression = plan.expression.order_by(
            *unattributed_last,
            *[exp.Ordered(this=exp.column(k, quoted=True), desc=desc, nulls_first=False) for k, desc in keys],
        )
    if plan.query.limit and not _ranks_by_value(plan, ranked_by):
        plan.expression = plan.expression.limit(plan.query.limit)
    return plan


RANK_COLUMN = "pace_rank"


def _ranks_by_value(plan: CompilePlan, keys: list[tuple[str, bool]]) -> bool:
    """A top-N by metric values can tie; one ordered by a name or a time cannot, and keeps LIMIT."""
    values = set(plan.columns) - set(plan.labels)
    return bool(keys) and all(k in values for k, _ in keys)


def _keep_ties(plan: CompilePlan, keys: list[tuple[str, bool]], n: int) -> exp.Select:
    """SELECT the columns FROM (the result with RANK() over the requested order) WHERE rank <= n, so every
    row tied with the n-th is kept. RANK runs over the result's named columns (a window, a share or a
    derived column ranks like any other) in a plain subquery, not QUALIFY, so every dialect renders it."""
    assert plan.expression is not None
    result = plan.expression.copy()
    ctes = result.args.get("with_")
    result.set("with_", None)
    order = [exp.Ordered(this=exp.Is(this=exp.column(lbl, quoted=True), expression=exp.Null()))
             for lbl in plan.labels if lbl != plan.time_label]  # unattributed groups rank last, as they sort
    order += [exp.Ordered(this=exp.column(k, quoted=True), desc=desc, nulls_first=False) for k, desc in keys]
    rank = exp.Window(this=exp.Anonymous(this="RANK"), order=exp.Order(expressions=order))
    columns = [exp.column(c, quoted=True) for c in plan.columns]
    ranked = exp.select(*columns, rank.as_(RANK_COLUMN, quoted=True)).from_(result.subquery("ranked_rows", copy=False))
    outer = exp.select(*[c.copy() for c in columns]).from_(ranked.subquery("ranked", copy=False)).where(
        exp.LTE(this=exp.column(RANK_COLUMN, quoted=True), expression=exp.Literal.number(n)))
    if ctes is not None:
        outer.set("with_", ctes)
    return outer


DEFAULT_STEPS: tuple[Step, ...] = (resolve_names, check_reachability, plan_facts, lift_shown_filters, build_select, add_derived, order_and_limit)


def _render(expression: exp.Expression, dialect: str, pretty: bool) -> str:
    """SQL text for `dialect`; Spark gets pace's allowlisted renderings (semantic_layer.spark_dialect)."""
    if dialect == "spark":
        from semantic_layer.spark_dialect import to_spark

        return to_spark(expression, pretty=pretty)
    return expression.sql(dialect=dialect, pretty=pretty)


def compile_query(catalog: Catalog, query: MetricQuery, dialect: str = "duckdb", *, steps: tuple[Step, ...] = DEFAULT_STEPS, pretty: bool = False) -> CompiledQuery:
    """Compile a MetricQuery for `dialect` (duckdb runs here; the others are transpiled for export)."""
    if dialect not in DIALECTS:
        raise UserError(f"unknown dialect `{dialect}`; choose one of {', '.join(DIALECTS)}")
    plan = CompilePlan(catalog=catalog, query=query, dialect=dialect)
    for step in steps:
        plan = step(plan)
    assert plan.expression is not None
    return CompiledQuery(
        sql=_render(plan.expression, dialect, pretty),
        expression=plan.expression,
        columns=plan.columns,
        metrics=plan.metrics,
        dialect=dialect,
        query=query,
        period=query.time_range,
        previous_period=plan.previous,
    )
