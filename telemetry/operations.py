"""Generated governance and support history: compute requests through their lifecycle, and incidents
(with the ones caused by injected anomalies placed at the same time and place)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from telemetry import fleet
from telemetry.anomalies import Anomaly
from telemetry.facts import execute_with

PRIORITIES = np.array(["low", "normal", "high", "urgent"])
CATEGORIES = np.array(["hardware", "network", "scheduler", "driver", "storage", "serving"])
TITLES = {
    "hardware": "XID 79 errors: GPUs fell off the bus",
    "network": "NCCL timeouts across nodes",
    "scheduler": "Jobs stuck pending in the scheduler",
    "driver": "Driver or firmware fault after rollout",
    "storage": "Checkpoint writes stalling",
    "serving": "Inference latency and errors elevated",
}
RESOLUTIONS = {
    "hardware": "Drained and replaced the failing nodes",
    "network": "Restarted the fabric manager and re-seated links",
    "scheduler": "Restarted the scheduler controller and cleared stale reservations",
    "driver": "Rolled back the driver to the previous version",
    "storage": "Failed over to the secondary storage pool",
    "serving": "Scaled out replicas and rolled back the model server",
}


def _ts(start: datetime, hours: np.ndarray) -> np.ndarray:
    return np.datetime64(start, "s") + np.round(hours * 3600).astype("timedelta64[s]")


def build_compute_requests(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, seed: int, copies: int) -> None:
    """About three requests a day per fleet copy, each moved through its lifecycle up to the data end."""
    rng = np.random.default_rng([seed, 4])
    n_hours = (end - start).total_seconds() / 3600
    streams = fleet.streams()
    n = int(n_hours / 24 * 3 * copies)
    pick = rng.integers(0, len(streams), n)
    copy = rng.integers(0, copies, n)
    suffix = np.where(copy == 0, "", np.char.add("-", np.char.zfill(copy.astype(str), 3)))
    team = np.char.add(np.array([streams[i].team for i in pick]), suffix)
    project = np.char.add(np.array([streams[i].project for i in pick]), suffix)
    acc = np.array([streams[i].accelerator_type for i in pick])
    workload = np.array([streams[i].workload for i in pick])
    lead = np.array([fleet.team(streams[i].team).tier2_lead for i in pick])
    count = rng.choice([4, 8, 16, 32, 64, 128], n, p=[0.15, 0.3, 0.25, 0.15, 0.1, 0.05])
    submitted = rng.uniform(0, n_hours, n)
    big = count > 16
    lead_time = rng.lognormal(np.log(np.where(big, 30.0, 10.0)), 0.8)
    decided = submitted + lead_time
    provision_delay = rng.lognormal(np.log(6.0), 0.6, n)
    provisioned = decided + provision_delay
    duration_days = rng.integers(7, 61, n)
    u = rng.random(n)
    outcome = np.where(u < 0.05, "cancelled", np.where(u < 0.20, "denied", "approved"))
    start_h = np.ceil(provisioned / 24) * 24
    end_h = start_h + duration_days * 24
    pending = decided >= n_hours
    needs_info = pending & (rng.random(n) < 0.25)
    status = np.where(
        pending,
        np.where(needs_info, "needs_info", "submitted"),
        np.where(
            outcome != "approved",
            outcome,
            np.where(
                provisioned >= n_hours,
                "approved",
                np.where(start_h >= n_hours, "provisioned", np.where(end_h <= n_hours, np.where(rng.random(n) < 0.3, "released", "expired"), "active")),
            ),
        ),
    )
    decided_known = ~pending & (status != "cancelled")
    provisioned_known = np.isin(status, ["provisioned", "active", "expired", "released"])
    granted = np.where(np.isin(status, ["approved", "provisioned", "active", "expired", "released"]),
                       np.where(rng.random(n) < 0.2, np.maximum(1, count // 2), count), -1)
    approver = np.where(decided_known, np.where(big, rng.choice(fleet.GOVERNANCE_APPROVERS, n), lead), None)
    order = np.argsort(submitted, kind="stable")
    table = pa.table(
        {
            "team": team, "project": project, "requester": np.char.add(team, "-user1"), "approver": approver,
            "accelerator_type": acc, "requested": count.astype(np.int32),
            "granted": np.where(granted < 0, None, granted).astype(object),
            "workload_type": workload, "priority": rng.choice(PRIORITIES, n, p=[0.2, 0.5, 0.25, 0.05]),
            "preemptible": rng.random(n) < 0.25,
            "justification": np.char.add(np.char.add(np.char.add("Capacity for ", project), " "), workload),
            "status": status, "submitted_at": _ts(start, submitted),
            "decided_at": np.where(decided_known, _ts(start, decided), np.datetime64("NaT")),
            "provisioned_at": np.where(provisioned_known, _ts(start, provisioned), np.datetime64("NaT")),
            "start_date": _ts(start, np.where(provisioned_known, start_h, np.ceil(submitted / 24 + 3) * 24)).astype("datetime64[D]"),
            "end_date": _ts(start, np.where(provisioned_known, end_h, np.ceil(submitted / 24 + 3) * 24 + duration_days * 24)).astype("datetime64[D]"),
        }
    ).take(pa.array(order))
    execute_with(
        con,
        """
        INSERT INTO compute_requests
        SELECT 'REQ-' || lpad(CAST(row_number() OVER () AS VARCHAR), 6, '0'), team, project, requester, approver,
               accelerator_type, requested, granted, workload_type, priority, preemptible, justification, status,
               submitted_at, decided_at, provisioned_at, start_date, end_date
        FROM requests_arrow
        """,
        requests_arrow=table,
    )


def build_incidents(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, seed: int, anomalies: list[Anomaly]) -> None:
    """Background incidents (about one every 1.5 days) plus one per collapse, failure or latency anomaly."""
    rng = np.random.default_rng([seed, 5])
    n_hours = (end - start).total_seconds() / 3600
    n = int(n_hours / 36)
    opened = rng.uniform(0, n_hours, n)
    clusters = np.array([c[0] for c in fleet.CLUSTERS])
    cluster = rng.choice(clusters, n, p=[0.35, 0.3, 0.15, 0.15, 0.05])
    category = rng.choice(CATEGORIES, n, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
    severity = rng.choice(np.array(["SEV1", "SEV2", "SEV3", "SEV4"]), n, p=[0.05, 0.2, 0.35, 0.4])
    caused = [a for a in anomalies if a.kind in ("utilization_collapse", "failure_rate_spike", "latency_spike")]
    ep_cluster = {e[0]: e[4] for e in fleet.ENDPOINTS}
    opened = np.concatenate([opened, [a.start_hour + 0.3 for a in caused]])
    cluster = np.concatenate([cluster, [a.cluster or ep_cluster.get(a.entity, "us-east-aws") for a in caused]])
    kind_cat = {"utilization_collapse": "driver", "failure_rate_spike": "scheduler", "latency_spike": "serving"}
    category = np.concatenate([category, [kind_cat[a.kind] for a in caused]])
    severity = np.concatenate([severity, ["SEV2" if a.kind != "failure_rate_spike" else "SEV3" for a in caused]])
    m = len(opened)
    sev_rank = np.select([severity == s for s in ("SEV1", "SEV2", "SEV3", "SEV4")], [1, 2, 3, 4])
    ack_min = rng.lognormal(np.log(np.array([4, 9, 20, 45])[sev_rank - 1]), 0.7)
    resolve_h = rng.lognormal(np.log(np.array([2.0, 4.0, 12.0, 30.0])[sev_rank - 1]), 0.8)
    tier = np.where(rng.random(m) < np.array([0.5, 0.35, 0.15, 0.08])[sev_rank - 1], 3, np.where(rng.random(m) < 0.4, 2, 1))
    resolved = opened + resolve_h
    still_open = resolved >= n_hours
    acc_by_cluster = {c[0]: list(c[5]) for c in fleet.CLUSTERS}
    acc = np.array([acc_by_cluster[c][int(u * len(acc_by_cluster[c]))] for c, u in zip(cluster, rng.random(m))])
    for i, a in enumerate(caused):  # keep the anomaly's own accelerator type on its incident
        acc[n + i] = a.accelerator_type or acc[n + i]
    teams_affected = np.maximum(1, rng.poisson(np.array([5, 3, 1.5, 0.8])[sev_rank - 1]))
    prod = (category == "serving") & (sev_rank <= 3)
    sla = np.array([4.0, 8.0, 24.0, 72.0])[sev_rank - 1]
    lost = np.round(rng.lognormal(np.log(np.array([400, 150, 40, 8])[sev_rank - 1]), 0.9) * np.where(category == "serving", 0.3, 1), 1)
    primary = rng.choice(np.array([t.team for t in fleet.TEAMS]), m)
    title = np.char.add(np.char.add(np.array([TITLES[c] for c in category]), " on "), cluster)
    table = pa.table(
        {
            "title": title, "category": category, "severity": severity, "cluster": cluster, "acc": acc,
            "primary_team": primary, "teams_affected": teams_affected.astype(np.int32), "prod": prod,
            "opened_at": _ts(start, opened), "acknowledged_at": _ts(start, opened + ack_min / 60),
            "resolved_at": np.where(still_open, np.datetime64("NaT"), _ts(start, resolved)),
            "resolved_tier": np.where(still_open, None, tier).astype(object),
            "escalations": (tier - 1).astype(np.int32), "tier3": tier == 3,
            "sla_breached": resolve_h > sla, "lost": lost,
            "resolution": np.where(still_open, None, np.array([RESOLUTIONS[c] for c in category])),
        }
    ).take(pa.array(np.argsort(opened, kind="stable")))
    execute_with(
        con,
        """
        INSERT INTO incidents
        SELECT 'INC-' || lpad(CAST(row_number() OVER () AS VARCHAR), 5, '0'), title, category, severity, cluster,
               acc, primary_team, teams_affected, prod, opened_at, acknowledged_at, resolved_at, resolved_tier,
               escalations, tier3, sla_breached, lost, resolution
        FROM incidents_arrow
        """,
        incidents_arrow=table,
    )
