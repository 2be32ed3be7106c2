"""Why a request waits (whose move, queue position, what blocks) and the SLA flags; the impact card's facts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from governance.policy import Policy
from governance.requests import RequestDraft
from governance.service import Governance
from governance.store import Store
from governance.waiting import sla_flags, waiting_reason
from tests.governance.helpers import make_request


def test_reason_names_approvers_position_and_blockers(store: Store, policy: Policy) -> None:
    first = store.submit(make_request(), channel="cli")
    urgent = store.submit(make_request(priority="critical", facts={"quota_headroom": 3, "capacity_short": True}), channel="cli")
    pool = store.list(status=["submitted", "needs_info"], accelerator="H100")
    text = waiting_reason(store.get(first.id), policy, pool)
    assert "maria.chen or gov.alvarez or gov.iyer" in text and "rule lead-within-quota" in text
    assert "#2 of 2 pending for H100" in text and "Nothing blocks it" in text
    text = waiting_reason(store.get(urgent.id), policy, pool)
    assert text.startswith("Waiting for gov.alvarez or gov.iyer (governance)") and "#1 of 2" in text
    assert "quota: asks 16, atlas's headroom is 3" in text and "capacity: the H100 fleet (896) is short" in text


def test_reason_after_ask_info_and_approval(store: Store, policy: Policy) -> None:
    req = store.submit(make_request(), channel="cli")
    asked = store.transition(req.id, "ask_info", actor="maria.chen", channel="cli", reason="which checkpoint?")
    assert waiting_reason(asked, policy, [], note="which checkpoint?").startswith("Waiting for alice to add the information")
    store.transition(req.id, "answer", actor="alice", channel="cli", reason="ckpt 42")
    approved = store.transition(req.id, "approve", actor="maria.chen", channel="cli", granted=8)
    assert "Approved for 8 of 16; waiting for a provisioner (oncall-fleet" in waiting_reason(approved, policy, [])
    assert waiting_reason(store.transition(req.id, "cancel", actor="alice", channel="cli"), policy, []) is None


def test_sla_flags_pending_and_expiring(store: Store, policy: Policy) -> None:
    now = datetime(2026, 11, 25, 12, 0, 0)
    old = store.submit(make_request(), channel="cli")
    live = store.submit(make_request(start=date(2026, 11, 20), end=date(2026, 11, 27)), channel="cli")
    for action in ("approve", "provision", "activate"):
        store.transition(live.id, action, actor="gov.iyer", channel="cli")
    reqs = store.list()
    assert [f.kind for f in sla_flags(reqs, policy, now + timedelta(hours=47))] == ["expiring_soon"]
    flags = {f.kind: f for f in sla_flags(reqs, policy, now + timedelta(hours=49))}
    assert flags["pending_too_long"].request_id == old.id and "maria.chen" in flags["pending_too_long"].who
    assert flags["expiring_soon"].who == ("alice",) and "ends on 2026-11-27" in flags["expiring_soon"].text


def test_impact_card_facts_from_the_warehouse(gov: Governance) -> None:
    draft = RequestDraft(requester="alice", team="atlas", accelerator="H100", count=16, start="2026-12-01", days=7,
                         justification="sweep")
    req, card = gov.submit(draft, channel="cli")
    f = req.facts
    assert f["accelerator_hours"] == 16 * 7 * 24
    assert f["cost_on_demand_usd"] == 16 * 7 * 24 * 4.0 and f["cost_committed_usd"] == 16 * 7 * 24 * 2.6
    assert f["tier2_lead"] == "maria.chen" and f["quota_guaranteed"] > 0 and f["capacity"] == 896
    assert f["quota_headroom"] == f["quota_guaranteed"] - round(f["team_in_use"])
    assert f["similar_decided"] > 0 and 0 <= f["similar_approval_rate_pct"] <= 100
    assert "accelerator-hours" in card.text() and "Similar past requests" in card.text()
    # What the first grant holds is subtracted from the next request's headroom.
    gov.act(req.id, "approve", actor="maria.chen", channel="cli", granted=10)
    nxt, _ = gov.submit(draft, channel="cli")
    assert nxt.facts["quota_headroom"] == f["quota_headroom"] - 10 and nxt.facts["held_by_live_requests"] == 10
    big, _ = gov.submit(RequestDraft(requester="alice", team="atlas", accelerator="H100", count=500, start="2026-12-01",
                                     days=7, justification="x"), channel="cli")
    assert big.facts["route"]["rule"] == "governance-review" and big.facts["capacity_short"]


def test_unreadable_warehouse_routes_to_governance(gov: Governance, monkeypatch) -> None:  # noqa: ANN001
    from core.errors import UserError

    gov.catalog()

    def broken(*a: object, **k: object) -> None:
        raise UserError("the warehouse is being rebuilt")

    monkeypatch.setattr("semantic_layer.engine.Engine.run_sql", broken)
    req, card = gov.submit(RequestDraft(requester="alice", team="atlas", accelerator="H100", count=1, start="2026-12-01",
                                        days=1, justification="x"), channel="cli")
    assert req.status == "submitted" and req.facts["route"]["rule"] == "governance-review"
    assert "warehouse not readable right now" in card.text()
