"""Deterministic, vectorized generator of realistic ML-compute telemetry (`pace seed`).

Same seed, scale and end date -> identical tables. Every fact is computed on numpy arrays of
streams x hours (or in DuckDB SQL) and inserted in chunks, so the `large` scale (>100M hourly rows)
stays within a few GiB. Injected anomalies are recorded in `anomaly_ground_truth` so scans can be
scored; see docs/data-model.md for what each table means.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from telemetry import fleet
from telemetry.anomalies import Anomaly, plan_anomalies
from core.errors import UserError
from core.settings import Settings
from telemetry.gpu_hours import GpuNames, dcgm_streams, gpu_rows, gpu_slices, insert_gpu_rows
from telemetry.gpu_hours import record_coverage as record_gpu_coverage
from telemetry.facts import build_cost_daily, build_jobs, build_quotas, build_serving, execute_with
from telemetry.operations import build_compute_requests, build_incidents
from telemetry.rollups import refresh as refresh_rollups
from telemetry.schema import create_schema
from telemetry.streams import SCALES, Scale, StreamArrays, copy_suffix, fleet_streams
from telemetry.warehouse import require_warehouse, version, writer

GENERATOR_VERSION = "1.0.0"
ROWS_PER_CHUNK = 4_000_000


def default_end() -> date:
    """Today (UTC): data ends at the start of today, so yesterday is the last complete day."""
    return datetime.now(timezone.utc).date()


def workload_shapes(workload: np.ndarray, hour_of_day: np.ndarray, weekday: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Allocation and busy multipliers (streams x hours) by workload: diurnal, weekly, off-peak."""
    work_hours = ((hour_of_day >= 8) & (hour_of_day < 19)).astype(float)  # US-centric working day
    night = ((hour_of_day >= 22) | (hour_of_day < 6)).astype(float)
    weekend = (weekday >= 5).astype(float)
    traffic = 0.55 + 0.45 * np.sin((hour_of_day - 9) / 24 * 2 * np.pi) ** 2 * (1 - 0.3 * weekend)
    w = workload[:, None]
    alloc = np.select(
        [w == "training", w == "fine-tuning", w == "evaluation", w == "batch-inference", w == "online-inference"],
        [
            np.ones_like(traffic),
            0.75 + 0.25 * (1 - weekend),
            0.45 + 0.55 * work_hours * (1 - 0.6 * weekend),
            0.45 + 0.55 * night,
            0.85 + 0.15 * traffic,
        ],
        default=0.25 + 0.75 * work_hours * (1 - weekend),
    )
    busy = np.select([w == "online-inference", w == "evaluation"], [0.45 + 0.55 * traffic, 0.8 + 0.2 * work_hours], 1.0)
    return alloc, busy


def utilization_chunk(
    streams: StreamArrays, start: datetime, hour0: int, n: int, n_total: int, seed: int, chunk: int, anomalies: list[Anomaly]
) -> pa.Table:
    """Hourly utilization for hours [hour0, hour0+n) of every stream, anomalies applied."""
    rng = np.random.default_rng([seed, 1, chunk])
    hours = np.arange(hour0, hour0 + n)
    stamps = np.datetime64(start, "h") + hours.astype("timedelta64[h]")
    hod = (stamps - stamps.astype("datetime64[D]")).astype(int)
    weekday = ((stamps.astype("datetime64[D]").astype(int) + 3) % 7)  # 1970-01-01 was a Thursday
    growth = np.exp(np.log(1.3) * (hours - n_total) / (365 * 24))
    alloc_shape, busy_shape = workload_shapes(streams.workload, hod, weekday)
    s = len(streams)
    day_index = (hours - hour0) // 24
    daily_noise = rng.normal(0, 0.05, (s, int(day_index.max()) + 1))[:, day_index]
    allocated = streams.base[:, None] * growth[None, :] * alloc_shape * (1 + daily_noise + rng.normal(0, 0.03, (s, n)))
    busy_frac = streams.busy_share[:, None] * busy_shape + rng.normal(0, 0.04, (s, n))
    since_intro = hours[None, :] - streams.intro_hour[:, None]
    introduced = (streams.intro_hour[:, None] < 0) | (since_intro >= 0)
    ramp = np.where(streams.intro_hour[:, None] < 0, 1.0, np.clip(since_intro / (21 * 24), 0.15, 1.0))
    allocated = np.where(introduced, allocated * ramp, 0.0)
    busy_frac = busy_frac * np.where(streams.intro_hour[:, None] < 0, 1.0, 0.55 + 0.45 * ramp)
    sm_scale = streams.sm_efficiency[:, None] * (0.95 + 0.1 * rng.random((s, n)))
    energy_scale = np.ones((s, n))
    for a in anomalies:
        a.apply_to_utilization(streams, hours, allocated, busy_frac, energy_scale)
    allocated = np.clip(allocated, 0.0, None).round(3)
    busy_frac = np.clip(busy_frac, 0.0, 0.99)
    busy = (allocated * busy_frac).round(3)
    sm_active = np.clip(busy_frac * sm_scale, 0.0, 1.0).round(4)
    memory = (streams.memory_gb[:, None] * streams.memory_share[:, None] * (0.3 + 0.7 * busy_frac)).round(2)
    # The hour's highest single GPU_UTIL sample over the row's accelerators sits well above its mean.
    peak = (100 * np.minimum(1.0, busy_frac + (1 - busy_frac) * (0.35 + 0.5 * rng.random((s, n))))).round(2)
    energy = (allocated * streams.tdp[:, None] * (0.22 + 0.78 * sm_active) * energy_scale / 1000).round(3)
    keep = (allocated > 0).ravel()
    stream_idx = np.repeat(np.arange(s, dtype=np.int32), n)[keep]
    hour_idx = np.tile(hours.astype(np.int32), s)[keep]
    return pa.table(
        {
            "h": hour_idx,
            "s": stream_idx,
            "allocated_hours": allocated.ravel()[keep],
            "busy_hours": busy.ravel()[keep],
            "sm_active": sm_active.ravel()[keep],
            "memory_used_gb": memory.ravel()[keep],
            "energy_kwh": energy.ravel()[keep],
            "peak_util_pct": peak.ravel()[keep],
        }
    )


