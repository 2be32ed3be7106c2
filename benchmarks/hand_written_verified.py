"""Hand-written DuckDB SQL for each verified query, in catalog order: the baseline the benchmark times.

Written the way an analyst would (one GROUP BY per question, no CTE scaffolding); `{S}`/`{E}` are the
period's start/end timestamps and `{P}` the previous period's start. Results must equal the compiled ones.
"""

from __future__ import annotations

U = "u.hour >= {S} AND u.hour < {E}"
C = "c.ChargePeriodStart >= {S} AND c.ChargePeriodStart < {E}"
J = "j.submit_at >= {S} AND j.submit_at < {E}"
SV = "s.hour >= {S} AND s.hour < {E}"
R = "r.submitted_at >= {S} AND r.submitted_at < {E}"
I = "i.opened_at >= {S} AND i.opened_at < {E}"
ACC_U = "LEFT JOIN accelerator_types a ON a.accelerator_type = u.accelerator_type"
APPROVED = "('approved', 'provisioned', 'active', 'expired', 'released')"
RES_H = "date_diff('second', i.opened_at, i.resolved_at) / 3600.0"
QUOTA = """FROM (SELECT DISTINCT hour FROM utilization_hourly WHERE hour >= {S} AND hour < {E}) h
  JOIN quotas q ON h.hour >= q.effective_from AND (q.effective_to IS NULL OR h.hour < q.effective_to)
  LEFT JOIN (SELECT hour, team, accelerator_type, sum(allocated_hours) a FROM utilization_hourly
             WHERE hour >= {S} AND hour < {E} GROUP BY ALL) al
    ON al.hour = h.hour AND al.team = q.team AND al.accelerator_type = q.accelerator_type"""

