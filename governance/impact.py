"""The impact card at submission: what the request costs, whether it fits, and how similar ones fared.

Computed once from the warehouse (read-only, through the semantic layer's hardened engine) and the live
store, then kept with the request as its `facts`, so the policy's routing and the waiting reason can be
replayed later without re-reading the warehouse. If the warehouse cannot be read (missing, or being
rebuilt), the card says so and the policy treats the request as needing governance review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from governance.lifecycle import HOLDING
from governance.requests import Request
from core.errors import PaceError
from core.settings import Settings

RECENT_DAYS = 7


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class ImpactCard:
    """Facts for the policy plus the sentences a face shows; `facts` is what the store keeps."""

    facts: dict[str, Any]
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.lines)


def _one(engine: Any, sql: str) -> tuple:
    rows = engine.run_sql(sql).rows
    return rows[0] if rows else ()


def compute_impact(settings: Settings, request: Request, held: list[Request], *, use_forecast: bool = True) -> ImpactCard:
    """Facts for `request`; `held` are live requests holding capacity (approved, provisioned, active)."""
    from semantic_layer.engine import Engine

    hours = request.count * request.days * 24
    facts: dict[str, Any] = {"accelerator_hours": hours}
    try:
        with Engine(settings) as engine:
            facts.update(_warehouse_facts(engine, request))
    except PaceError as exc:
        facts["warehouse_note"] = f"warehouse not readable right now ({exc}); routed for governance review"
        return ImpactCard(facts, [f"{request.count} x {request.accelerator} for {request.days} days = {hours:,} accelerator-hours.",
                                  facts["warehouse_note"]])
    overlapping = [h for h in held if h.status in HOLDING and h.start < request.end and request.start < h.end]
    team_held = sum(h.granted or h.count for h in overlapping if h.team == request.team and h.accelerator == request.accelerator)
    fleet_held = sum(h.granted or h.count for h in overlapping if h.accelerator == request.accelerator)
    in_use = facts.get("team_in_use", 0.0)
    if facts.get("quota_guaranteed") is not None:
        facts["quota_headroom"] = int(facts["quota_guaranteed"] - round(in_use) - team_held)
        facts["burst_headroom"] = int(facts["quota_burst_limit"] - round(in_use) - team_held)
    else:
        facts["quota_headroom"] = facts["burst_headroom"] = None
    facts["held_by_live_requests"] = team_held
    demand = facts.get("fleet_in_use", 0.0)
    if use_forecast:
        demand = _forecast_demand(settings, request, facts) or demand
    facts["demand_in_window"] = round(demand, 1)
    facts["capacity_short"] = bool(demand + fleet_held + request.count > facts.get("capacity", 0))
    return ImpactCard(facts, _lines(request, facts))


def _warehouse_facts(engine: Any, r: Request) -> dict[str, Any]:
    acc, team, start = _q(r.accelerator), _q(r.team), _q(r.start.isoformat())
    out: dict[str, Any] = {}
    od, committed = _one(engine, f"SELECT on_demand_usd_per_hour, committed_usd_per_hour FROM accelerator_types WHERE accelerator_type = {acc}") or (0.0, 0.0)
    hours = r.count * r.days * 24
    out["cost_on_demand_usd"] = round(hours * float(od), 2)
    out["cost_committed_usd"] = round(hours * float(committed), 2)
    lead = _one(engine, f"SELECT tier2_lead FROM teams WHERE team = {team}")
    out["tier2_lead"] = lead[0] if lead else None
    quota = _one(engine, f"SELECT guaranteed, burst_limit FROM quotas WHERE team = {team} AND accelerator_type = {acc} "
                         f"AND effective_from <= CAST({start} AS DATE) AND (effective_to IS NULL OR effective_to > CAST({start} AS DATE)) "
                         "ORDER BY effective_from DESC LIMIT 1")
    out["quota_guaranteed"], out["quota_burst_limit"] = (int(quota[0]), int(quota[1])) if quota else (None, None)
    since = f"(SELECT max(hour) FROM utilization_hourly) - INTERVAL {RECENT_DAYS} DAY"
    use = _one(engine, f"SELECT SUM(allocated_hours) FILTER (WHERE team = {team}) / COUNT(DISTINCT hour), SUM(allocated_hours) / COUNT(DISTINCT hour) "
                       f"FROM utilization_hourly WHERE accelerator_type = {acc} AND hour > {since}")
    out["team_in_use"] = round(float(use[0] or 0), 1) if use else 0.0
    out["fleet_in_use"] = round(float(use[1] or 0), 1) if use else 0.0
    cap = _one(engine, "SELECT SUM(accelerators) FROM cluster_capacity c WHERE accelerator_type = " + acc +
               " AND effective_from = (SELECT max(effective_from) FROM cluster_capacity d WHERE d.cluster = c.cluster"
               f" AND d.accelerator_type = c.accelerator_type AND d.effective_from <= CAST({start} AS DATE))")
    out["capacity"] = int(cap[0] or 0) if cap else 0
    lo, hi = max(1, r.count // 2), r.count * 2
    past = _one(engine, "SELECT COUNT(*) FILTER (WHERE status NOT IN ('submitted', 'needs_info', 'cancelled')),"
                        " COUNT(*) FILTER (WHERE status IN ('approved', 'provisioned', 'active', 'expired', 'released')),"
                        " median(date_diff('second', submitted_at, decided_at) / 3600.0) FILTER (WHERE decided_at IS NOT NULL)"
                        f" FROM compute_requests WHERE accelerator_type = {acc} AND accelerators_requested BETWEEN {lo} AND {hi}")
    decided, approved, lead_h = past or (0, 0, None)
    out["similar_decided"] = int(decided or 0)
    out["similar_approval_rate_pct"] = round(100.0 * approved / decided, 1) if decided else None
    out["similar_lead_time_hours"] = round(float(lead_h), 1) if lead_h is not None else None
    return out


def _forecast_demand(settings: Settings, r: Request, facts: dict[str, Any]) -> float | None:
    """The upper 90% forecast of fleet demand for the type over the window (tools.forecast, when present)."""
    try:
        from tools.forecast import forecast_capacity
    except ImportError:
        return None
    try:
        outlook = forecast_capacity(settings, weeks=8).outlook(r.accelerator)
    except Exception:  # noqa: BLE001 - the card must not fail because a forecast could not be fitted
        return None
    if outlook is None or not outlook.forecast:
        return None
    weeks = [w for w in outlook.forecast if date.fromisoformat(w["week"]) < r.end
             and r.start < date.fromisoformat(w["week"]) + timedelta(days=7)] or outlook.forecast[-1:]
    facts["forecast_weeks"] = [w["week"] for w in weeks]
    return max(float(w["upper"]) for w in weeks)


def _lines(r: Request, f: dict[str, Any]) -> list[str]:
    lines = [f"{r.count} x {r.accelerator} for {r.days} days ({r.start} to {r.end}) = {f['accelerator_hours']:,} accelerator-hours: "
             f"${f['cost_committed_usd']:,.0f} at the committed price, ${f['cost_on_demand_usd']:,.0f} on demand."]
    if f.get("quota_guaranteed") is None:
        lines.append(f"Quota: {r.team} has no quota for {r.accelerator}; any grant is over quota.")
    else:
        kind = "burst headroom" if r.preemptible else "headroom"
        room = f["burst_headroom"] if r.preemptible else f["quota_headroom"]
        lines.append(f"Quota: {r.team} is guaranteed {f['quota_guaranteed']} {r.accelerator} (burst to {f['quota_burst_limit']}), "
                     f"uses ~{f['team_in_use']:.0f} now, {f['held_by_live_requests']} more granted; {kind} {room} -> "
                     + ("fits." if room is not None and r.count <= room else f"{r.count} does not fit."))
    lines.append(f"Capacity: {f['capacity']} {r.accelerator} in the fleet; demand in the window ~{f['demand_in_window']:.0f}"
                 + (" (90% forecast)" if f.get("forecast_weeks") else " (last 7 days)") + "; "
                 + ("capacity is short." if f["capacity_short"] else "room for this request."))
    if f.get("similar_decided"):
        lead = f"median decision in {f['similar_lead_time_hours']:.0f} h" if f.get("similar_lead_time_hours") is not None else "no lead time"
        lines.append(f"Similar past requests ({f['similar_decided']} decided): {f['similar_approval_rate_pct']:.0f}% approved, {lead}.")
    else:
        lines.append("Similar past requests: none decided yet.")
    return lines
