"""Each rule of policy.yaml at its boundaries, self-approval, unknown approvers, and action roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.policy import NotAllowed, Policy, load_policy
from core.errors import UserError
from tests.governance.helpers import make_request


def route(policy: Policy, **kw: object) -> str:
    return policy.route(make_request(**kw)).rule


@pytest.mark.parametrize(("count", "rule"), [(8, "auto-small-within-quota"), (9, "lead-within-quota")])
def test_auto_approve_count_boundary(policy: Policy, count: int, rule: str) -> None:
    assert route(policy, count=count, facts={"cost_on_demand_usd": 100.0}) == rule


@pytest.mark.parametrize(("usd", "rule"), [(5000.0, "auto-small-within-quota"), (5000.01, "lead-within-quota")])
def test_auto_approve_cost_boundary(policy: Policy, usd: float, rule: str) -> None:
    assert route(policy, count=4, facts={"cost_on_demand_usd": usd}) == rule


@pytest.mark.parametrize(("usd", "rule"), [(250_000.0, "lead-within-quota"), (250_000.01, "governance-review")])
def test_lead_cost_boundary(policy: Policy, usd: float, rule: str) -> None:
    assert route(policy, count=16, facts={"cost_on_demand_usd": usd}) == rule


@pytest.mark.parametrize(("headroom", "rule"), [(16, "lead-within-quota"), (15, "governance-review"), (None, "governance-review")])
def test_quota_boundary(policy: Policy, headroom: int | None, rule: str) -> None:
    assert route(policy, count=16, facts={"quota_headroom": headroom}) == rule


def test_burst_requests_use_burst_headroom(policy: Policy) -> None:
    assert route(policy, count=16, preemptible=True, facts={"quota_headroom": 0, "burst_headroom": 16}) == "lead-within-quota"
    assert route(policy, count=16, preemptible=True, facts={"quota_headroom": 99, "burst_headroom": 15}) == "governance-review"


def test_capacity_short_goes_to_governance(policy: Policy) -> None:
    assert route(policy, count=4, facts={"cost_on_demand_usd": 10.0, "capacity_short": True}) == "governance-review"


def test_unreadable_warehouse_goes_to_governance(policy: Policy) -> None:
    req = make_request(count=1)
    req.facts = {"accelerator_hours": 168, "warehouse_note": "busy"}
    assert policy.route(req).rule == "governance-review"


def test_lead_or_governance_may_decide_within_quota(policy: Policy) -> None:
    req = make_request(id="GR-000001")
    for actor in ("maria.chen", "gov.alvarez", "gov.iyer"):
        for action in ("approve", "deny", "ask_info"):
            policy.authorize(action, actor, req)


def test_another_teams_lead_is_refused_naming_the_rule(policy: Policy) -> None:
    with pytest.raises(NotAllowed, match=r"rule lead-within-quota: only tier2_lead \(maria.chen\) or governance .* sam.okafor holds none"):
        policy.authorize("approve", "sam.okafor", make_request(id="GR-000001"))


def test_lead_cannot_approve_over_quota(policy: Policy) -> None:
    req = make_request(id="GR-000001", facts={"quota_headroom": 0})
    with pytest.raises(NotAllowed, match="rule governance-review: only governance"):
        policy.authorize("approve", "maria.chen", req)
    policy.authorize("approve", "gov.iyer", req)


def test_unknown_approver_is_refused(policy: Policy) -> None:
    with pytest.raises(NotAllowed, match="mallory is not a user the policy knows"):
        policy.authorize("approve", "mallory", make_request(id="GR-000001"))


@pytest.mark.parametrize("action", ["approve", "deny", "ask_info"])
def test_no_self_approval_even_for_a_governance_approver(policy: Policy, action: str) -> None:
    req = make_request(id="GR-000001", requester="gov.iyer", facts={"quota_headroom": 0})
    with pytest.raises(NotAllowed, match="rule no-self-approval: gov.iyer submitted GR-000001"):
        policy.authorize(action, "gov.iyer", req)
    policy.authorize(action, "gov.alvarez", req)


def test_action_roles(policy: Policy) -> None:
    req = make_request(id="GR-000001")
    policy.authorize("cancel", "alice", req)
    policy.authorize("answer", "alice", req)
    policy.authorize("provision", "oncall-fleet", req)
    with pytest.raises(NotAllowed, match=r"rule actions.cancel: only requester \(alice\)"):
        policy.authorize("cancel", "bob", req)
    with pytest.raises(NotAllowed, match="rule actions.provision"):
        policy.authorize("provision", "alice", req)


def test_team_leads_override_and_roles_are_configuration(tmp_path: Path) -> None:
    text = Path("governance/policy.yaml").read_text().replace("team_leads: {}", "team_leads: {atlas: zoe.q}")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    policy = load_policy(path)
    policy.authorize("approve", "zoe.q", make_request(id="GR-000001"))
    with pytest.raises(NotAllowed):
        policy.authorize("approve", "maria.chen", make_request(id="GR-000001"))


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("rules: []", "no rules"),
    ("rules: [{when: {}}]", "has no name"),
    ("rules: [{name: r, when: {max_gpus: 3}, approvers: [governance]}]", "unknown conditions"),
    ("rules: [{name: r, when: {}}]", "names no approvers"),
])
def test_malformed_policy_names_the_problem(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml_text)
    with pytest.raises(UserError, match=message):
        load_policy(path)
