"""The generator's shared types: how much data a scale holds, and the fleet's streams as numpy arrays.

Its own module so that the generator and the modules it splits into (anomalies, facts, per-GPU hours)
all read the same types without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from telemetry import fleet


@dataclass(frozen=True)
class Scale:
    """How much data a scale holds: days of history and how many copies of the base fleet."""

    name: str
    days: int
    fleet_copies: int
    anomalies_per_kind: int
    job_copies: int  # fleet copies that also get per-job history (jobs are ~1 row per accelerator-hour/10)
    gpu_days: int  # trailing days that also get per-GPU hourly rows (gpu_hourly), as a DCGM retention window


SCALES: dict[str, Scale] = {
    "demo": Scale("demo", 90, 1, 2, 1, 90),
    "small": Scale("small", 365, 4, 3, 4, 30),
    "large": Scale("large", 1095, 155, 4, 8, 7),
}


@dataclass
class StreamArrays:
    """Per-stream parameters as aligned numpy arrays (index = stream id)."""

    team: np.ndarray
    base_team: np.ndarray  # the base fleet team a copy was made from
    copy: np.ndarray  # 0 for the base fleet, k for its k-th copy
    project: np.ndarray
    workload: np.ndarray
    cluster: np.ndarray
    accelerator_type: np.ndarray
    base: np.ndarray
    memory_share: np.ndarray
    busy_share: np.ndarray
    sm_efficiency: np.ndarray
    memory_gb: np.ndarray
    tdp: np.ndarray
    intro_hour: np.ndarray  # first hour the accelerator type exists (-1: always)

    def __len__(self) -> int:
        return len(self.base)


def copy_suffix(k: int) -> str:
    """The name suffix of the k-th copy of the base fleet (none for the base itself)."""
    return "" if k == 0 else f"-{k:03d}"


def fleet_streams(scale: Scale, n_hours: int) -> StreamArrays:
    """The base fleet's streams, copied `fleet_copies` times with suffixed team and project names."""
    base = fleet.streams()
    acc = {a[0]: a for a in fleet.ACCELERATORS}
    rows = [
        (s.team + copy_suffix(k), s.project + copy_suffix(k), s, fleet.team(s.team), k)
        for k in range(scale.fleet_copies)
        for s in base
    ]
    intro = {
        a[0]: (n_hours - a[11] * 24 if a[11] is not None and a[11] * 24 < n_hours else -1) for a in fleet.ACCELERATORS
    }
    return StreamArrays(
        team=np.array([r[0] for r in rows]),
        base_team=np.array([r[2].team for r in rows]),
        copy=np.array([r[4] for r in rows]),
        project=np.array([r[1] for r in rows]),
        workload=np.array([r[2].workload for r in rows]),
        cluster=np.array([r[2].cluster for r in rows]),
        accelerator_type=np.array([r[2].accelerator_type for r in rows]),
        base=np.array([r[2].base_count for r in rows]),
        memory_share=np.array([r[2].memory_share for r in rows]),
        busy_share=np.array([r[3].busy_share for r in rows]),
        sm_efficiency=np.array([r[3].sm_efficiency for r in rows]),
        memory_gb=np.array([acc[r[2].accelerator_type][4] for r in rows]),
        tdp=np.array([acc[r[2].accelerator_type][5] for r in rows]),
        intro_hour=np.array([intro[r[2].accelerator_type] for r in rows]),
    )
