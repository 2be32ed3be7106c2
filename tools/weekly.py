"""`pace weekly`: the executive one-pager for an ISO week, every number a cited query result.

`weekly_narrative(settings, week)` runs the queries of `weekly_sql` (and the savings and forecast tools
where they are installed), turns each cell it quotes into a `grounding.Fact`, writes the prose from the
templates of `weekly_prose`, lets a configured LLM rewrite that prose under the grounding check, and
returns a `WeeklyReport` that renders as markdown, self-contained HTML, Slack blocks or JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import UserError
from core.settings import Settings
from tools import weekly_checks
from tools import weekly_sql as q
from tools._warehouse import Warehouse
from tools.weekly_facts import FactBook
from tools.weekly_types import Week, WeeklyReportData

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(text: str) -> Week:
    """'2026-W47' -> Week(Mon 2026-11-16, Mon 2026-11-23); anything else is a UserError."""
    m = WEEK_RE.match(text.strip())
    if not m:
        raise UserError(f"--week {text!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W47")
    try:
        start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise UserError(f"--week {text!r} does not exist: ISO year {m[1]} has no week {m[2]}") from None
    return Week(f"{m[1]}-W{m[2]}", start, start + timedelta(days=7))


def week_of(day: date) -> Week:
    iso = day.isocalendar()
    return parse_week(f"{iso.year}-W{iso.week:02d}")


def resolve_week(week: str | None, as_of: date, data_start: date) -> Week:
    """The requested week, or the last complete week on or before `as_of` (the last day of data)."""
    last = week_of(as_of + timedelta(days=1) - timedelta(days=7))
    first = week_of(data_start)
    if week is None:
        return last
    chosen = parse_week(week)
    if chosen.start < first.start or chosen.start > last.start:
        raise UserError(f"week {chosen.label} is outside the data: pick one from {first.label} to {last.label}")
    return chosen


@dataclass
class WeeklyReport(WeeklyReportData):
    """The week's report with its formats: markdown, HTML, Slack blocks, JSON."""

    def to_markdown(self, chart_paths: dict[str, str] | None = None) -> str:
        from tools.weekly_render import markdown
        return markdown(self, chart_paths)

    def write_chart_pngs(self, folder: Path, stem: str) -> dict[str, str]:
        """Save the charts as `<stem>-<kind>.png` in `folder`; {kind: file name} for `to_markdown`."""
        import base64

        from tools.weekly_render import chart_images

        names = {}
        for kind, png in chart_images(self).items():
            names[kind] = f"{stem}-{kind}.png"
            (folder / names[kind]).write_bytes(base64.b64decode(png))
        return names

    def to_html(self) -> str:
        from tools.weekly_render import html
        return html(self)

    def to_slack(self) -> dict[str, Any]:
        from tools.weekly_render import slack
        return slack(self)

    def to_json(self) -> dict[str, Any]:
        from tools.weekly_render import as_json
        return as_json(self)

    def render(self, fmt: str) -> str:
        """The report in one of md, html, slack (Block Kit JSON), json."""
        import json

        if fmt == "md":
            return self.to_markdown()
        if fmt == "html":
            return self.to_html()
        if fmt in ("slack", "json"):
            return json.dumps(self.to_slack() if fmt == "slack" else self.to_json(), indent=2, default=str)
        raise UserError(f"--format {fmt!r} is not one of md, html, slack, json")


def weekly_narrative(settings: Settings, week: str | None = None, *, client: Any = None,
                     with_tools: bool = True) -> WeeklyReport:
    """Build the week's report (default: last complete ISO week before the as-of date).

    `client` is an OpenAI-style client used only when `settings.llm_configured` (tests pass a fake);
    `with_tools=False` skips the savings and forecast tools (faster, sections say 'not available').
    """
    from tools import weekly_prose

    with Warehouse(settings) as wh:
        bounds = wh.run(q.data_bounds()).iloc[0]
        if pd.isna(bounds["data_end"]):
            raise UserError("the warehouse has no pace_meta row; build one with `pace seed`")
        data_end = pd.Timestamp(bounds["data_end"]).date()
        as_of = min(settings.as_of or data_end, data_end - timedelta(days=1))  # never past the data
        chosen = resolve_week(week, as_of, pd.Timestamp(bounds["data_start"]).date())
        book = FactBook(wh, chosen, as_of)
        collect(book)
        teams = [str(book.facts[f"mover_team_{i}"].params["row"]) for i in range(3) if f"mover_team_{i}" in book.facts]
        book.links = weekly_checks.mover_links(settings, book, teams)
    unavailable: list[str] = []
    extras = weekly_prose.tool_facts(settings, book, unavailable) if with_tools else None
    if not with_tools:
        unavailable += ["savings tool skipped", "forecast tool skipped"]
    draft = weekly_prose.build_draft(book, extras or {})
    report = WeeklyReport(chosen, as_of, draft, book.charts, unavailable=unavailable)
    if settings.llm_configured:
        weekly_prose.rewrite_with_llm(report, settings, client)
    return report


