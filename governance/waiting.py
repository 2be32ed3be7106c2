"""Why a request waits, in plain words, and which requests break the policy's SLA.

The reason names whose move it is, where the request stands in the queue for its accelerator pool,
and what blocks it (quota, capacity, missing information) from the facts kept at submission, because
the most common complaint about schedulers like Kueue is a request that waits with no reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from governance.lifecycle import PENDING
from governance.policy import Policy
from governance.requests import PRIORITIES, Request


def queue_order(pending: list[Request]) -> list[Request]:
    """Pending requests of one pool in decision order: higher priority first, then first come."""
    rank = {p: i for i, p in enumerate(reversed(PRIORITIES))}
    return sorted(pending, key=lambda r: (rank.get(r.priority, 9), r.submitted_at or datetime.min, r.id))


def blockers(request: Request) -> list[str]:
    f = request.facts
    out = []
    room = f.get("burst_headroom" if request.preemptible else "quota_headroom")
    if room is None and "quota_headroom" in f:
        out.append(f"quota: {request.team} has no {request.accelerator} quota")
    elif room is not None and request.count > room:
        out.append(f"quota: asks {request.count}, {request.team}'s headroom is {max(room, 0)}")
    if f.get("capacity_short"):
        out.append(f"capacity: the {request.accelerator} fleet ({f.get('capacity')}) is short in the window")
    if f.get("warehouse_note"):
        out.append("impact unknown: the warehouse could not be read at submission")
    return out


def waiting_reason(request: Request, policy: Policy, pool_pending: list[Request], *, note: str = "") -> str | None:
    """One paragraph for a request that waits on someone; None once nobody needs to act."""
    if request.status == "needs_info":
        asked = f": {note}" if note else ""
        return f"Waiting for {request.requester} to add the information the approver asked for{asked} (then `pace request answer`)."
    if request.status == "approved":
        return (f"Approved for {request.granted} of {request.count}; waiting for a provisioner "
                f"({', '.join(policy.roles.get('provisioner', [])) or 'platform'}) to provision it.")
    if request.status == "provisioned":
        return f"Provisioned; becomes active on {request.start}."
    if request.status not in PENDING:
        return None
    route = policy.route(request)
    order = queue_order([r for r in pool_pending if r.status == "submitted"])
    ids = [r.id for r in order]
    position = ids.index(request.id) + 1 if request.id in ids else len(ids) + 1
    who = " or ".join(route.approvers) or "an approver"
    text = (f"Waiting for {who} ({' or '.join(route.roles)}) to decide under rule {route.rule}; "
            f"#{position} of {max(len(ids), position)} pending for {request.accelerator}.")
    blocks = blockers(request)
    return text + (" Blocked by " + "; ".join(blocks) + "." if blocks else " Nothing blocks it beyond the approval.")


@dataclass(frozen=True)
class SlaFlag:
    request_id: str
    kind: str  # "pending_too_long" | "expiring_soon"
    who: tuple[str, ...]
    text: str


def sla_flags(requests: list[Request], policy: Policy, now: datetime) -> list[SlaFlag]:
    """Pending past `sla.pending_hours` (to the approvers); allocations ending within `sla.expiring_within_days`."""
    flags = []
    for r in requests:
        if r.status in PENDING and r.submitted_at and now - r.submitted_at > timedelta(hours=policy.pending_hours):
            age = (now - r.submitted_at).total_seconds() / 3600
            who = policy.route(r).approvers if r.status == "submitted" else (r.requester,)
            flags.append(SlaFlag(r.id, "pending_too_long", tuple(who),
                                 f"{r.id} ({r.team}, {r.count} x {r.accelerator}) has waited {age:.0f} h, past the {policy.pending_hours:.0f} h SLA."))
        elif r.status in ("provisioned", "active") and r.end - now.date() <= timedelta(days=policy.expiring_within_days):
            flags.append(SlaFlag(r.id, "expiring_soon", (r.requester,),
                                 f"{r.id} ({r.team}, {r.granted or r.count} x {r.accelerator}) ends on {r.end}; renew or release it."))
    return flags
