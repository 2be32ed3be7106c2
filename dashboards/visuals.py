"""A tile's data -> its visual as an HTML fragment (stat, line, area, bar, table, heatmap).

Values are formatted with the catalog's own format and unit, so a tile reads like a chat answer.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from core.safe_text import html_text as escape  # control characters out, then html.escape
from typing import Any

from dashboards import svg
from dashboards.runner import TileResult
from semantic_layer.catalog import Catalog

MAX_TABLE_ROWS = 50


def format_value(value: Any, column: str, catalog: Catalog) -> str:
    """A cell as people read it: $1,234 for USD, 72.5% for percents, dates without seconds."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    base = column.split("__")[0]
    if column.endswith("__change_pct"):
        return f"{value:+.1f}%"
    metric = catalog.metrics.get(base)
    if metric is not None:
        text = format(value, metric.format or ",.2f")
        if metric.unit.startswith("USD"):
            return "$" + text if value >= 0 else "-$" + text.lstrip("-")
        return text + ("%" if metric.unit == "%" else "")
    if column.endswith(("usd", "_usd")):
        return f"${value:,.0f}"
    if column.endswith("pct") or column in ("quota_used_pct",):
        return f"{value:,.1f}%"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return f"{value:,}"


def render_visual(res: TileResult, catalog: Catalog) -> str:
    """The visual for one tile result (the error box when it failed)."""
    if res.error:
        return f'<div class="tile-error" role="alert"><b>This tile failed.</b> {escape(res.error)}</div>'
    if not res.rows:
        return '<p class="empty">No data in this period for these filters.</p>'
    visual = res.tile.visual
    try:
        if visual == "stat":
            return _stats(res, catalog)
        if visual in ("line", "area"):
            return _time(res, catalog, stacked=visual == "area")
        if visual == "bar":
            return _bar(res, catalog)
        if visual == "heatmap":
            return _heatmap(res)
    except (ValueError, TypeError, IndexError) as exc:
        return f'<div class="tile-error" role="alert">cannot draw {visual}: {escape(str(exc))}</div>' + table(res, catalog)
    return table(res, catalog)


def _stats(res: TileResult, catalog: Catalog) -> str:
    cols = res.columns
    if "kpi" in cols:  # a tool with one KPI per row: kpi, value, previous, unit
        items = [(r[cols.index("kpi")], r[cols.index("value")], r[cols.index("previous")], r[cols.index("unit")]) for r in res.rows]
        return '<div class="stats">' + "".join(
            _stat(str(k), _plain(v, u), _change(v, p), None) for k, v, p, u in items) + "</div>"
    row = dict(zip(cols, res.rows[0]))
    out = []
    for m in res.tile.metrics:
        metric = catalog.metrics.get(m)
        change = row.get(f"{m}__change_pct")
        better = None if metric is None or change is None else (change > 0) == bool(metric.higher_is_better)
        label = metric.label if metric and len(res.tile.metrics) > 1 else ""
        out.append(_stat(label, format_value(row.get(m), m, catalog), _fmt_change(change, row.get(f"{m}__previous"), m, catalog), better))
    return '<div class="stats">' + "".join(out) + "</div>"


def _plain(v: Any, unit: str) -> str:
    if v is None:
        return "–"
    return f"{float(v):,.1f}%" if unit == "%" else f"{float(v):,.0f}"


def _change(v: Any, prev: Any) -> str:
    if v is None or prev in (None, 0):
        return "no previous period"
    pct = (float(v) - float(prev)) * 100 / abs(float(prev))
    return f"{pct:+.1f}% vs {float(prev):,.0f}"


def _fmt_change(change: Any, prev: Any, metric: str, catalog: Catalog) -> str:
    if change is None:
        return "no previous period" if prev is None else f"previous {format_value(prev, metric, catalog)}"
    return f"{change:+.1f}% vs {format_value(prev, metric, catalog)}"


