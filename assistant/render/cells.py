"""Cell formatting shared by the renderers: metric columns with units, labels as text."""

from __future__ import annotations

from typing import Any

from assistant.models import Answer
from semantic_layer.derived import derived_unit


def unit_of(answer: Answer, column: str) -> str:
    """The unit of a result column, from the provenance card ('' for labels and unknown columns)."""
    base = column.split("__")[0]
    for m in answer.provenance.metrics if answer.provenance else []:
        if m.name == base:
            return "%" if column.endswith("__change_pct") else derived_unit(column, m.unit) or m.unit
    return ""


def cell(value: Any, unit: str) -> str:
    """'$1,234', '41.2%', '1,204', '(unattributed)' for NULL labels."""
    if value is None:
        return "(unattributed)" if not unit else "n/a"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "USD":
        return f"-${abs(value):,.0f}" if value < 0 else f"${value:,.0f}"
    if unit == "%":
        return f"{value:,.1f}%"
    if unit.startswith("USD/"):  # a rate: per hour, per day
        return f"${value:,.2f}"
    if isinstance(value, float) and abs(value) < 100:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def table(answer: Answer, max_rows: int = 50) -> tuple[list[str], list[list[str]]]:
    """Header and formatted rows (at most `max_rows`)."""
    units = [unit_of(answer, c) for c in answer.columns]
    rows = [[cell(v, u) for v, u in zip(r, units)] for r in answer.rows[:max_rows]]
    return list(answer.columns), rows
