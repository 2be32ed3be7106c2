"""The impact card at submission: what the request costs, whether it fits, and how similar ones fared.

Two parts, read at two moments. `warehouse_facts` reads the warehouse (read-only, through the semantic
layer's hardened engine, every statement a sqlglot tree whose values are literals sqlglot quotes):
cost, quota, recent use, capacity, forecast and history; it does not depend on other submissions, so
it is read before the store's write transaction. `apply_holdings` adds what live requests already
hold in the window (headroom, capacity short); the store calls it inside its write transaction, so
concurrent submitters never count the same headroom twice. The facts are kept with the request, so the
policy's routing and the waiting reason can be replayed later without re-reading the warehouse. If the
warehouse cannot be read, the card says so and the policy routes the request to governance review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlglot import exp

from core.errors import PaceError
from core.settings import Settings
from governance.lifecycle import HOLDING
from governance.requests import Request

RECENT_DAYS = 7


@dataclass
class ImpactCard:
    """Facts for the policy plus the sentences a face shows; `facts` is what the store keeps."""

    facts: dict[str, Any]
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.lines)


def compute_impact(settings: Settings, request: Request, held: list[Request], *, use_forecast: bool = True) -> ImpactCard:
    """The card for `request`; `held` are live requests holding capacity (approved, provisioned, active)."""
    return card(request, apply_holdings(warehouse_facts(settings, request, use_forecast=use_forecast), request, held))


def card(request: Request, facts: dict[str, Any]) -> ImpactCard:
    return ImpactCard(facts, card_lines(request, facts))


def warehouse_facts(settings: Settings, request: Request, *, use_forecast: bool = True) -> dict[str, Any]:
    """The facts that come from the warehouse alone (cost, quota, use, capacity, forecast, history)."""
    from semantic_layer.engine import Engine

    facts: dict[str, Any] = {"accelerator_hours": request.count * request.days * 24}
    try:
        with Engine(settings) as engine:
            facts.update(_warehouse_facts(engine, request))
    except PaceError as exc:
        facts["warehouse_note"] = f"warehouse not readable right now ({exc}); routed for governance review"
        return facts
    demand = facts.get("fleet_in_use", 0.0)
    if use_forecast:
        demand = _forecast_demand(settings, request, facts) or demand
    facts["demand_in_window"] = round(demand, 1)
    return facts


def apply_holdings(facts: dict[str, Any], request: Request, held: list[Request]) -> dict[str, Any]:
    """Headroom and capacity after what `held` requests grant in the request's window (pure)."""
    facts = dict(facts)
    if "warehouse_note" in facts:
        return facts
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
    facts["capacity_short"] = bool(facts.get("demand_in_window", 0.0) + fleet_held + request.count > facts.get("capacity", 0))
    return facts


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def _is(name: str, value: object, table: str | None = None) -> exp.Expression:
    """`column = value`, the value a literal node that sqlglot quotes (never pasted into text)."""
    return _col(name, table).eq(exp.convert(value))


def _day(value: date) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.isoformat()), "DATE")


def prices_sql(r: Request) -> exp.Select:
    return exp.select("on_demand_usd_per_hour", "committed_usd_per_hour").from_("accelerator_types").where(
        _is("accelerator_type", r.accelerator))


def lead_sql(r: Request) -> exp.Select:
    return exp.select("tier2_lead").from_("teams").where(_is("team", r.team))


def quota_sql(r: Request) -> exp.Select:
    """The quota in force on the first day: effective_from <= start < effective_to (open-ended when NULL)."""
    return (exp.select("guaranteed", "burst_limit").from_("quotas")
            .where(_is("team", r.team), _is("accelerator_type", r.accelerator), _col("effective_from") <= _day(r.start),
                   exp.or_(_col("effective_to").is_(exp.null()), _col("effective_to") > _day(r.start)))
            .order_by(exp.Ordered(this=_col("effective_from"), desc=True)).limit(1))


