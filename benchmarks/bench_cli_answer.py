"""Whole-process `pace ask` on demo and other warehouses: `python benchmarks/bench_cli_answer.py [--db PATH]... [--repeat 5]`.

Each run is a fresh `pace ask "gpu hours by team last week"` process (imports, catalog, warehouse
open, the answer, the printout). CPU seconds (user + system, from the kernel's accounting of the
child) are the figure to compare on a shared machine; wall seconds are printed beside them with the
load average, and mean little while other work runs. Warehouses are interleaved run by run. The demo
warehouse is built under benchmarks/.cache when missing. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent
QUESTION = "gpu hours by team last week"
PACE = [sys.executable, "-c", "import sys; from faces.cli import main; sys.argv[0] = 'pace'; main()"]


def one(db: Path, root: Path = HERE.parent) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one `pace ask` process run from the checkout at `root`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([*PACE, "ask", QUESTION, "--db", str(db)], capture_output=True, text=True, cwd=root)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pace ask failed on {db}: {done.stderr.strip()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def demo_db() -> Path:
    path = HERE / ".cache" / "demo.duckdb"
    if not path.exists():
        from telemetry.generator import generate

        path.parent.mkdir(parents=True, exist_ok=True)
        generate(path, scale="demo", seed=7, end=date(2026, 11, 23))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, action="append", default=[], help="a warehouse (repeatable); demo is always included")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout of pace (e.g. `git archive REV | tar -x`) run interleaved, A/B")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    dbs = [demo_db(), *args.db]
    roots = {"this": HERE.parent.resolve(), **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    cases = [(label, root, db) for db in dbs for label, root in roots.items()]
    for _label, root, db in cases:
        one(db, root)  # warm the page cache and the on-disk catalog cache
    cpu: dict[tuple[str, str], list[float]] = {(label, db.stem): [] for label, _r, db in cases}
    wall: dict[tuple[str, str], list[float]] = {(label, db.stem): [] for label, _r, db in cases}
    for i in range(args.repeat):
        for label, root, db in (cases if i % 2 == 0 else cases[::-1]):  # interleaved, order alternating
            c, w = one(db, root)
            cpu[(label, db.stem)].append(c)
            wall[(label, db.stem)].append(w)
    load = os.getloadavg()
    rows = {f"{label}:{name}": {"cpu_s": statistics.median(cpu[(label, name)]), "wall_s": statistics.median(wall[(label, name)])}
            for label, name in cpu}
    for key, r in rows.items():
        label, name = key.split(":")
        print(f"pace ask ({label}) on {name:<10} CPU median {r['cpu_s']:.2f} s, wall median {r['wall_s']:.2f} s "
              f"over {args.repeat} runs (target: 1 s)")
    print(f"{os.cpu_count()} cores; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    if args.json:
        print(json.dumps({"cli": {k.removeprefix("this:"): v for k, v in rows.items()}, "load": load}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
