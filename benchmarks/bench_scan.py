"""Time and peak memory of a full anomaly scan on a warehouse (meant for the `large` scale).

Usage: .venv/bin/python benchmarks/bench_scan.py --db PATH [--kind K ...] [--threads N]

Prints wall time per detector and in total, the process's peak resident memory (ru_maxrss), and the
precision/recall against the warehouse's injected anomalies. A script, not a test: the large warehouse
takes a while to build (`pace seed --scale large --db PATH`).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telemetry.settings import Settings  # noqa: E402
from tools.scan import KINDS, load_ground_truth, scan  # noqa: E402
from tools.findings import score_against_ground_truth  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--kind", action="append", choices=KINDS)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2, the target machine)")
    parser.add_argument("--memory-limit", default="4GB")
    args = parser.parse_args()
    settings = Settings(PACE_DB=args.db, PACE_THREADS=args.threads, PACE_MEMORY_LIMIT=args.memory_limit,
                        PACE_QUERY_TIMEOUT_S=600)
    per_kind = {}
    for kind in args.kind or KINDS:
        t0 = time.perf_counter()
        n = len(scan(settings, kinds=[kind]).findings)
        per_kind[kind] = (time.perf_counter() - t0, n)
        print(f"{kind:22s} {per_kind[kind][0]:7.2f} s  {n:4d} findings", flush=True)
    t0 = time.perf_counter()
    result = scan(settings, kinds=args.kind)
    total = time.perf_counter() - t0
    p, r, f1 = score_against_ground_truth(result.findings, load_ground_truth(settings))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"full scan: {total:.2f} s wall, {len(result.findings)} findings, peak RSS {peak_mib:,.0f} MiB, "
          f"threads {args.threads}; precision {p:.3f} recall {r:.3f} f1 {f1:.3f}")


if __name__ == "__main__":
    main()
