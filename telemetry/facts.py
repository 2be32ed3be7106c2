"""Facts derived from the fleet and its hourly utilization: jobs, FOCUS cost lines, serving, quotas,
compute requests and incidents. Each builder is vectorized (numpy arrays or DuckDB SQL).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from telemetry import fleet
from telemetry.anomalies import Anomaly, quota_limits

if TYPE_CHECKING:
    from telemetry.streams import StreamArrays

# workload: (accelerator counts, median duration h, duration sigma, mean queue wait min, MFU, params in B)
JOB_SHAPES: dict[str, tuple[tuple[int, ...], float, float, float, float, float]] = {
    "training": ((8, 16, 32, 64), 10.0, 0.8, 40.0, 0.42, 13.0),
    "fine-tuning": ((4, 8, 16), 4.0, 0.7, 20.0, 0.35, 7.0),
    "evaluation": ((1, 2, 4, 8), 0.8, 0.6, 6.0, 0.20, 7.0),
    "batch-inference": ((2, 4, 8), 2.0, 0.6, 12.0, 0.30, 7.0),
    "online-inference": ((4, 8), 24.0, 0.5, 10.0, 0.25, 8.0),
    "on-device": ((1, 2), 1.5, 0.5, 4.0, 0.15, 1.0),
}
SLA_HOURS = {"SEV1": 4.0, "SEV2": 8.0, "SEV3": 24.0, "SEV4": 72.0}


def execute_with(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None, **frames: object) -> None:
    """Run `sql` with in-memory arrays (Arrow tables, DataFrames) visible under the given names, then drop them."""
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        con.execute(sql, params or [])
    finally:
        for name in frames:
            con.unregister(name)


def _hours(start: datetime, offsets: np.ndarray) -> np.ndarray:
    return np.datetime64(start, "s") + (offsets * 3600).astype("timedelta64[s]")


def build_jobs(
    con: duckdb.DuckDBPyConnection, s: StreamArrays, job_copies: int, start: datetime, n_hours: int, seed: int,
    anomalies: list[Anomaly],
) -> None:
    """Jobs per stream-day (Poisson on the day's allocation), with queue waits that grow with pool pressure.

    Only the first `job_copies` fleet copies get jobs, which keeps the `large` scale's job table near
    10M rows while its utilization table passes 100M.
    """
    rng = np.random.default_rng([seed, 2])
    daily = con.execute(
        """
        SELECT st.s, (epoch(date_trunc('day', u.hour)) - epoch(?::TIMESTAMP)) // 86400 AS day,
               sum(u.allocated_hours) AS alloc
        FROM utilization_hourly u JOIN streams st
          ON st.team = u.team AND st.project = u.project AND st.workload = u.workload_type
         AND st.cluster = u.cluster AND st.accelerator_type = u.accelerator_type
        GROUP BY ALL
        ORDER BY st.s, day  -- parallel aggregation returns groups in any order; the draws below must not
        """,
        [start],
    ).fetchnumpy()
    keep = s.copy[daily["s"].astype(int)] < job_copies
    stream, day, alloc = daily["s"].astype(int)[keep], daily["day"].astype(int)[keep], daily["alloc"][keep]
    workload = s.workload[stream]
    mean_size = np.array([np.mean(JOB_SHAPES[w][0]) * JOB_SHAPES[w][1] for w in s.workload])[stream]
    counts = rng.poisson(np.clip(alloc * 0.6 / mean_size, 0, None))
    job_stream = np.repeat(stream, counts)
    job_day = np.repeat(day, counts)
    n = len(job_stream)
    wl = s.workload[job_stream]
    hod = np.clip(rng.normal(13, 4.5, n), 0, 23.99)
    submit_h = job_day * 24 + hod
    names = list(JOB_SHAPES)
    shape_idx = np.select([wl == w for w in names], list(range(len(names))), default=0)
    pick = rng.random(n)
    accelerators = np.zeros(n, dtype=np.int32)
    for i, w in enumerate(names):  # one pass per workload type, not per job
        table = np.array(JOB_SHAPES[w][0])
        m = shape_idx == i
        accelerators[m] = table[(pick[m] * len(table)).astype(int)]
    accelerators = (accelerators * (1 + (s.base[job_stream] > 100))).astype(np.int32)
    params = np.array([JOB_SHAPES[w] for w in JOB_SHAPES], dtype=object)
    median_h = np.array([p[1] for p in params])[shape_idx]
    sigma = np.array([p[2] for p in params])[shape_idx]
    wait_mean = np.array([p[3] for p in params])[shape_idx]
    mfu_base = np.array([p[4] for p in params])[shape_idx]
    model_b = np.array([p[5] for p in params])[shape_idx]
    duration_h = median_h * np.exp(rng.normal(0, 1, n) * sigma)

    pressure = _pool_pressure(con, start, n_hours)
    pool_key = np.char.add(np.char.add(s.cluster[job_stream].astype(str), "|"), s.accelerator_type[job_stream].astype(str))
    hour_idx = np.clip(submit_h.astype(int), 0, n_hours - 1)
    p = np.zeros(n)
    for key in np.unique(pool_key):  # one pass per pool, not per job
        m = pool_key == key
        p[m] = pressure[key][hour_idx[m]]
    wait_min = wait_mean * np.exp(rng.normal(0, 0.5, n)) * np.exp(5 * np.clip(p - 0.8, 0, None))
    for a in anomalies:
        if a.kind == "queue_wait_surge":
            m = (s.cluster[job_stream] == a.cluster) & (s.accelerator_type[job_stream] == a.accelerator_type)
            m &= (submit_h >= a.start_hour) & (submit_h < a.end_hour)
            wait_min[m] = wait_min[m] * a.magnitude + 180
    fail_p = np.array([fleet.team(t).failure_rate for t in s.base_team])[job_stream]
    for a in anomalies:
        if a.kind == "failure_rate_spike":
            m = (s.team[job_stream] == a.entity) & (s.cluster[job_stream] == a.cluster)
            m &= (submit_h >= a.start_hour) & (submit_h < a.end_hour)
            fail_p[m] = a.magnitude
    u = rng.random(n)
    cloud = ~np.isin(s.cluster[job_stream], [c[0] for c in fleet.CLUSTERS if c[3]])
    state = np.where(u < fail_p, "failed", np.where(u < fail_p + 0.03 * cloud, "preempted", np.where(u < fail_p + 0.03 * cloud + 0.02, "cancelled", "completed")))
    duration_h = np.where(state == "failed", duration_h * rng.uniform(0.05, 0.6, n), duration_h)
    duration_h = np.where(state == "preempted", duration_h * rng.uniform(0.2, 0.8, n), duration_h)
    duration_h = np.where(state == "cancelled", duration_h * rng.uniform(0.0, 0.3, n), duration_h)
    start_h = submit_h + wait_min / 60
    end_h = start_h + duration_h
    acc_hours = accelerators * duration_h
    acc_idx = {a[0]: a for a in fleet.ACCELERATORS}
    peak = np.array([acc_idx[a][6] for a in s.accelerator_type])[job_stream]
    eff = s.sm_efficiency[job_stream] / 0.62  # team efficiency relative to a typical team
    mfu = np.clip(mfu_base * eff * np.exp(rng.normal(0, 0.08, n)), 0.02, 0.75)
    flops_per_token = np.where(np.isin(wl, ["training", "fine-tuning"]), 6.0, 2.0) * model_b * 1e9
    tokens = acc_hours * 3600 * peak * 1e12 * mfu / flops_per_token
    token_work = np.isin(wl, ["training", "fine-tuning", "batch-inference", "online-inference"])
    samples = acc_hours * 3600 * peak * mfu * 0.5
    table = pa.table(
        {
            "s": job_stream.astype(np.int32),
            "i": np.arange(n, dtype=np.int64),  # generation order: the tie-break that makes job ids deterministic
            "accelerators": accelerators,
            "submit_at": _hours(start, submit_h),
            "start_at": _hours(start, start_h),
            "end_at": _hours(start, end_h),
            "state": state,
            "queue_wait_minutes": wait_min.round(2),
            "accelerator_hours": acc_hours.round(3),
            "tokens_processed": np.where(token_work, tokens.round(0), np.nan),
            "samples_processed": np.where(~token_work, samples.round(0), np.nan),
            "mfu": np.where(wl == "online-inference", np.nan, mfu.round(4)),
            "user_n": rng.integers(1, 9, n).astype(np.int32),
        }
    )
    execute_with(
        con,
        """
        INSERT INTO jobs (job_id, team, project, user_name, cluster, accelerator_type, workload_type, accelerators,
                          submit_at, start_at, end_at, state, queue_wait_minutes, accelerator_hours,
                          tokens_processed, samples_processed, mfu)
        SELECT 'j' || lpad(CAST(row_number() OVER (ORDER BY j.submit_at, j.i) AS VARCHAR), 9, '0'),
               st.team, st.project, st.team || '-user' || j.user_n, st.cluster, st.accelerator_type, st.workload,
               j.accelerators, j.submit_at, j.start_at, j.end_at, j.state, j.queue_wait_minutes, j.accelerator_hours,
               nullif(j.tokens_processed, 'NaN'::DOUBLE), nullif(j.samples_processed, 'NaN'::DOUBLE),
               nullif(j.mfu, 'NaN'::DOUBLE)
        FROM jobs_arrow j JOIN streams st ON st.s = j.s
        ORDER BY j.submit_at, j.i
        """,
        jobs_arrow=table,
    )


def _pool_pressure(con: duckdb.DuckDBPyConnection, start: datetime, n_hours: int) -> dict[str, np.ndarray]:
    """Allocated / capacity per pool (cluster|type) and hour: the queue backs up as it nears 1."""
    rows = con.execute(
        """
        SELECT u.cluster || '|' || u.accelerator_type AS pool,
               (epoch(u.hour) - epoch(?::TIMESTAMP)) // 3600 AS h,
               sum(u.allocated_hours) / any_value(c.accelerators) AS pressure
        FROM utilization_hourly u
        JOIN cluster_capacity c USING (cluster, accelerator_type)
        GROUP BY ALL
        """,
        [start],
    ).fetchnumpy()
    out: dict[str, np.ndarray] = {}
    for pool in np.unique(rows["pool"]):
        m = rows["pool"] == pool
        arr = np.zeros(n_hours)
        arr[rows["h"][m].astype(int)] = rows["pressure"][m]
        out[str(pool)] = arr
    return out


COST_SQL = """
WITH daily AS (
    SELECT date_trunc('day', hour) AS day, cluster, accelerator_type, team, project, sum(allocated_hours) AS hours
    FROM utilization_hourly GROUP BY ALL
), pool AS (
    SELECT day, cluster, accelerator_type, sum(hours) AS pool_hours FROM daily GROUP BY ALL
), commitment AS (
    -- cloud pools commit to 60% of their typical daily use; on-prem capacity is all owned (rate card)
    SELECT p.cluster, p.accelerator_type, 0.6 * median(p.pool_hours) AS committed_hours
    FROM pool p JOIN clusters c USING (cluster) WHERE NOT c.is_on_prem GROUP BY ALL
), lines AS (
    SELECT d.*, c.provider, c.region, c.is_on_prem, a.on_demand_usd_per_hour AS list_price,
           a.committed_usd_per_hour AS committed_price,
           CASE WHEN c.is_on_prem THEN d.hours
                ELSE d.hours * least(1.0, coalesce(m.committed_hours, 0) / nullif(p.pool_hours, 0)) END AS committed_qty
    FROM daily d JOIN pool p USING (day, cluster, accelerator_type)
    JOIN clusters c USING (cluster) JOIN accelerator_types a USING (accelerator_type)
    LEFT JOIN commitment m USING (cluster, accelerator_type)
), priced AS (
    SELECT day, cluster, accelerator_type, team, project, provider, region, is_on_prem, list_price, committed_price,
           'Committed' AS pricing, committed_qty AS qty FROM lines WHERE committed_qty > 0
    UNION ALL
    SELECT day, cluster, accelerator_type, team, project, provider, region, is_on_prem, list_price, committed_price,
           'Standard', hours - committed_qty FROM lines WHERE hours - committed_qty > 1e-9
), unused AS (
    SELECT p.day, p.cluster, p.accelerator_type, NULL AS team, NULL AS project, c.provider, c.region, c.is_on_prem,
           a.on_demand_usd_per_hour, a.committed_usd_per_hour, 'Committed',
           CASE WHEN c.is_on_prem THEN cc.accelerators * 24 - p.pool_hours ELSE m.committed_hours - p.pool_hours END AS qty
    FROM pool p JOIN clusters c USING (cluster) JOIN accelerator_types a USING (accelerator_type)
    LEFT JOIN commitment m USING (cluster, accelerator_type)
    LEFT JOIN cluster_capacity cc USING (cluster, accelerator_type)
), all_lines AS (
    SELECT *, FALSE AS unused_line FROM priced
    UNION ALL
    SELECT *, TRUE FROM unused WHERE qty > 1e-9
)
SELECT day, day + INTERVAL 1 DAY, date_trunc('month', day), date_trunc('month', day) + INTERVAL 1 MONTH,
       'ba-' || provider, CASE WHEN is_on_prem THEN 'On-Prem Rate Card' ELSE upper(provider) END,
       'Accelerated Compute', 'Compute', 'Usage',
       CASE WHEN unused_line THEN 'Unused committed capacity for ' || accelerator_type || ' on ' || cluster
            ELSE accelerator_type || ' accelerator-hours' END,
       pricing,
       cluster || '/' || accelerator_type || coalesce('/' || team || '/' || project, '/unallocated'),
       'Accelerator', region, provider || '-' || replace(lower(accelerator_type), ' ', '') || '-' || lower(pricing),
       round(qty, 6), 'Hours', round(qty, 6), 'Hours',
       list_price, committed_price,
       round(qty * list_price, 6), round(qty * committed_price, 6),
       round(qty * CASE WHEN pricing = 'Committed' THEN committed_price ELSE list_price END, 6),
       round(qty * CASE WHEN pricing = 'Committed' THEN committed_price ELSE list_price END, 6),
       'USD',
       CASE WHEN pricing = 'Committed' AND NOT is_on_prem THEN 'cd-' || cluster || '-' || replace(lower(accelerator_type), ' ', '') END,
       CASE WHEN pricing = 'Committed' AND NOT is_on_prem THEN 'Reservation' END,
       CASE WHEN pricing = 'Committed' AND NOT is_on_prem THEN CASE WHEN unused_line THEN 'Unused' ELSE 'Used' END END,
       CASE WHEN team IS NULL THEN NULL ELSE to_json({'team': team, 'project': project}) END,
       team, project, cluster, accelerator_type, 'generated', provider, NULL, NULL, NULL
FROM all_lines
ORDER BY day, cluster, accelerator_type, team NULLS LAST, project, pricing
"""


def build_cost_daily(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, seed: int, anomalies: list[Anomaly]) -> None:
    """FOCUS daily cost lines: committed and on-demand usage, unused commitments, on-prem rate card."""
    con.execute("INSERT INTO cost_daily " + COST_SQL)
    for a in anomalies:
        if a.kind != "cost_spike":
            continue
        con.execute(
            """
            INSERT INTO cost_daily
            SELECT ?::TIMESTAMP, ?::TIMESTAMP + INTERVAL 1 DAY, date_trunc('month', ?::TIMESTAMP),
                   date_trunc('month', ?::TIMESTAMP) + INTERVAL 1 MONTH, 'ba-aws', 'AWS', 'Accelerated Compute',
                   'Compute', 'Usage', 'On-demand burst (untracked instances)', 'Standard',
                   'us-east-aws/H100/' || ? || '/burst', 'Accelerator', 'us-east-1', 'aws-h100-standard',
                   round(q, 6), 'Hours', round(q, 6), 'Hours', 4.0, 2.6, round(q * 4.0, 6), round(q * 2.6, 6),
                   round(q * 4.0, 6), round(q * 4.0, 6), 'USD', NULL, NULL, NULL,
                   to_json({'team': ?, 'project': 'burst'}), ?, NULL, 'us-east-aws', 'H100', 'generated', 'aws', NULL, NULL, NULL
            FROM (
                SELECT (? - 1) * sum(EffectiveCost)::DOUBLE / 14 / 4.0 AS q FROM cost_daily
                WHERE x_team = ? AND ChargePeriodStart >= ?::TIMESTAMP - INTERVAL 14 DAY AND ChargePeriodStart < ?::TIMESTAMP
            )
            """,
            [a.start, a.start, a.start, a.start, a.entity, a.entity, a.entity, a.magnitude, a.entity, a.start, a.start],
        )


def build_serving(con: duckdb.DuckDBPyConnection, start: datetime, n_hours: int, seed: int, anomalies: list[Anomaly]) -> None:
    """Hourly requests, tokens, latency and errors per endpoint: diurnal traffic, weekly dip, growth."""
    rng = np.random.default_rng([seed, 3])
    eps = fleet.ENDPOINTS
    e = len(eps)
    hours = np.arange(n_hours)
    stamps = np.datetime64(start, "h") + hours.astype("timedelta64[h]")
    hod = (stamps - stamps.astype("datetime64[D]")).astype(int)
    weekend = (((stamps.astype("datetime64[D]").astype(int) + 3) % 7) >= 5).astype(float)
    offset = np.array([1 if ep[4].startswith("eu") else -6 for ep in eps])[:, None]  # local time vs UTC
    local = (hod[None, :] + offset) % 24
    diurnal = 0.25 + 0.75 * np.sin(np.clip(local - 6, 0, 16) / 16 * np.pi) ** 2
    growth = np.exp(np.log(1.4) * (hours - n_hours) / (365 * 24))
    peak = np.array([ep[7] for ep in eps], dtype=float)[:, None]
    requests = peak * diurnal * (1 - 0.3 * weekend) * growth * np.exp(rng.normal(0, 0.05, (e, n_hours)))
    tokens_per = np.array([{"pace-lm-70b": 620, "pace-lm-8b": 450, "rerank-1b": 120, "embed-2": 300}[ep[3]] for ep in eps])[:, None]
    tokens = requests * tokens_per * np.exp(rng.normal(0, 0.04, (e, n_hours)))
    base_ms = np.array([{"pace-lm-70b": 420, "pace-lm-8b": 180, "rerank-1b": 25, "embed-2": 40}[ep[3]] for ep in eps])[:, None]
    p50 = base_ms * (1 + 0.35 * diurnal) * np.exp(rng.normal(0, 0.04, (e, n_hours)))
    p95 = p50 * (2.1 + 0.2 * rng.random((e, n_hours)))
    err_rate = 0.002 * np.exp(rng.normal(0, 0.2, (e, n_hours)))
    names = np.array([ep[0] for ep in eps])
    for a in anomalies:
        if a.kind == "latency_spike":
            r = np.nonzero(names == a.entity)[0][0]
            cols = slice(a.start_hour, a.end_hour)
            p95[r, cols] *= a.magnitude
            p50[r, cols] *= 1.8
            err_rate[r, cols] *= 10
    errors = np.round(requests * err_rate)
    table = pa.table(
        {
            "h": np.tile(hours.astype(np.int32), e),
            "e": np.repeat(np.arange(e, dtype=np.int32), n_hours),
            "requests": np.round(requests).astype(np.int64).ravel(),
            "tokens": np.round(tokens).astype(np.int64).ravel(),
            "errors": errors.astype(np.int64).ravel(),
            "p50": p50.round(1).ravel(),
            "p95": p95.round(1).ravel(),
        }
    )
    execute_with(
        con,
        """
        INSERT INTO serving_hourly
        SELECT ?::TIMESTAMP + to_hours(s.h), ep.endpoint, ep.team, ep.cluster, ep.accelerator_type,
               s.requests, s.tokens, s.errors, s.p50, s.p95
        FROM serving_arrow s JOIN endpoint_idx i USING (e) JOIN endpoints ep USING (endpoint)
        ORDER BY s.h, s.e
        """,
        [start],
        serving_arrow=table,
        endpoint_idx=pa.table({"e": np.arange(e, dtype=np.int32), "endpoint": names}),
    )


def build_quotas(con: duckdb.DuckDBPyConnection, s: StreamArrays, start: datetime, end: datetime) -> None:
    """Quota per team and type from typical allocation; a third of pools were raised 10% mid-period."""
    df = pd.DataFrame({"team": s.team, "accelerator_type": s.accelerator_type, "base": s.base})
    pools = df.groupby(["team", "accelerator_type"], sort=True)["base"].sum().reset_index()
    limits = [quota_limits(t, a, b) for t, a, b in pools.itertuples(index=False)]  # one per pool, not per row
    pools["guaranteed"] = [g for g, _ in limits]
    pools["burst_limit"] = [b for _, b in limits]
    mid = (start + (end - start) / 2).date()
    raised = (np.arange(len(pools)) % 3) == 0  # raised 10% at mid-period
    early = pools[raised].assign(
        guaranteed=lambda d: (d.guaranteed / 1.1).round().astype(int),
        burst_limit=lambda d: (d.burst_limit / 1.1).round().astype(int),
        effective_from=start.date(), effective_to=mid,
    )
    late = pools[raised].assign(effective_from=mid, effective_to=None)
    steady = pools[~raised].assign(effective_from=start.date(), effective_to=None)
    out = pd.concat([early, late, steady])[
        ["team", "accelerator_type", "guaranteed", "burst_limit", "effective_from", "effective_to"]
    ]
    execute_with(
        con,
        "INSERT INTO quotas SELECT team, accelerator_type, guaranteed, burst_limit, effective_from, effective_to FROM quota_df ORDER BY ALL",
        quota_df=out,
    )
