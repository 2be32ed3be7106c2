"""`make bench`: build one warehouse (BENCH_SCALE, default small) and run every benchmarks/bench_*.py on it,
then print one summary table of the figures issue 25 names, each with its target, met or missed, and
the machine's load while it was measured.

Scripts that take `--db` get that warehouse; the others run as they are. With BENCH_LARGE_DB=PATH (an
existing `large` warehouse: 3 years, 100M+ rows; build one with `pace seed --scale large`, add rollups to
an older one with `pace rollups`), the CLI answer is timed on it too, and the scan and the dashboards run
on it instead, which is where their targets apply. BENCH_ONLY=bench_dashboard,bench_cli_answer runs a
subset. Each script's own output is shown as it runs; the summary picks its figures out of that output
(a figure a script did not print shows as "n/a"). Every script interleaves what it compares (A/B runs
alternate) and reports medians. Figures are printed, never asserted: speed is measured here, not in tests.
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


Row = tuple[str, str, str, str, str]
"""(figure, measured, target, verdict, load while measured)."""


def _verdict(value: float | None, limit: float, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    ok = value >= limit if higher_is_better else value <= limit
    return "met" if ok else f"missed by {abs(value - limit) / limit:.0%}"


def _num(pattern: str, text: str, group: int = 1) -> float | None:
    match = re.search(pattern, text)
    return float(match[group].replace(",", "")) if match else None


def summary(outputs: dict[str, str], scale: str, large: bool = False, loads: dict[str, str] | None = None) -> list[Row]:
    """The summary rows from the scripts' printed output (and the load while each script ran)."""
    loads = loads or {}
    cli, slack, scan = outputs.get("bench_cli_answer.py", ""), outputs.get("bench_slack_load.py", ""), outputs.get("bench_scan.py", "")
    dash, ingest, sem = outputs.get("bench_dashboard.py", ""), outputs.get("bench_ingest.py", ""), outputs.get("bench_semantic_layer.py", "")
    where = "large" if large else scale
    rows: list[Row] = []
    for name in dict.fromkeys(("demo", scale, *(["large"] if large else []))):
        cpu = _num(rf"\(this\) on {name}\s+CPU median ([\d.]+) s", cli)
        wall = _num(rf"\(this\) on {name}\s+CPU median [\d.]+ s, wall median ([\d.]+) s", cli)
        rows.append((f"pace ask on {name}: CPU / wall (median)", "n/a" if cpu is None else f"{cpu:.2f} s / {wall:.2f} s",
                     "1 s", _verdict(wall, 1.0), loads.get("bench_cli_answer.py", "")))
    ack = _num(r"ack time: p50 [\d.]+ ms, p95 ([\d.]+) ms", slack)
    rows += [
        ("Slack ack p50 / p95, real answers",
         _find(r"ack time: p50 ([\d.]+) ms, p95 ([\d.]+) ms", slack, lambda m: f"{float(m[1]):.0f} / {float(m[2]):.0f} ms"),
         "p95 < 3000 ms", _verdict(ack, 3000), loads.get("bench_slack_load.py", "")),
        ("Slack answer p50 / p95 (burst of 200)",
         _find(r"answer time \(sent -> posted\): p50 (\d+) ms, p95 (\d+) ms", slack, lambda m: f"{m[1]} / {m[2]} ms"), "-", "",
         loads.get("bench_slack_load.py", "")),
        ("Slack: every event answered exactly once", _find(r"exactly once: (\w+)", slack, lambda m: m[1]), "True",
         _find(r"exactly once: (\w+)", slack, lambda m: "met" if m[1] == "True" else "missed"), loads.get("bench_slack_load.py", "")),
    ]
    scan_s = _num(r"full scan: ([\d.]+) s wall", scan)
    rows.append((f"scan, last 120 days ({where})", _find(r"full scan: ([\d.]+) s wall, ([\d.]+) s CPU", scan,
                                                          lambda m: f"{m[1]} s wall, {m[2]} s CPU"),
                 "30 s on large", _verdict(scan_s, 30) if large else "n/a (not large)", loads.get("bench_scan.py", "")))
    first = _num(r"first render[^\n]*?(\d+) ms", dash)
    worst = _num(r"every range after the first render: max (\d+) ms", dash)
    rows += [
        (f"dashboard first render ({where})", "n/a" if first is None else f"{first:.0f} ms", "-", "", loads.get("bench_dashboard.py", "")),
        (f"dashboard, every range after the first render: CPU max / median ({where})",
         _find(r"CPU \(this process[^)]*\): max (\d+) ms \(([^)]*)\), median (\d+) ms", dash, lambda m: f"{m[1]} ms ({m[2]}) / {m[3]} ms"),
         "-", "", loads.get("bench_dashboard.py", "")),
        (f"dashboard, every range after the first render: wall max / median ({where})",
         _find(r"every range after the first render: max (\d+) ms \(([^)]*)\), median (\d+) ms", dash,
               lambda m: f"{m[1]} ms ({m[2]}) / {m[3]} ms"),
         "<= 1000 ms each", _verdict(worst, 1000) if large else "n/a (not large)", loads.get("bench_dashboard.py", "")),
    ]
    for fmt in ("csv", "parquet"):
        rate = _num(rf"ingest {fmt}\s+median\s+([\d,]+) rows/s", ingest)
        rows.append((f"ingest {fmt} rows/s (median)", "n/a" if rate is None else f"{rate:,.0f}", ">= 1,000,000",
                     _verdict(rate, 1_000_000, higher_is_better=True), loads.get("bench_ingest.py", "")))
    ratio = _num(r"time ratio: ([\d.]+)", sem)
    rows.append((f"compiled / hand-written time, interleaved ({scale})", "n/a" if ratio is None else f"{ratio:.3f}", "<= 1.1",
                 _verdict(ratio, 1.1), loads.get("bench_semantic_layer.py", "")))
    return rows


