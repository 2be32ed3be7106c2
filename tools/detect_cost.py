"""Detectors on money and serving: team cost spikes and inference latency or error-rate spikes.

- cost_spike: a team's daily EffectiveCost (FOCUS, amortized; the observed total is the catalog's
  `effective_cost_usd` for the team and days) against the median of the same team's
  cost on the same weekday over the 4 weeks either side (a local baseline, so growth over years does
  not read as a spike); flagged at 1.5x or more with a robust z > 3.5 on the log ratio (scaled MAD of
  the team's log ratios).
- latency_spike: an endpoint's hourly p95 latency (or error rate) against the same hour of week;
  flagged at 2x or more and robust z > 3.5, sustained `LATENCY_MIN_HOURS` hours or more. The impact
  is the cost of the accelerators serving the endpoint's team on that pool while it was degraded.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from semantic_layer.query import Filter, MetricQuery, TimeRange
from tools._warehouse import Warehouse, bind
from tools.scan_sql import PRICE_CTE, bounds

COST_RATIO = 1.5
COST_WEEKS = 4  # the baseline is the median of the same weekday over the 4 weeks either side (9 points)
LATENCY_RATIO = 2.0
LATENCY_MIN_HOURS = 2


_COST_SQL = """WITH daily AS (
    SELECT x_team AS team, ChargePeriodStart AS hour, extract(isodow FROM ChargePeriodStart) AS dow,
           CAST(sum(EffectiveCost) AS DOUBLE) AS x
    FROM cost_daily WHERE x_team IS NOT NULL AND (:team IS NULL OR x_team = :team)
      AND ChargePeriodStart >= :since AND ChargePeriodStart < :end
    GROUP BY ALL
), local AS (
    SELECT *, median(x) OVER (PARTITION BY team, dow ORDER BY hour ROWS BETWEEN :weeks PRECEDING AND :weeks FOLLOWING) AS med
    FROM daily
), resid AS (
    SELECT *, ln(greatest(x, 0.01) / greatest(med, 0.01)) AS r FROM local
), spread AS (
    SELECT team, :mad_scale * median(abs(r)) AS mad FROM resid GROUP BY team
), flagged AS (
    SELECT d.* FROM resid d JOIN spread s USING (team)
    WHERE d.x >= :ratio * d.med AND d.r > :z * greatest(s.mad, 0.01) AND d.hour >= :start AND d.hour < :end
), lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY team ORDER BY hour) AS prev_hour FROM flagged
), isl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > INTERVAL 24 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY team ORDER BY hour) AS run_id
    FROM lagged
)
SELECT team AS entity, NULL AS cluster, NULL AS accelerator_type, min(hour) AS window_start,
       max(hour) + INTERVAL 1 DAY AS window_end, count(*) AS days,
       round(sum(x), 2) AS observed, round(sum(med), 2) AS expected, round(sum(x - med), 2) AS impact_usd
FROM isl GROUP BY team, run_id
ORDER BY window_start, entity"""


def cost_spike_sql(start: datetime | None, end: datetime | None, team: str | None = None) -> str:
    """Runs of days on which a team's cost far exceeded its usual cost for that day of week."""
    return bind(_COST_SQL, **bounds(start, end), team=team, weeks=COST_WEEKS, ratio=COST_RATIO)


