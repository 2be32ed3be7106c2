"""Each verified query on DuckDB and on Spark (local mode) over the same data, plus the export time.

    python benchmarks/bench_spark.py --db PATH [--export DIR] [--partition-by day] [--master local[2]] [--repeat 3]

The warehouse is exported to Parquet first (timed; `--export` defaults to `<db>.parquet`), then each
verified query (its period moved by whole weeks to end where the data ends) runs on the hardened
DuckDB engine and on the Spark engine; times are medians of `--repeat` warm runs, and the results are
compared (numbers within 1e-9 relative). Also printed: the Spark session start and the first (cold)
query. A script, not a test; without Java it says so and exits 0. docs/scale-out.md reads the numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_semantic_layer import DEFINITIONS_END, _rebase  # noqa: E402

from semantic_layer.catalog import load_catalog  # noqa: E402
from semantic_layer.engine import Engine  # noqa: E402
from semantic_layer.spark_engine import SparkEngine, java_problem, spark_session  # noqa: E402
from telemetry.export import export_parquet  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.spark.parity import diff  # noqa: E402


def _median_ms(run, repeat: int) -> tuple[float, list[tuple]]:  # type: ignore[no-untyped-def]
    times, rows = [], []
    for _ in range(repeat):
        result = run()
        times.append(result.elapsed_ms)
        rows = result.rows
    return statistics.median(times), rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="Warehouse DuckDB file (`pace seed --scale small|large`).")
    parser.add_argument("--export", type=Path, default=None, help="Parquet folder to (re)write; default <db>.parquet.")
    parser.add_argument("--partition-by", default="day", choices=("day", "month", "none"))
    parser.add_argument("--master", default="local[2]", help="Spark master URL.")
    parser.add_argument("--repeat", type=int, default=3, help="Warm runs per query; the median is reported.")
    args = parser.parse_args()
    problem = java_problem()
    if problem:
        print(f"skipped: {problem}")
        return 0

    out = args.export or args.db.with_name(args.db.stem + ".parquet")
    t0 = time.perf_counter()
    exported = export_parquet(args.db, out, partition_by=args.partition_by)
    export_s = time.perf_counter() - t0
    rows = sum(t.rows for t in exported.tables)
    print(f"export: {rows:,} rows in {len(exported.tables)} tables to {out} ({args.partition_by}) in {export_s:.1f} s")

    settings = Settings(PACE_DB=args.db, PACE_QUERY_TIMEOUT_S=600)
    spark_settings = settings.model_copy(update={"engine": "spark", "warehouse_path": str(out), "spark_master": args.master})
    t0 = time.perf_counter()
    spark_session(args.master)
    print(f"spark session start ({args.master}): {time.perf_counter() - t0:.1f} s")
    catalog = load_catalog()
    spark = SparkEngine(spark_settings)
    mismatches = 0
    with Engine(settings) as duck:
        end = duck.run_sql("SELECT max(data_end) FROM pace_meta").rows[0][0] or DEFINITIONS_END
        shift = timedelta(days=7 * round((end - DEFINITIONS_END).days / 7))
        valued = catalog.with_values(duck)
        t0 = time.perf_counter()
        spark.run_query(valued, _rebase(catalog.verified_queries[0].query_on(DEFINITIONS_END.date())[0], shift))
        print(f"first Spark query (cold: views, planning, JIT): {time.perf_counter() - t0:.1f} s\n")
        print(f"{'#':>3} {'duckdb ms':>10} {'spark ms':>10} {'ratio':>7} {'match':>5}  question")
        duck_all, spark_all = [], []
        for i, vq in enumerate(catalog.verified_queries):
            query = _rebase(vq.query_on(DEFINITIONS_END.date())[0], shift)  # relative period, then moved with the data
            duck.run_query(valued, query)  # warm
            duck_ms, duck_rows = _median_ms(lambda q=query: duck.run_query(valued, q), args.repeat)
            spark.run_query(valued, query)
            spark_ms, spark_rows = _median_ms(lambda q=query: spark.run_query(valued, q), args.repeat)
            same = diff(duck_rows, spark_rows, ordered=True) is None
            mismatches += not same
            duck_all.append(duck_ms)
            spark_all.append(spark_ms)
            print(f"{i:>3} {duck_ms:>10.1f} {spark_ms:>10.1f} {spark_ms / max(duck_ms, 1e-3):>7.1f} {'yes' if same else 'NO':>5}  {vq.question}")
    print(f"\nwarehouse: {args.db} ({rows:,} rows; data end {end:%Y-%m-%d}, periods shifted {shift.days} days)")
    print(f"export: {export_s:.1f} s; median per query: DuckDB {statistics.median(duck_all):.1f} ms, "
          f"Spark {args.master} {statistics.median(spark_all):.1f} ms; total DuckDB {sum(duck_all) / 1000:.1f} s, "
          f"Spark {sum(spark_all) / 1000:.1f} s")
    print(f"result mismatches: {mismatches}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
