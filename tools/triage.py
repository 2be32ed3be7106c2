"""`pace triage`: a first incident draft in seconds: severity by rubric, impact by query, what changed,
similar past incidents, routing in the tiered support model, next steps and a timeline.

Input is a free-text report, an incident id or a scan finding id. Free text is untrusted data: it is only
matched against the warehouse's own dimension values (clusters, teams, accelerator types, endpoints,
workload types); the matched values, never the text, go into SQL. Every number in the draft is a
`grounding.Fact` with the query that produced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from core.errors import UserError
from telemetry.schema import SEVERITIES, WORKLOAD_TYPES
from core.settings import Settings
from tools import triage_sql as q
from tools._warehouse import Warehouse
from tools.grounding import Draft, Fact, FactTable, Rendered, check_grounding
from tools.triage_rules import Decision, Signals, category_of, load_rules, route, severity
from tools.triage_sql import Scope
from tools.triage_stated import stated_severity
from tools.triage_stated import parse as parse_stated
from tools.triage_types import Subject, TriageDraftData

TEXT_WINDOW = timedelta(hours=48)
ELEVATED = 1.5  # a failure rate above 1.5x its baseline counts as an ongoing problem (its span is the duration)
BASELINE = timedelta(days=14)
KIND_CATEGORY = {"failure_rate_spike": "jobs", "latency_spike": "serving", "utilization_collapse": "driver",
                 "queue_wait_surge": "scheduler", "quota_breach": "scheduler", "idle_allocation": "jobs",
                 "energy_outlier": "hardware", "cost_spike": None}
NEXT_STEPS = {
    "jobs": ["Pull the exit codes and logs of the most recent failed jobs listed above and group them by error.",
             "Check whether the failures share nodes; drain any node that appears in several failures.",
             "Ask the owning team whether a code or config change shipped just before the first failure."],
    "hardware": ["Check DCGM XID and ECC counters on the affected nodes; drain and replace failing GPUs."],
    "network": ["Run an NCCL all-reduce test across the affected nodes and check fabric-manager logs."],
    "driver": ["Compare driver and firmware versions with the last known-good rollout; roll back if they differ."],
    "storage": ["Check checkpoint write latency and storage pool health; fail over if the pool is degraded."],
    "serving": ["Compare the endpoint's error and latency with its baseline; scale out or roll back the model server."],
    "scheduler": ["Inspect pending jobs and reservations in the scheduler; clear stale reservations or rebalance quota."],
}


@dataclass
class TriageDraft(TriageDraftData, FactTable):
    """The triage draft with its renderings (markdown, Slack, JSON) and the grounding check."""

    def render(self, fmt: str = "md") -> str:
        from tools import triage_render

        return triage_render.render(self, fmt)

    def rendered(self) -> Rendered:
        """The markdown body (timeline included) and its facts in footnote order."""
        from tools.triage_render import full_draft

        return full_draft(self).render()

    @property
    def facts(self) -> list[Fact]:
        """The facts in footnote order: `check_grounding(draft.render("md"), draft.facts)`."""
        return self.rendered().facts

    def problems(self) -> list[str]:
        """The grounding check on the markdown form (empty = every number is a cited fact)."""
        return [str(p) for p in check_grounding(self.render("md"), self.rendered().facts)]

    def summary_text(self) -> str:
        """The draft without its SQL appendix (the agent shows the SQL from `evidence_sql`)."""
        md = self.render("md")
        return md.split("\n## Sources", 1)[0].rstrip()


def parse_text(text: str, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """Known dimension values named in the text (case-insensitive, whole words), in order of appearance."""
    found: dict[str, list[str]] = {}
    low = text.lower()
    for dim, vals in {**values, "workload_type": list(WORKLOAD_TYPES)}.items():
        hits = []
        for v in sorted(vals, key=len, reverse=True):
            m = re.search(rf"(?<![\w-]){re.escape(v.lower())}(?![\w-])", low)
            if m and not any(v.lower() in h.lower() for _, h in hits):
                hits.append((m.start(), v))
        if hits:
            found[dim] = [v for _, v in sorted(hits)]
    return found


def _rows(wh: Warehouse, sql: str) -> list[dict[str, Any]]:
    df = wh.run(sql)
    return [{k: (None if (v is pd.NaT or (isinstance(v, float) and v != v)) else (v.item() if hasattr(v, "item") else v))
             for k, v in r.items()} for r in df.to_dict("records")]


def _subject(wh: Warehouse, settings: Settings, end: datetime, text: str | None, incident_id: str | None,
             finding: str | None) -> Subject:
    if sum(x is not None for x in (text, incident_id, finding)) != 1:
        raise UserError("give exactly one of: a text report, --incident ID or --finding ID")
    if incident_id is not None:
        rows = _rows(wh, q.incident(incident_id.strip()))
        if not rows:
            some = ", ".join(r["incident_id"] for r in _rows(wh, q.some_incidents()))
            raise UserError(f"no incident {incident_id!r}; recent ones: {some}")
        inc = rows[0]
        scope = Scope(cluster=inc["cluster"], accelerator_type=inc["accelerator_type"])
        stop = inc["resolved_at"] or end
        return Subject("incident", f"{inc['incident_id']}: {inc['title']}", scope, inc["opened_at"], stop,
                       inc["category"], incident=inc)
    if finding is not None:
        try:
            from tools.scan import scan
        except ImportError:
            raise UserError("--finding needs the anomaly scan (tools.scan), which is not installed") from None
        found = scan(settings).findings
        f = next((x for x in found if x.id.lower() == finding.strip().lower()), None)
        if f is None:
            raise UserError(f"no finding {finding!r}; current ones: {', '.join(x.id for x in found[:5]) or 'none'}")
        team = f.entity if f.entity_type == "team" else None
        scope = Scope(cluster=f.cluster, team=team, accelerator_type=f.accelerator_type,
                      endpoint=f.entity if f.entity_type == "endpoint" else None)
        return Subject("finding", f"{f.id}: {f.kind.replace('_', ' ')} on {f.entity}", scope, f.start, f.end,
                       KIND_CATEGORY.get(f.kind), finding=f, scanned=found)
    values = {dim: [r["value"] for r in _rows(wh, sql)] for dim, sql in q.DIMENSIONS.items()}
    matched = parse_text(text or "", values)
    scope = Scope(**{dim: vals[0] for dim, vals in matched.items()})
    category = category_of(text or "")
    where = scope.words()
    what = {"jobs": "failing jobs", "serving": "degraded serving", "scheduler": "scheduling delays"}.get(category or "", category or "reported problem")
    return Subject("text", f"Triage: {what} ({where})", scope, end - TEXT_WINDOW, end, category, matched=matched,
                   stated=parse_stated(text or ""))


def triage(settings: Settings, text: str | None = None, incident_id: str | None = None,
           finding: str | None = None) -> TriageDraft:
    """Draft a triage for one report, incident or finding (exactly one)."""
    with Warehouse(settings) as wh:
        meta = _rows(wh, q.DATA_END)[0]
        end = meta["data_end"] or datetime.utcnow()
        if settings.as_of:
            end = min(end, datetime.combine(settings.as_of + timedelta(days=1), datetime.min.time()))
        subject = _subject(wh, settings, end, text, incident_id, finding)
        return _draft(wh, settings, subject, end)


def _draft(wh: Warehouse, settings: Settings, s: Subject, end: datetime) -> TriageDraft:
    as_of = end.isoformat(sep=" ", timespec="minutes")
    facts: dict[str, Fact] = {}

    def add(name: str, rows: list[dict[str, Any]], sql: str, col: str, unit: str, fmt: str, label: str) -> None:
        facts[name] = Fact(rows[0][col] if rows else None, unit, fmt, sql,
                           {"window_start": s.start.isoformat(sep=" "), "window_end": s.end.isoformat(sep=" "), "column": col},
                           as_of, label)

    w0, w1 = s.start, min(s.end, end) if s.end > s.start else s.end
    job_sql = q.job_impact(s.scope if s.kind != "incident" else Scope(cluster=s.scope.cluster, accelerator_type=s.scope.accelerator_type),
                           w0, max(w1, w0 + timedelta(hours=1)), w0 - BASELINE)
    jobs = _rows(wh, job_sql)
    for col, unit, fmt, label in (("jobs", "count", ",d", "Jobs that ended in the window"),
                                  ("failed", "count", ",d", "Failed jobs in the window"),
                                  ("failure_rate_pct", "%", ".1f", "Failure rate in the window"),
                                  ("baseline_failure_rate_pct", "%", ".1f", "Failure rate over the two weeks before"),
                                  ("failed_hours", "count", ",.0f", "Accelerator-hours of failed jobs"),
                                  ("excess_failed_hours", "count", ",.0f", "Accelerator-hours failed above the usual rate"),
                                  ("teams_affected", "count", ",d", "Teams failing above their usual rate"),
                                  ("failure_span_hours", "hours", ",.1f", "Hours from the first to the last failure in the window")):
        add(f"job_{col}", jobs, job_sql, col, unit, fmt, label)
    j = jobs[0]
    prod: bool | None = False if s.category not in ("serving",) and not s.scope.endpoint else None
    if s.scope.endpoint:
        srv_sql = q.serving_impact(s.scope.endpoint, w0, max(w1, w0 + timedelta(hours=1)), w0 - BASELINE)
        srv = _rows(wh, srv_sql)
        for col, unit, fmt, label in (("error_rate_pct", "%", ".2f", "Endpoint error rate in the window"),
                                      ("baseline_error_rate_pct", "%", ".2f", "Endpoint error rate, two weeks before"),
                                      ("p95_ms_max", "count", ",.0f", "Worst hourly p95 latency (ms)"),
                                      ("p95_ms_baseline", "count", ",.0f", "Median hourly p95 latency before (ms)")):
            add(f"srv_{col}", srv, srv_sql, col, unit, fmt, label)
        r = srv[0]
        degraded = (r["error_rate_pct"] or 0) > 2 * (r["baseline_error_rate_pct"] or 0) or (r["p95_ms_max"] or 0) > 1.5 * (r["p95_ms_baseline"] or 0)
        prod = bool(r["is_production"]) and degraded
    if s.incident:
        inc = s.incident
        inc_sql = q.incident(inc["incident_id"])
        add("inc_lost", [inc], inc_sql, "accelerator_hours_lost", "count", ",.0f", "Accelerator-hours lost (recorded)")
        add("inc_teams", [inc], inc_sql, "teams_affected", "count", ",d", "Teams affected (recorded)")
        dur_sql = q.incident_duration(inc["incident_id"], end)
        dur = _rows(wh, dur_sql)
        duration = dur[0]["duration_hours"]
        add("inc_duration", dur, dur_sql, "duration_hours", "hours", ",.1f", "Duration")
        signals = Signals(inc["accelerator_hours_lost"], inc["teams_affected"], inc["production_inference_affected"], duration)
    else:
        elevated = (j["failure_rate_pct"] or 0) > ELEVATED * (j["baseline_failure_rate_pct"] or 0) and (j["failed"] or 0) >= 2
        duration = (s.end - s.start).total_seconds() / 3600 if s.kind == "finding" else (j["failure_span_hours"] if elevated else 0.0)
        signals = Signals(j["excess_failed_hours"], j["teams_affected"], prod, duration if duration is not None else 0.0)
    sev = severity(signals)
    recorded = (s.incident or {}).get("severity") or (s.finding.severity if s.finding is not None else None)
    if recorded in SEVERITIES and SEVERITIES.index(recorded) < SEVERITIES.index(sev.value):
        source = "incident record" if s.incident else "scan"
        sev = Decision(recorded, f"{sev.reason}; the {source} says {recorded}, and the more urgent level is kept")
    sev = _with_stated(sev, s.stated)
    similar_sql = q.similar_incidents(load_rules("routing").get("incident_categories", {}).get(s.category, s.category), s.scope, s.start, s.incident["incident_id"] if s.incident else None)
    similar = _rows(wh, similar_sql)
    for col, unit, fmt, label in (("similar_total", "count", ",d", "Similar past incidents"),
                                  ("mttr_p50_hours", "hours", ",.1f", "Similar incidents: time to resolve, median"),
                                  ("mttr_p90_hours", "hours", ",.1f", "Similar incidents: time to resolve, p90"),
                                  ("tier3_total", "count", ",d", "Similar incidents resolved at tier 3")):
        add(f"sim_{col}", similar, similar_sql, col, unit, fmt, label)
    for i, r in enumerate(similar):
        facts[f"sim_{i}_hours"] = Fact(r["hours_to_resolve"], "hours", ",.1f", similar_sql,
                                       {"row": r["incident_id"], "column": "hours_to_resolve"}, as_of, f"{r['incident_id']} time to resolve")
    leads = {r["team"]: r["tier2_lead"] for r in _rows(wh, q.LEADS)}
    team = (s.scope.team or (s.incident or {}).get("primary_team") or _endpoint_team(wh, s.scope.endpoint)
            or (j["top_team"] if j["teams_affected"] == 1 else None))
    ctx = {"severity": sev.value, "category": s.category, "team": team,
           "teams_affected": signals.teams_affected, "similar_tier3": similar[0]["tier3_total"] if similar else 0,
           "similar_total": similar[0]["similar_total"] if similar else 0}
    rt = route(ctx, leads)
    # the rows a draft cites come from exactly the SQL it cites (the sources reproduce them)
    sources = {"failed": q.failed_jobs(s.scope if s.kind != "incident" else Scope(cluster=s.scope.cluster), w0,
                                       max(w1, w0 + timedelta(hours=1))),
               "requests": q.recent_requests(s.scope, w0 - timedelta(days=7), max(w1, w0 + timedelta(hours=1)))}
    failed = _rows(wh, sources["failed"])
    reqs = _rows(wh, sources["requests"])
    nearby = _rows(wh, q.nearby_incidents(s.scope, w0 - timedelta(days=1), max(w1, w0 + timedelta(hours=1)),
                                          s.incident["incident_id"] if s.incident else None))
    findings = _correlated(settings, s)
    from tools.triage_render import build_sections, timeline

    sections = build_sections(s, sev, rt, facts, similar, failed, reqs, nearby, findings, team, NEXT_STEPS, sources)
    return TriageDraft(s, sev, rt, Draft(sections, facts), timeline(s, j, failed, nearby, findings, end), as_of)


def _with_stated(data: Decision, stated: Stated | None) -> Decision:
    """The more urgent of the data's level and the report's stated impact, saying which is which."""
    said = stated_severity(stated) if stated is not None else None
    if said is None:
        return data
    if SEVERITIES.index(said.value) < SEVERITIES.index(data.value):
        return Decision(said.value, f"{said.reason} (from the text); the data alone gives {data.value} ({data.reason})")
    return Decision(data.value, f"{data.reason} (from data); {said.reason} (from the text), which alone gives {said.value}")


def _endpoint_team(wh: Warehouse, endpoint: str | None) -> str | None:
    if not endpoint:
        return None
    rows = _rows(wh, q.endpoint_team(endpoint))
    return rows[0]["team"] if rows else None


def _correlated(settings: Settings, s: Subject) -> list[Any]:
    """Findings of the full scan (same ids as `pace scan`) overlapping the window on the same cluster, team,
    type or endpoint; empty when the scan tool is not installed."""
    try:
        from tools.scan import scan
    except ImportError:
        return []
    lo, hi = s.start - timedelta(days=1), max(s.end, s.start + timedelta(hours=1))
    keys = {v for v in (s.scope.cluster, s.scope.team, s.scope.accelerator_type, s.scope.endpoint) if v}
    found = s.scanned if s.scanned is not None else scan(settings).findings
    return [f for f in found
            if f.start < hi and f.end > lo and (not keys or keys & {f.entity, f.cluster, f.accelerator_type})
            and (s.finding is None or f.id != s.finding.id)][:5]
