"""Every legal transition applies and is audited; every illegal one is refused and changes nothing."""

from __future__ import annotations

import pytest

from governance.lifecycle import ACTIONS, STATUSES, TRANSITIONS, IllegalTransition, allowed_actions, next_status
from governance.store import Store
from tests.governance.helpers import make_request

# The shortest action path from a new request to each status.
PATHS: dict[str, list[str]] = {
    "submitted": [], "needs_info": ["ask_info"], "approved": ["approve"], "denied": ["deny"],
    "provisioned": ["approve", "provision"], "active": ["approve", "provision", "activate"],
    "expired": ["approve", "provision", "activate", "expire"], "released": ["approve", "provision", "activate", "release"],
    "cancelled": ["cancel"],
}


def _at(store: Store, status: str) -> str:
    req = store.submit(make_request(), channel="cli")
    for action in PATHS[status]:
        store.transition(req.id, action, actor="gov.iyer", channel="cli")
    assert store.get(req.id).status == status
    return req.id


def test_every_status_is_reachable_and_paths_follow_the_table() -> None:
    assert set(PATHS) == set(STATUSES)
    for status, path in PATHS.items():
        current = "submitted"
        for action in path:
            current = next_status(current, action)
        assert current == status


@pytest.mark.parametrize(("frm", "action"), sorted(TRANSITIONS))
def test_legal_transition_applies_and_is_audited(store: Store, frm: str, action: str) -> None:
    rid = _at(store, frm)
    before = len(store.audit(rid))
    after = store.transition(rid, action, actor="gov.iyer", channel="slack", reason="because")
    assert after.status == TRANSITIONS[(frm, action)]
    trail = store.audit(rid)
    assert len(trail) == before + 1
    assert trail[-1] | {"at": None} == {"at": None, "actor": "gov.iyer", "from": frm, "to": after.status, "reason": "because", "channel": "slack"}


ILLEGAL = [(s, a) for s in STATUSES for a in ACTIONS if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("frm", "action"), ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(store: Store, frm: str, action: str) -> None:
    rid = _at(store, frm)
    before, trail = store.get(rid), store.audit(rid)
    with pytest.raises(IllegalTransition, match=f"cannot {action.replace('_', '-')} a request that is {frm}"):
        store.transition(rid, action, actor="gov.iyer", channel="cli")
    assert store.get(rid) == before
    assert store.audit(rid) == trail


def test_refusal_lists_the_allowed_actions() -> None:
    with pytest.raises(IllegalTransition, match="allowed from approved: provision, cancel"):
        next_status("approved", "approve")
    with pytest.raises(IllegalTransition, match=r"none \(it is final\)"):
        next_status("denied", "approve")
    assert allowed_actions("needs_info") == ["answer", "cancel"]


def test_partial_grant_is_recorded(store: Store) -> None:
    req = store.submit(make_request(count=16), channel="cli")
    done = store.transition(req.id, "approve", actor="maria.chen", channel="cli", granted=8)
    assert (done.count, done.granted, done.approver) == (16, 8, "maria.chen")
    assert "granted 8 of 16" in store.audit(req.id)[-1]["reason"]


@pytest.mark.parametrize("grant", [0, 17, -1])
def test_grant_outside_one_to_requested_is_an_error(store: Store, grant: int) -> None:
    from core.errors import UserError

    req = store.submit(make_request(count=16), channel="cli")
    with pytest.raises(UserError, match="between 1 and the 16 requested"):
        store.transition(req.id, "approve", actor="maria.chen", channel="cli", granted=grant)
    assert store.get(req.id).status == "submitted"


def test_audit_is_append_only(store: Store) -> None:
    import sqlite3

    req = store.submit(make_request(), channel="cli")
    con = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE audit SET actor = 'mallory' WHERE request_id = ?", (req.id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit")
    con.close()


def test_unknown_request_and_channel(store: Store) -> None:
    from core.errors import UserError

    with pytest.raises(UserError, match="no request 'GR-999999'"):
        store.transition("GR-999999", "approve", actor="x", channel="cli")
    with pytest.raises(ValueError, match="channel"):
        store.submit(make_request(), channel="email")
