"""Physical bounds, checked before anything is advised: allocation within installed capacity,
utilization within 0..100%, usage cost not negative. A figure outside them is a data-quality finding
(the feed or a table is wrong), never a basis for a recommendation.

- allocation_over_capacity: a pool's (cluster x accelerator type) hourly allocated accelerator-hours
  above the accelerators installed then (`cluster_capacity`, latest `effective_from` on or before the
  hour); consecutive hours form one finding.
- utilization_out_of_range: rows whose SM activity is outside [0, 1] or whose busy hours exceed the
  allocated hours (a busy share above 100%), or with negative hours, per pool and day.
- negative_usage_cost: FOCUS `Usage` charges with a negative EffectiveCost, per team and day (credits
  and refunds are their own ChargeCategory in FOCUS and may be negative; usage may not).

The SQL is one constant text per check, parsed by sqlglot with its `:name` placeholders replaced by
literals (values bound, never pasted), so the same query is the finding's evidence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp

EPS = 1e-6
MIN = "1900-01-01 00:00:00"
MAX = "2999-01-01 00:00:00"

_OVER_CAPACITY = """
WITH hourly AS (
  SELECT cluster, accelerator_type, hour, SUM(allocated_hours) AS allocated FROM utilization_hourly
  WHERE hour >= CAST(:start AS TIMESTAMP) AND hour < CAST(:end AS TIMESTAMP)
    AND (:cluster IS NULL OR cluster = :cluster) AND (:accelerator_type IS NULL OR accelerator_type = :accelerator_type)
  GROUP BY cluster, accelerator_type, hour
), capped AS (
  SELECT h.cluster, h.accelerator_type, h.hour, h.allocated,
         (SELECT arg_max(c.accelerators, c.effective_from) FROM cluster_capacity AS c
          WHERE c.cluster = h.cluster AND c.accelerator_type = h.accelerator_type
            AND c.effective_from <= CAST(h.hour AS DATE)) AS capacity
  FROM hourly AS h
), over AS (
  SELECT *, hour - INTERVAL 1 HOUR * ROW_NUMBER() OVER (PARTITION BY cluster, accelerator_type ORDER BY hour) AS run
  FROM capped WHERE allocated > capacity + :eps
)
SELECT cluster || ' ' || accelerator_type AS entity, cluster, accelerator_type, MIN(hour) AS window_start,
       MAX(hour) + INTERVAL 1 HOUR AS window_end, COUNT(*) AS hours, ROUND(MAX(allocated), 1) AS observed,
       MAX(capacity) AS expected, ROUND(100.0 * MAX(allocated) / MAX(capacity), 0) AS peak_pct
FROM over GROUP BY cluster, accelerator_type, run ORDER BY window_start, entity
"""

_UTILIZATION_RANGE = """
SELECT cluster || ' ' || accelerator_type AS entity, cluster, accelerator_type,
       date_trunc('day', hour) AS window_start, date_trunc('day', hour) + INTERVAL 1 DAY AS window_end,
       COUNT(*) AS bad_rows, ROUND(MAX(GREATEST(sm_active, busy_hours / NULLIF(allocated_hours, 0))), 4) AS observed,
       CAST(1 AS DOUBLE) AS expected
FROM utilization_hourly
WHERE hour >= CAST(:start AS TIMESTAMP) AND hour < CAST(:end AS TIMESTAMP)
  AND (:cluster IS NULL OR cluster = :cluster) AND (:accelerator_type IS NULL OR accelerator_type = :accelerator_type)
  AND (sm_active < 0 OR sm_active > 1 + :eps OR busy_hours > allocated_hours + :eps
       OR allocated_hours < 0 OR busy_hours < 0 OR idle_hours < 0)
GROUP BY cluster, accelerator_type, date_trunc('day', hour) ORDER BY window_start, entity
"""

_NEGATIVE_COST = """
SELECT COALESCE(x_team, ProviderName) AS entity, x_cluster AS cluster, x_accelerator_type AS accelerator_type,
       ChargePeriodStart AS window_start, ChargePeriodStart + INTERVAL 1 DAY AS window_end, COUNT(*) AS bad_rows,
       CAST(SUM(EffectiveCost) AS DOUBLE) AS observed, CAST(0 AS DOUBLE) AS expected
FROM cost_daily
WHERE ChargePeriodStart >= CAST(:start AS TIMESTAMP) AND ChargePeriodStart < CAST(:end AS TIMESTAMP)
  AND ChargeCategory = 'Usage' AND EffectiveCost < 0
  AND (:cluster IS NULL OR x_cluster = :cluster) AND (:accelerator_type IS NULL OR x_accelerator_type = :accelerator_type)
GROUP BY ALL ORDER BY window_start, entity
"""

CHECKS: dict[str, tuple[str, str]] = {
    "allocation_over_capacity": (_OVER_CAPACITY, "accelerators allocated (peak hour) vs installed"),
    "utilization_out_of_range": (_UTILIZATION_RANGE, "busy share or SM activity (0-1) vs its upper bound 1"),
    "negative_usage_cost": (_NEGATIVE_COST, "USD of Usage EffectiveCost vs the lower bound 0"),
}


def _stamp(value: datetime | None, default: str) -> str:
    return default if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def check_sql(check: str, start: datetime | None, end: datetime | None, cluster: str | None = None,
              accelerator_type: str | None = None) -> str:
    """One check's SQL over [start, end), values bound into sqlglot's placeholders."""
    tree = sqlglot.parse_one(CHECKS[check][0], read="duckdb")
    bound = exp.replace_placeholders(tree, start=_stamp(start, MIN), end=_stamp(end, MAX), eps=EPS,
                                     cluster=exp.null() if cluster is None else cluster,
                                     accelerator_type=exp.null() if accelerator_type is None else accelerator_type)
    return bound.sql(dialect="duckdb")


def violations(run: Any, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """Every out-of-bounds run in [start, end): check, entity, cluster, accelerator_type, window, observed,
    expected (the bound), unit and the evidence SQL. `run` is SQL -> DataFrame (a Warehouse's)."""
    frames = []
    for check, (_, unit) in CHECKS.items():
        sql = check_sql(check, start, end)
        df = run(sql)
        if not df.empty:
            frames.append(df.assign(check=check, unit=unit, evidence_sql=sql))
    if not frames:
        return pd.DataFrame(columns=["check", "entity", "cluster", "accelerator_type", "window_start", "window_end",
                                     "observed", "expected", "unit", "evidence_sql"])
    return pd.concat(frames, ignore_index=True)
