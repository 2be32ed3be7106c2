"""Renderers of the weekly report: markdown, self-contained HTML (inline CSS, base64 PNG charts), Slack
Block Kit and JSON. All four number footnotes the same way, so `[n]` means the same fact everywhere."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

from core.safe_text import clip_mrkdwn, html_text, mrkdwn, one_line
from tools.grounding import Fact, Rendered, fill, fill_parts

if TYPE_CHECKING:
    from tools.weekly_types import WeeklyReportData

KPIS: tuple[tuple[str, str, str], ...] = (
    ("Spend", "spend", "spend_pct"), ("Utilization", "util", "util_pp"),
    ("Idle cost", "idle", "idle_pct"), ("Incidents", "inc_this_week", "inc_change"),
)
BLUE, GREY, INK = "#2563eb", "#94a3b8", "#0f172a"


def _subtitle(r: WeeklyReportData) -> str:
    last = r.week.end.toordinal() - 1
    from datetime import date

    return (f"{r.week.start.isoformat()} to {date.fromordinal(last).isoformat()} · as of {r.as_of.isoformat()} · "
            f"prose: {r.prose_source}")


def markdown(r: WeeklyReportData, chart_paths: dict[str, str] | None = None) -> str:
    """Markdown; with `chart_paths` ({chart kind: relative PNG path}) the charts are linked under the title."""
    rendered = r.rendered()
    out = [f"# Fleet weekly: {r.week.label}", "", f"_{_subtitle(r)}_", ""]
    for chart in r.charts:
        if chart_paths and chart["kind"] in chart_paths:
            out += [f"![{chart['title']}]({chart_paths[chart['kind']]})", ""]
    out += [rendered.body.rstrip(), ""]
    if r.note():
        out += [f"_{r.note()}_", ""]
    out.append(rendered.appendix())
    for chart in r.charts:
        out += [f"Chart: {chart['title']}", "", "```sql", chart["sql"], "```", ""]
    return "\n".join(out)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def chart_images(r: WeeklyReportData) -> dict[str, str]:
    """Base64 PNGs of the report's charts, drawn from the same query rows the appendix cites."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    out: dict[str, str] = {}
    plt.rcParams.update({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
                         "axes.edgecolor": GREY, "axes.titleweight": "bold", "axes.titlesize": 11})
    for chart in r.charts:
        rows = chart["rows"]
        fig, ax = plt.subplots(figsize=(5.4, 3.0))
        if chart["kind"] == "daily_spend":
            this = [x for x in rows if str(x["day"]) >= r.week.start.isoformat()]
            last = [x for x in rows if str(x["day"]) < r.week.start.isoformat()]
            days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            ax.plot(days[: len(last)], [x["spend"] for x in last], color=GREY, marker="o", lw=2, label="last week")
            ax.plot(days[: len(this)], [x["spend"] for x in this], color=BLUE, marker="o", lw=2.5, label="this week")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"${v / 1000:,.0f}k"))
            ax.set_ylim(bottom=0)
            ax.legend(frameon=False, loc="lower right")
        else:
            import numpy as np

            keys = [x["key"] for x in rows][::-1]
            y = np.arange(len(keys))
            ax.barh(y + 0.2, [x["last_week"] or 0 for x in rows][::-1], 0.4, color=GREY, label="last week")
            ax.barh(y - 0.2, [x["this_week"] or 0 for x in rows][::-1], 0.4, color=BLUE, label="this week")
            ax.set_yticks(y, keys)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k"))
            ax.legend(frameon=False, loc="lower right")
        ax.set_title(chart["title"], loc="left", color=INK)
        ax.grid(axis="y" if chart["kind"] == "daily_spend" else "x", color="#e2e8f0")
        ax.set_axisbelow(True)
        out[chart["kind"]] = _png(fig)
    return out


