"""Builders shared by the governance tests."""

from __future__ import annotations

from datetime import date

from governance.requests import Request


def make_request(**kw: object) -> Request:
    """A request with facts that route it to the tier-2 lead (inside quota and capacity, $10k)."""
    facts = {"tier2_lead": "maria.chen", "quota_headroom": 20, "burst_headroom": 60, "cost_on_demand_usd": 10_000.0,
             "capacity_short": False, "capacity": 896}
    facts.update(kw.pop("facts", {}))  # type: ignore[arg-type]
    base = dict(id="", requester="alice", team="atlas", project="atlas-evals", accelerator="H100", count=16,
                start=date(2026, 12, 1), end=date(2026, 12, 8), workload="training", priority="normal",
                justification="ablation sweep", preemptible=False, facts=facts)
    base.update(kw)
    return Request(**base)  # type: ignore[arg-type]
