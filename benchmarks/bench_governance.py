"""Governance store under load: request submissions per second with 8 concurrent writer processes,
and the latency of a question over live requests while they write.

    .venv/bin/python benchmarks/bench_governance.py [--db PATH] [--writers 8] [--seconds 10]

Two write paths are measured: the store alone (validated request -> BEGIN IMMEDIATE insert + audit row)
and the full `Governance.submit` (catalog check + impact card from the warehouse, no forecast). The
question is `requests_pending` for team atlas through the semantic layer, on an engine held open by
this process, so each run re-reads the live store (the per-cursor overlay).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path


def _writer(db: str, mode: str, seconds: float, start: object, out: object) -> None:
    from governance.requests import RequestDraft, validate_draft
    from governance.service import Governance
    from core.settings import Settings

    gov = Governance.open(Settings(PACE_DB=Path(db)), use_forecast=False)
    draft = RequestDraft(requester="bench", team="atlas", accelerator="H100", count=16, start="2026-12-01", days=7,
                         justification="benchmark")
    request = validate_draft(draft, accelerators=["H100"], teams=["atlas"])
    if mode == "full":  # warm up outside the timed window: the catalog read and the first engine open
        from governance.impact import compute_impact

        gov.catalog()
        compute_impact(gov.settings, request, [], use_forecast=False)
    start.wait()  # type: ignore[attr-defined]
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if mode == "store":
            request.id = ""
            gov.store.submit(request, channel="cli")
        else:
            gov.submit(draft, channel="cli")
        done += 1
    out.put(done)  # type: ignore[attr-defined]


def _question_latencies(db: Path, seconds: float) -> list[float]:
    from semantic_layer.catalog import load_catalog
    from semantic_layer.engine import Engine
    from semantic_layer.query import Filter, MetricQuery
    from core.settings import Settings

    catalog = load_catalog()
    query = MetricQuery(metrics=["requests_pending"], filters=[Filter(dimension="team", values=["atlas"])])
    out: list[float] = []
    with Engine(Settings(PACE_DB=db)) as engine:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            engine.run_query(catalog, query)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def _pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(db: Path, writers: int, seconds: float, mode: str) -> None:
    from semantic_layer.live_requests import store_path
    from core.settings import Settings

    path = store_path(Settings(PACE_DB=db))
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    idle = _question_latencies(db, 2.0)
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(db), mode, seconds, start, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    time.sleep(8.0 if mode == "full" else 3.0)  # let the writers import, open the store and warm up
    start.set()
    busy = _question_latencies(db, seconds)
    total = sum(out.get(timeout=seconds + 120) for _ in procs)
    for p in procs:
        p.join()
    print(f"[{mode}] machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"[{mode}] {writers} writers x {seconds:.0f} s: {total} submissions, {total / seconds:,.0f} per second")
    print(f"[{mode}] question latency (requests_pending, team atlas): idle p50 {_pct(idle, 50):.1f} ms p95 {_pct(idle, 95):.1f} ms; "
          f"while writing p50 {_pct(busy, 50):.1f} ms p95 {_pct(busy, 95):.1f} ms max {max(busy):.1f} ms ({len(busy)} questions)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="A warehouse to use (default: a fresh demo warehouse in a temp dir).")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--mode", choices=("store", "full", "both"), default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from telemetry.generator import generate

            db = Path(tmp) / "bench.duckdb"
            generate(db, scale="demo", seed=7, end=date(2026, 11, 23))
        for mode in ("store", "full") if args.mode == "both" else (args.mode,):
            run(db, args.writers, args.seconds, mode)


if __name__ == "__main__":
    main()
