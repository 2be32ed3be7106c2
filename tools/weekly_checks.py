"""Sanity before advice in the weekly narrative: physical bounds, and what explains a cost mover.

- Out-of-bounds figures (`scan_bounds`: allocation above installed capacity, utilization outside
  0..100%, negative usage cost) become the "Data quality" section, and the pools they touch are never
  the subject of a recommended action or a capacity risk: a pool "at 144% of installed capacity"
  means the allocation feed or the capacity table is wrong, not that the pool needs relief.
- A team whose spend moved is linked to what the scan found for that team in the same week (cost
  spikes, quota breaches, idle allocations) and to the incidents it owned, so a reader sees the
  known cause next to the number.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from core.settings import Settings
from tools.grounding import Fact
from tools.scan_bounds import violations

if TYPE_CHECKING:
    from tools.weekly_facts import FactBook

LINK_KINDS = ["cost_spike", "quota_breach", "idle_allocation"]
_TEAM_INCIDENTS = """
SELECT incident_id, severity, opened_at FROM incidents
WHERE primary_team = :team AND opened_at >= CAST(:start AS TIMESTAMP) AND opened_at < CAST(:end AS TIMESTAMP)
ORDER BY opened_at
"""


def _esc(word: object) -> str:
    return str(word).replace("{", "{{").replace("}", "}}")


def _day(d: Any) -> datetime:
    return datetime(d.year, d.month, d.day)


def collect_bounds(book: FactBook) -> list[dict[str, Any]]:
    """Record each out-of-bounds figure of the week as two facts (observed and its bound); return the
    violations as dicts with their fact names."""
    w = book.week
    found = violations(book.wh.run, _day(w.start), _day(w.end))
    out = []
    for i, r in enumerate(found.to_dict("records")):
        for part, col, label in (("observed", "observed", "out of bounds"), ("bound", "expected", "bound")):
            book.facts[f"dq_{i}_{part}"] = Fact(
                float(r[col]), "count", ",.4g" if abs(float(r[col])) < 10 else ",.0f", r["evidence_sql"],
                {**w.params(), "row": r["entity"], "column": col}, book.as_of, f"{r['entity']} {r['check']} ({label})")
        out.append({**r, "observed_fact": f"dq_{i}_observed", "bound_fact": f"dq_{i}_bound"})
    return out


def out_of_bounds_pools(dq: list[dict[str, Any]]) -> set[str]:
    """Pool keys ('cluster type') that a data-quality finding touches."""
    return {f"{r['cluster']} {r['accelerator_type']}" for r in dq if r.get("cluster") and r.get("accelerator_type")}


def mover_links(settings: Settings, book: FactBook, teams: list[str]) -> dict[str, list[str]]:
    """Template fragments per team: the week's scan findings on that team (with their dollar impact as a
    cited fact) and the incidents it owned."""
    from tools.scan import scan

    w = book.week
    links: dict[str, list[str]] = {t: [] for t in teams}
    result = scan(settings, start=_day(w.start), end=_day(w.end), kinds=LINK_KINDS)
    for f in result.findings:
        if f.entity not in links:
            continue
        name = f"link_{len(book.facts)}"
        book.facts[name] = Fact(f.impact_usd, "USD", ",.0f", f.evidence_sql,
                                {**w.params(), "row": f.entity, "column": "impact_usd", "aggregate": "sum"},
                                book.as_of, f"{f.kind.replace('_', ' ')} on {f.entity}, estimated impact")
        links[f.entity].append(f"{_esc(f.severity)} {f.kind.replace('_', ' ')} found by `pace scan` from "
                               f"{f.start:%Y-%m-%d %H:%M} (ref {f.ref}), estimated impact {{{name}}}")
    for team in teams:
        sql = exp.replace_placeholders(sqlglot.parse_one(_TEAM_INCIDENTS, read="duckdb"), team=team,
                                       start=f"{w.start} 00:00:00", end=f"{w.end} 00:00:00").sql(dialect="duckdb")
        for r in book.wh.run(sql).to_dict("records"):
            links[team].append(f"incident {_esc(r['incident_id'])} ({_esc(r['severity'])}) opened {r['opened_at']:%Y-%m-%d}")
    return links