def _args(script: Path, db: Path, large: Path | None) -> list[str]:
    """The warehouse(s) a script gets: the CLI answer both, the scan and dashboards the large one when given."""
    if '"--db"' not in script.read_text():
        return []
    if large is not None and script.name == "bench_cli_answer.py":
        return ["--db", str(db), "--db", str(large)]
    if large is not None and script.name == "bench_scan.py":
        return ["--db", str(large), "--total-only"]
    if large is not None and script.name == "bench_dashboard.py":
        return ["--db", str(large)]
    return ["--db", str(db)]


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    db = HERE / ".cache" / f"{scale}.duckdb"
    if not db.exists():
        from telemetry.generator import generate

        print(f"building the {scale} warehouse for benchmarks at {db} ...", flush=True)
        generate(db, scale=scale, seed=7, end=date(2026, 11, 23), progress=True)
    large = None
    if os.environ.get("BENCH_LARGE_DB") and scale != "large":
        large = HERE / ".cache" / "large.duckdb"  # a link, so the scripts label it "large"
        if large.is_symlink() or large.exists():
            large.unlink()
        large.symlink_to(Path(os.environ["BENCH_LARGE_DB"]).resolve())
    elif scale == "large":
        large = db
    only = {n.strip().removesuffix(".py") for n in os.environ.get("BENCH_ONLY", "").split(",") if n.strip()}
    failed = 0
    outputs: dict[str, str] = {}
    loads: dict[str, str] = {}
    all_loads = [os.getloadavg()[0]]
    for script in sorted(HERE.glob("bench_*.py")):
        if only and script.stem not in only:
            continue
        args = [sys.executable, str(script), *_args(script, db, large)]
        print(f"\n== {script.name} ==", flush=True)
        lines = []
        before = os.getloadavg()[0]
        with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            for line in proc.stdout or []:
                print(line, end="", flush=True)
                lines.append(line)
        outputs[script.name] = "".join(lines)
        failed += proc.returncode != 0
        after = os.getloadavg()[0]
        loads[script.name] = f"{before:.1f}-{after:.1f}"
        all_loads += [before, after]

    rows = summary(outputs, scale, large is not None, loads)
    heads = ("figure", "measured", "target", "verdict", "load")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    print(f"\n== summary ({scale} warehouse{'; large: ' + str(large.resolve()) if large else '; no large warehouse: BENCH_LARGE_DB=PATH'}) ==")
    for line in (heads, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    print(f"machine: {os.cpu_count()} cores; 1-minute load average {min(all_loads):.1f} to {max(all_loads):.1f} during the run "
          "(a wall time measured under load is not a target met or missed; compare CPU times)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
