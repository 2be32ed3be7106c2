"""`make bench`: build one warehouse (BENCH_SCALE, default small) and run every benchmarks/bench_*.py on it,
then print one summary table of the figures the issue names, with the machine's load.

Scripts that take `--db` get that warehouse; the others run as they are. Each script's own output is
shown as it runs; the summary picks its figures out of that output (a figure a script did not print
shows as "n/a"). Figures are printed, never asserted: speed is measured here, not in tests. The
`large` scale (7 GB, minutes to build and to scan) is not run by default: BENCH_SCALE=large opts in.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent


def _find(pattern: str, text: str, fmt: Callable[[re.Match[str]], str]) -> str:
    match = re.search(pattern, text)
    return fmt(match) if match else "n/a"


def summary(outputs: dict[str, str], scale: str) -> list[tuple[str, str, str]]:
    """(figure, value, target) rows from the scripts' printed output."""
    cli = outputs.get("bench_cli_answer.py", "")
    slack = outputs.get("bench_slack_load.py", "")
    scan = outputs.get("bench_scan.py", "")
    dash = outputs.get("bench_dashboard.py", "")
    ingest = outputs.get("bench_ingest.py", "")
    sem = outputs.get("bench_semantic_layer.py", "")
    rows = []
    for name in ("demo", scale):
        rows.append((f"pace ask on {name}: CPU / wall (median)",
                     _find(rf"\(this\) on {name}\s+CPU median ([\d.]+) s, wall median ([\d.]+) s", cli,
                           lambda m: f"{m[1]} s / {m[2]} s"), "1 s"))
    rows += [
        ("Slack ack p50 / p95, real answers",
         _find(r"ack time: p50 ([\d.]+) ms, p95 ([\d.]+) ms", slack, lambda m: f"{float(m[1]):.0f} / {float(m[2]):.0f} ms"), "p95 < 3000 ms"),
        ("Slack answer p50 / p95 (burst of 200)",
         _find(r"answer time \(sent -> posted\): p50 (\d+) ms, p95 (\d+) ms", slack, lambda m: f"{m[1]} / {m[2]} ms"), "-"),
        ("Slack: every event answered exactly once", _find(r"exactly once: (\w+)", slack, lambda m: m[1]), "True"),
        (f"scan, last 120 days ({scale})", _find(r"full scan: ([\d.]+) s wall", scan, lambda m: f"{m[1]} s"), "30 s on large"),
        (f"dashboard first / warm render ({scale})",
         _find(r"first render[^\n]*?(\d+) ms(?s:.*?)warm render, median of \d+:\s+(\d+) ms", dash, lambda m: f"{m[1]} / {m[2]} ms"),
         "warm <= 1000 ms"),
    ]
    for fmt in ("csv", "parquet"):
        rows.append((f"ingest {fmt} rows/s (median)",
                     _find(rf"ingest {fmt}\s+median\s+([\d,]+) rows/s", ingest, lambda m: m[1]), ">= 1,000,000"))
    rows.append(("compiled / hand-written time (interleaved)",
                 _find(r"time ratio: ([\d.]+)", sem, lambda m: m[1]), "<= 1.1"))
    return rows


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    db = HERE / ".cache" / f"{scale}.duckdb"
    if not db.exists():
        from telemetry.generator import generate

        print(f"building the {scale} warehouse for benchmarks at {db} ...", flush=True)
        generate(db, scale=scale, seed=7, end=date(2026, 11, 23), progress=True)
    failed = 0
    outputs: dict[str, str] = {}
    loads = [os.getloadavg()]
    for script in sorted(HERE.glob("bench_*.py")):
        args = [sys.executable, str(script)]
        if '"--db"' in script.read_text():
            args += ["--db", str(db)]
        print(f"\n== {script.name} ==", flush=True)
        lines = []
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            for line in proc.stdout or []:
                print(line, end="", flush=True)
                lines.append(line)
        outputs[script.name] = "".join(lines)
        failed += proc.returncode != 0
        loads.append(os.getloadavg())

    rows = summary(outputs, scale)
    width = max(len(r[0]) for r in rows)
    print(f"\n== summary ({scale} warehouse; the large scale is not run by default: BENCH_SCALE=large) ==")
    print(f"{'figure':<{width}}  {'measured':>22}  target")
    for figure, value, target in rows:
        print(f"{figure:<{width}}  {value:>22}  {target}")
    one_min = [load[0] for load in loads]
    print(f"machine: {os.cpu_count()} cores; 1-minute load average {min(one_min):.1f} to {max(one_min):.1f} during the run "
          "(wall times under load are not targets met; compare CPU times)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
