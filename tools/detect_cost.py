"""Detectors on money and serving: team cost spikes and inference latency or error-rate spikes.

- cost_spike: a team's daily EffectiveCost (FOCUS, amortized) against the median of the same team's
  cost on the same weekday over the 4 weeks either side (a local baseline, so growth over years does
  not read as a spike); flagged at 1.5x or more with a robust z > 3.5 on the log ratio (scaled MAD of
  the team's log ratios).
- latency_spike: an endpoint's hourly p95 latency (or error rate) against the same hour of week;
  flagged at 2x or more and robust z > 3.5, sustained `LATENCY_MIN_HOURS` hours or more. The impact
  is the cost of the accelerators serving the endpoint's team on that pool while it was degraded.
"""

from __future__ import annotations

from datetime import datetime

from tools.scan_sql import (
    MAD_SCALE, PRICE_CTE, Z_THRESHOLD, equals, history_filter, how, islands, robust_baseline, window_filter,
)

COST_RATIO = 1.5
COST_WEEKS = 4  # the baseline is the median of the same weekday over the 4 weeks either side (9 points)
LATENCY_RATIO = 2.0
LATENCY_MIN_HOURS = 2


def cost_spike_sql(start: datetime | None, end: datetime | None, team: str | None = None) -> str:
    """Runs of days on which a team's cost far exceeded its usual cost for that day of week."""
    where = equals({"x_team": team})
    return f"""WITH daily AS (
    SELECT x_team AS team, ChargePeriodStart AS hour, extract(isodow FROM ChargePeriodStart) AS dow,
           CAST(sum(EffectiveCost) AS DOUBLE) AS x
    FROM cost_daily WHERE x_team IS NOT NULL AND {where} AND {history_filter("ChargePeriodStart", start, end)}
    GROUP BY ALL
), local AS (
    SELECT *, median(x) OVER (PARTITION BY team, dow ORDER BY hour ROWS BETWEEN {COST_WEEKS} PRECEDING AND {COST_WEEKS} FOLLOWING) AS med
    FROM daily
), resid AS (
    SELECT *, ln(greatest(x, 0.01) / greatest(med, 0.01)) AS r FROM local
), spread AS (
    SELECT team, {MAD_SCALE} * median(abs(r)) AS mad FROM resid GROUP BY team
), flagged AS (
    SELECT d.* FROM resid d JOIN spread s USING (team)
    WHERE d.x >= {COST_RATIO} * d.med AND d.r > {Z_THRESHOLD} * greatest(s.mad, 0.01)
      AND {window_filter("d.hour", start, end)}
), {islands("flagged", ["team"], 24)}
SELECT team AS entity, NULL AS cluster, NULL AS accelerator_type, min(hour) AS window_start,
       max(hour) + INTERVAL 1 DAY AS window_end, count(*) AS days,
       round(sum(x), 2) AS observed, round(sum(med), 2) AS expected, round(sum(x - med), 2) AS impact_usd
FROM isl GROUP BY team, run_id
ORDER BY window_start, entity"""


def latency_spike_sql(start: datetime | None, end: datetime | None, endpoint: str | None = None) -> str:
    """Runs of hours in which an endpoint's p95 latency or error rate far exceeded the same hour of week."""
    where = equals({"endpoint": endpoint})
    return f"""WITH hourly AS (
    SELECT endpoint, team, cluster, accelerator_type, hour, {how()} AS how, latency_p95_ms AS x,
           errors / greatest(requests, 1) AS err
    FROM serving_hourly WHERE {where} AND {history_filter("hour", start, end)}
), {robust_baseline("hourly", ["endpoint"], "x")},
{robust_baseline("hourly", ["endpoint"], "err", "ebase")},
flagged AS (
    SELECT h.*, b.med, e.med AS err_med FROM hourly h JOIN base b USING (endpoint, how) JOIN ebase e USING (endpoint, how)
    WHERE ((h.x >= {LATENCY_RATIO} * b.med AND h.x - b.med > {Z_THRESHOLD} * greatest(b.mad, 0.01 * b.med))
        OR (h.err >= 5 * e.med AND h.err - e.med > {Z_THRESHOLD} * greatest(e.mad, 0.0001)))
      AND {window_filter("h.hour", start, end)}
), {islands("flagged", ["endpoint"])},
runs AS (
    SELECT endpoint, team, cluster, accelerator_type, min(hour) AS window_start,
           max(hour) + INTERVAL 1 HOUR AS window_end, count(*) AS hours, avg(x) AS observed, avg(med) AS expected,
           avg(err) AS error_rate, avg(err_med) AS expected_error_rate
    FROM isl GROUP BY endpoint, team, cluster, accelerator_type, run_id HAVING count(*) >= {LATENCY_MIN_HOURS}
), serving_cost AS (
    SELECT r.endpoint, r.window_start, sum(u.allocated_hours) AS accelerator_hours
    FROM runs r JOIN utilization_hourly u ON u.team = r.team AND u.cluster = r.cluster
     AND u.accelerator_type = r.accelerator_type AND u.workload_type = 'online-inference'
     AND u.hour >= r.window_start AND u.hour < r.window_end
    GROUP BY ALL
), {PRICE_CTE}
SELECT r.endpoint AS entity, r.cluster, r.accelerator_type, r.window_start, r.window_end, r.hours,
       round(r.observed, 1) AS observed, round(r.expected, 1) AS expected,
       round(r.error_rate, 5) AS error_rate, round(r.expected_error_rate, 5) AS expected_error_rate,
       ep.is_production AS production,
       round(coalesce(c.accelerator_hours, 0) * p.usd_per_hour, 2) AS impact_usd
FROM runs r JOIN endpoints ep USING (endpoint)
LEFT JOIN serving_cost c USING (endpoint, window_start)
JOIN price p ON p.cluster = r.cluster AND p.accelerator_type = r.accelerator_type
ORDER BY r.window_start, entity"""
