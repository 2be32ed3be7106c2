"""Two approvers at the same moment: exactly one transition, one audit row; the other is refused."""

from __future__ import annotations

import multiprocessing as mp
import threading
from pathlib import Path

from governance.lifecycle import IllegalTransition
from governance.store import Store
from tests.governance.helpers import make_request


def _approve(path: str, rids: list[str], actor: str, barrier: object, out: object) -> None:
    """One approver process: for each request, wait for the other approver, then approve at once."""
    store = Store(Path(path))
    for rid in rids:
        barrier.wait()  # type: ignore[attr-defined]
        try:
            store.transition(rid, "approve", actor=actor, channel="cli", granted=4 if actor == "gov.iyer" else None)
            out.put((rid, "won", actor))  # type: ignore[attr-defined]
        except IllegalTransition as exc:
            out.put((rid, "refused", str(exc)))  # type: ignore[attr-defined]


def test_two_threads_approve_one_wins(store: Store) -> None:
    for _ in range(20):
        rid = store.submit(make_request(), channel="cli").id
        results: list[str] = []
        barrier = threading.Barrier(2)

        def go(actor: str) -> None:
            barrier.wait()
            try:
                store.transition(rid, "approve", actor=actor, channel="slack")
                results.append("won")
            except IllegalTransition:
                results.append("refused")

        threads = [threading.Thread(target=go, args=(a,)) for a in ("maria.chen", "gov.iyer")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["refused", "won"]
        assert [a["to"] for a in store.audit(rid)] == ["submitted", "approved"]


def test_two_processes_approve_one_wins(tmp_path: Path) -> None:
    store = Store(tmp_path / "race.sqlite")
    rids = [store.submit(make_request(), channel="cli").id for _ in range(10)]
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_approve, args=(str(store.path), rids, a, barrier, out)) for a in ("maria.chen", "gov.iyer")]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in range(2 * len(rids))]
    for p in procs:
        p.join(30)
    for rid in rids:
        mine = sorted((r[1], r[2]) for r in results if r[0] == rid)
        assert [m[0] for m in mine] == ["refused", "won"], rid
        assert "cannot approve a request that is approved" in mine[0][1]
        req = store.get(rid)
        assert req.approver == mine[1][1]
        assert req.granted == (4 if req.approver == "gov.iyer" else 16)
        assert [a["to"] for a in store.audit(rid)] == ["submitted", "approved"]
