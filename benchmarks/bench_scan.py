"""Time and peak memory of a full anomaly scan on a warehouse (meant for the `large` scale).

Usage: .venv/bin/python benchmarks/bench_scan.py --db PATH [--days N | --all] [--kind K ...] [--threads N]
       [--memory-limit 4GB] [--total-only]

Scans the last N days (default 120; detectors also read 91 days of baseline before that) or all data,
and prints wall time per detector and in total, the process's peak resident memory (ru_maxrss), and
the precision/recall against the injected anomalies whose windows fall in the scanned period, with
the CPU time used and the machine's load average beside the wall time (on a shared machine the wall
time says as much about the neighbours as about the scan). A script, not a test: the large warehouse
takes a while to build (`pace seed --scale large --db PATH`).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.settings import Settings  # noqa: E402
from tools._warehouse import run  # noqa: E402
from tools.scan import KINDS, load_ground_truth, scan  # noqa: E402
from tools.findings import score_against_ground_truth  # noqa: E402


def _data_end(settings: Settings) -> datetime:
    last = run(settings, "SELECT max(hour) AS h FROM utilization_hourly")["h"][0]
    return pd.Timestamp(last).to_pydatetime() + timedelta(hours=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--kind", action="append", choices=KINDS)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2, the target machine)")
    parser.add_argument("--memory-limit", default="4GB", help="the scan's whole budget (PACE_SCAN_MEMORY_LIMIT)")
    parser.add_argument("--days", type=int, default=120, help="scan the last N days of data (default 120)")
    parser.add_argument("--all", action="store_true", help="scan all data (multi-year warehouses: slow)")
    parser.add_argument("--total-only", action="store_true", help="skip the per-detector runs, time the full scan only")
    args = parser.parse_args()
    settings = Settings(PACE_DB=args.db, PACE_THREADS=args.threads, PACE_SCAN_MEMORY_LIMIT=args.memory_limit,
                        PACE_SCAN_TIMEOUT_S=1800)
    end = _data_end(settings)
    start = None if args.all else end - timedelta(days=args.days)
    print(f"scanning {'all data' if start is None else f'{start:%Y-%m-%d} to {end:%Y-%m-%d}'} of {args.db}", flush=True)
    per_kind = {}
    for kind in [] if args.total_only else args.kind or KINDS:
        t0 = time.perf_counter()
        n = len(scan(settings, start=start, end=end, kinds=[kind]).findings)
        per_kind[kind] = (time.perf_counter() - t0, n)
        print(f"{kind:22s} {per_kind[kind][0]:7.2f} s  {n:4d} findings", flush=True)
    load_before = os.getloadavg()[0]
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    result = scan(settings, start=start, end=end, kinds=args.kind)
    total = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    for kind, ms in result.timings_ms.items():
        print(f"  in the full scan: {kind:22s} {ms / 1000:7.2f} s")
    truth = [t for t in load_ground_truth(settings) if (start is None or t["end_at"] > start)
             and (not args.kind or t["kind"] in args.kind)]
    p, r, f1 = score_against_ground_truth(result.findings, truth)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"full scan: {total:.2f} s wall, {cpu:.1f} s CPU (the process and its workers), {len(result.findings)} findings, "
          f"peak RSS {peak_mib:,.0f} MiB, threads {args.threads}; precision {p:.3f} recall {r:.3f} f1 {f1:.3f}; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)")


def _cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
