"""The face-independent workflow the CLI and the Slack app both call: submit, decide, show, list.

Each call opens the store, applies the policy, and returns plain data; faces only render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import Settings
from governance.identity import Actor
from governance.impact import ImpactCard, apply_holdings, card, warehouse_facts
from governance.lifecycle import DECISIONS, PENDING
from governance.policy import NotAllowed, Policy, load_policy
from governance.requests import Request, RequestDraft, validate_draft
from governance.store import Store
from governance.waiting import waiting_reason


@dataclass
class Governance:
    """Store + policy for one warehouse; cheap to build per command or per Slack action."""

    settings: Settings
    store: Store
    policy: Policy
    use_forecast: bool = True
    _catalog: tuple[list[str], list[str], dict[str, str]] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, *, policy_path: Path | None = None, use_forecast: bool = True,
             sync: bool = True) -> Governance:
        """Open the store (importing the warehouse's open requests when its build changed, see imports.py)."""
        gov = cls(settings, Store.for_settings(settings), load_policy(policy_path), use_forecast)
        if sync:
            from governance.imports import sync_open_requests

            sync_open_requests(settings, gov.store)
        return gov

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

    def actor(self, user: str, as_user: str | None, *, action: str, request_id: str | None = None,
              channel: str = "cli") -> Actor:
        """Who acts: `user` (the OS login), or `as_user` when the policy lets `user` act as others.
        A refusal is audited ("A acting as B" tried `action`) before it is raised."""
        actor = Actor.resolve(user, as_user)
        try:
            self.policy.check_act_as(actor.user, actor.name)
        except NotAllowed as exc:
            self.store.record_refusal(request_id, action, actor=actor.audit_name, channel=channel, reason=str(exc))
            raise
        return actor

    def submit(self, draft: RequestDraft, *, channel: str, actor: Actor | None = None) -> tuple[Request, ImpactCard]:
        """Validate, read the warehouse's facts, then route and store in one write transaction.

        Headroom depends on what other live requests hold, so it is computed inside the store's
        transaction (`decide`), with the held requests read there: concurrent submitters queue on the
        write lock and each sees the grants committed before it, never past the headroom."""
        accs, teams, projects = self.catalog()
        request = validate_draft(draft, accelerators=accs, teams=teams, projects=projects)
        base = warehouse_facts(self.settings, request, use_forecast=self.use_forecast)

        def decide(req: Request, held: list[Request]) -> str | None:
            req.facts = apply_holdings(base, req, held)
            route = self.policy.route(req)
            req.facts["route"] = route.to_json()
            return f"rule {route.rule}: {route.why}" if route.auto else None

        stored = self.store.submit(request, channel=channel, decide=decide, actor=actor.audit_name if actor else None)
        return stored, card(stored, stored.facts)

    def act(self, request_id: str, action: str, *, actor: str | Actor, channel: str, reason: str = "",
            granted: int | None = None) -> Request:
        """One lifecycle action, authorized by the policy inside the store's transaction; refusals are audited."""
        who = actor if isinstance(actor, Actor) else Actor(actor)

        def authorize(req: Request) -> None:
            if who.as_user and action in DECISIONS and who.user == req.requester:
                raise NotAllowed(f"rule no-self-approval: {who.user} submitted {req.id} and cannot {action.replace('_', '-')} "
                                 f"it, acting as {who.as_user} or as anyone else")
            self.policy.authorize(action, who.name, req)

        return self.store.transition(request_id, action, actor=who.name, audit_actor=who.audit_name, channel=channel,
                                     reason=reason, granted=granted, authorize=authorize)

    def waiting(self, request: Request) -> str | None:
        pool = self.store.list(status=list(PENDING), accelerator=request.accelerator) if request.status in PENDING else []
        audit = self.store.audit(request.id) if request.status == "needs_info" else []
        note = audit[-1]["reason"] if audit else ""
        return waiting_reason(request, self.policy, pool, note=note)

    def to_json(self, request: Request, *, with_audit: bool = True) -> dict[str, Any]:
        """DESIGN.md's request object: id, status, requester, team, accelerator, count, start, end, workload,
        waiting_reason, audit (plus granted, facts, refused attempts and the rest)."""
        out = request.to_json()
        out["waiting_reason"] = self.waiting(request)
        out["audit"] = self.store.audit(request.id) if with_audit else []
        out["refused"] = self.store.refusals(request.id) if with_audit else []
        return out
