"""CPU time to print results and to check hostile SQL: the costs issue 20 bounded.

    python benchmarks/bench_output.py [--rows 10000]

- Printing N result rows (10 columns) to a pipe (plain text), to an 80-column terminal (Rich past
  `STREAM_ROWS` rows switches to plain text), as CSV and as JSON, through `assistant.render.tables`.
  Before issue 20, 10k rows through a Rich table took 16 s of CPU against 0.9 s for `--json`.
- Validating SQL built to be slow (7,000 and 20,000 OR terms; the largest IN list within the node
  limit): refused or passed within 2 s (it took 26.7 s and >300 s before the limits).
A script, not a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.render.console import SafeConsole  # noqa: E402
from assistant.render.tables import print_rows  # noqa: E402
from semantic_layer.errors import SQLRefused  # noqa: E402
from semantic_layer.schema_info import ddl_schema  # noqa: E402
from semantic_layer.validator import validate_sql  # noqa: E402


def cpu(fn) -> float:  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    n = parser.parse_args().rows
    columns = [f"col_{i}" for i in range(8)] + ["job_id", "team"]
    rows = [[i * 1.5, i, "training", "H100", f"us-east-{i % 3}", i % 7, "completed", 3.25, f"JOB-{i:08d}", f"team-{i % 11}"]
            for i in range(n)]
    for label, kwargs, fmt in [("pipe (plain)", {}, "auto"), ("terminal 80 cols", {"force_terminal": True, "width": 80}, "auto"),
                               ("csv", {}, "csv"), ("json", {}, "json")]:
        console = SafeConsole(file=io.StringIO(), **kwargs)
        print(f"print {n:,} rows, {label:<17} {cpu(lambda: print_rows(console, columns, rows, fmt=fmt)):6.2f} s CPU")  # noqa: B023
    schema = ddl_schema()
    for label, sql in [
        ("7,000 OR terms", "SELECT team FROM jobs WHERE " + " OR ".join(f"accelerators = {i}" for i in range(7000))),
        ("20,000 OR terms", "SELECT team FROM jobs WHERE " + " OR ".join(f"accelerators = {i}" for i in range(20000))),
        ("IN list, 2,900 values", "SELECT team FROM jobs WHERE accelerators IN (" + ",".join(map(str, range(2900))) + ")"),
    ]:
        t0 = time.perf_counter()
        try:
            validate_sql(sql, schema)
            outcome = "passed"
        except SQLRefused as exc:
            outcome = "refused: " + str(exc)[:60]
        print(f"validate {label:<22} {time.perf_counter() - t0:6.2f} s  {outcome}")


if __name__ == "__main__":
    main()
