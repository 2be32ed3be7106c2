"""DCGM exporter text ingest speed and memory: `python benchmarks/bench_dcgm.py [--mb 70] [--threads 2]`.

Writes a dcgm-exporter scrape series of about `--mb` MB with DuckDB (GPUs x 15 s scrapes x the nine
fields pace reads plus one it skips, labels as dcgm-exporter sets them, one sample in 10,000 out of
range), ingests it into a fresh warehouse in a child process, and prints samples per second and the
child's peak memory growth (VmHWM) over its baseline after imports, against the targets of issue 21 (at least
300k samples/s, peak within 3x the file size). `--runs N` ingests the same file N times, each in a fresh
child and warehouse, with the load average beside each run, then the medians. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

FIELDS = (
    "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_SM_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
    "DCGM_FI_PROF_DRAM_ACTIVE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_POWER_USAGE",
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_SM_CLOCK",
)
BYTES_PER_LINE = 245  # measured on the generated text


def write_scrapes(path: Path, mb: float, gpus: int = 64) -> int:
    """A scrape series of about `mb` MB; returns its line count."""
    lines = int(mb * 1e6 / BYTES_PER_LINE)
    scrapes = max(1, lines // (gpus * len(FIELDS)))
    fields = "[" + ", ".join(f"'{f}'" for f in FIELDS) + "]"
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (
            SELECT {fields}[1 + f] || '{{gpu="' || (g % 8) || '",UUID="GPU-' || md5(g::VARCHAR)[:8] || '-4c1d-9e2f-' || g
                || '",device="nvidia' || (g % 8) || '",modelName="NVIDIA H100 80GB HBM3",Hostname="node-' || (g // 8)
                || '",DCGM_FI_DRIVER_VERSION="550.54.15",container="main",namespace="team-' || (g % 5) || '",pod="job-' || g
                || '"}} ' || CASE WHEN (s * 7 + g * 3 + f) % 10000 = 0 THEN '250'
                    WHEN f = 0 THEN ((s + g) % 101)::VARCHAR WHEN f BETWEEN 1 AND 4 THEN ((s + g + f) % 100 / 100)::VARCHAR
                    WHEN f = 8 THEN (1000000000 + s * 9000000)::VARCHAR ELSE (1000 + (s * g) % 60000)::VARCHAR END
                || ' ' || (1763596800000 + s * 15000)::VARCHAR AS line
            FROM range({scrapes}) a(s), range({len(FIELDS)}) b(f), range({gpus}) c(g) ORDER BY s, f, g
            ) TO '{path}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')"""
        )
    return scrapes * gpus * len(FIELDS)


def _hwm() -> int:
    """This process's peak resident memory in bytes (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(path: Path, threads: int) -> None:
    """Ingest `path` into a fresh warehouse in this process and print the figures as JSON."""
    from telemetry.ingest import ingest
    from telemetry.warehouse import create_empty

    db = create_empty(path.with_suffix(".duckdb"))  # only `pace seed` creates a warehouse
    base = _hwm()
    start, cpu = time.perf_counter(), time.process_time()
    s = ingest(path, "dcgm", db, threads=threads)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _hwm() - base
    print(json.dumps({"read": s.read, "loaded": s.loaded, "quarantined": s.quarantined, "skipped": s.skipped,
                      "seconds": seconds, "cpu": cpu, "peak_bytes": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=70.0, help="Size of the generated scrape text (MB).")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the target is for 2 cores).")
    parser.add_argument("--runs", type=int, default=1, help="Ingest the file this many times (fresh warehouse each).")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.threads)
        return
    with tempfile.TemporaryDirectory(prefix="pace-bench-dcgm-") as tmp:
        path = Path(tmp) / "scrapes.prom"
        t = time.perf_counter()
        lines = write_scrapes(path, args.mb)
        size = path.stat().st_size
        print(f"generated {lines:,} sample lines, {size / 1e6:.1f} MB, in {time.perf_counter() - t:.1f}s")
        print(f"{'samples':>12} {'seconds':>8} {'cpu s':>8} {'samples/s':>12} {'per cpu-s':>10} {'peak MB':>8} {'x file':>7} "
              f"{'quarantined':>11} {'load':>5}")
        rates, per_cpus, peaks = [], [], []
        for _ in range(args.runs):
            for old in Path(tmp).glob("scrapes.duckdb*"):
                old.unlink()
            load = os.getloadavg()[0]
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), "--threads", str(args.threads)],
                capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
            ).stdout.strip().splitlines()[-1]
            r = json.loads(out)
            samples = r["read"] + sum(r["skipped"].values())
            rates.append(samples / r["seconds"])
            per_cpus.append(samples / r["cpu"])
            peaks.append(r["peak_bytes"] / size)
            print(f"{lines:>12,} {r['seconds']:>8.2f} {r['cpu']:>8.2f} {rates[-1]:>12,.0f} {per_cpus[-1]:>10,.0f} "
                  f"{r['peak_bytes'] / 1e6:>8.0f} {peaks[-1]:>7.2f} {r['quarantined']:>11,} {load:>5.1f}")
        if args.runs > 1:
            print(f"medians of {args.runs}: {statistics.median(rates):,.0f} samples/s, {statistics.median(per_cpus):,.0f} per "
                  f"CPU-second, peak {statistics.median(peaks):.2f}x the file")
        print(f"targets: >= 300,000 samples/s, peak <= 3x file ({os.cpu_count()} cores; "
              "under load, samples per CPU-second is the comparable figure)")

if __name__ == "__main__":
    main()
