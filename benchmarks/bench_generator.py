"""Generation time, peak memory and row counts per scale: `python benchmarks/bench_generator.py [--scale S ...]`.

Each scale runs in a child process so its peak resident memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from datetime import date
from telemetry.generator import generate
t = time.perf_counter()
counts = generate(sys.argv[1], scale=sys.argv[2], seed=7, end=date(2026, 11, 23))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024, "rows": counts}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", action="append", choices=["demo", "small", "large"])
    args = parser.parse_args()
    print(f"{'scale':<7} {'seconds':>8} {'cpu s':>7} {'peak MiB':>9} {'utilization rows':>17} {'gpu rows':>11} {'jobs':>11} "
          f"{'file MiB':>9}")
    for scale in args.scale or ["demo", "small"]:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / f"{scale}.duckdb"
            out = subprocess.run([sys.executable, "-c", CHILD, str(db), scale], check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            size = db.stat().st_size / 2**20
            print(f"{scale:<7} {r['seconds']:>8.1f} {r['cpu']:>7.1f} {r['peak_mib']:>9.0f} {r['rows']['utilization_hourly']:>17,} "
                  f"{r['rows'].get('gpu_hourly', 0):>11,} {r['rows']['jobs']:>11,} {size:>9.0f}")


if __name__ == "__main__":
    main()