_LATENCY_SQL = """WITH hourly AS (
    SELECT endpoint, team, cluster, accelerator_type, hour,
           (extract(isodow FROM hour) - 1) * 24 + extract(hour FROM hour) AS how, latency_p95_ms AS x,
           errors / greatest(requests, 1) AS err
    FROM serving_hourly WHERE (:endpoint IS NULL OR endpoint = :endpoint) AND hour >= :since AND hour < :end
), base_med AS (
    SELECT endpoint, how, median(x) AS med FROM hourly GROUP BY endpoint, how
), base AS (
    SELECT m.endpoint, m.how, any_value(m.med) AS med, :mad_scale * median(abs(x.x - m.med)) AS mad
    FROM base_med m JOIN hourly x ON m.endpoint = x.endpoint AND m.how = x.how GROUP BY m.endpoint, m.how
), ebase_med AS (
    SELECT endpoint, how, median(err) AS med FROM hourly GROUP BY endpoint, how
), ebase AS (
    SELECT m.endpoint, m.how, any_value(m.med) AS med, :mad_scale * median(abs(x.err - m.med)) AS mad
    FROM ebase_med m JOIN hourly x ON m.endpoint = x.endpoint AND m.how = x.how GROUP BY m.endpoint, m.how
), flagged AS (
    SELECT h.*, b.med, e.med AS err_med FROM hourly h JOIN base b USING (endpoint, how) JOIN ebase e USING (endpoint, how)
    WHERE ((h.x >= :ratio * b.med AND h.x - b.med > :z * greatest(b.mad, 0.01 * b.med))
        OR (h.err >= 5 * e.med AND h.err - e.med > :z * greatest(e.mad, 0.0001)))
      AND h.hour >= :start AND h.hour < :end
), lagged AS (
    SELECT *, lag(hour) OVER (PARTITION BY endpoint ORDER BY hour) AS prev_hour FROM flagged
), isl AS (
    SELECT *, sum(CASE WHEN prev_hour IS NULL OR hour - prev_hour > INTERVAL 1 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY endpoint ORDER BY hour) AS run_id
    FROM lagged
), runs AS (
    SELECT endpoint, team, cluster, accelerator_type, min(hour) AS window_start,
           max(hour) + INTERVAL 1 HOUR AS window_end, count(*) AS hours, avg(x) AS observed, avg(med) AS expected,
           avg(err) AS error_rate, avg(err_med) AS expected_error_rate
    FROM isl GROUP BY endpoint, team, cluster, accelerator_type, run_id HAVING count(*) >= :min_hours
), serving_cost AS (
    SELECT r.endpoint, r.window_start, sum(u.allocated_hours) AS accelerator_hours
    FROM runs r JOIN utilization_hourly u ON u.team = r.team AND u.cluster = r.cluster
     AND u.accelerator_type = r.accelerator_type AND u.workload_type = 'online-inference'
     AND u.hour >= r.window_start AND u.hour < r.window_end
    GROUP BY ALL
), """ + PRICE_CTE + """
SELECT r.endpoint AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.hours,
       round(r.observed, 1) AS observed, round(r.expected, 1) AS expected,
       round(r.error_rate, 5) AS error_rate, round(r.expected_error_rate, 5) AS expected_error_rate,
       ep.is_production AS production,
       round(coalesce(c.accelerator_hours, 0) * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN endpoints ep USING (endpoint)
LEFT JOIN serving_cost c USING (endpoint, window_start)
JOIN price p ON p.cluster = r.cluster AND p.accelerator_type = r.accelerator_type
ORDER BY r.window_start, entity"""


def latency_spike_sql(start: datetime | None, end: datetime | None, endpoint: str | None = None) -> str:
    """Runs of hours in which an endpoint's p95 latency or error rate far exceeded the same hour of week."""
    return bind(_LATENCY_SQL, **bounds(start, end), endpoint=endpoint, ratio=LATENCY_RATIO, min_hours=LATENCY_MIN_HOURS)


def cost_spike_frame(wh: Warehouse, start: datetime | None, end: datetime | None) -> pd.DataFrame:
    """`cost_spike_sql`'s runs, each observed cost taken from the catalog's `effective_cost_usd` for the
    team and the run's days (the figure `pace query --metric effective_cost_usd` gives), so the scan
    and a question about the same spend never disagree; the baseline and the flagging stay the detector's."""
    runs = wh.run(cost_spike_sql(start, end))
    observed = []
    for team, first, last in zip(runs["entity"], runs["window_start"], runs["window_end"]):  # one per finding
        query = MetricQuery(metrics=["effective_cost_usd"], filters=[Filter(dimension="team", values=[team])],
                            time_range=TimeRange(start=pd.Timestamp(first).to_pydatetime(), end=pd.Timestamp(last).to_pydatetime()))
        value = wh.query(query)[0].iloc[0, 0]
        observed.append(round(float(value), 2))
    return runs.assign(observed=observed) if len(runs) else runs
