"""The face-independent workflow the CLI and the Slack app both call: submit, decide, show, list.

Each call opens the store, applies the policy, and returns plain data; faces only render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.impact import ImpactCard, compute_impact
from governance.lifecycle import HOLDING, PENDING
from governance.policy import Policy, load_policy
from governance.requests import Request, RequestDraft, validate_draft
from governance.store import Store
from governance.waiting import waiting_reason
from core.settings import Settings


@dataclass
class Governance:
    """Store + policy for one warehouse; cheap to build per command or per Slack action."""

    settings: Settings
    store: Store
    policy: Policy
    use_forecast: bool = True
    _catalog: tuple[list[str], list[str], dict[str, str]] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, *, policy_path: Path | None = None, use_forecast: bool = True) -> Governance:
        return cls(settings, Store.for_settings(settings), load_policy(policy_path), use_forecast)

    def catalog(self) -> tuple[list[str], list[str], dict[str, str]]:
        """(accelerator types, teams, {project: team}) from the warehouse, for validation and Slack options;
        read once per Governance (dimensions change only when the warehouse is rebuilt)."""
        if self._catalog is None:
            from semantic_layer.engine import Engine

            with Engine(self.settings) as engine:
                accs = [r[0] for r in engine.run_sql("SELECT accelerator_type FROM accelerator_types ORDER BY accelerator_type").rows]
                teams = [r[0] for r in engine.run_sql("SELECT team FROM teams ORDER BY team").rows]
                projects = {r[0]: r[1] for r in engine.run_sql("SELECT project, team FROM projects").rows}
            self._catalog = (accs, teams, projects)
        return self._catalog

    def submit(self, draft: RequestDraft, *, channel: str) -> tuple[Request, ImpactCard]:
        """Validate, compute the impact card, route by policy, store (auto-approving when the rule says so)."""
        accs, teams, projects = self.catalog()
        request = validate_draft(draft, accelerators=accs, teams=teams, projects=projects)
        held = self.store.list(status=list(HOLDING), accelerator=request.accelerator)
        card = compute_impact(self.settings, request, held, use_forecast=self.use_forecast)
        request.facts = card.facts
        route = self.policy.route(request)
        request.facts["route"] = route.to_json()
        auto = f"rule {route.rule}: {route.why}" if route.auto else None
        stored = self.store.submit(request, channel=channel, auto_reason=auto)
        return stored, card

    def act(self, request_id: str, action: str, *, actor: str, channel: str, reason: str = "", granted: int | None = None) -> Request:
        """One lifecycle action, authorized by the policy inside the store's transaction."""
        return self.store.transition(request_id, action, actor=actor, channel=channel, reason=reason, granted=granted,
                                     authorize=lambda req: self.policy.authorize(action, actor, req))

    def waiting(self, request: Request) -> str | None:
        pool = self.store.list(status=list(PENDING), accelerator=request.accelerator) if request.status in PENDING else []
        audit = self.store.audit(request.id) if request.status == "needs_info" else []
        note = audit[-1]["reason"] if audit else ""
        return waiting_reason(request, self.policy, pool, note=note)

    def to_json(self, request: Request, *, with_audit: bool = True) -> dict[str, Any]:
        """DESIGN.md's request object: id, status, requester, team, accelerator, count, start, end, workload,
        waiting_reason, audit (plus granted, facts and the rest)."""
        out = request.to_json()
        out["waiting_reason"] = self.waiting(request)
        out["audit"] = self.store.audit(request.id) if with_audit else []
        return out
