"""A whole dashboard page: header, filter bar (state in the URL), rows of tiles with SQL on demand.

`mode="served"` links the stylesheet and script that the app serves itself; `mode="export"` inlines
the stylesheet, drops the script and the filter form, so one file works offline anywhere.
"""

from __future__ import annotations

from core.safe_text import html_text as escape  # control characters out, then html.escape
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from dashboards.runner import DashboardContext, TileResult
from dashboards.spec import PRESETS, Dashboard
from dashboards.state import FilterState
from dashboards.visuals import render_visual

STATIC_DIR = Path(__file__).parent / "static"
PRESET_LABELS = {"24h": "Last 24 hours", "3d": "Last 3 days", "7d": "Last 7 days", "14d": "Last 14 days",
                 "30d": "Last 30 days", "90d": "Last 90 days", "all": "All data"}
GRAIN_WORDS = {"hour": "hourly", "day": "daily", "week": "weekly"}
FILTER_LABELS = {"cluster": "Cluster", "accelerator_type": "Accelerator type", "team": "Team", "workload_type": "Workload type"}


def render_page(ctx: DashboardContext, dash: Dashboard, state: FilterState, results: list[TileResult],
                dashboards: dict[str, Dashboard], mode: Literal["served", "export"] = "served") -> str:
    """The full HTML document for one view of one dashboard."""
    by_id = {r.tile.id: r for r in results}
    rows = []
    for row in dash.rows:
        tiles = "".join(_tile(ctx, by_id[t.id], state, mode) for t in row.tiles if t.id in by_id)
        heading = f"<h2>{escape(row.title)}</h2>" if row.title else ""
        rows.append(f'{heading}<div class="grid">{tiles}</div>')
    if mode == "served":
        head_assets = '<link rel="stylesheet" href="/static/dashboard.css"><script src="/static/dashboard.js" defer></script>'
        nav = "".join(f'<a href="/d/{d.name}?{escape(state.query_string())}" class="{"current" if d.name == dash.name else ""}">'
                      f"{escape(d.title)}</a>" for d in dashboards.values())
        filters = _filter_form(ctx, dash, state)
    else:
        head_assets = f"<style>{(STATIC_DIR / 'dashboard.css').read_text(encoding='utf-8')}</style>"
        nav = ""
        chosen = ", ".join(f"{FILTER_LABELS[k]} = {v}" for k, v in state.values.items()) or "no filters"
        filters = f'<div class="filters-static">Filters: {escape(chosen)}</div>'
    period = (f'<p class="period">Period {escape(state.describe())} ({state.days:g} days, {GRAIN_WORDS[state.grain()]} grain) '
              f'· {escape(ctx.freshness())}</p>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(dash.title)} · pace</title><link rel="icon" href="data:,">{head_assets}</head>
<body><header><h1>{escape(dash.title)}</h1><nav>{nav}</nav></header>
<p class="desc">{escape(dash.description)}</p>{filters}{period}
<main>{''.join(rows)}</main>
<footer>pace dashboards · every number comes from the semantic layer or validated SQL on a read-only warehouse
({escape(str(ctx.scale or 'unknown'))} scale).</footer></body></html>"""


def _filter_form(ctx: DashboardContext, dash: Dashboard, state: FilterState) -> str:
    options = [f'<option value="">Custom dates</option>'] if not state.preset else []
    options += [f'<option value="{p}"{" selected" if p == state.preset else ""}>{PRESET_LABELS[p]}</option>' for p in PRESETS]
    parts = [f'<label>Time range<select name="range">{"".join(options)}</select></label>']
    custom = state.preset is None
    for key, value in (("from", state.start), ("to", state.end)):
        shown = f"{value:%Y-%m-%d}" if custom else ""
        parts.append(f'<label>{"From" if key == "from" else "To (excluded)"}<input type="date" name="{key}" value="{shown}" '
                     f'min="{ctx.data_start:%Y-%m-%d}"></label>')
    for name in dash.filters:
        values = [str(v) for v in ctx.catalog.dimensions[name].values] if name in ctx.catalog.dimensions else []
        current = state.values.get(name, "")
        opts = ['<option value="">All</option>'] + [
            f'<option value="{escape(v)}"{" selected" if v == current else ""}>{escape(v)}</option>' for v in values]
        parts.append(f'<label>{FILTER_LABELS[name]}<select name="{name}">{"".join(opts)}</select></label>')
    return f'<form class="filters" method="get" action="/d/{dash.name}">{"".join(parts)}<button type="submit">Apply</button></form>'


def _tile(ctx: DashboardContext, res: TileResult, state: FilterState, mode: str) -> str:
    tile = res.tile
    notes = []
    missing = [k for k in res.ignored if k not in tile.ignore_filters]
    if missing:
        notes.append("Not filtered by " + ", ".join(FILTER_LABELS.get(k, k).lower() for k in missing) + ": the data has no such field.")
    if res.summary and not res.error:
        notes.insert(0, res.summary)
    if tile.note:
        notes.append(tile.note)
    notes += [f"Check: {w}" for w in res.warnings]
    note_html = "".join(f'<p class="tile-note">{escape(n)}</p>' for n in notes)
    ask = f'pace ask "{res.question}"'
    link = f' · <a href="/ask?q={quote(res.question)}">ask it in chat</a>' if mode == "served" else ""
    sql = "\n\n".join(res.sql) or "(no SQL: the tile failed before running)"
    details = (f'<details><summary>SQL, freshness and chat form</summary>'
               f"<p>{escape(ctx.freshness())}; ran in {res.elapsed_ms:,.0f} ms"
               f"{' (drawn from that run: the view and the warehouse are unchanged)' if res.cached else ''}.</p>"
               f'<p>Same question in chat: <code class="ask">{escape(ask)}</code>{link}</p>'
               f"<pre>{escape(sql)}</pre></details>")
    return (f'<section class="tile w{tile.width}" id="tile-{tile.id}" data-tile="{tile.id}" '
            f'data-status="{"error" if res.error else "ok"}"><h3>{escape(tile.title)}</h3>'
            f"{render_visual(res, ctx.catalog)}{note_html}{details}</section>")