def load_dimensions(con: duckdb.DuckDBPyConnection, scale: Scale, start: datetime, end: datetime) -> None:
    """Catalog, clusters, capacity, orgs, teams, projects and endpoints (capacity scaled with copies)."""
    days = (end - start).days
    con.executemany(
        "INSERT INTO accelerator_types VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            list(a[:11]) + [(end - timedelta(days=a[11])).date() if a[11] is not None and a[11] < days else None]
            for a in fleet.ACCELERATORS
        ],
    )
    con.executemany(
        "INSERT INTO clusters VALUES (?,?,?,?,?)", [list(c[:5]) for c in fleet.CLUSTERS]
    )
    intro = {a[0]: a[11] for a in fleet.ACCELERATORS}
    con.executemany(
        "INSERT INTO cluster_capacity VALUES (?,?,?,?)",
        [
            (
                c[0],
                acc,
                n * scale.fleet_copies,
                (end - timedelta(days=intro[acc])).date() if intro[acc] is not None and intro[acc] < days else start.date(),
            )
            for c in fleet.CLUSTERS
            for acc, n in c[5].items()
        ],
    )
    con.executemany("INSERT INTO orgs VALUES (?,?,?)", [list(o) for o in fleet.ORGS])
    cost_center = {o[0]: o[1] for o in fleet.ORGS}
    con.executemany(
        "INSERT INTO teams VALUES (?,?,?,?,?)",
        [
            (t.team + copy_suffix(k), t.org, cost_center[t.org], t.tier2_lead, f"#team-{t.team}{copy_suffix(k)}")
            for k in range(scale.fleet_copies)
            for t in fleet.TEAMS
        ],
    )
    con.executemany(
        "INSERT INTO projects VALUES (?,?,?,?)",
        [
            (p[0] + copy_suffix(k), p[1] + copy_suffix(k), p[2], p[3])
            for k in range(scale.fleet_copies)
            for p in fleet.PROJECTS
        ],
    )
    con.executemany("INSERT INTO endpoints VALUES (?,?,?,?,?,?,?)", [list(e[:7]) for e in fleet.ENDPOINTS])


def _insert_utilization(con: duckdb.DuckDBPyConnection, chunk: pa.Table, start: datetime) -> None:
    execute_with(
        con,
        """
        INSERT INTO utilization_hourly
        SELECT ?::TIMESTAMP + to_hours(c.h), s.cluster, s.accelerator_type, s.team, s.project, s.workload,
               c.allocated_hours, c.busy_hours, round(c.allocated_hours - c.busy_hours, 3), c.sm_active,
               c.memory_used_gb, c.energy_kwh, c.peak_util_pct
        FROM util_chunk c JOIN streams s ON s.s = c.s
        ORDER BY c.h, c.s
        """,
        [start],
        util_chunk=chunk,
    )


def _drop_all(con: duckdb.DuckDBPyConnection) -> None:
    from telemetry.schema import TABLES

    for table in TABLES:
        if table not in ("answer_feedback", "ingest_quarantine"):
            con.execute(exp.Drop(tables=[exp.to_table(table)], kind="TABLE", exists=True).sql("duckdb"))


