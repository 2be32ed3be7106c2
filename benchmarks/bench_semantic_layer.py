"""Compiled vs hand-written SQL per verified query, and the compile+validate overhead per question.

    python benchmarks/bench_semantic_layer.py --db PATH [--repeat 5]

Each verified query's period is moved by whole weeks so that it ends where the warehouse's data ends
(so `large` and `small` warehouses with other end dates still have data). Both SQLs run on the same
hardened engine; results are compared (floats within 1e-9) and times are medians of `--repeat` runs, compiled and
hand-written interleaved.
Targets (issue 3, on the `large` scale): median compiled/hand ratio <= 1.1; overhead <= 20 ms median.
The overhead covers compile + validate (planning belongs to the assistant), the validator reading the
compiler's tree as the engine does. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hand_written_verified import HAND_WRITTEN  # noqa: E402

from semantic_layer.catalog import load_catalog  # noqa: E402
from semantic_layer.compiler import compile_query  # noqa: E402
from semantic_layer.engine import Engine  # noqa: E402
from semantic_layer.query import MetricQuery, TimeRange  # noqa: E402
from semantic_layer.validator import validate_sql  # noqa: E402
from core.settings import Settings  # noqa: E402

DEFINITIONS_END = datetime(2026, 11, 23)


def _ts(value: datetime) -> str:
    return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"


def _rebase(query: MetricQuery, shift: timedelta) -> MetricQuery:
    if query.time_range is None or not shift:
        return query
    moved = TimeRange(start=query.time_range.start + shift, end=query.time_range.end + shift)
    return query.model_copy(update={"time_range": moved})


def _interleaved_ms(engine: Engine, a: str, b: str, repeat: int) -> tuple[float, list[tuple], float, list[tuple]]:
    """Medians of `a` and `b` run in alternating pairs (ABBA...), so a change in the machine's load
    during the run falls on both sides instead of on whichever ran last."""
    times: dict[str, list[float]] = {a: [], b: []}
    rows: dict[str, list[tuple]] = {a: [], b: []}
    for i in range(repeat):
        for sql in ((a, b) if i % 2 == 0 else (b, a)):
            result = engine.run_sql(sql)
            times[sql].append(result.elapsed_ms)
            rows[sql] = result.rows
    return statistics.median(times[a]), rows[a], statistics.median(times[b]), rows[b]


def _same(a: list[tuple], b: list[tuple], ordered: bool) -> bool:
    def key(row: tuple) -> tuple:
        return tuple((0, "") if v is None else (1, str(v)) if not isinstance(v, (int, float)) else (1, f"{v:.6g}") for v in row)

    if len(a) != len(b):
        return False
    if not ordered:
        a, b = sorted(a, key=key), sorted(b, key=key)
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                if not math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif x != y:
                return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="Warehouse DuckDB file (e.g. built with `pace seed --scale large`).")
    parser.add_argument("--repeat", type=int, default=5, help="Runs per query; the median is reported.")
    parser.add_argument("--json", action="store_true", help="Also print the summary as one JSON line (for run_all.py).")
    args = parser.parse_args()

    catalog = load_catalog()
    if len(HAND_WRITTEN) != len(catalog.verified_queries):
        print(f"hand-written SQL count {len(HAND_WRITTEN)} != verified queries {len(catalog.verified_queries)}", file=sys.stderr)
        return 1
    with Engine(Settings(PACE_DB=args.db, PACE_QUERY_TIMEOUT_S=600)) as engine:
        end = engine.run_sql("SELECT max(data_end) FROM pace_meta").rows[0][0] or DEFINITIONS_END
        shift = timedelta(days=7 * round((end - DEFINITIONS_END).days / 7))
        schema = engine.schema()
        ratios, overheads, mismatches = [], [], 0
        print(f"{'#':>3} {'compiled ms':>12} {'hand ms':>9} {'ratio':>6} {'match':>5}  question")
        for i, (vq, hand) in enumerate(zip(catalog.verified_queries, HAND_WRITTEN)):
            query = _rebase(vq.query_on(DEFINITIONS_END.date())[0], shift)  # relative period, then moved with the data
            t0 = time.perf_counter()
            compiled = compile_query(catalog, query)
            validated = validate_sql(compiled.sql, schema, tree=compiled.expression)  # as the engine checks it
            overheads.append((time.perf_counter() - t0) * 1000)
            period = query.time_range or TimeRange(start=datetime(1970, 1, 1), end=datetime(2100, 1, 1))
            length = period.end - period.start
            hand_sql = hand.format(S=_ts(period.start), E=_ts(period.end), P=_ts(period.start - length))
            engine.run_sql(validated.sql), engine.run_sql(hand_sql)  # warm both
            compiled_ms, compiled_rows, hand_ms, hand_rows = _interleaved_ms(engine, validated.sql, hand_sql, args.repeat)
            same = _same(compiled_rows, hand_rows, ordered=query.limit is not None)
            mismatches += not same
            ratios.append(compiled_ms / hand_ms if hand_ms else 1.0)
            print(f"{i:>3} {compiled_ms:>12.2f} {hand_ms:>9.2f} {ratios[-1]:>6.2f} {'yes' if same else 'NO':>5}  {vq.question}")
    print(f"\nwarehouse: {args.db} (data end {end:%Y-%m-%d}, periods shifted {shift.days} days)")
    print(f"median compiled/hand-written time ratio: {statistics.median(ratios):.3f} (target <= 1.1)")
    print(f"compile+validate overhead per question: median {statistics.median(overheads):.2f} ms, "
          f"p95 {sorted(overheads)[int(0.95 * (len(overheads) - 1))]:.2f} ms (target <= 20 ms median)")
    print(f"result mismatches: {mismatches}; compiled and hand-written runs interleaved; load average {os.getloadavg()[0]:.1f}")
    if args.json:
        print(json.dumps({"ratio": statistics.median(ratios), "overhead_ms": statistics.median(overheads),
                          "mismatches": mismatches, "load": os.getloadavg()}))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