CSS = """
body{margin:0;background:#f1f5f9;color:#0f172a;font:15px/1.55 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
main{max-width:960px;margin:24px auto;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(15,23,42,.12);overflow:hidden}
header{background:#0f172a;color:#fff;padding:24px 32px}
header h1{margin:0;font-size:24px}
header p{margin:4px 0 0;color:#cbd5e1;font-size:13px}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;padding:20px 32px 4px}
.kpi{border:1px solid #e2e8f0;border-radius:10px;padding:12px 14px}
.kpi .label{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#64748b}
.kpi .value{font-size:22px;font-weight:700;margin-top:2px}
.kpi .delta{font-size:13px;color:#475569}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px;padding:12px 32px}
.charts img{width:100%;border:1px solid #e2e8f0;border-radius:10px}
.body{padding:0 32px 16px}
h2{font-size:17px;margin:22px 0 6px;padding-bottom:4px;border-bottom:2px solid #e2e8f0}
ul,ol{margin:6px 0;padding-left:22px} li{margin:3px 0} ul.cols{columns:2;column-gap:32px} ul.cols li{break-inside:avoid}
.note{color:#64748b;font-style:italic}
sup a{color:#2563eb;text-decoration:none;font-size:10px;margin-left:1px}
.sources{background:#f8fafc;border-top:1px solid #e2e8f0;padding:8px 32px 24px;font-size:13px}
.fns{list-style:none;padding:0;columns:2;column-gap:24px;font-size:12px;color:#334155} .fns li{break-inside:avoid}
.sources details{margin:4px 0} .sources summary{cursor:pointer;color:#334155}
.sources pre{white-space:pre-wrap;background:#0f172a;color:#e2e8f0;padding:10px;border-radius:6px;font-size:11px}
"""


class _Refs:
    """Footnote numbers shared by every renderer: the draft's order, then any extra fact used (KPI cards)."""

    def __init__(self, rendered: Rendered, facts: dict[str, Fact]) -> None:
        self.names, self.facts = list(rendered.names), facts

    def num(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name) + 1

    def html(self, name: str) -> str:
        n = self.num(name)
        return f'{html_text(self.facts[name].text())}<sup><a href="#fn{n}">[{n}]</a></sup>'


def html(r: WeeklyReportData) -> str:
    rendered = r.rendered()
    refs = _Refs(rendered, r.draft.facts)
    esc = html_text
    kpis = "".join(
        f'<div class="kpi"><div class="label">{label}</div><div class="value">{refs.html(v)}</div>'
        f'<div class="delta">{refs.html(d)} on last week</div></div>'
        for label, v, d in KPIS if v in r.draft.facts and d in r.draft.facts)
    charts = "".join(f'<img alt="{esc(c["title"])}" src="data:image/png;base64,{png}">'
                     for c, png in zip(r.charts, chart_images(r).values()))
    body = []
    for s in r.draft.sections:
        body.append(f"<h2>{esc(s.title)}</h2>")
        if s.template:
            body.append(f"<p>{fill_parts(s.template, esc, refs.html)}</p>")
        if s.bullets:
            tag = "ol" if s.numbered else "ul"
            cls = ' class="cols"' if len(s.bullets) > 5 and tag == "ul" else ""
            body.append(f"<{tag}{cls}>" + "".join(f"<li>{fill_parts(b, esc, refs.html)}</li>" for b in s.bullets) + f"</{tag}>")
        if s.note:
            body.append(f'<p class="note">{esc(s.note)}</p>')
    if r.note():
        body.append(f'<p class="note">{esc(r.note())}</p>')
    facts = [r.draft.facts[n] for n in refs.names]
    queries = list(dict.fromkeys(f.sql for f in facts))
    notes = "".join(
        f'<li id="fn{i}">[{i}] {esc(f.label or n)}: {esc(f.text())} · <a href="#q{queries.index(f.sql) + 1}">'
        f"Q{queries.index(f.sql) + 1}</a></li>" for i, (n, f) in enumerate(zip(refs.names, facts), start=1))
    sources = (f'<p>As of {esc(r.as_of.isoformat())}; every query ran read-only on the warehouse.</p>'
               f'<ul class="fns">{notes}</ul>')
    sources += "".join(f'<details id="q{k}"><summary>Q{k}</summary><pre>{esc(sql)}</pre></details>'
                       for k, sql in enumerate(queries, start=1))
    sources += "".join(f"<details><summary>Chart: {esc(c['title'])}</summary><pre>{esc(c['sql'])}</pre></details>" for c in r.charts)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fleet weekly {r.week.label}</title>'
        f"<style>{CSS}</style></head><body><main><header><h1>Fleet weekly · {r.week.label}</h1>"
        f"<p>{esc(_subtitle(r))} · every number links to the query behind it</p></header>"
        f'<div class="kpis">{kpis}</div><div class="charts">{charts}</div><div class="body">{"".join(body)}</div>'
        f'<section class="sources"><h2>Sources</h2>{sources}</section></main></body></html>'
    )


