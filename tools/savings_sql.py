"""The accelerator-hour ledger behind `pace savings`: every allocated hour is claimed by at most one lever.

Claims are made per allocation-stream hour, in a fixed order, each lever taking only what the
earlier ones left (the "residual"):

1. idle_reclamation: hours with SM activity under 0.1 while allocated (the whole allocation).
2. rightsizing: all remaining hours of a non-training stream on a large (>= 80 GB) accelerator whose
   p95 SM activity and p95 memory fit a type offered in the same cluster, or k of the MIG slices of its
   own type, that is at least 25% cheaper, with 20% memory headroom and the compute needed at no more
   than 80% of the target's peak (training is sized by model parallelism, so it is left alone).
3. bin_packing: for streams not rightsized and not serving online traffic (which needs headroom),
   the hours above what their busy hours need at an 85% busy share: allocated - busy / 0.85.
4. off_peak_shift (cloud pools): batch-inference and evaluation residual hours in weekday peak hours
   (08-19 UTC), up to the pool's off-peak headroom under its peak level; priced at on-demand minus
   committed, because in the valley they run on commitment sized for them.
5. commitment (cloud pools): the residual baseline (p15 of the off-peak hourly residual, a level
   shifting does not lower) above the commitment the pool already buys, at on-demand minus committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlglot import exp

from tools._warehouse import bind
from tools.detect_util import IDLE_SM

TARGET_BUSY = 0.85
MEMORY_HEADROOM = 1.2
COMPUTE_CEILING = 0.8
BASELINE_QUANTILE = 0.15
BIG_MEMORY_GB = 80
MIN_PRICE_CUT = 0.75  # a move must cut the hourly price by a quarter or more to be worth the migration
HOURS_PER_MONTH = 730.0
STREAM = ["team", "project", "workload_type", "cluster", "accelerator_type"]
STREAM_COLUMNS = ", ".join(STREAM)


LEDGER_CTES = """led AS (
    SELECT u.team, u.project, u.workload_type, u.cluster, u.accelerator_type, u.hour, u.allocated_hours, u.busy_hours,
           u.sm_active, u.memory_used_gb, c.is_on_prem, a.memory_gb, a.peak_bf16_tflops AS peak, a.mig_slices,
           a.on_demand_usd_per_hour AS od, a.committed_usd_per_hour AS cm,
           CASE WHEN c.is_on_prem THEN a.committed_usd_per_hour ELSE a.on_demand_usd_per_hour END AS price,
           u.sm_active < :idle_sm AS idle,
           extract(isodow FROM u.hour) <= 5 AND extract(hour FROM u.hour) BETWEEN 8 AND 18 AS peak_hour
    FROM utilization_hourly u JOIN clusters c ON c.cluster = u.cluster
    JOIN accelerator_types a ON a.accelerator_type = u.accelerator_type
    WHERE u.hour >= :start AND u.hour < :end AND :stream_ok
), profile AS (
    SELECT S_, any_value(memory_gb) AS memory_gb, any_value(peak) AS peak, any_value(mig_slices) AS mig_slices,
           any_value(price) AS price, quantile_cont(sm_active, 0.95) AS sm_p95,
           quantile_cont(memory_used_gb, 0.95) AS mem_p95
    FROM led WHERE NOT idle AND workload_type <> 'training' GROUP BY S_
), offered AS (
    SELECT k.cluster, a.accelerator_type, a.memory_gb, a.peak_bf16_tflops AS peak,
           CASE WHEN c.is_on_prem THEN a.committed_usd_per_hour ELSE a.on_demand_usd_per_hour END AS price
    FROM cluster_capacity k JOIN accelerator_types a ON a.accelerator_type = k.accelerator_type
    JOIN clusters c ON c.cluster = k.cluster
    WHERE k.effective_from < :end AND NOT a.on_device
), options AS (
    SELECT p.team, p.project, p.workload_type, p.cluster, p.accelerator_type, o.accelerator_type AS target,
           o.price AS target_price
    FROM profile p JOIN offered o ON o.cluster = p.cluster
    WHERE p.memory_gb >= :big_memory_gb AND o.memory_gb >= :memory_headroom * p.mem_p95
      AND o.peak * :compute_ceiling >= p.sm_p95 * p.peak AND o.price <= :min_price_cut * p.price
    UNION ALL
    SELECT team, project, workload_type, cluster, accelerator_type,
           accelerator_type || ' MIG ' || CAST(k AS INTEGER) || '/' || mig_slices, price * k / mig_slices
    FROM (SELECT *, greatest(ceil(:memory_headroom * mem_p95 * mig_slices / memory_gb),
                             ceil(sm_p95 * mig_slices / :compute_ceiling)) AS k
          FROM profile WHERE mig_slices > 0 AND memory_gb >= :big_memory_gb)
    WHERE k <= :min_price_cut * mig_slices
), best AS (
    SELECT S_, arg_min(target, target_price) AS target, min(target_price) AS target_price
    FROM options GROUP BY S_
), claims AS (
    SELECT l.*, b.target, b.target_price,
           CASE WHEN l.idle THEN l.allocated_hours ELSE 0 END AS c_idle,
           CASE WHEN NOT l.idle AND b.target IS NOT NULL THEN l.allocated_hours ELSE 0 END AS c_right,
           CASE WHEN NOT l.idle AND b.target IS NULL AND l.workload_type <> 'online-inference'
                THEN greatest(0, l.allocated_hours - l.busy_hours / :target_busy) ELSE 0 END AS c_pack
    FROM led l LEFT JOIN best b ON b.team = l.team AND b.project = l.project AND b.workload_type = l.workload_type
     AND b.cluster = l.cluster AND b.accelerator_type = l.accelerator_type
), pool_hours AS (
    SELECT cluster, accelerator_type, hour, any_value(is_on_prem) AS is_on_prem, any_value(od) AS od,
           any_value(cm) AS cm, any_value(peak_hour) AS peak_hour, sum(allocated_hours) AS allocated,
           sum(c_idle + c_right + c_pack) AS claimed,
           sum(allocated_hours - c_idle - c_right - c_pack) AS residual,
           sum(CASE WHEN peak_hour AND workload_type IN ('batch-inference', 'evaluation')
                    THEN allocated_hours - c_idle - c_right - c_pack ELSE 0 END) AS movable
    FROM claims GROUP BY cluster, accelerator_type, hour
)""".replace("S_", STREAM_COLUMNS)

STREAM_LEVERS = "WITH " + LEDGER_CTES + """
SELECT S_, any_value(target) AS target, any_value(price) AS price, any_value(target_price) AS target_price,
       sum(allocated_hours) AS allocated_hours, sum(c_idle) AS idle_hours, sum(c_right) AS rightsized_hours,
       sum(c_pack) AS packed_hours, sum(c_idle * price) AS idle_usd,
       sum(c_right * (price - coalesce(target_price, price))) AS rightsizing_usd, sum(c_pack * price) AS packing_usd,
       avg(busy_hours / allocated_hours) AS busy_share
