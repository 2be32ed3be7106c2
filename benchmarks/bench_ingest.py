"""Ingest throughput, gates on: `python benchmarks/bench_ingest.py [--rows N] [--repeats R] [--threads T]`.

Generates `utilization_hourly`-shaped files with DuckDB in a temp dir (unique keys; every 1000th row
fails a value gate: NaN, busy above allocated, a year-9999 hour or a control character, in turn),
then ingests CSV and Parquet into fresh empty warehouses, interleaved (csv, parquet, csv, parquet...)
so that both see the same machine load. Prints each run, the median rows/s per format, and the
1-minute load average before and after. The target is >= 1M rows/s for both formats (issue 25).
A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from telemetry.ingest import ingest
from telemetry.warehouse import create_empty

TEAMS = ["atlas", "orion", "nova", "helix", "lyra", "vega", "forge", "pulse", "ember", "quill"]
TYPES = ["H100", "H200", "A100", "L40S", "MI300X"]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="Runs per format, interleaved.")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the target is for 2 cores).")
    args = parser.parse_args()
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
        rates: dict[str, list[float]] = {"csv": [], "parquet": []}
        print(f"{'run':>3} {'format':<8} {'rows':>12} {'seconds':>8} {'cpu s':>8} {'rows/s':>12} {'loaded':>12} {'quarantined':>12} {'load':>5}")
        for run in range(args.repeats):
            for fmt, path in files.items():
                db = create_empty(folder / f"{fmt}-{run}.duckdb")
                start, cpu = time.perf_counter(), time.process_time()
                s = ingest(path, fmt, db, table="utilization_hourly", threads=args.threads)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                rates[fmt].append(s.read / seconds)
                print(f"{run + 1:>3} {fmt:<8} {s.read:>12,} {seconds:>8.2f} {cpu:>8.2f} {s.read / seconds:>12,.0f} "
                      f"{s.loaded:>12,} {s.quarantined:>12,} {os.getloadavg()[0]:>5.1f}")
                db.unlink()
        print()
        for fmt, values in rates.items():
            verdict = "meets" if statistics.median(values) >= 1_000_000 else "misses"
            print(f"ingest {fmt:<8} median {statistics.median(values):>12,.0f} rows/s over {len(values)} runs "
                  f"({verdict} the 1M rows/s target)")
        print(f"{os.cpu_count()} cores here; 1-minute load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
              f"(wall-clock rows/s; 'cpu s' is this process's CPU time)")


if __name__ == "__main__":
    main()
