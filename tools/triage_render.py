"""The triage draft's sections (templates + facts) and its markdown, Slack and JSON forms.

Warehouse text that may hold digits (incident titles, resolutions) is shown in `code spans`: quoted data,
which the grounding check exempts; every other number is a fact placeholder.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telemetry import fleet
from core.safe_text import clip, clip_mrkdwn, mrkdwn, one_line
from tools.grounding import Draft, Fact, Section, check_grounding, fill_parts

if TYPE_CHECKING:
    from tools.triage_types import Subject, TriageDraftData
    from tools.triage_rules import Decision


def esc(value: object) -> str:
    return str(value).replace("{", "{{").replace("}", "}}")


def code(value: object) -> str:
    """Verbatim warehouse text as an inline code span (backticks removed from inside)."""
    return "`" + esc(str(value).replace("`", "'")) + "`"


def _t(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)


def build_sections(s: Subject, sev: Decision, rt: Decision, facts: dict[str, Fact], similar: list[dict[str, Any]],
                   failed: list[dict[str, Any]], reqs: list[dict[str, Any]], nearby: list[dict[str, Any]],
                   findings: list[Any], team: str | None, next_steps: dict[str, list[str]],
                   sources: dict[str, str] | None = None) -> list[Section]:
    as_of = next(iter(facts.values())).as_of if facts else ""
    where = esc(s.scope.words())
    summary = (f"{sev.value}: {esc(sev.reason)}. Route to {rt.value}, owner {esc(rt.owner)} ({esc(rt.reason)}). "
               f"Scope: {where}; window {_t(s.start)} to {_t(s.end)}.")
    if s.kind == "text" and s.matched:
        summary += " Matched in the report: " + ", ".join(f"{k.replace('_', ' ')} {code(v[0])}" for k, v in s.matched.items()) + "."
    elif s.kind == "text":
        summary += (" Nothing in the report matched a cluster, team, accelerator type, endpoint or workload type in the "
                    "warehouse, so the numbers cover the whole fleet: add a name to narrow it.")
    impact = ("{job_failed} of {job_jobs} jobs that ended in the window failed ({job_failure_rate_pct}, against "
              "{job_baseline_failure_rate_pct} over the two weeks before). Failed jobs had used {job_failed_hours} "
              "accelerator-hours, {job_excess_failed_hours} of them beyond what the usual failure rate explains; "
              "failures spanned {job_failure_span_hours}, and {job_teams_affected} team(s) are failing above their usual rate.")
    if s.incident:
        prod = "yes" if s.incident["production_inference_affected"] else "no"
        impact = (f"Recorded impact: {{inc_lost}} accelerator-hours lost, {{inc_teams}} team(s) affected, production "
                  f"inference affected: {prod}; {'open for' if not s.incident['resolved_at'] else 'resolved after'} "
                  "{inc_duration}. On the same cluster and type during the incident, " + impact[0].lower() + impact[1:])
    if s.finding is not None:
        f = s.finding
        for name, value, unit, label in (("find_observed", f.observed, "count", f"{f.metric} observed"),
                                         ("find_expected", f.expected, "count", f"{f.metric} expected"),
                                         ("find_impact", f.impact_usd, "USD", "Estimated impact")):
            facts[name] = Fact(value, unit, ",.2f" if abs(value) < 10 else ",.0f", f.evidence_sql,
                               {"finding": f.id, "column": name.removeprefix("find_").replace("impact", "impact_usd")},
                               as_of, label)
        impact = (f"The scan measured {esc(f.metric)} at {{find_observed}} against {{find_expected}} expected on "
                  f"{esc(f.entity)}, an estimated impact of {{find_impact}}. In the same scope and window, " + impact[0].lower() + impact[1:])
    if s.incident and s.incident["severity"] != sev.value:
        summary += f" The incident record says {s.incident['severity']}; the rubric gives the more urgent {sev.value}."
    if "srv_error_rate_pct" in facts:
        impact += (f" Endpoint {esc(s.scope.endpoint)}: error rate {{srv_error_rate_pct}} against {{srv_baseline_error_rate_pct}} "
                   "before; worst hourly p95 latency {srv_p95_ms_max} ms against a usual {srv_p95_ms_baseline} ms.")
    changed: list[str] = []
    for i, f in enumerate(findings):
        if f.kind == "utilization_shift":  # its evidence is the stream's hours, which show the shift, not a price
            changed.append(f"Anomaly {f.id} ({f.severity}): {esc(f.shape.replace('_', ' '))} in {esc(f.entity)}'s busy share "
                           f"on {esc(f.cluster)} {esc(f.accelerator_type)}, {_t(f.start)} to {_t(f.end)}.")
            continue
        if f.kind == "data_quality":  # a figure outside physical bounds: the data is wrong, not the fleet
            changed.append(f"Data-quality finding {f.id}: {esc(f.shape.replace('_', ' '))} on {esc(f.entity)}, "
                           f"{_t(f.start)} to {_t(f.end)} (the data is wrong there; do not read it as load).")
            continue
        facts[f"find_{i}_usd"] = Fact(f.impact_usd, "USD", ",.0f", f.evidence_sql,
                                      {"finding": f.id, "column": "impact_usd", "aggregate": "sum"}, as_of,
                                      f"{f.id} estimated impact")
        changed.append(f"Anomaly {f.id} ({f.severity}): {esc(f.kind.replace('_', ' '))} on {esc(f.entity)}, "
                       f"{_t(f.start)} to {_t(f.end)}, estimated impact {{find_{i}_usd}}.")
    from tools import triage_sql as q

    src = sources or {"failed": q.failed_jobs(s.scope, s.start, s.end), "requests": q.recent_requests(s.scope, s.start, s.end)}
    for i, r in enumerate(failed[:3]):
        facts[f"fj_{i}_hours"] = Fact(r["accelerator_hours"], "count", ",.0f", src["failed"],
                                      {"row": r["job_id"], "column": "accelerator_hours"}, as_of, f"{r['job_id']} accelerator-hours")
        changed.append(f"Failed job {esc(r['job_id'])} ({esc(r['team'])}, {esc(r['workload_type'])} on {esc(r['accelerator_type'])} "
                       f"in {esc(r['cluster'])}) ended {_t(r['end_at'])} after {{fj_{i}_hours}} accelerator-hours.")
    for i, r in enumerate(reqs[:3]):
        facts[f"req_{i}_n"] = Fact(r["accelerators_requested"], "count", ",d", src["requests"],
                                   {"row": r["request_id"], "column": "accelerators_requested"}, as_of,
                                   f"{r['request_id']} accelerators requested")
        changed.append(f"Request {esc(r['request_id'])}: {esc(r['team'])} asked for {{req_{i}_n}} {esc(r['accelerator_type'])} "
                       f"on {_t(r['submitted_at'])} ({esc(r['status'])}).")
    for r in nearby[:3]:
        changed.append(f"Incident {esc(r['incident_id'])} ({r['severity']}) {code(r['title'])} was open from {_t(r['opened_at'])}"
                       + (f" to {_t(r['resolved_at'])}." if r["resolved_at"] else ", still open."))
    sim_text = ("{sim_similar_total} past incident(s) of this category; time to resolve was {sim_mttr_p50_hours} at the "
                "median and {sim_mttr_p90_hours} at p90, and {sim_tier3_total} needed tier 3." if similar else
                "No resolved past incident of this category.")
    sim_bullets = [f"{esc(r['incident_id'])} ({r['severity']}, opened {_t(r['opened_at'])}) {code(r['title'])}: "
                   f"resolved at tier {r['resolved_tier']} in {{sim_{i}_hours}} by {code(r['resolution'] or 'unrecorded')}."
                   for i, r in enumerate(similar)]
    lead = f"; the team lead is {esc(team)}'s tier-2 lead" if team and rt.tier != 2 else ""
    routing = (f"{rt.value.capitalize()}: {esc(rt.owner)}, by {esc(rt.reason)} (tools/rules/routing.yaml). Tier-1 on-call "
               f"({fleet.ONCALL_TIER1}) stays informed{lead}; escalate to tier 3 ({fleet.TIER3_TEAM}) if it is not mitigated "
               "within the SLA for its severity or a second team is affected.")
    steps = list(next_steps.get(s.category or "", [])) + [
        f"Acknowledge and post status in the owning team's channel; update severity if the impact grows ({sev.value} now).",
        "Link this triage to the incident record and attach the evidence queries listed under Sources.",
    ]
    said = _stated_bullets(s)
    if said:
        impact = "Measured in the warehouse (the report's own figures above are not): " + impact
    return [
        Section("Summary", summary),
        *([Section("Stated in the report (not measured)", bullets=said)] if said else []),
        Section("Impact", impact),
        Section("What changed around then", bullets=changed or ["Nothing else recorded on this scope in the window."]),
        Section("Similar past incidents", sim_text, bullets=sim_bullets),
        Section("Routing", routing),
        Section("Next steps", bullets=[esc(x) for x in steps]),
    ]


def _stated_bullets(s: Subject) -> list[str]:
    """What the report says, quoted verbatim (code spans: data, not numbers pace measured), with its meaning."""
    st = s.stated
    if st is None or not st.any:
        return []
    out = []
    for x in st.xids:
        out.append(f"{code(f'Xid {x.code}')}: {esc(x.meaning)} (NVIDIA Xid catalog); class {esc(x.cls.replace('_', ' '))}, "
                   f"action: {esc(x.action)}.")
    meaning = {"customer_facing": "customers see errors or timeouts", "slo_breach": "an SLO breach",
               "latency_multiplier": "latency increase as reported", "gpus_affected": "GPUs affected, as reported",
               "jobs_affected": "jobs affected, as reported"}
    for key, what in meaning.items():
        if key in st.fragments:
            out.append(f"{code(st.fragments[key])}: {what}.")
    return out


def timeline(s: Subject, jobs: dict[str, Any], failed: list[dict[str, Any]], nearby: list[dict[str, Any]],
             findings: list[Any], end: datetime) -> list[tuple[datetime, str]]:
    """Events in time order, each with a time and words (no numbers but ids and times)."""
    ev: list[tuple[datetime, str]] = []
    if s.incident:
        i = s.incident
        ev += [(i["opened_at"], f"{i['incident_id']} opened ({i['severity']})"),
               (i["acknowledged_at"], "acknowledged")]
        if i["resolved_at"]:
            ev.append((i["resolved_at"], f"resolved at tier {i['resolved_tier']}"))
    if jobs.get("first_failure"):
        ev.append((jobs["first_failure"], "first failed job in the window"))
    ev += [(r["end_at"], f"job {r['job_id']} failed ({r['team']})") for r in failed[:3]]
    ev += [(r["opened_at"], f"incident {r['incident_id']} opened ({r['severity']})") for r in nearby[:3]]
    ev += [(f.start, f"anomaly {f.id} began: {f.kind.replace('_', ' ')} on {f.entity}") for f in findings]
    ev.append((end, "triage drafted (as of the data's end)"))
    return sorted(((t, e) for t, e in ev if isinstance(t, datetime)), key=lambda x: x[0])


def _sections(d: TriageDraftData) -> list[Section]:
    return d.draft.sections + [Section("Timeline", bullets=[f"{_t(t)}: {esc(e)}" for t, e in d.timeline])]


def full_draft(d: TriageDraftData) -> Draft:
    """The draft's sections plus the timeline, over the same facts."""
    return Draft(_sections(d), d.draft.facts)


