"""Per-GPU hourly rows (`gpu_hourly`) split from the generator's team-grain utilization, so they add up.

Each stream's hour of `utilization_hourly` (A allocated GPU-hours, B busy) becomes ceil(A) GPU rows: the
stream's GPU slots 0..ceil(A)-1, each observed a whole hour but the last, which carries the fraction.
Slot j of a stream is always the same GPU (a stable UUID, host and index), so a GPU's day can be read.

Per-GPU busy shares are spread around the stream's mean and then corrected so that, per stream-hour,
sum(observed x GPU_UTIL / 100) = B, the observed hours sum to A, the observed-hour-weighted means of
SM activity and framebuffer used equal the team row's, and the energies sum to its kWh. The DCGM
ingest (telemetry/ingest/dcgm.py) aggregates `gpu_hourly` to the team grain the same way, so the two
tables agree. Some GPUs sit idle (under 3% busy) for a whole day where the stream's idle capacity
allows it, as stranded GPUs do. Only NVIDIA data-center GPUs get rows: DCGM exports nothing else.
Fields that the team rows do not determine (tensor and DRAM activity) are NULL, "not measured".

Draws are hashes of (seed, stream, slot, day or hour), not a sequential generator, so a GPU's values do
not depend on how the hours were chunked.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from telemetry import fleet
from telemetry.streams import StreamArrays

IDLE_DAY_SHARE = 0.04  # chance a GPU slot sits idle for a day, where the stream's spare capacity allows
IDLE_MAX_BUSY = 0.03  # an idle GPU's busy share stays under this (below the default 5% idle threshold)
SCRAPES_PER_HOUR = 120  # dcgm-exporter's default collection interval is 30 s
FIELDS_PER_SCRAPE = 7  # GPU_UTIL, GR_ENGINE_ACTIVE, SM_ACTIVE, FB_USED, FB_FREE, POWER_USAGE, TOTAL_ENERGY
BUSY_CAP = 0.99  # the generator's busy share never exceeds this
SLOT_LIMIT = 1 << 20  # more GPU slots than any stream has (stream x SLOT_LIMIT + slot is a GPU's key)
ROWS_PER_SLICE = 500_000  # GPU rows built at once: about 100 MB of numpy temporaries


def dcgm_streams(streams: StreamArrays) -> np.ndarray:
    """Which streams run on NVIDIA data-center GPUs (DCGM's scope; not TPUs, Inferentia or Jetson)."""
    ok = {a[0] for a in fleet.ACCELERATORS if a[1] == "GPU" and a[2] == "NVIDIA" and not a[10]}
    return np.isin(streams.accelerator_type, sorted(ok))


def _unit(seed: int, tag: int, *keys: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) from a splitmix64 hash of the seed, a tag and integer keys (vectorized, order-free)."""
    x = np.full(np.shape(keys[0]), (seed * 0x9E3779B97F4A7C15 + tag) % 2**64, dtype=np.uint64)
    for k in keys:
        x = (x ^ np.asarray(k).astype(np.uint64)) * np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(31)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def gpu_slices(streams: StreamArrays, gpu_streams: np.ndarray, first: int, end: int) -> list[tuple[int, int]]:
    """Hour ranges [lo, hi) covering [first, end) with about ROWS_PER_SLICE GPU rows each (bounded memory)."""
    per_hour = max(1.0, 1.3 * float(streams.base[gpu_streams].sum()))
    step = max(1, int(ROWS_PER_SLICE // per_hour))
    return [(lo, min(lo + step, end)) for lo in range(first, end, step)]


def gpu_rows(
    chunk: pa.Table, streams: StreamArrays, gpu_streams: np.ndarray, first_hour: int, end_hour: int, seed: int,
    start: datetime, *, peak: np.ndarray | None = None, names: GpuNames | None = None,
) -> pa.Table:
    """One chunk of team-grain utilization (`h`, `s`, allocated, busy, SM, memory, energy) -> per-GPU rows.

    Only hours in [first_hour, end_hour) (counted from `start`) and streams where `gpu_streams` is true;
    the columns of `gpu_hourly`, with the DCGM field means in NVIDIA's units. `peak` (the chunk's
    `peak_util_pct`, changed in place) is raised where a GPU's hourly mean exceeds it: no sample of the
    hour can be lower than a mean of the hour's samples. `names` (one per generation) names each GPU once.
    """
    h_all, s_all = chunk["h"].to_numpy(), chunk["s"].to_numpy()
    keep = np.nonzero((h_all >= first_hour) & (h_all < end_hour) & gpu_streams[s_all])[0]
    keep = keep[np.lexsort((s_all[keep], h_all[keep]))]  # hour-major, as utilization_hourly is stored
    h, s = h_all[keep].astype(np.int64), s_all[keep].astype(np.int64)
    alloc, busy = chunk["allocated_hours"].to_numpy()[keep], chunk["busy_hours"].to_numpy()[keep]
    sm_team, mem_team = chunk["sm_active"].to_numpy()[keep], chunk["memory_used_gb"].to_numpy()[keep]
    energy_team = chunk["energy_kwh"].to_numpy()[keep]
    n = len(alloc)

    slots = np.ceil(alloc - 1e-9).astype(np.int64)
    row = np.repeat(np.arange(n), slots)
    starts = np.cumsum(slots) - slots
    j = np.arange(len(row)) - np.repeat(starts, slots)
    observed = np.minimum(1.0, alloc[row] - j)
    share = np.divide(busy, alloc, out=np.zeros(n), where=alloc > 0)

    def per_row(values: np.ndarray) -> np.ndarray:
        return np.bincount(row, weights=values, minlength=n)

    def before_in_row(values: np.ndarray) -> np.ndarray:
        total = np.cumsum(values)
        return total - np.repeat(total[starts] - values[starts], slots) if len(values) else total

    # Idle GPUs: drawn per slot and day, kept while the stream's other GPUs can still carry its busy hours.
    rs, rh = s[row], h[row]
    drawn = _unit(seed, 1, rs, j, rh // 24) < IDLE_DAY_SHARE
    slack = alloc - busy / BUSY_CAP
    idle = drawn & (before_in_row(np.where(drawn, observed, 0.0)) <= slack[row] + 1e-9)
    idle_busy = np.minimum(IDLE_MAX_BUSY * _unit(seed, 2, rs, j, rh), share[row])
    rest_hours = per_row(np.where(idle, 0.0, observed))
    rest_busy = np.maximum(busy - per_row(np.where(idle, observed * idle_busy, 0.0)), 0.0)
    rest_share = np.divide(rest_busy, rest_hours, out=np.zeros(n), where=rest_hours > 0)
    # The others spread around their mean with a weighted-zero-mean tilt (a GPU's daily character plus
    # hourly noise), at most min(share, 1 - share) away from it, so shares stay in [0, 1] and sum exactly.
    tilt = 0.6 * (2 * _unit(seed, 3, rs, j, rh // 24) - 1) + 0.4 * (2 * _unit(seed, 4, rs, j, rh) - 1)
    weight = np.where(idle, 0.0, observed)
    mean_tilt = np.divide(per_row(weight * tilt), rest_hours, out=np.zeros(n), where=rest_hours > 0)
    spread = 0.5 * np.minimum(rest_share, 1 - rest_share).clip(0, None)
    util = np.where(idle, idle_busy, rest_share[row] + spread[row] * (tilt - mean_tilt[row])).clip(0.0, 1.0)

    # SM activity and framebuffer move with the GPU's busy share, keeping the team row's weighted means.
    sm_per_busy = np.divide(sm_team, share, out=sm_team.copy(), where=share > 0)
    sm = np.where(share[row] > 0, util * sm_per_busy[row], sm_team[row]).clip(0.0, 1.0)
    total_gib = streams.memory_gb[rs]
    mem_gib = (mem_team[row] + 0.7 * total_gib * streams.memory_share[rs] * (util - share[row])).clip(0.0, total_gib)
    draw = observed * (0.22 + 0.78 * sm)
    energy = energy_team[row] * np.divide(draw, per_row(draw)[row], out=np.zeros(len(row)), where=draw > 0)
    if peak is not None and len(row):
        rows_max = np.maximum.reduceat(util, starts[slots > 0]) * 100
        peak[keep[slots > 0]] = np.maximum(peak[keep[slots > 0]], rows_max.round(3))
    stamps = (np.datetime64(start, "h") + rh.astype("timedelta64[h]")).astype("datetime64[us]")
    return pa.table({
        "hour": stamps,
        **(names or GpuNames(streams)).encode(rs, j),
        "observed_hours": observed,
        # rounded like the team rows (a few decimals compress far better than full doubles)
        "gpu_util_pct": (util * 100).round(3),
        "gr_engine_active": util.round(5),
        "sm_active": sm.round(5),
        "fb_used_mib": (mem_gib * 1024).round(1),
        "fb_free_mib": ((total_gib - mem_gib) * 1024).round(1),
        "power_w": np.divide(energy * 1000, observed, out=np.zeros(len(row)), where=observed > 0).round(2),
        "energy_kwh": energy.round(6),
        "n_samples": (np.maximum(1, np.round(observed * SCRAPES_PER_HOUR)) * FIELDS_PER_SCRAPE).astype(np.int32),
    })


class GpuNames:
    """Who each row's GPU is, as dictionary-encoded columns whose names are built once per GPU per run.

    Slot j of stream s is one GPU: a UUID in NVIDIA's `GPU-8-4-4-4-12` form, 8 GPUs per host, one pod
    per host and owner, namespace = team (a namespace-per-team cluster). One instance serves a whole
    generation, so a GPU met in many slices (large: ~150k GPUs over 168 hourly slices) is named once.
    """

    COLUMNS = ("gpu_uuid", "host", "gpu_index", "cluster", "accelerator_type", "namespace", "pod", "team", "project",
               "workload_type")

    def __init__(self, streams: StreamArrays) -> None:
        self.streams = streams
        self.keys = np.empty(0, dtype=np.int64)  # GPU keys in the order they were named (dictionary positions)
        self.sorter = np.empty(0, dtype=np.int64)
        self.names: dict[str, pa.Array] = {c: pa.array([], pa.string()) for c in ("gpu_uuid", "host", "gpu_index", "pod")}
        self.per_stream = {
            name: pa.array(list(values), pa.string()) for name, values in (
                ("cluster", streams.cluster), ("accelerator_type", streams.accelerator_type), ("namespace", streams.team),
                ("team", streams.team), ("project", streams.project), ("workload_type", streams.workload))
        }

    def _add(self, new: np.ndarray) -> None:
        st = self.streams
        gs, gj = (new // SLOT_LIMIT).tolist(), (new % SLOT_LIMIT).tolist()
        digests = [hashlib.md5(f"pace-gpu:{a}:{b}".encode()).hexdigest() for a, b in zip(gs, gj)]
        node = [f"{b // 8:03d}" for b in gj]
        built = {
            "gpu_uuid": [f"GPU-{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}" for x in digests],
            "host": [f"{st.cluster[a]}-{st.accelerator_type[a].lower()}-{a:04d}-{k}" for a, k in zip(gs, node)],
            "gpu_index": [str(b % 8) for b in gj],
            "pod": [f"{st.project[a]}-{k}" for a, k in zip(gs, node)],
        }
        for name, values in built.items():
            self.names[name] = pa.concat_arrays([self.names[name], pa.array(values, pa.string())])
        self.keys = np.concatenate([self.keys, new])
        self.sorter = np.argsort(self.keys, kind="stable")

    def encode(self, s: np.ndarray, j: np.ndarray) -> dict[str, pa.Array]:
        """The identity columns for rows of streams `s` and slots `j`."""
        key = s.astype(np.int64) * SLOT_LIMIT + j
        seen = np.unique(key)
        new = seen[~np.isin(seen, self.keys)] if len(self.keys) else seen
        if len(new):
            self._add(new)
        gpu = self.sorter[np.searchsorted(self.keys[self.sorter], key)].astype(np.int32)

        def coded(index: np.ndarray, dictionary: pa.Array) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(index), dictionary)

        out = {name: coded(gpu, values) for name, values in self.names.items()}
        out.update({name: coded(s.astype(np.int32), values) for name, values in self.per_stream.items()})
        return {c: out[c] for c in self.COLUMNS}


def insert_gpu_rows(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    """Insert one table of `gpu_rows` into `gpu_hourly` (columns matched by name)."""
    if not rows.num_rows:
        return
    con.register("gpu_chunk", rows)
    try:
        con.execute("INSERT INTO gpu_hourly BY NAME SELECT * FROM gpu_chunk")
    finally:
        con.unregister("gpu_chunk")


def record_coverage(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> None:
    """`pace_coverage` says which days `gpu_hourly` covers: the generator writes it for a trailing window only."""
    con.execute(
        "INSERT INTO pace_coverage VALUES ('gpu_hourly', 'generated', ?, ?, current_timestamp::TIMESTAMP)", [start, end]
    )
