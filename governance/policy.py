"""Approval policy as data: `policy.yaml` routes each request to an approver role and decides who may act.

The policy never reads the warehouse: it gets `facts` (cost, quota headroom, capacity) computed once at
submission by `governance.impact`, so a decision is reproducible from what the audit row recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from governance.lifecycle import DECISIONS
from governance.requests import Request
from core.errors import Refused, UserError

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
AUTO_ACTOR = "pace-policy"
CONDITIONS = ("max_count", "max_cost_usd", "within_quota", "capacity_ok")


class NotAllowed(Refused):
    """The actor may not take this action under the named rule; nothing was changed."""


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    when: dict[str, Any]
    approvers: tuple[str, ...] = ()
    auto: bool = False


@dataclass(frozen=True)
class Route:
    """Which rule applied and who may decide: role names and the users holding them for this request."""

    rule: str
    auto: bool
    roles: tuple[str, ...]
    approvers: tuple[str, ...]
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "auto": self.auto, "roles": list(self.roles), "approvers": list(self.approvers), "why": self.why}


@dataclass
class Policy:
    rules: list[Rule]
    roles: dict[str, list[str]]
    team_leads: dict[str, str] = field(default_factory=dict)
    slack_users: dict[str, str] = field(default_factory=dict)
    actions: dict[str, list[str]] = field(default_factory=dict)
    act_as: list[str] = field(default_factory=list)
    pending_hours: float = 48.0
    expiring_within_days: int = 3

    # -- who holds which role ---------------------------------------------------------------------
    def members(self, role: str, request: Request) -> list[str]:
        """Users holding `role` for this request (tier2_lead and requester depend on the request)."""
        if role == "requester":
            return [request.requester]
        if role == "tier2_lead":
            lead = self.team_leads.get(request.team) or request.facts.get("tier2_lead")
            return [lead] if lead else []
        return list(self.roles.get(role, []))

    def known_users(self) -> set[str]:
        users = {u for members in self.roles.values() for u in members} | set(self.team_leads.values())
        return users | set(self.slack_users)

    def user_for_slack(self, slack_id: str) -> str:
        return next((u for u, s in self.slack_users.items() if s == slack_id), slack_id)

    def slack_for_user(self, user: str) -> str | None:
        return self.slack_users.get(user) or (user if user[:1] in ("U", "W") and user.isupper() else None)

    def may_act_as_others(self, user: str) -> bool:
        """Whether `user` holds a role listed under `act_as` (may act under another user's name, audited)."""
        return any(user in self.roles.get(role, []) for role in self.act_as)

    def check_act_as(self, user: str, as_user: str) -> None:
        """Raise `NotAllowed` unless `user` may act as `as_user` (always allowed to act as oneself)."""
        if as_user != user and not self.may_act_as_others(user):
            holders = sorted({u for r in self.act_as for u in self.roles.get(r, [])})
            raise NotAllowed(f"rule act_as: {user} may not act as {as_user}; only {' or '.join(self.act_as) or 'nobody'} "
                             f"({', '.join(holders) or 'nobody'}) may; leave out --as to act as yourself ({user})")

    # -- routing ----------------------------------------------------------------------------------
    def route(self, request: Request) -> Route:
        """The first rule whose conditions all hold for the request's facts."""
        for rule in self.rules:
            failed = [c for c in CONDITIONS if c in rule.when and not _holds(c, rule.when[c], request)]
            if failed:
                continue
            # Never route a request to its own requester (a lead asking for their team goes to the other roles).
            approvers = tuple(dict.fromkeys(u for r in rule.approvers for u in self.members(r, request) if u != request.requester))
            return Route(rule.name, rule.auto, rule.approvers, approvers, rule.description)
        raise UserError("policy.yaml has no rule that matches every request; end the rules with one whose `when` is {}")

    # -- authorization ----------------------------------------------------------------------------
    def authorize(self, action: str, actor: str, request: Request) -> None:
        """Raise `NotAllowed` naming the rule when `actor` may not take `action` on `request`."""
        if action in DECISIONS:
            if actor == request.requester:
                raise NotAllowed(f"rule no-self-approval: {actor} submitted {request.id} and cannot {_verb(action)} it; "
                                 f"ask {_names(self.route(request).approvers)}")
            route = self.route(request)
            if actor not in route.approvers:
                who = "is not a user the policy knows" if actor not in self.known_users() else "holds none of these roles"
                raise NotAllowed(f"rule {route.rule}: only {_roles_text(route.roles, self, request)} may {_verb(action)} "
                                 f"{request.id}; {actor} {who}")
            return
        roles = self.actions.get(action)
        if not roles:
            raise NotAllowed(f"rule actions.{action}: policy.yaml names nobody who may {_verb(action)}; add the roles under actions")
        if not any(actor in self.members(r, request) for r in roles):
            raise NotAllowed(f"rule actions.{action}: only {_roles_text(tuple(roles), self, request)} may {_verb(action)} {request.id}; "
                             f"{actor} holds none of these roles")


def _holds(condition: str, bound: Any, request: Request) -> bool:
    facts = request.facts
    if condition == "max_count":
        return request.count <= int(bound)
    if condition == "max_cost_usd":
        return float(facts.get("cost_on_demand_usd", float("inf"))) <= float(bound)
    if condition == "within_quota":
        headroom = facts.get("burst_headroom" if request.preemptible else "quota_headroom")
        return (headroom is not None and request.count <= headroom) == bool(bound)
    if condition == "capacity_ok":
        return (not facts.get("capacity_short", False)) == bool(bound)
    raise ValueError(condition)


def _verb(action: str) -> str:
    return action.replace("_", "-")


def _names(users: tuple[str, ...] | list[str]) -> str:
    return " or ".join(users) if users else "an approver"


def _roles_text(roles: tuple[str, ...], policy: Policy, request: Request) -> str:
    return " or ".join(f"{r} ({', '.join(policy.members(r, request)) or 'nobody'})" for r in roles)


def load_policy(path: Path | None = None) -> Policy:
    """Parse policy.yaml; a malformed file raises `UserError` naming the key."""
    path = path or DEFAULT_POLICY
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read the policy {path}: {exc}") from None
    rules = []
    for i, raw in enumerate(doc.get("rules") or []):
        if "name" not in raw:
            raise UserError(f"{path}: rules[{i}] has no name; give every rule a name (refusals quote it)")
        unknown = set(raw.get("when") or {}) - set(CONDITIONS)
        if unknown:
            raise UserError(f"{path}: rule {raw['name']} has unknown conditions {sorted(unknown)}; use {', '.join(CONDITIONS)}")
        auto = raw.get("approve") == "auto"
        if not auto and not raw.get("approvers"):
            raise UserError(f"{path}: rule {raw['name']} names no approvers; add `approvers: [role]` or `approve: auto`")
        rules.append(Rule(raw["name"], raw.get("description", ""), dict(raw.get("when") or {}), tuple(raw.get("approvers") or ()), auto))
    if not rules:
        raise UserError(f"{path}: no rules; at least one rule must route every request")
    roles = doc.get("roles") or {}
    unknown_roles = sorted(set(doc.get("act_as") or []) - set(roles))
    if unknown_roles:
        raise UserError(f"{path}: act_as names roles {unknown_roles} that `roles` does not define")
    sla = doc.get("sla") or {}
    return Policy(
        rules=rules, roles={k: list(v) for k, v in (doc.get("roles") or {}).items()},
        team_leads=dict(doc.get("team_leads") or {}), slack_users=dict(doc.get("slack_users") or {}),
        actions={k: list(v) for k, v in (doc.get("actions") or {}).items()}, act_as=list(doc.get("act_as") or []),
        pending_hours=float(sla.get("pending_hours", 48)), expiring_within_days=int(sla.get("expiring_within_days", 3)),
    )
