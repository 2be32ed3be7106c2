"""`make bench`: build one warehouse (BENCH_SCALE, default small) and run every benchmarks/bench_*.py on it.

Scripts that take `--db` get that warehouse; the others run as they are. Figures are printed, never
asserted: speed is measured here, not in tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    db = HERE / ".cache" / f"{scale}.duckdb"
    if not db.exists():
        from telemetry.generator import generate

        print(f"building the {scale} warehouse for benchmarks at {db} ...", flush=True)
        generate(db, scale=scale, seed=7, end=date(2026, 11, 23), progress=True)
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        args = [sys.executable, str(script)]
        if '"--db"' in script.read_text():
            args += ["--db", str(db)]
        print(f"\n== {script.name} ==", flush=True)
        failed += subprocess.run(args).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