def _stat(label: str, value: str, change: str, better: bool | None) -> str:
    cls = "" if better is None else (" good" if better else " bad")
    head = f'<div class="stat-label">{escape(label)}</div>' if label else ""
    return (f'<div class="stat">{head}<div class="stat-value">{escape(value)}</div>'
            f'<div class="stat-change{cls}">{escape(change)}</div></div>')


def _time(res: TileResult, catalog: Catalog, *, stacked: bool) -> str:
    cols = res.columns
    t = next(i for i, c in enumerate(cols) if c.startswith("time__"))
    dims = [i for i, c in enumerate(cols) if c not in res.tile.metrics and i != t and "__" not in c]
    series: dict[str, list[tuple[datetime, float]]] = {}
    for m in res.tile.metrics:
        mi = cols.index(m)
        for r in res.rows:
            key = " / ".join(str(r[i]) for i in dims) if dims else ""
            name = (f"{key} " if key and len(res.tile.metrics) > 1 else key) + (
                catalog.metrics[m].label if len(res.tile.metrics) > 1 and m in catalog.metrics else "")
            x = r[t] if isinstance(r[t], datetime) else datetime.fromisoformat(str(r[t]))
            series.setdefault(name.strip(), []).append((x, None if r[mi] is None else float(r[mi])))
    return svg.time_chart(series, stacked=stacked, label=res.tile.title)


def _bar(res: TileResult, catalog: Catalog) -> str:
    cols = res.columns
    m = res.tile.metrics[0]
    d = cols.index(res.tile.group_by[0])
    mi = cols.index(m)
    items = [(r[d] if r[d] is not None else "(none)", float(r[mi])) for r in res.rows if r[mi]]
    items.sort(key=lambda kv: -kv[1])
    hidden = len(res.rows) - len(items)
    foot = f'<p class="tile-note">{hidden} with no value or zero not shown.</p>' if hidden else ""
    return foot if not items else svg.bar_chart(items, label=res.tile.title, value_format=lambda v: format_value(v, m, catalog),
                         width=300 if res.tile.width == 1 else svg.W) + foot


def _heatmap(res: TileResult) -> str:
    cols = res.columns
    r_i, c_i, v_i = 0, 1, 2
    if res.tile.metrics:
        v_i = cols.index(res.tile.metrics[0])
        dim_idx = [i for i in range(len(cols)) if i != v_i]
        r_i, c_i = dim_idx[0], dim_idx[1]
    def key(v: Any) -> str:
        return v.strftime("%m-%d %H:00") if isinstance(v, datetime) else str(v)
    rows = sorted({key(r[r_i]) for r in res.rows})
    columns = sorted({r[c_i] for r in res.rows}, key=lambda v: (isinstance(v, str), v))
    cells = {(key(r[r_i]), key(r[c_i])): (None if r[v_i] is None else float(r[v_i])) for r in res.rows}
    return svg.heatmap(rows, [key(c) for c in columns], cells, label=res.tile.title,
                       width=300 if res.tile.width == 1 else svg.W)


def table(res: TileResult, catalog: Catalog) -> str:
    """The rows as an HTML table (first 50), numbers right-aligned and formatted."""
    head = "".join(f"<th>{escape(_header(c, catalog))}</th>" for c in res.columns)
    body = []
    for r in res.rows[:MAX_TABLE_ROWS]:
        cells = "".join(
            f'<td class="{_cell_class(v)}">{escape(format_value(v, c, catalog))}</td>' for c, v in zip(res.columns, r))
        body.append(f"<tr>{cells}</tr>")
    more = f'<p class="more">{len(res.rows) - MAX_TABLE_ROWS} more rows not shown</p>' if len(res.rows) > MAX_TABLE_ROWS else ""
    return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{more}'


def _cell_class(value: Any) -> str:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return "num"
    return "wrap" if isinstance(value, str) and len(value) > 32 else ""


def _header(column: str, catalog: Catalog) -> str:
    base, _, suffix = column.partition("__")
    label = catalog.metrics[base].label if base in catalog.metrics else (
        catalog.dimensions[base].label if base in catalog.dimensions else base.replace("_", " "))
    return f"{label} ({suffix.replace('_', ' ')})" if suffix else label
