"""Question latency while a big ingest runs: `python benchmarks/bench_concurrency.py [--db W] [--rows N] [--readers R]`.

Copies the warehouse (`--db`, else a fresh demo one), starts R reader processes that ask questions through
the assistant and count jobs through the engine without pause, waits a few seconds for a baseline, then
ingests N `utilization_hourly` rows (CSV, default 10M) while they keep asking. Prints p50 / p95 latency and
errors before and during the ingest (copy-on-write versions: the errors must be 0). A script, not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # tests.concurrency_support (the readers) and bench_ingest (the rows)


def _stats(latencies: list[float]) -> str:
    if not latencies:
        return "no calls"
    a = np.array(latencies)
    return f"{len(a):>6} calls  p50 {np.percentile(a, 50):8.1f} ms  p95 {np.percentile(a, 95):8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, help="Warehouse to copy (default: build a demo one).")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--baseline-s", type=float, default=10.0)
    args = parser.parse_args()

    import assistant.service  # noqa: F401 - imported once, so forked readers start at once
    from bench_ingest import make_source
    from telemetry.ingest import ingest
    from tests.concurrency_support import reader

    with tempfile.TemporaryDirectory(prefix="pace-bench-concurrency-") as tmp:
        folder = Path(tmp)
        db = folder / "live.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            from telemetry.generator import generate

            generate(db, scale="demo", seed=7, end=date(2026, 11, 23))
        t = time.perf_counter()
        with duckdb.connect() as con:
            make_source(con, args.rows)
            con.execute(f"COPY src TO '{folder / 'util.csv'}' (HEADER)")
        print(f"generated {args.rows:,} utilization rows in {time.perf_counter() - t:.1f}s; "
              f"warehouse {db.stat().st_size / 1e6:,.0f} MB; {args.readers} readers", flush=True)

        ctx = mp.get_context("fork")
        stop, out, ready = ctx.Event(), ctx.Queue(), ctx.Queue()
        procs = [ctx.Process(target=reader, args=(str(db), stop, out, i, ready)) for i in range(args.readers)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.get(timeout=300)
        base_start = time.time()
        time.sleep(args.baseline_s)
        base_end = ing_start = time.time()
        summary = ingest(folder / "util.csv", "csv", db, table="utilization_hourly")
        ing_end = time.time()
        time.sleep(1.0)
        stop.set()
        reports = [out.get(timeout=300) for _ in procs]
        for p in procs:
            p.join(timeout=60)

    def during(a: float, b: float) -> tuple[list[float], int]:
        lat = [ms for r in reports for t, ms in zip(r["started"], r["latencies_ms"]) if a <= t <= b]
        return lat, len(lat)

    errors = [e for r in reports for e in r["errors"]]
    base, _ = during(base_start, base_end)
    busy, _ = during(ing_start, ing_end)
    print(f"ingest: {summary.loaded:,} rows loaded in {ing_end - ing_start:.1f}s "
          f"({summary.loaded / max(ing_end - ing_start, 1e-9):,.0f} rows/s, copy of the warehouse included)")
    print(f"before ingest: {_stats(base)}")
    print(f"during ingest: {_stats(busy)}")
    print(f"errors: {len(errors)}")
    for e in errors[:5]:
        print(f"  {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