FROM claims GROUP BY S_
ORDER BY S_""".replace("S_", STREAM_COLUMNS)

POOL_LEVERS = "WITH " + LEDGER_CTES + """,
level AS (
    SELECT cluster, accelerator_type, any_value(is_on_prem) AS is_on_prem, any_value(od) AS od, any_value(cm) AS cm,
           count(*) AS hours, sum(allocated) AS allocated, sum(claimed) AS claimed, sum(residual) AS residual,
           sum(movable) AS movable, quantile_cont(CASE WHEN peak_hour THEN residual END, 0.9) AS peak_level,
           sum(CASE WHEN NOT peak_hour THEN residual END) AS offpeak_residual,
           count(*) FILTER (WHERE NOT peak_hour) AS offpeak_hours,
           quantile_cont(CASE WHEN NOT peak_hour THEN residual END, :baseline_quantile) AS baseline
    FROM pool_hours GROUP BY cluster, accelerator_type
), committed AS (
    SELECT x_cluster AS cluster, x_accelerator_type AS accelerator_type,
           CAST(sum(PricingQuantity) AS DOUBLE) AS committed_hours
    FROM cost_daily
    WHERE PricingCategory = 'Committed' AND ChargePeriodStart >= :start AND ChargePeriodStart < :end
    GROUP BY ALL
)
SELECT l.cluster, l.accelerator_type, l.hours, l.allocated, l.claimed, l.residual, l.od, l.cm,
       least(l.movable, greatest(0, l.peak_level * l.offpeak_hours - l.offpeak_residual)) AS shift_hours,
       l.baseline, coalesce(c.committed_hours, 0) / l.hours AS committed_level,
       greatest(0, l.baseline - coalesce(c.committed_hours, 0) / l.hours) AS commitment_gap
FROM level l LEFT JOIN committed c ON c.cluster = l.cluster AND c.accelerator_type = l.accelerator_type
WHERE NOT l.is_on_prem
ORDER BY l.cluster, l.accelerator_type"""


def _values(start: datetime, end: datetime, team: str | None = None, cluster: str | None = None,
            accelerator_type: str | None = None) -> dict[str, Any]:
    """The ledger's bound values: period, constants, and the stream filter as a sqlglot condition."""
    picks = [exp.column(col, table="u").eq(exp.Literal.string(v))
             for col, v in (("team", team), ("cluster", cluster), ("accelerator_type", accelerator_type)) if v is not None]
    return {"start": start, "end": end, "stream_ok": exp.and_(*picks) if picks else exp.true(), "idle_sm": IDLE_SM,
            "big_memory_gb": BIG_MEMORY_GB, "memory_headroom": MEMORY_HEADROOM, "compute_ceiling": COMPUTE_CEILING,
            "min_price_cut": MIN_PRICE_CUT, "target_busy": TARGET_BUSY, "baseline_quantile": BASELINE_QUANTILE}


def stream_levers_sql(start: datetime, end: datetime, **filters: str | None) -> str:
    """Idle, rightsizing and bin-packing claims and dollars per stream over [start, end)."""
    return bind(STREAM_LEVERS, **_values(start, end, **filters))


def pool_levers_sql(start: datetime, end: datetime, cluster: str | None = None,
                    accelerator_type: str | None = None) -> str:
    """Off-peak shifting and commitment coverage per cloud pool, on the residual the stream levers left."""
    return bind(POOL_LEVERS, **_values(start, end, cluster=cluster, accelerator_type=accelerator_type))
