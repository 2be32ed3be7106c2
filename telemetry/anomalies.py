"""Anomalies the generator injects, each recorded in `anomaly_ground_truth` so scans can be scored.

Every anomaly gets its own three-day slot in the recent past, so no two overlap in time and each has
four weeks or more of normal history before it as a baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from telemetry import fleet

if TYPE_CHECKING:
    from telemetry.streams import StreamArrays

KINDS: tuple[str, ...] = (
    "idle_allocation",
    "utilization_collapse",
    "cost_spike",
    "queue_wait_surge",
    "failure_rate_spike",
    "quota_breach",
    "latency_spike",
    "energy_outlier",
)
SLOT_HOURS = 72
QUOTA_GUARANTEED_HEADROOM = 1.05
QUOTA_BURST_FACTOR = 1.3


@dataclass
class Anomaly:
    """One injected anomaly: what, on which entity, when, and how strong."""

    anomaly_id: str
    kind: str
    entity_type: str
    entity: str
    cluster: str | None
    accelerator_type: str | None
    start_hour: int
    hours: int
    start: datetime
    metric: str
    magnitude: float
    description: str
    streams: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))

    @property
    def end_hour(self) -> int:
        return self.start_hour + self.hours

    def apply_to_utilization(
        self, s: StreamArrays, hours: np.ndarray, allocated: np.ndarray, busy_frac: np.ndarray, energy: np.ndarray
    ) -> None:
        """Change the chunk's arrays in place where this anomaly overlaps them."""
        cols = np.nonzero((hours >= self.start_hour) & (hours < self.end_hour))[0]
        if not len(cols) or not len(self.streams):
            return
        rows = self.streams[:, None]
        if self.kind == "idle_allocation":
            busy_frac[rows, cols] *= 0.03
        elif self.kind == "utilization_collapse":
            busy_frac[rows, cols] *= 0.2
        elif self.kind == "quota_breach":
            allocated[rows, cols] = self.magnitude
        elif self.kind == "energy_outlier":
            energy[rows, cols] *= self.magnitude

    def ground_truth_row(self) -> tuple:
        end = self.start + timedelta(hours=self.hours)
        return (
            self.anomaly_id, self.kind, self.entity_type, self.entity, self.cluster, self.accelerator_type,
            self.start, end, self.metric, self.magnitude, self.description,
        )


def quota_limits(team: str, accelerator_type: str, base_total: float) -> tuple[int, int]:
    """(guaranteed, burst_limit) for a team's pool: typical allocation + 5%, burst 30% above that."""
    guaranteed = math.ceil(base_total * QUOTA_GUARANTEED_HEADROOM)
    return guaranteed, math.ceil(guaranteed * QUOTA_BURST_FACTOR)


