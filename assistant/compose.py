"""Answer sentences: numbers with units, the exact period, and the assumptions the planner made.

Text is built from the result rows and catalog metadata only; no model writes prose, so every
number in the text is a number in the rows.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from semantic_layer.derived import derived_unit, is_derived

MAX_LISTED = 5


def fmt_value(value: Any, metric: Any | None) -> str:
    """A metric value with its unit: '$12,345', '41.2%', '1,204 accelerator-hours'.

    >>> class M: unit, format = "USD", ",.0f"
    >>> fmt_value(12345.4, M()), fmt_value(None, M())
    ('$12,345', 'n/a')
    """
    if value is None:
        return "n/a"
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    unit = getattr(metric, "unit", "") if metric is not None else ""
    spec = getattr(metric, "format", None) or ",.2f"
    try:
        num = format(value, spec)
    except (ValueError, TypeError):
        num = f"{value:,.2f}"
    num = _keep_magnitude(num, value)
    if unit == "USD":
        return f"-${num.lstrip('-')}" if value < 0 else f"${num}"
    if unit == "%":
        return f"{num}%"
    if unit == "USD/hour":
        return f"${num}/hour"
    if unit in ("", "count"):
        return num
    return f"{num} {unit}"


def _keep_magnitude(num: str, value: float) -> str:
    """`num`, or more decimals when the format rounded a small value away (a $0.37 line is not '$0').

    A real export can be small (a sample bill of $15): a figure off by more than 5% of itself, or shown
    as zero when it is not, gets the decimals it needs (two, or two significant digits below 0.01).

    >>> _keep_magnitude("0", 0.370968), _keep_magnitude("15", 14.976514), _keep_magnitude("0", 0.000883)
    ('0.37', '15', '0.00088')
    >>> _keep_magnitude("12,345", 12345.4), _keep_magnitude("0", 0.0)
    ('12,345', '0')
    """
    try:
        shown = float(num.replace(",", ""))
    except ValueError:
        return num
    if not value or abs(shown - value) <= 0.05 * abs(value):
        return num
    if abs(value) >= 0.01:
        return f"{value:,.2f}"
    digits = 1 - math.floor(math.log10(abs(value)))
    return f"{value:.{digits}f}"


def describe_result(columns: list[str], rows: list[list[Any]], metrics: dict[str, Any], period_text: str) -> str:
    """One or two sentences summarizing the rows for the metrics asked."""
    names = [c for c in columns if c in metrics]
    if not rows:
        return f"No data for {period_text}."
    if not names and len(rows) == 1 and len(columns) == 1 and isinstance(rows[0][0], int):  # a count ('how many is that?')
        return f"{columns[0].replace('_', ' ').capitalize()}: {rows[0][0]:,} for {period_text}."
    if not names:
        return f"{len(rows)} row{'s' * (len(rows) != 1)} for {period_text}."
    labels = [c for c in columns if c not in metrics and "__previous" not in c and "__change_pct" not in c and not is_derived(c)]
    main = names[0]
    m = metrics[main]
    idx = columns.index(main)
    if not labels and len(rows) == 1:
        parts = [f"{metrics[n].label}: {fmt_value(rows[0][columns.index(n)], metrics[n])}{_derived(columns, rows[0], n, metrics[n])}"
                 for n in names]
        change = _change(columns, rows[0], main, m)
        return f"{'; '.join(parts)} for {period_text}.{change}"
    time_cols = [c for c in labels if "__" in c]
    ranked = time_cols and [r[columns.index(time_cols[0])] for r in rows] != sorted(r[columns.index(time_cols[0])] for r in rows)
    if time_cols and len(labels) == 1 and len(rows) > 3 and not ranked:  # a series; ranked buckets ('which day') are listed
        vals = [r[idx] for r in rows if isinstance(r[idx], (int, float))]
        if vals:
            t = columns.index(time_cols[0])
            hi = max(rows, key=lambda r: r[idx] if isinstance(r[idx], (int, float)) else float("-inf"))
            lo = min(rows, key=lambda r: r[idx] if isinstance(r[idx], (int, float)) else float("inf"))
            return (f"{m.label} per {time_cols[0].split('__')[1]} for {period_text}: {len(rows)} points, from "
                    f"{fmt_value(lo[idx], m)} ({lo[t]}) to {fmt_value(hi[idx], m)} ({hi[t]}).")
    head = rows[:MAX_LISTED]
    listed = ", ".join(f"{' / '.join(_label(r[columns.index(c)]) for c in labels)} {fmt_value(r[idx], m)}{_derived(columns, r, main, m)}"
                       for r in head)
    more = f" (+{len(rows) - len(head)} more)" if len(rows) > len(head) else ""
    return f"{m.label} by {', '.join(c.split('__')[1] if c in time_cols else c for c in labels)} for {period_text}: {listed}{more}."


def _derived(columns: list[str], row: list[Any], name: str, metric: Any) -> str:
    """' (27.0% of the total)', ' (0.25 hours)', ' ($76,132 per day)': the derived values of one metric, in brackets."""
    out = []
    for i, col in enumerate(columns):
        unit = derived_unit(col, getattr(metric, "unit", "")) if col.startswith(f"{name}__") else None
        if unit is None:
            continue
        shown = SimpleNamespace(unit=unit.split("/")[0] if "/" in unit else unit, format=",.1f" if unit == "%" else ",.2f")
        text = fmt_value(row[i], shown)
        out.append(f"{text} of the total" if col.endswith("__share_pct") else f"{text} per {unit.split('/')[1]}" if "/" in unit else text)
    return f" ({'; '.join(out)})" if out else ""


def _change(columns: list[str], row: list[Any], name: str, metric: Any) -> str:
    prev_col, pct_col = f"{name}__previous", f"{name}__change_pct"
    if prev_col not in columns:
        return ""
    prev = row[columns.index(prev_col)]
    pct = row[columns.index(pct_col)] if pct_col in columns else None
    pct_text = f"{pct:+.1f}%" if isinstance(pct, (int, float)) else "n/a"
    return f" Previous period: {fmt_value(prev, metric)} ({pct_text})."


def _label(value: Any) -> str:
    """A group label as shown; NULL is cost or usage no team/cluster claims."""
    return "(unattributed)" if value is None else str(value)
