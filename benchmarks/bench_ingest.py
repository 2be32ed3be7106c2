"""Ingest throughput, gates on: `python benchmarks/bench_ingest.py [--rows N] [--repeats R] [--threads T] [--against DIR]`.

Generates `utilization_hourly`-shaped files with DuckDB in a temp dir (unique keys; every 1000th row
fails a value gate: NaN, busy above allocated, a year-9999 hour or a control character, in turn),
then ingests CSV and Parquet into fresh empty warehouses, interleaved (csv, parquet, csv, parquet...)
so that both see the same machine load. Each ingest runs in its own process. Prints each run with
the 1-minute load average beside it, the median rows/s per format (wall clock, and per CPU-second of
the process, which load disturbs less), and the median wall seconds per stage (`stage_seconds`).
The target is >= 1M rows/s for both formats (issue 25).

`--against DIR` also runs another source tree of pace (an older commit: `git worktree add DIR REV`),
alternating which goes first, so that a change is measured side by side under the same load.
A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

TEAMS = ["atlas", "orion", "nova", "helix", "lyra", "vega", "forge", "pulse", "ember", "quill"]
TYPES = ["H100", "H200", "A100", "L40S", "MI300X"]
ROOT = Path(__file__).resolve().parents[1]


def make_source(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    """A `src` table of `rows` unique utilization rows; every 1000th breaks one value gate."""
    con.execute(
        """CREATE TABLE src AS SELECT
            CASE WHEN i % 4000 = 2999 THEN TIMESTAMP '9999-01-01' ELSE TIMESTAMP '2020-01-01' + to_hours(i // 5000) END AS hour,
            'cluster-' || (i % 5) AS cluster,
            $types[1 + (i // 5) % 5] AS accelerator_type,
            CASE WHEN i % 4000 = 3999 THEN 'bad' || chr(1) ELSE $teams[1 + (i // 25) % 10] END AS team,
            'project-' || ((i // 250) % 20) AS project,
            'training' AS workload_type,
            8.0 AS allocated_hours,
            CASE WHEN i % 4000 = 999 THEN 'NaN'::DOUBLE WHEN i % 4000 = 1999 THEN 9.0 ELSE 6.0 END AS busy_hours,
            2.0 AS idle_hours, 0.5 + (i % 40) / 100 AS sm_active, 60.0 AS memory_used_gb, 4.2 AS energy_kwh
        FROM range($rows) t(i)""",
        {"rows": rows, "teams": TEAMS, "types": TYPES},
    )


def run_one(path: Path, fmt: str, db: Path, threads: int) -> dict[str, object]:
    """One ingest into a fresh empty warehouse at `db` (in this process): wall and CPU seconds, counts, stages."""
    from telemetry.ingest import ingest
    from telemetry.warehouse import create_empty

    create_empty(db)
    start, cpu = time.perf_counter(), time.process_time()
    s = ingest(path, fmt, db, table="utilization_hourly", threads=threads)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.unlink()
    return {"wall": wall, "cpu": cpu, "read": s.read, "loaded": s.loaded, "quarantined": s.quarantined,
            "stages": dict(getattr(s, "stage_seconds", {}) or {})}


def in_process(tree: Path, path: Path, fmt: str, db: Path, threads: int) -> dict[str, object]:
    """`run_one` in a new Python process that imports pace from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, __file__, "--one", fmt, str(path), str(db), "--threads", str(threads)]
    out = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="Runs per format (and per tree), interleaved.")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the target is for 2 cores).")
    parser.add_argument("--against", type=Path, help="Another pace source tree to run side by side (A/B).")
    parser.add_argument("--one", nargs=3, metavar=("FORMAT", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        fmt, path, db = args.one
        print(json.dumps(run_one(Path(path), fmt, Path(db), args.threads)))
        return
    trees = {"this": ROOT, **({"against": args.against.resolve()} if args.against else {})}
    with tempfile.TemporaryDirectory(prefix="pace-bench-ingest-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        files = {"csv": folder / "util.csv", "parquet": folder / "util.parquet"}
        with duckdb.connect() as con:
            make_source(con, args.rows)
            con.execute("COPY src TO $path (HEADER)", {"path": str(files["csv"])})
            con.execute("COPY src TO $path (FORMAT parquet)", {"path": str(files["parquet"])})
        print(f"generated {args.rows:,} rows as CSV and Parquet in {time.perf_counter() - t:.1f}s")
        load_before = os.getloadavg()[0]
        results: dict[tuple[str, str], list[dict[str, object]]] = {}
        print(f"{'run':>3} {'tree':<8} {'format':<8} {'rows':>12} {'seconds':>8} {'cpu s':>8} {'rows/s':>12} "
              f"{'rows/cpu-s':>12} {'loaded':>12} {'quarantined':>12} {'load':>5}")
        for run in range(args.repeats):
            for fmt, path in files.items():
                order = list(trees.items()) if run % 2 == 0 else list(reversed(trees.items()))
                for name, tree in order:
                    load = os.getloadavg()[0]
                    r = in_process(tree, path, fmt, folder / f"{fmt}-{run}-{name}.duckdb", args.threads)
                    results.setdefault((name, fmt), []).append(r)
                    print(f"{run + 1:>3} {name:<8} {fmt:<8} {r['read']:>12,} {r['wall']:>8.2f} {r['cpu']:>8.2f} "
                          f"{r['read'] / r['wall']:>12,.0f} {r['read'] / r['cpu']:>12,.0f} {r['loaded']:>12,} "
                          f"{r['quarantined']:>12,} {load:>5.1f}", flush=True)
        print()
        for (name, fmt), runs in results.items():
            wall = statistics.median(r["wall"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            verdict = "meets" if args.rows / wall >= 1_000_000 else "misses"
            label = f"{fmt:<8}" if name == "this" else f"{fmt} ({name})"  # run_all.py reads "ingest FMT median N rows/s"
            print(f"ingest {label:<18} median {args.rows / wall:>12,.0f} rows/s wall, {args.rows / cpu:>12,.0f} "
                  f"rows per CPU-second over {len(runs)} runs ({verdict} the 1M rows/s target)")
        for (name, fmt), runs in results.items():
            stages = {k: statistics.median(r["stages"].get(k, 0.0) for r in runs) for k in runs[0]["stages"]}
            if stages:
                print(f"stages {fmt} ({name}): " + ", ".join(f"{k} {v:.2f}s" for k, v in stages.items()))
        print(f"{os.cpu_count()} cores here; 1-minute load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
              f"(wall-clock rows/s; 'cpu s' is the ingest process's CPU time, all DuckDB threads)")


if __name__ == "__main__":
    main()
