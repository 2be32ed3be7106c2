"""Columns derived from a query's own result: each group's share of the total, a rate per day, a unit.

They are computed over the grouped result (a window over the groups, a division by the period's
length, a constant factor), so they inherit the metric's vetted definition and filters; the
metric's own column stays beside them. Only additive metrics (sums and counts) take a share or a
rate: a share of a ratio's total or a ratio per day means nothing.

>>> conversion_factor("minutes", "hours")
0.016666666666666666
>>> derived_name("effective_cost_usd", "share")
'effective_cost_usd__share_pct'
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp, parse_one

from core.errors import UserError
from semantic_layer.change import change_columns
from semantic_layer.sql_builders import compare

# unit -> (family, how many of the family's base unit one of it is)
_UNITS: dict[str, tuple[str, float]] = {
    "ms": ("time", 1 / 3_600_000), "seconds": ("time", 1 / 3600), "minutes": ("time", 1 / 60), "hours": ("time", 1.0),
    "days": ("time", 24.0), "weeks": ("time", 168.0), "months": ("time", 730.0), "years": ("time", 8760.0),  # 730 h = 8760 / 12
    "MB": ("bytes", 1000**2), "MiB": ("bytes", 1024**2),
    "GiB": ("bytes", 1024**3), "GB": ("bytes", 1000**3), "TB": ("bytes", 1000**4), "TiB": ("bytes", 1024**4),
    "Wh": ("energy", 0.001), "kWh": ("energy", 1.0), "MWh": ("energy", 1000.0), "GWh": ("energy", 1e6),
    "%": ("ratio", 0.01), "fraction": ("ratio", 1.0),
    "W": ("power", 1.0), "kW": ("power", 1000.0), "MW": ("power", 1e6),
}
SCALES: dict[str, float] = {"thousands": 1e3, "millions": 1e6, "billions": 1e9}
"""'in thousands': any amount that is not a percentage, divided by the scale."""
UNITS: tuple[str, ...] = (*_UNITS, *SCALES)
"""Every unit `MetricQuery.convert` may name (what a planner's schema offers)."""

SUFFIXES: tuple[str, ...] = ("__share_pct", "__per_", "__in_", "__change")
"""How derived columns end (or, for units, continue): renderers tell them from labels by these."""

_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}


def conversion_factor(unit: str, wanted: str) -> float | None:
    """Multiply a value in `unit` by this to get `wanted`; None when they measure different things.

    >>> conversion_factor("GiB", "GB"), conversion_factor("USD", "thousands"), conversion_factor("%", "hours")
    (1.073741824, 0.001, None)
    """
    if wanted in SCALES:
        return None if unit == "%" else 1 / SCALES[wanted]
    base = "hours" if unit == "accelerator-hours" else unit  # accelerator-hours are hours of one accelerator
    a, b = _UNITS.get(base), _UNITS.get(wanted)
    if a is None or b is None or a[0] != b[0]:
        return None
    return a[1] / b[1]


def shown_unit(unit: str, wanted: str) -> str:
    """The unit a converted column carries ('accelerator-days' for accelerator-hours in days, 'thousand USD')."""
    if wanted in SCALES:
        return f"{wanted[:-1]} {unit}".strip()
    wanted = {"months": "months (730 h each)", "years": "years (8,760 h each)"}.get(wanted, wanted)  # not calendar months
    return f"accelerator-{wanted}" if unit == "accelerator-hours" else wanted


def derived_name(metric: str, kind: str, unit: str = "") -> str:
    """Column name of a derived value: kind 'share', 'per' (unit hour/day/week) or 'in' (a unit)."""
    if kind == "share":
        return f"{metric}__share_pct"
    if kind == "per":
        return f"{metric}__per_{unit}"
    if kind == "per_count":  # 'gpu_count' -> per gpu, 'jobs' -> per job
        return f"{metric}__per_{count_noun(unit)}"
    return f"{metric}__in_{unit.lower()}"


def count_noun(count_metric: str) -> str:
    """The thing a count metric counts, singular, as a derived column names it.

    >>> count_noun("gpu_count"), count_noun("jobs"), count_noun("installed_accelerators")
    ('gpu', 'job', 'installed_accelerator')
    """
    noun = count_metric.removesuffix("_count")
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def is_derived(column: str) -> bool:
    return any(s in column for s in SUFFIXES)


def derived_unit(column: str, unit: str) -> str | None:
    """The unit of derived `column` of a metric in `unit`; None when `column` is not derived.

    >>> derived_unit("cost__share_pct", "USD"), derived_unit("cost__per_day", "USD"), derived_unit("wait__in_hours", "minutes")
    ('%', 'USD/day', 'hours')
    """
    tail = column.partition("__")[2]
    if tail == "share_pct":
        return "%"
    if tail.startswith("per_"):
        return f"{unit}/{tail[4:]}"
    if tail.startswith("in_"):
        wanted = next((u for u in [*_UNITS, *SCALES] if u.lower() == tail[3:]), tail[3:])
        return shown_unit(unit, wanted)
    return None


def additive(catalog: Any, name: str) -> bool:
    """A sum or count (or a sum and difference of them, like savings): its groups add up to its total."""
    metric = catalog.metrics[name]
    if metric.kind == "simple":
        return catalog.measures[metric.measure].agg in ("sum", "count")
    if metric.kind == "derived" and metric.expr:
        tree = parse_one(metric.expr)
        ops = all(isinstance(n, (exp.Add, exp.Sub, exp.Paren, exp.Column, exp.Identifier)) for n in tree.walk())
        return ops and all(n.name in catalog.metrics and additive(catalog, n.name) for n in tree.find_all(exp.Column))
    return False


