"""What a catalog measure aggregates, as a row expression, for tool SQL that cannot be one MetricQuery.

A tool whose window or grouping the compiler does not offer (jobs that ended in a triage window, rates
per type and workload beside other CTEs) still says "failed" or "ended" in the catalog's words: it
aggregates the measure's own row expression (`COUNT(expr)` for a count measure, `SUM(expr)` for a sum),
so a change to the definition in `semantic_layer/definitions/` changes the tool too.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp


def row_expression(measure: str) -> exp.Expression:
    """The per-row expression a catalog measure aggregates (its `expr`, else the column it is named after).

    >>> row_expression("activity_measured_hours").sql()
    'CASE WHEN NOT busy_hours IS NULL THEN allocated_hours END'
    """
    from semantic_layer.catalog import load_catalog

    found = load_catalog().measures[measure]
    return sqlglot.parse_one(found.expr, read="duckdb") if found.expr else exp.column(found.name)


def counted_by(measure: str) -> exp.Expression:
    """The row expression a count measure counts (non-NULL = counted).

    >>> counted_by("preempted_job_count").sql()
    "CASE WHEN state = 'preempted' THEN 1 END"
    """
    from semantic_layer.catalog import load_catalog

    if load_catalog().measures[measure].agg != "count":
        raise ValueError(f"measure {measure} is not a count")
    return row_expression(measure)
