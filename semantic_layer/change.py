"""The change of a metric from the previous period, as a column a query can rank by.

A query compared with the previous period already carries `<metric>`, `<metric>__previous` and
`<metric>__change_pct` (compiler.build_select). 'Which teams' spend grew the most' ranks by the
difference, so an order on `<metric>__change` (or `<metric>__change_abs`, the size of the change
either way) adds that column over the grouped result: current minus previous, NULL where a group has
no previous value (nothing is invented for a group that did not exist before). The top-N then keeps
ties with RANK() as every ranking does (compiler.order_and_limit).

>>> change_name("effective_cost_usd"), change_name("effective_cost_usd", absolute=True)
('effective_cost_usd__change', 'effective_cost_usd__change_abs')
>>> changed_metric("jobs__change_abs"), changed_metric("jobs__change_pct"), changed_metric("jobs")
('jobs', None, None)
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from core.errors import UserError

CHANGE, CHANGE_ABS = "__change", "__change_abs"


def change_name(metric: str, absolute: bool = False) -> str:
    """The column that holds `metric`'s change from the previous period (its size, where `absolute`)."""
    return f"{metric}{CHANGE_ABS if absolute else CHANGE}"


def changed_metric(column: str) -> str | None:
    """The metric a change column is of; None for any other column (`__change_pct` is the compiler's own)."""
    for suffix in (CHANGE_ABS, CHANGE):
        if column.endswith(suffix):
            return column[: -len(suffix)]
    return None


def change_columns(plan: Any) -> list[tuple[str, exp.Expression]]:
    """(column, expression over the result) for each change column the query's order names."""
    wanted = [(o.field, changed_metric(o.field)) for o in plan.query.order_by if changed_metric(o.field)]
    if not wanted:
        return []
    if plan.previous is None:
        raise UserError(f"ordering by `{wanted[0][0]}` needs the previous period beside this one; set compare_to_previous")
    names = [m.name for m in plan.metrics]
    out: list[tuple[str, exp.Expression]] = []
    for column, metric in dict.fromkeys(wanted):
        if metric not in names:
            raise UserError(f"cannot order by `{column}`: `{metric}` is not one of the query's metrics ({', '.join(names)})")
        diff: exp.Expression = exp.Sub(this=_col(metric), expression=_col(f"{metric}__previous"))
        out.append((column, exp.Abs(this=diff) if column.endswith(CHANGE_ABS) else diff))
    return out


def _col(name: str) -> exp.Column:
    return exp.column(name, table="result", quoted=True)