def markdown(d: TriageDraftData) -> str:
    rendered = full_draft(d).render()
    head = [f"# {d.title if not d.subject.incident else d.subject.incident['incident_id'] + ': triage draft'}", "",
            f"**{d.severity.value}** · **{d.route.value}** · owner **{d.route.owner}** · as of {d.as_of}", "", ""]
    if d.subject.incident:
        head[1:1] = ["", f"Incident: `{str(d.subject.incident['title']).replace('`', chr(39))}`"]
    return "\n".join(head) + rendered.body + "\n" + rendered.appendix()


def slack(d: TriageDraftData) -> dict[str, Any]:
    rendered = full_draft(d).render()
    refs = {n: f"{d.draft.facts[n].text()} [{i}]" for i, n in enumerate(rendered.names, start=1)}
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(one_line(d.title), 150)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*Severity*\n{mrkdwn(d.severity.value)}"},
                                       {"type": "mrkdwn", "text": f"*Route*\n{mrkdwn(d.route.value)}: {mrkdwn(d.route.owner)}"}]},
    ]

    def filled(template: str) -> str:  # incident text and data are escaped: no mention or link survives
        return fill_parts(template, mrkdwn, lambda n: mrkdwn(refs[n]))

    for sec in _sections(d):
        body = "\n".join(([filled(sec.template)] if sec.template else []) + ["• " + filled(b) for b in sec.bullets])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(f"*{mrkdwn(sec.title)}*\n{body}", 3000)}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"as of {d.as_of} · `pace triage --format md` lists the SQL behind each [n]"}]})
    return {"text": clip_mrkdwn(mrkdwn(d.title), 300), "blocks": blocks[:50]}