def collect(book: FactBook) -> None:
    """Every warehouse query of the narrative, each quoted cell recorded as a fact."""
    w = book.week
    spend = book.rows(q.spend(w))
    book.add("spend", spend, "this_week", "USD", ",.0f", "Spend (EffectiveCost) this week")
    book.add("spend_prev", spend, "last_week", "USD", ",.0f", "Spend (EffectiveCost) last week")
    book.add("spend_pct", spend, "change_pct", "%", "+.1f", "Spend change week over week")
    util = book.rows(q.utilization(w))
    book.add("util", util, "this_week", "%", ".1f", "Utilization (busy / allocated accelerator-hours with activity measured)")
    book.add("util_pp", util, "change", "pp", "+.1f", "Utilization change week over week")
    idle = book.rows(q.idle_cost(w))
    book.add("idle", idle, "this_week", "USD", ",.0f", "Idle cost (idle hours x committed $/h)")
    book.add("idle_pct", idle, "change_pct", "%", "+.1f", "Idle cost change week over week")
    hours = book.rows(q.hours_by_type(w))
    for i, r in enumerate(hours[0]):
        book.add(f"hours_{i}", hours, "this_week", "hours", ",.0f", f"{r['key']} accelerator-hours", row=i)
        book.add(f"hours_{i}_pct", hours, "change_pct", "%", "+.1f", f"{r['key']} accelerator-hours change", row=i)
    book.charts.append({"kind": "hours_by_type", "title": "Accelerator-hours by type", "sql": hours[1], "rows": hours[0]})
    for dim, column in (("team", "team"), ("type", "accelerator_type")):
        movers = book.rows(q.spend_movers(w, column))
        for i, _ in enumerate(movers[0]):
            book.add(f"mover_{dim}_{i}", movers, "change", "USD", "+,.0f", f"Spend change, {dim} {movers[0][i]['key']}", row=i)
            book.add(f"mover_{dim}_{i}_now", movers, "this_week", "USD", ",.0f", f"Spend this week, {dim} {movers[0][i]['key']}", row=i)
    top_idle = book.rows(q.idle_by_team(w))
    book.add("idle_top", top_idle, "idle_usd", "USD", ",.0f", "Idle cost of the team with the most")
    book.add("idle_top_share", top_idle, "share_pct", "%", ".0f", "That team's share of idle cost")
    base = book.rows(q.idle_vs_baseline(w))
    book.add("idle_base", base, "baseline", "USD", ",.0f", "Idle cost, weekly average of the prior four weeks")
    book.add("idle_reduction", base, "reduction", "USD", "+,.0f", "Idle cost reduction vs the prior four-week average")
    book.add("idle_difference", base, "difference", "USD", ",.0f", "Idle cost difference from the prior four-week average")
    daily = book.rows(q.daily_spend(w))
    book.charts.insert(0, {"kind": "daily_spend", "title": "Daily spend, this week vs last", "sql": daily[1], "rows": daily[0]})
    gov = book.rows(q.governance(w))
    for col, unit, fmt, label in (("pending", "count", ",d", "Requests pending at week end"),
                                  ("submitted", "count", ",d", "Requests submitted"),
                                  ("approved", "count", ",d", "Requests approved"),
                                  ("denied", "count", ",d", "Requests denied"),
                                  ("lead_p50_hours", "hours", ",.1f", "Approval lead time, median"),
                                  ("lead_p90_hours", "hours", ",.1f", "Approval lead time, p90")):
        book.add(f"gov_{col}", gov, col, unit, fmt, label)
    inc = book.rows(q.incidents(w))
    sev = book.rows(q.incidents_by_severity(w))
    for level in q.SEVERITY_LEVELS:
        book.add(f"inc_{level.lower()}", sev, level.lower(), "count", ",d", f"{level} incidents")
    for col, unit, fmt, label in (("this_week", "count", ",d", "Incidents opened"), ("change", "count", "+,d", "Incidents vs last week"),
                                  ("tier3", "count", ",d", "Tier-3 escalations"),
                                  ("hours_lost", "count", ",.0f", "Accelerator-hours lost to incidents"),
                                  ("mtta_p50_minutes", "minutes", ",.0f", "Time to acknowledge, median")):
        book.add(f"inc_{col}", inc, col, unit, fmt, label)
    res = book.rows(q.resolution(w))
    book.add("inc_resolved", res, "resolved", "count", ",d", "Incidents resolved")
    book.add("mttr_p50", res, "mttr_p50_hours", "hours", ",.1f", "Time to resolve, median")
    book.add("mttr_p90", res, "mttr_p90_hours", "hours", ",.1f", "Time to resolve, p90")
    cap = book.rows(q.capacity_headroom(w))
    for i, _ in enumerate(cap[0]):
        book.add(f"pool_{i}_pct", cap, "peak_pct", "%", ".0f", f"Peak allocation / capacity, {cap[0][i]['key']}", row=i)
        book.add(f"pool_{i}_peak", cap, "peak_allocated", "count", ",.0f", f"Peak accelerators allocated, {cap[0][i]['key']}", row=i)
        book.add(f"pool_{i}_cap", cap, "capacity", "count", ",.0f", f"Installed accelerators, {cap[0][i]['key']}", row=i)
    book.dq = weekly_checks.collect_bounds(book)
