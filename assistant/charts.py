"""PNG charts for answers (matplotlib, Agg backend): a line for a time series, bars for a ranking.

Charts are data, never code: pace builds them from the result rows with fixed plotting calls, so
nothing a model or a data value says can run (unlike LLM-written chart code run through exec()).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def chart_dir(base: Path | None = None) -> Path:
    """Where charts are written: `base`, else `<tmp>/pace-charts`."""
    out = base or Path(tempfile.gettempdir()) / "pace-charts"
    out.mkdir(parents=True, exist_ok=True)
    return out


def chart_kind(columns: list[str], rows: list[list[Any]], metric_names: list[str]) -> str | None:
    """'line' for one time label, 'bar' for one categorical label with 2+ rows, else None."""
    if not rows or not metric_names or metric_names[0] not in columns:
        return None
    labels = [c for c in columns if c not in metric_names and "__previous" not in c and "__change_pct" not in c]
    if len(labels) != 1 or len(rows) < 2:
        return None
    return "line" if "__" in labels[0] else "bar"


def render_chart(columns: list[str], rows: list[list[Any]], metric: Any, title: str, out_dir: Path | None = None) -> str | None:
    """Write the chart PNG and return its path; None when the result has no chartable shape."""
    name = metric.name if metric is not None else None
    kind = chart_kind(columns, rows, [name] if name else [])
    if kind is None:
        return None
    digest = hashlib.sha1(json.dumps([title, columns, rows], default=str).encode()).hexdigest()[:16]
    path = chart_dir(out_dir) / f"{digest}.png"
    if path.exists() and path.stat().st_size > 0:
        return str(path)  # drawn once per result digest
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    label = next(c for c in columns if c != name and "__" in c) if kind == "line" else next(c for c in columns if c != name and "__previous" not in c and "__change_pct" not in c)
    xi, yi = columns.index(label), columns.index(name)
    xs = ["(unattributed)" if r[xi] is None else str(r[xi]) for r in rows]
    ys = [float(r[yi]) if isinstance(r[yi], (int, float)) else 0.0 for r in rows]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    try:
        if kind == "line":
            ax.plot(xs, ys, marker="o", linewidth=1.5)
            ax.tick_params(axis="x", rotation=45, labelsize=8)
            step = max(1, len(xs) // 12)
            ax.set_xticks(range(0, len(xs), step))
            ax.set_xticklabels(xs[::step])
        else:
            shown = list(zip(xs, ys))[:25][::-1]
            ax.barh([x for x, _ in shown], [y for _, y in shown])
        ax.set_title(title, fontsize=10)
        unit_label = f"{getattr(metric, 'label', name)} ({getattr(metric, 'unit', '')})"
        (ax.set_xlabel if kind == "bar" else ax.set_ylabel)(unit_label)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        fig.savefig(tmp, format="png")
        tmp.replace(path)  # readers never see half a PNG
    finally:
        plt.close(fig)
    return str(path)
