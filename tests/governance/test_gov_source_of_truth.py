"""One source of truth for requests: the warehouse's open requests live in the store, so `pace request list`,
queue positions and `pace ask` count the same requests, before and after one of them moves on."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from core.settings import Settings
from faces.cli.app import run_app
from governance.requests import Request
from governance.service import Governance
from governance.store import Store
from semantic_layer.engine import Engine
from semantic_layer.live_requests import store_path, warehouse_only
from tests.governance.helpers import make_request

PENDING_QUESTION = "how many requests are pending?"
QUEUE = re.compile(r"#(\d+) of (\d+) pending for (.+?)\.(?: |$)")


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("governance.impact._forecast_demand", lambda *a: None)
    monkeypatch.setenv("LOGNAME", "gov.iyer")


def pace(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    rc = run_app(list(args))
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def counts(capsys: pytest.CaptureFixture[str], db: Path) -> tuple[int, int, dict[str, int]]:
    """(pending in `pace request list`, pending per `pace ask`, {accelerator: queue length in waiting reasons})."""
    listed = pace(capsys, "request", "list", "--db", str(db), "--json")["requests"]
    pending = [r for r in listed if r["status"] in ("submitted", "needs_info")]
    queues: dict[str, int] = {}
    for r in pending:
        if r["status"] == "submitted":
            position, total, accelerator = QUEUE.search(r["waiting_reason"]).groups()  # type: ignore[union-attr]
            assert int(position) <= int(total)
            queues[accelerator] = int(total)
    answer = pace(capsys, "ask", PENDING_QUESTION, "--planner", "offline", "--db", str(db), "--json")
    assert answer["status"] == "answered", answer["text"]
    return len(pending), int(answer["rows"][0][-1]), queues


def test_request_list_queue_positions_and_ask_agree_on_a_fresh_demo(gov_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert not store_path(Settings(PACE_DB=gov_db)).exists()  # a fresh demo: nothing has touched the store yet
    listed, asked, queues = counts(capsys, gov_db)
    assert listed == asked > 0
    pending = [r for r in pace(capsys, "request", "list", "--status", "submitted", "--db", str(gov_db), "--json")["requests"]]
    assert queues == {acc: sum(r["accelerator"] == acc for r in pending) for acc in {r["accelerator"] for r in pending}}

    # One of the demo's pending requests is decided through pace; a new one is submitted: all three still agree.
    decided = pace(capsys, "request", "deny", pending[0]["id"], "--reason", "no capacity this quarter", "--db", str(gov_db), "--json")
    assert decided["status"] == "denied"
    new = pace(capsys, "request", "new", "--team", "atlas", "--accelerator", "H100", "--count", "64", "--start", "2026-12-01",
               "--days", "7", "--workload", "training", "--justification", "pretraining run", "--db", str(gov_db), "--json")
    assert new["status"] == "submitted"
    assert counts(capsys, gov_db)[:2] == (listed, listed)


def test_the_import_changes_no_answer(gov: Governance) -> None:
    """The store's copy of each open request is the warehouse's row, so questions read the same values."""
    columns = ("request_id, team, project, requester, approver, accelerator_type, accelerators_requested, accelerators_granted,"
               " workload_type, priority, preemptible, justification, status, submitted_at, decided_at, provisioned_at, start_date, end_date")
    sql = f"SELECT {columns} FROM compute_requests ORDER BY request_id"
    with Engine(gov.settings) as engine:
        with warehouse_only():
            before = engine.run_sql(sql, row_limit=100_000).rows
        after = engine.run_sql(sql, row_limit=100_000).rows
    assert len(gov.store.list()) > 0 and after == before


def test_the_import_runs_once_per_warehouse_build(gov: Governance) -> None:
    n = len(gov.store.list())
    Governance.open(gov.settings, use_forecast=False)
    assert len(gov.store.list()) == n
    assert {a["actor"] for r in gov.store.list() for a in gov.store.audit(r.id)} == {"pace-seed"}


def _open(rid: str, status: str = "submitted", count: int = 8) -> Request:
    return make_request(id=rid, status=status, count=count, requester="orion-user1", team="orion", facts={},
                        submitted_at=datetime(2026, 11, 20, 9, 0))


def test_a_rebuilt_warehouse_refreshes_untouched_imports_and_keeps_decisions(store: Store) -> None:
    store.import_open([_open("REQ-1"), _open("REQ-2"), _open("REQ-3")], "build-1")
    store.transition("REQ-2", "deny", actor="gov.iyer", channel="cli", reason="no")
    result = store.import_open([_open("REQ-1", count=4), _open("REQ-2"), _open("REQ-4")], "build-2")
    assert result == {"imported": 1, "updated": 1, "withdrawn": 1, "kept": 1}
    assert store.get("REQ-1").count == 4  # untouched: brought up to date
    assert store.get("REQ-2").status == "denied"  # acted on through pace: the live truth is kept
    assert store.get("REQ-3").status == "cancelled"  # no longer open in the warehouse: withdrawn, never deleted
    assert "withdrawn: the rebuilt warehouse" in store.audit("REQ-3")[-1]["reason"]
    assert store.import_open([_open("REQ-9")], "build-2") == {"imported": 0, "updated": 0, "withdrawn": 0, "kept": 0}


def test_imported_active_allocations_do_not_count_twice_against_headroom(store: Store) -> None:
    """Their use is already in the warehouse's measured allocation; approved and provisioned grants are not."""
    rows = [_open("REQ-A", "active"), _open("REQ-B", "approved"), _open("REQ-C", "provisioned")]
    for r in rows:
        r.granted = r.count
    store.import_open(rows, "build-1")
    mine = store.submit(make_request(), channel="cli")
    for action in ("approve", "provision", "activate"):
        store.transition(mine.id, action, actor="gov.iyer", channel="cli")
    assert sorted(r.id for r in store.holding("H100")) == sorted(["REQ-B", "REQ-C", mine.id])
