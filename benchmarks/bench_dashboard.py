"""Time to first render of the fleet overview, then every range after it, server side, on a given warehouse.

Usage: .venv/bin/python benchmarks/bench_dashboard.py --db PATH [--dashboard fleet] [--range 7d] [--repeat 5]
       [--ranges 24h,3d,7d,14d,30d,90d,all]

Server start-up (the lifespan: open the hardened engine, read the catalog's filter values and pace_meta,
validate the dashboards) is timed apart from the first render (every tile concurrently, then the HTML
with inline SVG charts), which is what a person waits for on the first page load. It then times warm renders of the same view and of other
ranges (each preset once, with no filter and with accelerator_type=H100: a range not seen before
runs every tile again; target <= 1 s each, issue 25), and lists the slowest tiles of the slowest range.
The same view again is drawn from the tile results the server keeps per warehouse version.
Whether the warehouse holds rollups (telemetry/rollups.py) is printed: without them long ranges scan the
hourly facts. Measured through the ASGI app (starlette TestClient), so routing
and the response are included. A script, not a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.testclient import TestClient  # noqa: E402

from faces.web import create_app  # noqa: E402
from dashboards.runner import DashboardContext  # noqa: E402
from core.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--dashboard", default="fleet")
    parser.add_argument("--range", default="7d", dest="range_")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2, the target machine)")
    parser.add_argument("--ranges", default="24h,3d,7d,14d,30d,90d,all", help="presets timed after the first render")
    args = parser.parse_args()
    settings = Settings(PACE_DB=args.db, PACE_THREADS=args.threads, PACE_QUERY_TIMEOUT_S=600)
    url = f"/d/{args.dashboard}?range={args.range_}"

    t0 = time.perf_counter()
    with TestClient(create_app(settings)) as client:  # runs the lifespan: engine, catalog values, dashboards
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        first = client.get(url)
        cold = time.perf_counter() - t0
        assert first.status_code == 200, first.text[:300]
        warm = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            client.get(url)
            warm.append(time.perf_counter() - t)
        others: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for rng in args.ranges.split(","):
            for suffix in ("", "&accelerator_type=H100"):
                t, c = time.perf_counter(), time.process_time()
                client.get(f"/d/{args.dashboard}?range={rng}{suffix}")
                others[rng + suffix.replace("&", " ")] = time.perf_counter() - t
                cpu[rng + suffix.replace("&", " ")] = time.process_time() - c
    failed = first.text.count('data-status="error"')
    print(f"warehouse {args.db} ({args.db.stat().st_size / 1e6:,.0f} MB), dashboard {args.dashboard}, range {args.range_}, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"server start-up (engine open, catalog + values, dashboards validated): {startup * 1000:8.0f} ms")
    print(f"first render (every tile concurrently + HTML):                  {cold * 1000:8.0f} ms"
          f"  ({len(first.text) / 1024:,.0f} KiB, {failed} failed tiles)")
    print(f"same view again, median of {args.repeat} (tile results kept per warehouse version): "
          f"{statistics.median(warm) * 1000:8.0f} ms")
    for rng, s in others.items():
        print(f"  range {rng:<28}                                {s * 1000:8.0f} ms wall {cpu[rng] * 1000:8.0f} ms CPU")
    worst = max(others, key=others.__getitem__)
    print(f"every range after the first render: max {others[worst] * 1000:.0f} ms ({worst}), "
          f"median {statistics.median(others.values()) * 1000:.0f} ms over {len(others)} views")
    heavy = max(cpu, key=cpu.__getitem__)
    print(f"CPU (this process, DuckDB's threads included; {args.threads} threads): max {cpu[heavy] * 1000:.0f} ms ({heavy}), "
          f"median {statistics.median(cpu.values()) * 1000:.0f} ms; with {args.threads} idle cores a view takes at least "
          f"CPU / {args.threads}")
    print(f"load at the end of the views: {os.getloadavg()[0]:.1f}")

    with DashboardContext(settings) as ctx:
        print(f"rollups in this warehouse: {', '.join(r.rollup.name for r in ctx.catalog.rollups) or 'none'}")
        dash = ctx.dashboards()[args.dashboard]
        rng, _, flt = worst.partition(" ")
        params = {"range": rng, **dict([flt.split("=")] if flt else [])}
        results = ctx.run(dash, ctx.state(params, dash))
    print(f"slowest tiles at {worst} (warm engine, concurrent):")
    for r in sorted(results, key=lambda r: -r.elapsed_ms)[:6]:
        print(f"  {r.tile.id:24s} {r.elapsed_ms:8.0f} ms{'  ERROR ' + r.error if r.error else ''}")


if __name__ == "__main__":
    main()
