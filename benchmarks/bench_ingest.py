"""Ingest throughput for CSV and Parquet: `python benchmarks/bench_ingest.py [--rows N] [--threads T]`.

Generates `utilization_hourly`-shaped files with DuckDB in a temp dir (unique keys, ~0.1% bad rows
so the gates have work), ingests each into a fresh warehouse with `--format csv|parquet`, and prints
rows per second. The target is >= 1M rows/s on 2 cores at 10M rows. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

from telemetry.ingest import ingest
from telemetry.warehouse import create_empty

TEAMS = ["atlas", "orion", "nova", "helix", "lyra", "vega", "forge", "pulse", "ember", "quill"]
TYPES = ["H100", "H200", "A100", "L40S", "MI300X"]


def make_source(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    """A `src` table of `rows` unique utilization rows; every 1000th has sm_active out of range."""
    teams = "[" + ", ".join(f"'{t}'" for t in TEAMS) + "]"
    types = "[" + ", ".join(f"'{t}'" for t in TYPES) + "]"
    con.execute(
        f"""CREATE TABLE src AS SELECT
            TIMESTAMP '2020-01-01' + to_hours(i // 5000) AS hour,
            'cluster-' || (i % 5) AS cluster,
            {types}[1 + (i // 5) % 5] AS accelerator_type,
            {teams}[1 + (i // 25) % 10] AS team,
            'project-' || ((i // 250) % 20) AS project,
            'training' AS workload_type,
            8.0 AS allocated_hours, 6.0 AS busy_hours, 2.0 AS idle_hours,
            CASE WHEN i % 1000 = 999 THEN 1.5 ELSE 0.5 + (i % 40) / 100 END AS sm_active,
            60.0 AS memory_used_gb, 4.2 AS energy_kwh
        FROM range({rows}) t(i)"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the target is for 2 cores).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pace-bench-ingest-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        with duckdb.connect() as con:
            make_source(con, args.rows)
            con.execute(f"COPY src TO '{folder / 'util.csv'}' (HEADER)")
            con.execute(f"COPY src TO '{folder / 'util.parquet'}' (FORMAT parquet)")
        print(f"generated {args.rows:,} rows as CSV and Parquet in {time.perf_counter() - t:.1f}s")
        print(f"{'format':<8} {'rows':>12} {'seconds':>8} {'cpu s':>8} {'rows/s':>12} {'loaded':>12} {'quarantined':>12}")
        for fmt, name in (("csv", "util.csv"), ("parquet", "util.parquet")):
            db = create_empty(folder / f"{fmt}.duckdb")  # only `pace seed` creates a warehouse
            start, cpu = time.perf_counter(), time.process_time()
            s = ingest(folder / name, fmt, db, table="utilization_hourly", threads=args.threads)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(
                f"{fmt:<8} {s.read:>12,} {seconds:>8.2f} {cpu:>8.2f} {s.read / seconds:>12,.0f} "
                f"{s.loaded:>12,} {s.quarantined:>12,}"
            )
        print(f"(wall-clock rows/s; 'cpu s' is this process's CPU time; {os.cpu_count()} cores here, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
