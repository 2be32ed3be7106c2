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
hourly facts. The Python share of an unseen view is printed apart: compiling and validating every metric tile
of each range (validating the compiler's tree, as the engine does, interleaved with re-parsing the text, as
before issue 25), and the collector's full passes during the views (the server freezes what start-up built). Measured through the ASGI app (starlette TestClient), so routing
and the response are included. A script, not a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
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
from dashboards.query import build_query  # noqa: E402
from semantic_layer.compiler import compile_query  # noqa: E402
from semantic_layer.validator import validate_sql  # noqa: E402


class _Pauses:
    """The collector's passes while installed: count, and CPU time of the collecting thread per generation-2
    (full) pass (wall time would count the OS preempting it on a loaded machine)."""

    def __init__(self) -> None:
        self.full: list[float] = []
        self.passes = 0
        self._t = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.thread_time()
        else:
            self.passes += 1
            if info.get("generation") == 2:
                self.full.append(time.thread_time() - self._t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--dashboard", default="fleet")
    parser.add_argument("--range", default="7d", dest="range_")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2, the target machine)")
    parser.add_argument("--no-freeze", action="store_true", help="unfreeze what start-up built (to compare)")
    parser.add_argument("--ranges", default="24h,3d,7d,14d,30d,90d,all", help="presets timed after the first render")
    args = parser.parse_args()
    settings = Settings(PACE_DB=args.db, PACE_THREADS=args.threads, PACE_QUERY_TIMEOUT_S=600)
    url = f"/d/{args.dashboard}?range={args.range_}"

    t0 = time.perf_counter()
    with TestClient(create_app(settings)) as client:  # runs the lifespan: engine, catalog values, dashboards
        startup = time.perf_counter() - t0
        if args.no_freeze:
            gc.unfreeze()
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
        pauses = _Pauses()
        gc.callbacks.append(pauses)
        for rng in args.ranges.split(","):
            for suffix in ("", "&accelerator_type=H100"):
                t, c = time.perf_counter(), time.process_time()
                client.get(f"/d/{args.dashboard}?range={rng}{suffix}")
                others[rng + suffix.replace("&", " ")] = time.perf_counter() - t
                cpu[rng + suffix.replace("&", " ")] = time.process_time() - c
        gc.callbacks.remove(pauses)
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
    print(f"collector during the views: {pauses.passes} passes, {len(pauses.full)} full, full passes max "
          f"{max(pauses.full, default=0) * 1000:.0f} ms CPU, total {sum(pauses.full) * 1000:.0f} ms "
          f"({gc.get_freeze_count():,} objects frozen at start-up{', unfrozen: --no-freeze' if args.no_freeze else ''})")
    print(f"load at the end of the views: {os.getloadavg()[0]:.1f}")

    with DashboardContext(settings) as ctx:
        print(f"rollups in this warehouse: {', '.join(r.rollup.name for r in ctx.catalog.rollups) or 'none'}")
        dash = ctx.dashboards()[args.dashboard]
        rng, _, flt = worst.partition(" ")
        params = {"range": rng, **dict([flt.split("=")] if flt else [])}
        results = ctx.run(dash, ctx.state(params, dash))
        python_share(ctx, dash, args.ranges.split(","), args.repeat)
    print(f"slowest tiles at {worst} (warm engine, concurrent):")
    for r in sorted(results, key=lambda r: -r.elapsed_ms)[:6]:
        print(f"  {r.tile.id:24s} {r.elapsed_ms:8.0f} ms{'  ERROR ' + r.error if r.error else ''}")


def python_share(ctx: DashboardContext, dash, ranges: list[str], repeat: int) -> None:
    """CPU of compiling and validating one view's metric tiles, per range: tree vs re-parsed text, interleaved."""
    schema = ctx.engine.schema()
    tree_ms: list[float] = []
    text_ms: list[float] = []
    for rng in ranges:
        queries = [build_query(t, ctx.state({"range": rng}, dash), ctx.catalog).query for t in dash.tiles() if not t.tool]
        for _ in range(max(1, repeat)):
            for use_tree, out in ((True, tree_ms), (False, text_ms)):
                c = time.process_time()
                for q in queries:
                    compiled = compile_query(ctx.catalog, q)
                    validate_sql(compiled.sql, schema, tree=compiled.expression if use_tree else None)
                out.append((time.process_time() - c) * 1000)
    print(f"Python per unseen view ({len(queries)} metric tiles, median over {len(ranges)} ranges x {max(1, repeat)}): "
          f"compile + validate {statistics.median(tree_ms):.0f} ms CPU (re-parsing the SQL, as before: "
          f"{statistics.median(text_ms):.0f} ms)")


if __name__ == "__main__":
    main()