def _section_text(section: Any, refs: dict[str, str], esc: Any = None) -> str:
    """A section as text; `esc` (Slack's mrkdwn escaping) is applied to every piece of data in it."""
    def filled(template: str) -> str:
        return fill(template, refs) if esc is None else fill_parts(template, esc, lambda n: esc(refs[n]))

    lines = [filled(section.template)] if section.template else []
    lines += [(f"{i}. " if section.numbered else "• ") + filled(b)
              for i, b in enumerate(section.bullets, start=1)]
    if section.note:
        lines.append(f"_{section.note if esc is None else esc(section.note)}_")
    return "\n".join(lines)


def slack(r: WeeklyReportData) -> dict[str, Any]:
    """Block Kit: header, context, KPI fields, one section per part (at most 50 blocks, 3000 chars each)."""
    rendered = r.rendered()
    numbering = _Refs(rendered, r.draft.facts)
    refs = {n: f"{r.draft.facts[n].text()} [{numbering.num(n)}]" for n in r.draft.facts}
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Fleet weekly · {r.week.label}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(_subtitle(r))}]},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": clip_mrkdwn(f"*{label}*\n{mrkdwn(refs[v])} ({mrkdwn(refs[d])})", 2000)}
                                       for label, v, d in KPIS if v in refs and d in refs]},
    ]
    for s in r.draft.sections:  # data (team names, prose) is escaped: no mention or link survives
        blocks.append({"type": "divider"})
        text = f"*{mrkdwn(one_line(s.title))}*\n{_section_text(s, refs, mrkdwn)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, 3000)}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                   "Every number cites a query: `pace weekly --format md` lists the SQL behind each [n]."}]})
    return {"text": f"Fleet weekly {r.week.label}", "blocks": blocks[:50]}


def as_json(r: WeeklyReportData) -> dict[str, Any]:
    rendered = r.rendered()
    numbering = _Refs(rendered, r.draft.facts)
    refs = {n: f"{r.draft.facts[n].text()} [{numbering.num(n)}]" for n in rendered.names}
    return {
        "week": r.week.label, "start": r.week.start.isoformat(), "end": r.week.end.isoformat(),
        "as_of": r.as_of.isoformat(), "prose_source": r.prose_source, "llm_note": r.llm_note,
        "unavailable": r.unavailable,
        "sections": [{"title": s.title, "text": _section_text(s, refs)} for s in r.draft.sections],
        "facts": [{"footnote": i, "name": n, "label": f.label, "value": f.value, "text": f.text(), "unit": f.unit,
                   "format": f.format, "sql": f.sql, "params": f.params, "as_of": f.as_of}
                  for i, (n, f) in enumerate(zip(rendered.names, rendered.facts), start=1)],
        "charts": [{"title": c["title"], "sql": c["sql"]} for c in r.charts],
        "grounding_problems": r.problems(),
        "markdown": markdown(r),
    }
