"""Charts as inline SVG strings, drawn server-side: no JavaScript, no CDN, tiny pages, fast.

matplotlib would work too but costs ~50 ms a chart; these builders take well under a millisecond and
the output embeds as-is in the served page and in the exported single-file HTML.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from core.safe_text import html_text as escape  # control characters out, then html.escape

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#64748b", "#f97316")
W, H = 560, 230
L, R, T, B = 56, 12, 10, 28


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def fmt(v: float) -> str:
    """Short axis/label numbers: 1.2M, 35k, 72.5."""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.1f}B"
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e4:
        return f"{v / 1e3:.0f}k"
    if a >= 1e3:
        return f"{v / 1e3:.1f}k"
    if a >= 10 or v == int(v):
        return f"{v:.0f}"
    return f"{v:.2g}" if a < 1 else f"{v:.1f}"


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    return [start + i * step for i in range(int(math.ceil((hi - start) / step)) + 1)]


def _svg(body: str, label: str, height: int = H, width: int = W) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
            f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="11">{body}</svg>')


def _ts(x: datetime) -> float:
    """Seconds since the epoch, reading naive times as UTC (the warehouse's convention)."""
    return (x if x.tzinfo else x.replace(tzinfo=timezone.utc)).timestamp()


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc).replace(tzinfo=None)


STEPS_H = (1, 3, 6, 12, 24, 48, 72, 168, 336, 720)


def _x_labels(xs: list[datetime], sx: object) -> str:
    """At most six labels at round times (every 6 h, 12 h, day, week...), aligned to midnight UTC."""
    if not xs:
        return ""
    t0, t1 = _ts(xs[0]), _ts(xs[-1])
    step = next((h * 3600 for h in STEPS_H if (t1 - t0) / (h * 3600) <= 6), 720 * 3600)
    style = "%m-%d %H:00" if step < 86400 else "%m-%d"
    first = (t0 // step + (1 if t0 % step else 0)) * step
    out, last_right = [], -1.0
    t = first if t1 > t0 else t0
    while t <= t1:
        x = _dt(t)
        px, text = sx(x), _dt(t).strftime(style)
        width = len(text) * 6.2  # 11px system-ui digits
        anchor, left = ("end", px - width) if px + width / 2 > W - 2 else ("start", px) if px - width / 2 < L - 10 else ("middle", px - width / 2)
        if left > last_right + 6:  # skip a label that would touch the previous one
            out.append(f'<text x="{px:.1f}" y="{H - 8}" text-anchor="{anchor}" fill="#475569">{text}</text>')
            last_right = left + width
        t += step
    return "".join(out)


def _legend(names: list[str]) -> str:
    items = "".join(f'<span class="key"><i style="background:{color(i)}"></i>{escape(n)}</span>' for i, n in enumerate(names))
    return f'<div class="legend">{items}</div>'


def time_chart(series: dict[str, list[tuple[datetime, float]]], *, stacked: bool = False, label: str = "") -> str:
    """Lines (or stacked areas) over time, one per series, with a legend."""
    xs = sorted({x for pts in series.values() for x, _ in pts})
    if not xs:
        return '<p class="empty">No data in this period.</p>'
    names = list(series)
    vals = {n: dict(series[n]) for n in names}
    if stacked:
        tops, acc = {}, {x: 0.0 for x in xs}
        for n in names:
            tops[n] = [(x, acc[x], acc[x] + (vals[n].get(x) or 0.0)) for x in xs]
            for x, _, top in tops[n]:
                acc[x] = top
        lo, hi = 0.0, max(acc.values())
    else:
        ys = [v for pts in series.values() for _, v in pts if v is not None]
        lo, hi = min(0.0, min(ys)), max(ys) if ys else 1.0
    ticks = nice_ticks(lo, hi)
    y0, y1 = ticks[0], ticks[-1]
    t0, t1 = _ts(xs[0]), max(_ts(xs[-1]), _ts(xs[0]) + 1)

    def sx(x: datetime) -> float:
        return L + (_ts(x) - t0) / (t1 - t0) * (W - L - R)

    def sy(y: float) -> float:
        return T + (1 - (y - y0) / ((y1 - y0) or 1)) * (H - T - B)

    parts = [f'<line x1="{L}" x2="{W - R}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#e2e8f0"/>'
             f'<text x="{L - 6}" y="{sy(t) + 4:.1f}" text-anchor="end" fill="#475569">{fmt(t)}</text>' for t in ticks]
    parts.append(_x_labels(xs, sx))
    for i, n in enumerate(names):
        if stacked:
            top = " ".join(f"{sx(x):.1f},{sy(hi_):.1f}" for x, _, hi_ in tops[n])
            bottom = " ".join(f"{sx(x):.1f},{sy(lo_):.1f}" for x, lo_, _ in reversed(tops[n]))
            parts.append(f'<polygon points="{top} {bottom}" fill="{color(i)}" fill-opacity="0.75" stroke="{color(i)}"/>')
        else:
            pts = sorted((x, v) for x, v in series[n] if v is not None)
            line = " ".join(f"{sx(x):.1f},{sy(v):.1f}" for x, v in pts)
            parts.append(f'<polyline points="{line}" fill="none" stroke="{color(i)}" stroke-width="1.8"/>')
            if len(pts) == 1:
                parts.append(f'<circle cx="{sx(pts[0][0]):.1f}" cy="{sy(pts[0][1]):.1f}" r="3" fill="{color(i)}"/>')
    return _svg("".join(parts), label) + (_legend(names) if len(names) > 1 or names[0] else "")


def bar_chart(items: list[tuple[str, float]], *, label: str = "", value_format: object = fmt, width: int = W) -> str:
    """Horizontal bars, largest first as given, values printed at the end of each bar."""
    if not items:
        return '<p class="empty">No data in this period.</p>'
    rows = items[:15]
    row_h = 20
    height = T + len(rows) * row_h + 6
    hi = max((v for _, v in rows if v is not None), default=1.0) or 1.0
    lo = min(0.0, min((v for _, v in rows if v is not None), default=0.0))
    left, right = (130, width - 70) if width >= 400 else (112, width - 62)

    def sx(v: float) -> float:
        return left + (v - lo) / ((hi - lo) or 1) * (right - left)

    parts = []
    for i, (name, v) in enumerate(rows):
        y = T + i * row_h
        v = v or 0.0
        x0, x1 = sorted((sx(0.0), sx(v)))
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" fill="#1e293b">{escape(str(name)[:18])}</text>'
                     f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 6}" rx="2" fill="{color(0)}"/>'
                     f'<text x="{x1 + 4:.1f}" y="{y + 13}" fill="#334155">{escape(value_format(v))}</text>')
    return _svg("".join(parts), label, height, width)