def plan_anomalies(
    rng: np.random.Generator, s: StreamArrays, per_kind: int, n_hours: int, start: datetime
) -> list[Anomaly]:
    """Choose entities and windows for `per_kind` anomalies of every kind, in disjoint time slots."""
    n_slots = per_kind * len(KINDS)
    first_slot_hour = n_hours - 24 - n_slots * SLOT_HOURS
    slots = rng.permutation(n_slots)
    base_copy = s.copy == 0
    out: list[Anomaly] = []

    def window(slot: int, lo: int, hi: int) -> tuple[int, int]:
        hours = int(rng.integers(lo, hi + 1))
        return first_slot_hour + slot * SLOT_HOURS + int(rng.integers(0, SLOT_HOURS - hours)), hours

    def pick(candidates: np.ndarray, k: int) -> np.ndarray:
        return rng.choice(candidates, size=min(k, len(candidates)), replace=False)

    pools = sorted({(c, a) for c, a, b in zip(s.cluster, s.accelerator_type, base_copy) if b})
    intro = {a[0]: a[11] for a in fleet.ACCELERATORS}
    steady_pools = [p for p in pools if intro[p[1]] is None]
    slot_iter = iter(slots)

    def add(kind: str, etype: str, entity: str, cluster: str | None, acc: str | None, h0: int, hours: int,
            metric: str, magnitude: float, desc: str, streams: np.ndarray | None = None) -> None:
        out.append(
            Anomaly(
                f"A{len(out) + 1:03d}", kind, etype, str(entity), None if cluster is None else str(cluster),
                None if acc is None else str(acc), int(h0), int(hours),
                start + timedelta(hours=int(h0)), metric, float(magnitude), desc,
                streams if streams is not None else np.array([], dtype=int),
            )
        )

    idle_candidates = np.nonzero(base_copy & (s.base >= 16) & (s.workload != "online-inference") & (s.intro_hour < 0))[0]
    for i in pick(idle_candidates, per_kind):
        h0, hours = window(next(slot_iter), 18, 40)
        add("idle_allocation", "team", s.team[i], s.cluster[i], s.accelerator_type[i], h0, hours, "sm_active", 0.03,
            f"{s.team[i]} kept {s.accelerator_type[i]} allocated on {s.cluster[i]} for {hours} h with SM activity near zero",
            np.array([i]))
    for pi in pick(np.arange(len(steady_pools)), per_kind):
        cluster, acc = steady_pools[pi]
        members = np.nonzero(base_copy & (s.cluster == cluster) & (s.accelerator_type == acc))[0]
        h0, hours = window(next(slot_iter), 6, 12)
        add("utilization_collapse", "cluster", cluster, cluster, acc, h0, hours, "busy_hours", 0.2,
            f"busy {acc} hours on {cluster} fell to a fifth for {hours} h (driver fault)", members)
    for t in pick(np.array(sorted({str(x) for x, b in zip(s.team, base_copy) if b})), per_kind):
        slot = next(slot_iter)
        day0 = (first_slot_hour + slot * SLOT_HOURS) // 24 + 1
        add("cost_spike", "team", str(t), None, None, day0 * 24, 24, "EffectiveCost", 3.0,
            f"{t} ran untracked on-demand instances: daily cost about 3x normal")
    for pi in pick(np.arange(len(steady_pools)), per_kind):
        cluster, acc = steady_pools[pi]
        h0, hours = window(next(slot_iter), 12, 36)
        add("queue_wait_surge", "cluster", cluster, cluster, acc, h0, hours, "queue_wait_minutes", 10.0,
            f"jobs waiting for {acc} on {cluster} queued about 10x longer for {hours} h")
    busy_workloads = base_copy & np.isin(s.workload, ["evaluation", "batch-inference", "on-device"]) & (s.intro_hour < 0)
    for i in pick(np.nonzero(busy_workloads)[0], per_kind):
        h0, hours = window(next(slot_iter), 24, 48)
        add("failure_rate_spike", "team", s.team[i], s.cluster[i], s.accelerator_type[i], h0, hours, "failure_rate",
            0.65, f"{s.team[i]} jobs on {s.cluster[i]} failed at about 65% for {hours} h", np.array([i]))
    breach_candidates = np.nonzero(base_copy & (s.workload != "online-inference") & (s.intro_hour < 0) & (s.base >= 16))[0]
    for i in pick(breach_candidates, per_kind):
        same_pool = base_copy & (s.team == s.team[i]) & (s.accelerator_type == s.accelerator_type[i])
        _, burst = quota_limits(s.team[i], s.accelerator_type[i], float(s.base[same_pool].sum()))
        others = float(s.base[same_pool].sum() - s.base[i])
        target = round(burst * 1.25 - others, 1)
        h0, hours = window(next(slot_iter), 8, 20)
        add("quota_breach", "team", s.team[i], s.cluster[i], s.accelerator_type[i], h0, hours, "allocated_hours", target,
            f"{s.team[i]} held about {burst * 1.25:.0f} {s.accelerator_type[i]} for {hours} h against a burst limit of {burst}",
            np.array([i]))
    endpoints = np.array([e[0] for e in fleet.ENDPOINTS])
    for e in pick(endpoints, per_kind):
        h0, hours = window(next(slot_iter), 3, 8)
        add("latency_spike", "endpoint", str(e), None, None, h0, hours, "latency_p95_ms", 4.0,
            f"endpoint {e} p95 latency about 4x normal with errors up 10x for {hours} h")
    for pi in pick(np.arange(len(steady_pools)), per_kind):
        cluster, acc = steady_pools[pi]
        members = np.nonzero(base_copy & (s.cluster == cluster) & (s.accelerator_type == acc))[0]
        h0, hours = window(next(slot_iter), 12, 30)
        add("energy_outlier", "cluster", cluster, cluster, acc, h0, hours, "energy_kwh", 1.7,
            f"{acc} on {cluster} drew about 1.7x the energy per accelerator-hour for {hours} h (cooling fault)", members)
    return out
