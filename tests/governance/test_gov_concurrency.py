"""Two approvers at the same moment: exactly one transition, one audit row; the other is refused."""

from __future__ import annotations

import multiprocessing as mp
import threading
from pathlib import Path

from governance.lifecycle import IllegalTransition
from governance.store import Store
from tests.governance.helpers import make_request


def _approve(path: str, rid: str, actor: str, barrier: object, out: object) -> None:
    store = Store(Path(path))
    barrier.wait()  # type: ignore[attr-defined]
    try:
        store.transition(rid, "approve", actor=actor, channel="cli", granted=4 if actor == "gov.iyer" else None)
        out.put(("won", actor))  # type: ignore[attr-defined]
    except IllegalTransition as exc:
        out.put(("refused", str(exc)))  # type: ignore[attr-defined]


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
    ctx = mp.get_context("spawn")
    for _ in range(3):
        rid = store.submit(make_request(), channel="cli").id
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_approve, args=(str(store.path), rid, a, barrier, out)) for a in ("maria.chen", "gov.iyer")]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        results = sorted(out.get(timeout=5) for _ in procs)
        assert [r[0] for r in results] == ["refused", "won"]
        assert "cannot approve a request that is approved" in results[0][1]
        req = store.get(rid)
        assert req.approver == results[1][1]
        assert req.granted == (4 if req.approver == "gov.iyer" else 16)
        assert [a["to"] for a in store.audit(rid)] == ["submitted", "approved"]