def heatmap(rows: list[str], cols: list[str], cells: dict[tuple[str, str], float], *, label: str = "", width: int = W) -> str:
    """A grid of cells shaded by value (light = low, dark blue = high), values printed when they fit."""
    if not rows or not cols:
        return '<p class="empty">No data in this period.</p>'
    left = 110 if width >= 400 else 70
    cw = (width - left - R) / len(cols)
    ch = 22 if len(rows) <= 8 else 16
    height = T + len(rows) * ch + 22
    vals = [v for v in cells.values() if v is not None]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    parts = []
    for r_i, r in enumerate(rows):
        y = T + r_i * ch
        parts.append(f'<text x="{left - 6}" y="{y + ch / 2 + 4:.1f}" text-anchor="end" fill="#1e293b">{escape(str(r)[: left // 6])}</text>')
        for c_i, c in enumerate(cols):
            v = cells.get((r, c))
            share = 0.0 if v is None or hi == lo else (v - lo) / (hi - lo)
            fill = "#f1f5f9" if v is None else _blend(share)
            x = left + c_i * cw
            tip = f"{r} / {c}: {'-' if v is None else fmt(v)}"
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{cw - 1:.1f}" height="{ch - 1}" fill="{fill}"><title>{escape(tip)}</title></rect>')
            if v is not None and cw >= 26:
                ink = "#fff" if share > 0.55 else "#0f172a"
                parts.append(f'<text x="{x + cw / 2:.1f}" y="{y + ch / 2 + 4:.1f}" text-anchor="middle" fill="{ink}">{fmt(v)}</text>')
    step = max(1, int(math.ceil(len(cols) / 12)))
    for c_i, c in enumerate(cols[::step]):
        x = left + c_i * step * cw + cw / 2
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#475569">{escape(str(c)[:10])}</text>')
    legend = f'<div class="legend">low {fmt(lo)} <span class="ramp"></span> high {fmt(hi)}</div>'
    return _svg("".join(parts), label, height, width) + legend


def _blend(share: float) -> str:
    """#e0ecff (low) to #1e3a8a (high)."""
    a, b = (0xE0, 0xEC, 0xFF), (0x1E, 0x3A, 0x8A)
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b))