HAND_WRITTEN: list[str] = [
    f"SELECT u.team, 100 * sum(u.busy_hours) / sum(u.allocated_hours) FROM utilization_hourly u WHERE {U} GROUP BY 1",
    f"SELECT u.team, sum(u.idle_hours) x FROM utilization_hourly u WHERE {U} GROUP BY 1 ORDER BY x DESC, 1 LIMIT 5",
    f"SELECT u.team, sum(u.idle_hours * a.committed_usd_per_hour) FROM utilization_hourly u {ACC_U} WHERE {U} GROUP BY 1",
    f"SELECT date_trunc('day', u.hour), 100 * sum(u.busy_hours) / sum(u.allocated_hours) FROM utilization_hourly u WHERE {U} AND u.accelerator_type = 'H100' GROUP BY 1",
    f"SELECT u.accelerator_type, 100 * sum(u.sm_active * u.allocated_hours) / sum(u.allocated_hours) FROM utilization_hourly u WHERE {U} GROUP BY 1",
    f"SELECT u.team, 100 * sum(u.memory_used_gb * u.allocated_hours) / sum(a.memory_gb * u.allocated_hours) FROM utilization_hourly u {ACC_U} WHERE {U} GROUP BY 1",
    f"SELECT t.org, sum(u.allocated_hours), sum(u.busy_hours) FROM utilization_hourly u LEFT JOIN teams t ON t.team = u.team WHERE {U} GROUP BY 1",
    """SELECT k, cur, prev, (cur - prev) * 100.0 / nullif(abs(prev), 0) FROM (
         SELECT u.cluster k,
           100 * sum(u.busy_hours) FILTER (WHERE u.hour >= {S}) / sum(u.allocated_hours) FILTER (WHERE u.hour >= {S}) cur,
           100 * sum(u.busy_hours) FILTER (WHERE u.hour < {S}) / sum(u.allocated_hours) FILTER (WHERE u.hour < {S}) prev
         FROM utilization_hourly u WHERE u.hour >= {P} AND u.hour < {E} GROUP BY 1) WHERE cur IS NOT NULL""",
    f"SELECT date_trunc('week', u.hour), u.workload_type, 100 * sum(u.busy_hours) / sum(u.allocated_hours) FROM utilization_hourly u WHERE {U} GROUP BY 1, 2",
    f"SELECT q.team, sum(greatest(coalesce(al.a, 0) - q.guaranteed, 0)), 100 * sum(coalesce(al.a, 0)) / sum(q.guaranteed) {QUOTA} GROUP BY 1",
    f"SELECT q.team, 100 * sum(coalesce(al.a, 0)) / sum(q.guaranteed) {QUOTA} GROUP BY 1",
    f"SELECT q.accelerator_type, sum(q.guaranteed) {QUOTA} GROUP BY 1",
    f"SELECT sum(c.EffectiveCost)::DOUBLE FROM cost_daily c WHERE {C}",
    f"SELECT date_trunc('month', c.ChargePeriodStart), cl.provider, sum(c.EffectiveCost)::DOUBLE FROM cost_daily c LEFT JOIN clusters cl ON cl.cluster = c.x_cluster WHERE {C} GROUP BY 1, 2",
    f"SELECT c.x_team, sum(c.EffectiveCost)::DOUBLE x FROM cost_daily c WHERE {C} GROUP BY 1 ORDER BY c.x_team IS NULL, x DESC, 1 LIMIT 3",
    f"SELECT sum(c.ListCost)::DOUBLE, sum(c.EffectiveCost)::DOUBLE, 100 * (sum(c.ListCost) - sum(c.EffectiveCost))::DOUBLE / sum(c.ListCost)::DOUBLE FROM cost_daily c WHERE {C}",
    f"SELECT c.x_cluster, 100 * sum(CASE WHEN c.PricingCategory = 'Committed' THEN c.EffectiveCost ELSE 0 END)::DOUBLE / sum(c.EffectiveCost)::DOUBLE FROM cost_daily c WHERE {C} GROUP BY 1",
    f"""SELECT coalesce(x.k, y.k), x.cost / y.busy
        FROM (SELECT c.x_accelerator_type k, sum(c.EffectiveCost)::DOUBLE cost FROM cost_daily c WHERE {C} GROUP BY 1) x
        FULL JOIN (SELECT u.accelerator_type k, sum(u.busy_hours) busy FROM utilization_hourly u WHERE {U} GROUP BY 1) y ON x.k IS NOT DISTINCT FROM y.k""",
    f"SELECT date_trunc('day', c.ChargePeriodStart) d, sum(sum(c.EffectiveCost)::DOUBLE) OVER (ORDER BY d) FROM cost_daily c WHERE {C} GROUP BY 1",
    f"SELECT t.org, sum(c.BilledCost)::DOUBLE FROM cost_daily c LEFT JOIN teams t ON t.team = c.x_team WHERE {C} GROUP BY 1",
    """SELECT k, cur, prev, (cur - prev) * 100.0 / nullif(abs(prev), 0) FROM (
         SELECT c.x_team k, sum(c.EffectiveCost) FILTER (WHERE c.ChargePeriodStart >= {S})::DOUBLE cur,
                sum(c.EffectiveCost) FILTER (WHERE c.ChargePeriodStart < {S})::DOUBLE prev
         FROM cost_daily c WHERE c.ChargePeriodStart >= {P} AND c.ChargePeriodStart < {E} GROUP BY 1) WHERE cur IS NOT NULL""",
    f"SELECT j.team, count(*) FROM jobs j WHERE {J} GROUP BY 1",
    f"SELECT j.cluster, 100.0 * count_if(j.state = 'failed') / count(*) FROM jobs j WHERE {J} GROUP BY 1",
    f"SELECT j.accelerator_type, count_if(j.state = 'preempted'), 100.0 * count_if(j.state = 'preempted') / count(*) FROM jobs j WHERE {J} GROUP BY 1",
    f"SELECT j.cluster, quantile_cont(j.queue_wait_minutes, 0.5), quantile_cont(j.queue_wait_minutes, 0.95) FROM jobs j WHERE {J} GROUP BY 1",
    f"SELECT date_trunc('week', j.submit_at), quantile_cont(j.queue_wait_minutes, 0.95) FROM jobs j WHERE {J} AND j.accelerator_type = 'H100' GROUP BY 1",
    f"SELECT j.accelerator_type, sum(j.tokens_processed) / sum(j.accelerator_hours) FILTER (WHERE j.tokens_processed IS NOT NULL) FROM jobs j WHERE {J} AND j.workload_type = 'training' GROUP BY 1",
    f"SELECT j.team, 100 * sum(j.mfu * j.accelerator_hours) / sum(j.accelerator_hours) FILTER (WHERE j.mfu IS NOT NULL) FROM jobs j WHERE {J} GROUP BY 1",
    f"SELECT j.team, 100 * sum(j.accelerator_hours) FILTER (WHERE j.state = 'completed') / sum(j.accelerator_hours) FROM jobs j WHERE {J} GROUP BY 1",
    f"SELECT j.state, count(*) FROM jobs j WHERE {J} GROUP BY 1",
    f"SELECT s.endpoint, sum(s.requests)::DOUBLE FROM serving_hourly s WHERE {SV} GROUP BY 1",
    f"SELECT s.endpoint, sum(s.latency_p95_ms * s.requests) / sum(s.requests) FROM serving_hourly s WHERE {SV} GROUP BY 1",
    f"SELECT e.model, 100.0 * sum(s.errors) / sum(s.requests) FROM serving_hourly s LEFT JOIN endpoints e ON e.endpoint = s.endpoint WHERE {SV} GROUP BY 1",
    f"SELECT date_trunc('day', s.hour), sum(s.tokens)::DOUBLE FROM serving_hourly s WHERE {SV} GROUP BY 1",
    f"""SELECT coalesce(x.k, y.k), 1e6 * x.cost / y.tokens
        FROM (SELECT u.team k, sum(CASE WHEN u.workload_type = 'online-inference' THEN u.allocated_hours * a.committed_usd_per_hour ELSE 0 END) cost
              FROM utilization_hourly u {ACC_U} WHERE {U} GROUP BY 1) x
        FULL JOIN (SELECT s.team k, sum(s.tokens) tokens FROM serving_hourly s WHERE {SV} GROUP BY 1) y ON x.k IS NOT DISTINCT FROM y.k""",
    f"SELECT date_trunc('hour', s.hour), sum(s.latency_p95_ms * s.requests) / sum(s.requests) FROM serving_hourly s WHERE {SV} AND s.endpoint = 'assistant-chat' GROUP BY 1",
    f"SELECT u.cluster, sum(u.energy_kwh) FROM utilization_hourly u WHERE {U} GROUP BY 1",
    f"SELECT u.cluster, sum(u.energy_kwh * cl.usd_per_kwh) FROM utilization_hourly u LEFT JOIN clusters cl ON cl.cluster = u.cluster WHERE {U} AND cl.provider = 'on-prem' GROUP BY 1",
    f"SELECT count(*), count_if(r.status IN {APPROVED}), count_if(r.status = 'denied') FROM compute_requests r WHERE {R}",
    "SELECT r.team, count_if(r.status IN ('submitted', 'needs_info')) FROM compute_requests r GROUP BY 1",
    f"""SELECT r.priority, 100.0 * count_if(r.status IN {APPROVED}) / nullif(count_if(r.status IN {APPROVED} OR r.status = 'denied'), 0),
           quantile_cont(date_diff('second', r.submitted_at, r.decided_at) / 3600.0, 0.5) FILTER (WHERE r.decided_at IS NOT NULL AND r.status <> 'denied')
        FROM compute_requests r WHERE {R} GROUP BY 1""",
    f"SELECT r.status, count(*) FROM compute_requests r WHERE {R} GROUP BY 1",
    f"SELECT i.severity, count(*) FROM incidents i WHERE {I} GROUP BY 1",
    f"SELECT i.severity, avg(date_diff('second', i.opened_at, i.acknowledged_at) / 60.0), avg({RES_H}) FROM incidents i WHERE {I} GROUP BY 1",
    f"SELECT i.category, 100.0 * count_if(i.escalated_to_tier3) / count(*) FROM incidents i WHERE {I} GROUP BY 1",
    f"SELECT i.cluster, count_if(i.sla_breached), 100.0 * count_if(i.sla_breached) / count(*) FROM incidents i WHERE {I} GROUP BY 1",
    f"SELECT date_trunc('month', i.opened_at), i.resolved_tier, count(*) FROM incidents i WHERE {I} GROUP BY 1, 2",
    f"SELECT i.primary_team, sum(i.accelerator_hours_lost) FROM incidents i WHERE {I} GROUP BY 1",
    f"SELECT a.vendor, count_if(i.severity IN ('SEV1', 'SEV2')) FROM incidents i LEFT JOIN accelerator_types a ON a.accelerator_type = i.accelerator_type WHERE {I} GROUP BY 1",
    f"SELECT a.kind, 100 * sum(u.busy_hours) / sum(u.allocated_hours), sum(u.idle_hours * a.committed_usd_per_hour) FROM utilization_hourly u {ACC_U} WHERE {U} GROUP BY 1",
    f"SELECT date_trunc('week', u.hour), cl.region, sum(u.allocated_hours) FROM utilization_hourly u LEFT JOIN clusters cl ON cl.cluster = u.cluster WHERE {U} GROUP BY 1, 2",
    "SELECT date_trunc('quarter', c.ChargePeriodStart), t.org, sum(c.EffectiveCost)::DOUBLE FROM cost_daily c LEFT JOIN teams t ON t.team = c.x_team GROUP BY 1, 2",
]