def as_json(d: TriageDraftData) -> dict[str, Any]:
    rendered = full_draft(d).render()
    md = markdown(d)
    return {
        "title": d.title, "kind": d.subject.kind, "severity": d.severity.value, "severity_reason": d.severity.reason,
        "tier": d.route.tier, "owner": d.route.owner, "route_reason": d.route.reason,
        "scope": {k: v for k, v in vars(d.subject.scope).items() if v}, "category": d.subject.category,
        "stated": _stated_json(d.subject),
        "window": {"start": d.subject.start.isoformat(), "end": d.subject.end.isoformat()},
        "timeline": [{"at": t.isoformat(), "event": e} for t, e in d.timeline],
        "facts": [{"footnote": i, "name": n, "label": f.label, "value": f.value, "text": f.text(), "unit": f.unit,
                   "format": f.format, "sql": f.sql,
                   "params": f.params, "as_of": f.as_of} for i, (n, f) in enumerate(zip(rendered.names, rendered.facts), start=1)],
        "grounding_problems": [str(p) for p in check_grounding(md, rendered.facts)],
        "markdown": md,
    }


def _stated_json(s: Subject) -> dict[str, Any] | None:
    """What the report stated (quoted, not measured): the fragments and the Xid codes with their meaning."""
    st = s.stated
    if st is None or not st.any:
        return None
    return {"fragments": dict(st.fragments), "customer_facing": st.customer_facing, "slo_breach": st.slo_breach,
            "latency_multiplier": st.latency_multiplier, "gpus_affected": st.gpus_affected, "jobs_affected": st.jobs_affected,
            "xids": [{"code": x.code, "meaning": x.meaning, "class": x.cls, "action": x.action} for x in st.xids]}


def render(d: TriageDraftData, fmt: str) -> str:
    if fmt == "md":
        return markdown(d)
    if fmt in ("slack", "json"):
        return json.dumps(slack(d) if fmt == "slack" else as_json(d), indent=2, default=str)
    from core.errors import UserError

    raise UserError(f"--format {fmt!r} is not one of md, slack, json")