def derived_columns(plan: Any) -> list[tuple[str, exp.Expression]]:
    """(column, expression over the result's columns) for every derived value the query asks for."""
    cat, q = plan.catalog, plan.query
    names = [m.name for m in plan.metrics]
    out: list[tuple[str, exp.Expression]] = change_columns(plan)  # 'grew the most': ranked by the change (semantic_layer.change)
    for name, wanted in q.convert.items():
        if name not in names:
            raise UserError(f"cannot convert `{name}`: it is not one of the query's metrics ({', '.join(names)})")
        factor = conversion_factor(cat.metrics[name].unit, wanted)
        if factor is None:
            raise UserError(f"`{name}` is measured in {cat.metrics[name].unit}, which does not convert to {wanted}")
        out.append((derived_name(name, "in", wanted), _times(_col(name), factor)))
    wrong = [n for n in names if (q.share_of_total or q.per) and not additive(cat, n)]
    if wrong:
        raise UserError(f"`{wrong[0]}` is not a sum or a count, so it has no share of a total or rate per period; "
                        "ask for the metric itself")
    if q.per_count:
        out += _per_count(plan, names)
    if q.share_of_total:
        time = [exp.column(plan.time_label, quoted=True)] if plan.time_label else None
        for name in names:
            total = exp.Window(this=exp.Sum(this=_col(name)), partition_by=time)
            share = exp.Div(this=_times(_col(name), 100.0), expression=exp.Nullif(this=total, expression=exp.Literal.number(0)))
            out.append((derived_name(name, "share"), share))
    if q.per:
        if plan.time_label or q.time_range is None:
            raise UserError(f"a rate per {q.per} needs one period and no time grouping (each bucket is already per {q.per})")
        length = (q.time_range.end - q.time_range.start).total_seconds() / _SECONDS[q.per]
        for name in names:
            out.append((derived_name(name, "per", q.per), exp.Div(this=_cast(_col(name)), expression=exp.Literal.number(length))))
    return out


def _per_count(plan: Any, names: list[str]) -> list[tuple[str, exp.Expression]]:
    """'Spend per GPU': each additive metric over the count metric, both computed over the same period, filters and
    groups (one query), so the two sides can never disagree on what they cover."""
    cat, q = plan.catalog, plan.query
    if q.per_count not in names:
        raise UserError(f"`{q.per_count}` divides the other metrics, so it must be one of the query's metrics ({', '.join(names)})")
    if q.share_of_total or q.per:
        raise UserError("a value per counted thing takes no share of the total or rate per period as well; ask for one of them")
    shown = [n for n in names if n != q.per_count]
    wrong = [n for n in shown if not additive(cat, n)]
    if wrong or not shown:
        raise UserError(f"`{(wrong or [q.per_count])[0]}` is not a sum or a count, so it is not divided by `{q.per_count}`; "
                        "a ratio per thing is the ratio split by that thing")
    count = exp.Nullif(this=_cast(_col(q.per_count)), expression=exp.Literal.number(0))
    return [(derived_name(n, "per_count", q.per_count), exp.Div(this=_cast(_col(n)), expression=count.copy())) for n in shown]


def lift_shown_filters(plan: Any) -> Any:
    """Compiler step: "atlas's share of spend" is atlas over every team, so a filter on a grouped dimension
    of a share moves out of the fact query and only picks the groups shown (`add_derived` applies it)."""
    if not plan.query.share_of_total:
        return plan
    grouped = {g.dimension for g in plan.group_by if not g.grain}
    plan.shown_only = [(f, v) for f, v in plan.filters if f.dimension in grouped]
    plan.filters = [(f, v) for f, v in plan.filters if f.dimension not in grouped]
    return plan


def _shown(flt: Any, values: list[object]) -> exp.Expression:
    return compare(exp.column(flt.dimension, quoted=True), flt, values)


def add_derived(plan: Any) -> Any:
    """Compiler step: wrap the result and add the derived columns beside the metrics (nothing asked: unchanged)."""
    extra = derived_columns(plan)
    if not extra and not plan.query.positive_only:
        return plan
    inner = plan.expression.subquery("result")
    plan.expression = exp.select(exp.Star(), *[e.as_(n, quoted=True) for n, e in extra]).from_(inner)
    if plan.query.positive_only:  # 'which GPUs were idle all day': the groups that were, not every group with a zero
        plan.expression = plan.expression.where(exp.GT(this=_col(plan.metrics[0].name), expression=exp.Literal.number(0)))
    if plan.shown_only:  # the window sees every group; the groups shown are picked around it
        plan.expression = exp.select(exp.Star()).from_(plan.expression.subquery("shares")).where(
            exp.and_(*[_shown(f, v) for f, v in plan.shown_only]))
    plan.columns = plan.columns + [n for n, _ in extra]
    return plan


def _col(name: str) -> exp.Column:
    return exp.column(name, table="result", quoted=True)


def _cast(e: exp.Expression) -> exp.Expression:
    return exp.Cast(this=e, to=exp.DataType.build("DOUBLE"))


def _times(e: exp.Expression, factor: float) -> exp.Expression:
    return exp.Mul(this=_cast(e), expression=exp.Literal.number(repr(factor)))
