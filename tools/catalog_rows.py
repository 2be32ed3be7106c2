"""What a catalog count measure counts, as a row expression, for tool SQL that cannot be one MetricQuery.

A tool whose window or grouping the compiler does not offer (jobs that ended in a triage window, rates
per type and workload beside other CTEs) still says "failed" or "ended" in the catalog's words: it
counts the measure's own row expression (`COUNT(expr)` is what a count measure aggregates), so a change
to the definition in `semantic_layer/definitions/` changes the tool too.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp


def counted_by(measure: str) -> exp.Expression:
    """The row expression a count measure counts (non-NULL = counted).

    >>> counted_by("preempted_job_count").sql()
    "CASE WHEN state = 'preempted' THEN 1 END"
    """
    from semantic_layer.catalog import load_catalog

    found = load_catalog().measures[measure]
    if found.agg != "count" or not found.expr:
        raise ValueError(f"measure {measure} is not a count of an expression")
    return sqlglot.parse_one(found.expr, read="duckdb")
