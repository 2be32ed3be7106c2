"""Refused attempts leave an audit row (who tried what, from which status, why) and change nothing else."""

from __future__ import annotations

import pytest

from governance.lifecycle import IllegalTransition
from governance.policy import NotAllowed, Policy
from governance.service import Governance
from governance.store import Store
from tests.governance.helpers import make_request


def test_self_approval_wrong_role_and_invalid_transition_are_audited(store: Store, policy: Policy) -> None:
    gov = Governance(settings=None, store=store, policy=policy)  # type: ignore[arg-type] - no warehouse needed to act
    rid = store.submit(make_request(), channel="cli").id
    for actor, action, error, why in [
        ("alice", "approve", NotAllowed, "rule no-self-approval: alice submitted"),
        ("mallory", "deny", NotAllowed, "mallory is not a user the policy knows"),
        ("sam.okafor", "approve", NotAllowed, "sam.okafor holds none of these roles"),
        ("oncall-fleet", "cancel", NotAllowed, "rule actions.cancel"),
        ("oncall-fleet", "activate", IllegalTransition, "cannot activate a request that is submitted"),
    ]:
        with pytest.raises(error, match=why):
            gov.act(rid, action, actor=actor, channel="slack")
    refused = store.refusals(rid)
    assert [(r["actor"], r["action"], r["status"], r["channel"]) for r in refused] == [
        ("alice", "approve", "submitted", "slack"), ("mallory", "deny", "submitted", "slack"),
        ("sam.okafor", "approve", "submitted", "slack"), ("oncall-fleet", "cancel", "submitted", "slack"),
        ("oncall-fleet", "activate", "submitted", "slack")]
    assert "no-self-approval" in refused[0]["reason"] and "cannot activate" in refused[-1]["reason"]
    # The request itself did not move, and its history holds only what happened.
    assert store.get(rid).status == "submitted"
    assert [a["to"] for a in store.audit(rid)] == ["submitted"]


def test_a_lost_race_is_audited_as_refused(store: Store) -> None:
    rid = store.submit(make_request(), channel="cli").id
    store.transition(rid, "approve", actor="maria.chen", channel="slack")
    with pytest.raises(IllegalTransition):
        store.transition(rid, "approve", actor="gov.iyer", channel="slack")
    assert [(r["actor"], r["action"], r["status"]) for r in store.refusals(rid)] == [("gov.iyer", "approve", "approved")]
    assert [a["to"] for a in store.audit(rid)] == ["submitted", "approved"]


def test_refusal_rows_are_append_only_like_the_rest_of_the_audit(store: Store) -> None:
    import sqlite3

    store.record_refusal(None, "submit", actor="mallory acting as alice", channel="cli", reason="rule act_as")
    with sqlite3.connect(store.path) as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit WHERE refused = 1")
    assert store.refusals()[-1]["actor"] == "mallory acting as alice"


def test_a_store_from_before_refusals_were_audited_is_upgraded_in_place(tmp_path) -> None:  # noqa: ANN001
    import sqlite3

    path = tmp_path / "old.sqlite"
    rid = Store(path).submit(make_request(), channel="cli").id
    with sqlite3.connect(path) as con:  # the columns this release added, gone as in an older store
        for table, column in (("requests", "origin"), ("audit", "action"), ("audit", "refused")):
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    store = Store(path)
    with pytest.raises(IllegalTransition):
        store.transition(rid, "activate", actor="oncall-fleet", channel="cli")
    assert [r["action"] for r in store.refusals(rid)] == ["activate"]
    assert [a["to"] for a in store.audit(rid)] == ["submitted"] and store.get(rid).status == "submitted"