def in_use_sql(r: Request) -> exp.Select:
    """Mean allocated accelerators of the type over the last RECENT_DAYS of data: the team's, the fleet's."""
    last = exp.Subquery(this=exp.select(exp.Max(this=_col("hour"))).from_("utilization_hourly"))
    since = exp.Sub(this=last, expression=exp.Interval(this=exp.Literal.string(str(RECENT_DAYS)), unit=exp.var("DAY")))
    hours = exp.Count(this=exp.Distinct(expressions=[_col("hour")]))
    team = exp.Filter(this=exp.Sum(this=_col("allocated_hours")), expression=exp.Where(this=_is("team", r.team)))
    fleet = exp.Sum(this=_col("allocated_hours"))
    return (exp.select(exp.Div(this=team, expression=hours), exp.Div(this=fleet, expression=hours.copy()))
            .from_("utilization_hourly").where(_is("accelerator_type", r.accelerator), _col("hour") > since))


def capacity_sql(r: Request) -> exp.Select:
    """Accelerators of the type in the fleet: each cluster's latest capacity row on or before the start."""
    latest = (exp.select(exp.Max(this=_col("effective_from", "d"))).from_(exp.to_table("cluster_capacity").as_("d"))
              .where(_col("cluster", "d").eq(_col("cluster", "c")),
                     _col("accelerator_type", "d").eq(_col("accelerator_type", "c")),
                     _col("effective_from", "d") <= _day(r.start)))
    return (exp.select(exp.Sum(this=_col("accelerators"))).from_(exp.to_table("cluster_capacity").as_("c"))
            .where(_is("accelerator_type", r.accelerator, "c"), _col("effective_from", "c").eq(exp.Subquery(this=latest))))


def similar_sql(r: Request) -> exp.Select:
    """Past requests of the type for half to twice the count: how many were decided, approved, and the
    median hours to a decision."""
    def count_where(statuses: tuple[str, ...], negate: bool = False) -> exp.Expression:
        cond = _col("status").isin(*[exp.convert(s) for s in statuses])
        return exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=cond.not_() if negate else cond))

    hours = exp.Div(this=exp.DateDiff(this=_col("decided_at"), expression=_col("submitted_at"), unit=exp.var("SECOND")),
                    expression=exp.Literal.number(3600.0))
    median = exp.Filter(this=exp.Median(this=hours), expression=exp.Where(this=_col("decided_at").is_(exp.null()).not_()))
    return (exp.select(count_where(("submitted", "needs_info", "cancelled"), negate=True),
                       count_where(("approved", "provisioned", "active", "expired", "released")), median)
            .from_("compute_requests")
            .where(_is("accelerator_type", r.accelerator),
                   exp.Between(this=_col("accelerators_requested"), low=exp.convert(max(1, r.count // 2)),
                               high=exp.convert(r.count * 2))))


def _one(engine: Any, query: exp.Select) -> tuple:
    rows = engine.run_sql(query.sql(dialect="duckdb")).rows
    return rows[0] if rows else ()


def _warehouse_facts(engine: Any, r: Request) -> dict[str, Any]:
    out: dict[str, Any] = {}
    od, committed = _one(engine, prices_sql(r)) or (0.0, 0.0)
    hours = r.count * r.days * 24
    out["cost_on_demand_usd"] = round(hours * float(od), 2)
    out["cost_committed_usd"] = round(hours * float(committed), 2)
    lead = _one(engine, lead_sql(r))
    out["tier2_lead"] = lead[0] if lead else None
    quota = _one(engine, quota_sql(r))
    out["quota_guaranteed"], out["quota_burst_limit"] = (int(quota[0]), int(quota[1])) if quota else (None, None)
    use = _one(engine, in_use_sql(r))
    out["team_in_use"] = round(float(use[0] or 0), 1) if use else 0.0
    out["fleet_in_use"] = round(float(use[1] or 0), 1) if use else 0.0
    cap = _one(engine, capacity_sql(r))
    out["capacity"] = int(cap[0] or 0) if cap else 0
    decided, approved, lead_h = _one(engine, similar_sql(r)) or (0, 0, None)
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


def card_lines(r: Request, f: dict[str, Any]) -> list[str]:
    """The card's sentences from stored facts (a face can re-render it later without the warehouse)."""
    if "warehouse_note" in f:
        return [f"{r.count} x {r.accelerator} for {r.days} days = {f['accelerator_hours']:,} accelerator-hours.", f["warehouse_note"]]
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
