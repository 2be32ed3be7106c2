"""Checks on a result after it ran: bounds by unit and duplicated group keys.

A failed check never drops a row: it becomes a warning carried with the answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from semantic_layer.compiler import CompiledQuery
from semantic_layer.models import Metric

_NON_NEGATIVE_UNITS = {"accelerator-hours", "USD", "ms", "minutes", "hours", "count", "kWh", "GB", "tokens", "USD/hour", "tokens/hour", "W"}
_MAX_EXAMPLES = 3


def _bounds(metric: Metric) -> tuple[float | None, float | None]:
    if metric.allow_negative:
        return (None, 100.0) if metric.is_percent and not metric.can_exceed_100 else (None, None)
    if metric.is_percent:
        return 0.0, None if metric.can_exceed_100 else 100.0
    return (0.0, None) if metric.unit in _NON_NEGATIVE_UNITS else (None, None)


def check_result(compiled: CompiledQuery, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Warnings for values out of their unit's bounds and for group keys that appear twice."""
    warnings: list[str] = []
    index = {c: i for i, c in enumerate(columns)}
    labels = [g.label() for g in compiled.query.group_by if g.label() in index]
    for metric in compiled.metrics:
        low, high = _bounds(metric)
        for col in (metric.name, f"{metric.name}__previous"):
            if col not in index:
                continue
            bad = [
                row for row in rows
                if isinstance(row[index[col]], (int, float)) and not isinstance(row[index[col]], bool)
                and (math.isnan(row[index[col]]) or (low is not None and row[index[col]] < low - 1e-9) or (high is not None and row[index[col]] > high + 1e-9))
            ]
            if bad:
                where = "; ".join(
                    f"{row[index[col]]:.6g}" + (" for " + ", ".join(f"{lbl}={row[index[lbl]]}" for lbl in labels) if labels else "")
                    for row in bad[:_MAX_EXAMPLES]
                )
                expected = f"{'' if low is None else low:g}".strip() + " to " + ("any" if high is None else f"{high:g}")
                more = f" (and {len(bad) - _MAX_EXAMPLES} more)" if len(bad) > _MAX_EXAMPLES else ""
                warnings.append(f"check failed: `{col}` out of range (expected {expected} {metric.unit}): {where}{more}")
    if labels:
        counts = Counter(tuple(row[index[lbl]] for lbl in labels) for row in rows)
        dups = [k for k, n in counts.items() if n > 1]
        if dups:
            shown = "; ".join(", ".join(f"{lbl}={v}" for lbl, v in zip(labels, key)) for key in dups[:_MAX_EXAMPLES])
            warnings.append(f"check failed: {len(dups)} group key(s) appear more than once ({shown}); totals may be split")
    return warnings