def generate(
    path: Path | str,
    *,
    scale: str = "demo",
    seed: int = 7,
    end: date | None = None,
    progress: bool = False,
    force: bool = False,
) -> dict[str, int]:
    """(Re)build the warehouse at `path`; returns row counts per table.

    Written through `telemetry.warehouse.writer`: the next version is built beside the current one and
    swapped in, so readers keep answering meanwhile. Only pace's own tables are dropped; a file that is
    not a pace warehouse is refused unless `force` (then it is kept aside, never overwritten).
    """
    if scale not in SCALES:
        raise UserError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    spec = SCALES[scale]
    end_day = end or default_end()
    end_dt = datetime(end_day.year, end_day.month, end_day.day)
    start_dt = end_dt - timedelta(days=spec.days)
    n_hours = spec.days * 24
    streams = fleet_streams(spec, n_hours)
    rng = np.random.default_rng([seed, 0])
    anomalies = plan_anomalies(rng, streams, spec.anomalies_per_kind, n_hours, start_dt)

    path = Path(path)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    chunk_days = max(1, ROWS_PER_CHUNK // (len(streams) * 24))
    n_chunks = -(-spec.days // chunk_days)
    steps = n_chunks + 6
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), disable=not progress, transient=True,
    ) as bar, writer(path, create=True, force=force, purpose=f"seed --scale {scale}") as con:
        task = bar.add_task(f"building {scale} warehouse", total=steps)
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET memory_limit = '6GB'")
        con.execute("SET enable_progress_bar = false")  # the rich bar above is the progress people see
        con.execute(f"SET temp_directory = '{path.parent / (path.name + '.tmp')}'")
        _drop_all(con)
        create_schema(con)
        load_dimensions(con, spec, start_dt, end_dt)
        execute_with(
            con,
            "CREATE TEMP TABLE streams AS SELECT * FROM streams_arrow",
            streams_arrow=pa.table(
                {
                    "s": np.arange(len(streams), dtype=np.int32),
                    "team": streams.team,
                    "project": streams.project,
                    "workload": streams.workload,
                    "cluster": streams.cluster,
                    "accelerator_type": streams.accelerator_type,
                }
            ),
        )
        bar.advance(task)
        gpu_ok, gpu_first = dcgm_streams(streams), max(0, n_hours - spec.gpu_days * 24)
        gpu_names = GpuNames(streams)
        for chunk in range(n_chunks):
            h0 = chunk * chunk_days * 24
            n = min(chunk_days * 24, n_hours - h0)
            util = utilization_chunk(streams, start_dt, h0, n, n_hours, seed, chunk, anomalies)
            peak = util["peak_util_pct"].to_numpy().copy()  # raised to the busiest GPU's hourly mean
            for lo, hi in gpu_slices(streams, gpu_ok, max(h0, gpu_first), h0 + n):
                insert_gpu_rows(con, gpu_rows(util, streams, gpu_ok, lo, hi, seed, start_dt, peak=peak, names=gpu_names))
            util = util.set_column(util.schema.get_field_index("peak_util_pct"), "peak_util_pct", pa.array(peak))
            _insert_utilization(con, util, start_dt)
            bar.advance(task)
        if spec.gpu_days and gpu_ok.any():
            record_gpu_coverage(con, start_dt + timedelta(hours=gpu_first), end_dt)
        build_jobs(con, streams, spec.job_copies, start_dt, n_hours, seed, anomalies)
        bar.advance(task)
        build_cost_daily(con, start_dt, end_dt, seed, anomalies)
        bar.advance(task)
        build_serving(con, start_dt, n_hours, seed, anomalies)
        bar.advance(task)
        build_compute_requests(con, start_dt, end_dt, seed, spec.fleet_copies)
        build_incidents(con, start_dt, end_dt, seed, anomalies)
        bar.advance(task)
        build_quotas(con, streams, start_dt, end_dt)
        con.executemany(
            "INSERT INTO anomaly_ground_truth VALUES (?,?,?,?,?,?,?,?,?,?,?)", [a.ground_truth_row() for a in anomalies]
        )
        con.execute(
            "INSERT INTO pace_meta VALUES (?,?,?,?,?,current_timestamp::TIMESTAMP,'generated')",
            [GENERATOR_VERSION, seed, scale, start_dt, end_dt],
        )
        refresh_rollups(con)  # in the same next version as the facts: readers never see them disagree
        con.execute("CHECKPOINT")
        bar.advance(task)
        counts = {
            t: con.execute(exp.select(exp.Count(this=exp.Star())).from_(exp.to_table(t)).sql("duckdb")).fetchone()[0]
            for t in (
                "utilization_hourly", "gpu_hourly", "jobs", "cost_daily", "serving_hourly", "quotas",
                "compute_requests", "incidents", "anomaly_ground_truth",
            )
        }
    return counts


def build_demo_if_missing(settings: Settings, *, quiet: bool = False) -> Path:
    """`pace demo`: build the demo-scale warehouse when the path is empty; otherwise only check it."""
    if version(settings.db) is None:
        generate(settings.db, scale="demo", progress=not quiet)
    return require_warehouse(settings.db)
