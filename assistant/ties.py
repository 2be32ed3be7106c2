"""Say when a ranking kept a tie: the compiler shows every row tied with the last one asked for
(RANK, not LIMIT), so "which team has the highest failure rate" may answer with three teams; the
answer names them as a tie rather than leaving a reader to guess why there are more rows than asked."""

from __future__ import annotations

from typing import Any

from assistant.compose import fmt_value
from semantic_layer.query import MetricQuery


def _ranked_by(query: MetricQuery, columns: list[str]) -> str | None:
    """The metric column the rows were ranked by: the first requested order, else the first metric."""
    labels = {g.dimension for g in query.group_by} | {g.label() for g in query.group_by}
    field = next((o.field for o in query.order_by), None) or (query.metrics[0] if query.metrics else None)
    return field if field in columns and field not in labels else None


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def tie_note(query: MetricQuery | None, columns: list[str], rows: list[list[Any]], metrics: dict[str, Any] | None = None) -> list[str]:
    """One sentence when more rows came back than the limit because values tie at the cut, else none."""
    if query is None or not query.limit or len(rows) <= query.limit:
        return []
    by = _ranked_by(query, columns)
    if by is None:
        return []
    i, n = columns.index(by), query.limit
    edge = rows[n - 1][i]
    keys = [c for c in columns if c in {g.label() for g in query.group_by} and c != by]
    tied = [" / ".join("(unattributed)" if r[columns.index(k)] is None else str(r[columns.index(k)]) for k in keys) or "?"
            for r in rows if r[i] == edge]
    place = "first place" if n == 1 or all(r[i] == edge for r in rows) else f"place {n}"
    asked = f"the top {n}" if n > 1 else "one"
    metric = (metrics or {}).get(by)
    label = getattr(metric, "label", by).lower() if metric is not None else by
    return [f"Tie: {_join(tied)} share {place} ({label} {fmt_value(edge, metric) if metric is not None else edge}), so {len(rows)} rows are shown where {asked} was asked for."]
