"""Hand-written SQL for every metric, by team, over October 2026: the compiler's answers must match these.

Written from the metric descriptions, not from the compiler, so a wrong join, filter or ratio shows.
"""

from __future__ import annotations

START, END = "2026-10-01", "2026-11-01"
U = f"hour >= TIMESTAMP '{START}' AND hour < TIMESTAMP '{END}'"
C = f"ChargePeriodStart >= TIMESTAMP '{START}' AND ChargePeriodStart < TIMESTAMP '{END}'"
J = f"submit_at >= TIMESTAMP '{START}' AND submit_at < TIMESTAMP '{END}'"
R = f"submitted_at >= TIMESTAMP '{START}' AND submitted_at < TIMESTAMP '{END}'"
I = f"opened_at >= TIMESTAMP '{START}' AND opened_at < TIMESTAMP '{END}'"
APPROVED = "('approved', 'provisioned', 'active', 'expired', 'released')"


# Slurm's failure and final states (sacct(1), JOB STATE CODES), written out here on purpose: the
# reference must not share a constant with the definitions it checks.
FAILED = "('failed', 'timeout', 'out_of_memory', 'node_fail', 'boot_fail', 'deadline')"
ENDED = ("('completed', 'failed', 'cancelled', 'timeout', 'out_of_memory', 'node_fail', 'preempted', 'boot_fail', "
         "'deadline', 'revoked')")


def _util(expr: str, join: str = "") -> str:
    return f"SELECT u.team, {expr} FROM utilization_hourly u {join} WHERE {U.replace('hour', 'u.hour')} GROUP BY u.team"


def _quota(expr: str) -> str:
    return f"""
        WITH hrs AS (SELECT DISTINCT hour FROM utilization_hourly WHERE {U}),
        alloc AS (SELECT hour, team, accelerator_type, sum(allocated_hours) AS a FROM utilization_hourly GROUP BY ALL)
        SELECT q.team, {expr}
        FROM hrs h JOIN quotas q ON h.hour >= q.effective_from AND (q.effective_to IS NULL OR h.hour < q.effective_to)
        LEFT JOIN alloc al ON al.hour = h.hour AND al.team = q.team AND al.accelerator_type = q.accelerator_type
        GROUP BY q.team"""


def _cost(expr: str) -> str:
    return f"SELECT x_team, {expr} FROM cost_daily WHERE {C} GROUP BY x_team"


def _jobs(expr: str) -> str:
    return f"SELECT team, {expr} FROM jobs WHERE {J} GROUP BY team"


def _serving(expr: str) -> str:
    return f"SELECT team, {expr} FROM serving_hourly WHERE {U} GROUP BY team"


def _requests(expr: str) -> str:
    return f"SELECT team, {expr} FROM compute_requests WHERE {R} GROUP BY team"


def _incidents(expr: str) -> str:
    return f"SELECT primary_team, {expr} FROM incidents WHERE {I} GROUP BY primary_team"


ACC = "JOIN accelerator_types a ON a.accelerator_type = u.accelerator_type"
CL = "JOIN clusters c ON c.cluster = u.cluster"
RESOLVE_H = "date_diff('second', opened_at, resolved_at) / 3600.0"

REFERENCE: dict[str, str] = {
    "allocated_hours": _util("sum(u.allocated_hours)"),
    "busy_hours": _util("sum(u.busy_hours)"),
    "idle_hours": _util("sum(u.idle_hours)"),
    "utilization_pct": _util("100 * sum(u.busy_hours) / sum(u.allocated_hours)"),
    "idle_pct": _util("100 * sum(u.idle_hours) / sum(u.allocated_hours)"),
    "sm_activity_pct": _util("100 * sum(u.sm_active * u.allocated_hours) / sum(u.allocated_hours)"),
    "memory_used_pct": _util("100 * sum(u.memory_used_gb * u.allocated_hours) / sum(a.memory_gb * u.allocated_hours)", ACC),
    "avg_memory_used_gb": _util("sum(u.memory_used_gb * u.allocated_hours) / sum(u.allocated_hours)"),
    "energy_kwh": _util("sum(u.energy_kwh)"),
    "energy_cost_usd": _util("sum(u.energy_kwh * c.usd_per_kwh)", CL),
    "idle_cost_usd": _util("sum(u.idle_hours * a.committed_usd_per_hour)", ACC),
    "serving_cost_usd": _util("sum(CASE WHEN u.workload_type = 'online-inference' THEN u.allocated_hours * a.committed_usd_per_hour ELSE 0 END)", ACC),
    "cumulative_allocated_hours": _util("sum(u.allocated_hours)"),
    "quota_accelerator_hours": _quota("sum(q.guaranteed)"),
    "quota_used_pct": _quota("100 * sum(coalesce(al.a, 0)) / sum(q.guaranteed)"),
    "over_quota_hours": _quota("sum(greatest(coalesce(al.a, 0) - q.guaranteed, 0))"),
    "effective_cost_usd": _cost("sum(EffectiveCost)::DOUBLE"),
    "list_cost_usd": _cost("sum(ListCost)::DOUBLE"),
    "billed_cost_usd": _cost("sum(BilledCost)::DOUBLE"),
    "savings_usd": _cost("sum(ListCost)::DOUBLE - sum(EffectiveCost)::DOUBLE"),
    "effective_savings_rate_pct": _cost("100 * (sum(ListCost)::DOUBLE - sum(EffectiveCost)::DOUBLE) / sum(ListCost)::DOUBLE"),
    "commitment_coverage_pct": _cost("100 * sum(CASE WHEN PricingCategory = 'Committed' THEN EffectiveCost ELSE 0 END)::DOUBLE / sum(EffectiveCost)::DOUBLE"),
    "cost_per_busy_hour_usd": f"""
        SELECT coalesce(c.t, u.t), c.cost / u.busy
        FROM ({_cost("sum(EffectiveCost)::DOUBLE").replace("SELECT x_team,", "SELECT x_team AS t, ").replace("::DOUBLE FROM", "::DOUBLE AS cost FROM")}) c
        FULL JOIN (SELECT team AS t, sum(busy_hours) AS busy FROM utilization_hourly WHERE {U} GROUP BY team) u ON c.t = u.t""",
    "cumulative_effective_cost_usd": _cost("sum(EffectiveCost)::DOUBLE"),
    "cost_per_accelerator_hour_usd": _cost(
        "sum(EffectiveCost) FILTER (WHERE PricingUnit = 'Hours' AND x_accelerator_type IS NOT NULL)::DOUBLE"
        " / sum(PricingQuantity) FILTER (WHERE PricingUnit = 'Hours' AND x_accelerator_type IS NOT NULL)::DOUBLE"),
    "jobs": _jobs("count(*)"),
    "failed_jobs": _jobs(f"count_if(state IN {FAILED})"),
    "jobs_started": f"SELECT team, count(*) FROM jobs WHERE start_at >= TIMESTAMP '{START}' AND start_at < TIMESTAMP '{END}' GROUP BY team",
    "jobs_finished": f"SELECT team, count(*) FROM jobs WHERE end_at >= TIMESTAMP '{START}' AND end_at < TIMESTAMP '{END}' GROUP BY team",
    "jobs_ran": f"SELECT team, count(*) FROM jobs WHERE start_at < TIMESTAMP '{END}' AND (end_at > TIMESTAMP '{START}' OR end_at IS NULL) GROUP BY team",
    "job_failure_rate_pct": _jobs(f"100.0 * count_if(state IN {FAILED}) / count_if(state IN {ENDED})"),
    "running_jobs": _jobs("count_if(state IN ('running', 'suspended'))"),
    "pending_jobs": _jobs("count_if(state IN ('pending', 'requeued'))"),
    "preemptions": _jobs("count_if(state = 'preempted')"),
    "preemption_rate_pct": _jobs(f"100.0 * count_if(state = 'preempted') / count_if(state IN {ENDED})"),
    "queue_wait_p50_minutes": _jobs("quantile_cont(queue_wait_minutes, 0.5)"),
    "queue_wait_p95_minutes": _jobs("quantile_cont(queue_wait_minutes, 0.95)"),
    "job_accelerator_hours": _jobs("sum(accelerator_hours)"),
    "training_throughput_tokens_per_hour": _jobs("sum(tokens_processed) / sum(accelerator_hours) FILTER (WHERE tokens_processed IS NOT NULL)"),
    "mfu_pct": _jobs("100 * sum(mfu * accelerator_hours) / sum(accelerator_hours) FILTER (WHERE mfu IS NOT NULL)"),
    "goodput_pct": _jobs(f"100 * sum(accelerator_hours) FILTER (WHERE state = 'completed') / sum(accelerator_hours) FILTER (WHERE state IN {ENDED})"),
    "inference_requests": _serving("sum(requests)::DOUBLE"),
    "inference_tokens": _serving("sum(tokens)::DOUBLE"),
    "inference_errors": _serving("sum(errors)::DOUBLE"),
    "inference_error_rate_pct": _serving("100.0 * sum(errors) / sum(requests)"),
    "latency_p95_ms": _serving("sum(latency_p95_ms * requests) / sum(requests)"),
    "latency_p50_ms": _serving("sum(latency_p50_ms * requests) / sum(requests)"),
    "cost_per_1m_tokens_usd": f"""
        SELECT coalesce(c.t, s.t), 1e6 * c.cost / s.tokens
        FROM (SELECT u.team AS t, sum(CASE WHEN u.workload_type = 'online-inference' THEN u.allocated_hours * a.committed_usd_per_hour ELSE 0 END) AS cost
              FROM utilization_hourly u {ACC} WHERE {U.replace('hour', 'u.hour')} GROUP BY u.team) c
        FULL JOIN (SELECT team AS t, sum(tokens) AS tokens FROM serving_hourly WHERE {U} GROUP BY team) s ON c.t = s.t""",
    "cumulative_inference_tokens": _serving("sum(tokens)::DOUBLE"),
    "requests_submitted": _requests("count(*)"),
    "requests_approved": _requests(f"count_if(status IN {APPROVED})"),
    "requests_denied": _requests("count_if(status = 'denied')"),
    "requests_pending": _requests("count_if(status IN ('submitted', 'needs_info'))"),
    "denial_rate_pct": _requests(f"100.0 * count_if(status = 'denied') / nullif(count_if(status IN {APPROVED} OR status = 'denied'), 0)"),
    "approval_rate_pct": _requests(f"100.0 * count_if(status IN {APPROVED}) / nullif(count_if(status IN {APPROVED} OR status = 'denied'), 0)"),
    "approval_lead_time_hours": _requests(
        "quantile_cont(date_diff('second', submitted_at, decided_at) / 3600.0, 0.5) FILTER (WHERE decided_at IS NOT NULL AND status <> 'denied')"
    ),
    "accelerators_requested": _requests("sum(accelerators_requested)::DOUBLE"),
    "incidents": _incidents("count(*)"),
    "major_incidents": _incidents("count_if(severity IN ('SEV1', 'SEV2'))"),
    "mtta_minutes": _incidents("avg(date_diff('second', opened_at, acknowledged_at) / 60.0)"),
    "mttr_hours": _incidents(f"avg({RESOLVE_H})"),
    "resolve_time_p90_hours": _incidents(f"quantile_cont({RESOLVE_H}, 0.9)"),
    "tier3_escalation_rate_pct": _incidents("100.0 * count_if(escalated_to_tier3) / count(*)"),
    "sla_breaches": _incidents("count_if(sla_breached)"),
    "sla_breach_rate_pct": _incidents("100.0 * count_if(sla_breached) / count(*)"),
    "accelerator_hours_lost": _incidents("sum(accelerator_hours_lost)"),
    "open_incidents": _incidents("count_if(resolved_at IS NULL)"),
    "escalated_incidents": _incidents("count_if(escalations > 0)"),
}

# The governance workflow's metrics (semantic_layer/definitions/governance_live.yaml).
REFERENCE.update({
    "approval_lead_time_p90_hours": _requests(
        "quantile_cont(date_diff('second', submitted_at, decided_at) / 3600.0, 0.9) FILTER (WHERE decided_at IS NOT NULL AND status <> 'denied')"
    ),
    "accelerators_granted": _requests("sum(accelerators_granted)::DOUBLE"),
    "quota_allocated_accelerator_hours": _quota("sum(coalesce(al.a, 0))"),
    "quota_headroom_hours": _quota("sum(greatest(q.guaranteed - coalesce(al.a, 0), 0))"),
    "quota_burst_limit_hours": _quota("sum(q.burst_limit)::DOUBLE"),
})

# Per-GPU metrics (semantic_layer/definitions/gpu.yaml) over gpu_hourly; the generator writes no per-GPU
# rows, so on generated data these are empty (tests/ingest/test_ingest_dcgm_series.py checks real values).
def _gpu(expr: str) -> str:
    return f"SELECT team, {expr} FROM gpu_hourly WHERE {U} GROUP BY team"


REFERENCE.update({
    "observed_gpu_hours": _gpu("sum(observed_hours)"),
    "idle_gpu_hours_threshold": _gpu("sum(CASE WHEN gpu_util_pct < 5 THEN observed_hours WHEN gpu_util_pct IS NOT NULL THEN 0 END)"),
    "gpu_util_mean_pct": _gpu("sum(gpu_util_pct * observed_hours) / sum(observed_hours) FILTER (WHERE gpu_util_pct IS NOT NULL)"),
    "gpu_sm_activity_pct": _gpu("100 * sum(sm_active * observed_hours) / sum(observed_hours) FILTER (WHERE sm_active IS NOT NULL)"),
    "gpu_count": _gpu("count(DISTINCT gpu_uuid)"),
    "gpus_idle_all_day": f"""SELECT team, sum(CASE WHEN m < 5 THEN 1 WHEN m IS NOT NULL THEN 0 END) FROM (
        SELECT date_trunc('day', hour) AS day, gpu_uuid, team, max(gpu_util_pct) AS m FROM gpu_hourly
        GROUP BY ALL) WHERE day >= TIMESTAMP '{START}' AND day < TIMESTAMP '{END}' GROUP BY team""",
})
GPU_METRICS = {"observed_gpu_hours", "idle_gpu_hours_threshold", "gpu_util_mean_pct", "gpu_sm_activity_pct", "gpu_count",
               "gpus_idle_all_day"}

# Commitment utilization (commitments.yaml, FOCUS CommitmentDiscountStatus) and means/medians of durations (durations.yaml).
_RUN_H = "date_diff('second', start_at, end_at) / 3600.0"
REFERENCE.update({
    "commitment_utilization_pct": _cost(
        "100 * coalesce(sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Used'), 0)"
        " / sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus IN ('Used', 'Unused'))"),
    "unused_commitment_cost_usd": _cost("coalesce(sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Unused'), 0)::DOUBLE"),
    "queue_wait_avg_minutes": _jobs("avg(queue_wait_minutes)"),
    "job_duration_avg_hours": _jobs(f"avg({_RUN_H}) FILTER (WHERE start_at IS NOT NULL AND end_at IS NOT NULL)"),
    "job_duration_p50_hours": _jobs(f"quantile_cont({_RUN_H}, 0.5) FILTER (WHERE start_at IS NOT NULL AND end_at IS NOT NULL)"),
    "jobs_over_run_hours": _jobs("count_if(date_diff('second', start_at, end_at) > 24 * 3600)"),  # the default threshold, 24 h
    "approval_lead_time_avg_hours": _requests(
        "avg(date_diff('second', submitted_at, decided_at) / 3600.0) FILTER (WHERE decided_at IS NOT NULL AND status <> 'denied')"),
    "resolve_time_p50_hours": _incidents(f"quantile_cont({RESOLVE_H}, 0.5) FILTER (WHERE resolved_at IS NOT NULL)"),
    "mtta_p50_minutes": _incidents("quantile_cont(date_diff('second', opened_at, acknowledged_at) / 60.0, 0.5)"),
    "tier3_escalations": _incidents("count_if(escalated_to_tier3)"),
})

# Installed capacity (capacity.yaml): pools have no team, so these are checked per cluster.
_CAP = f"""WITH h AS (SELECT DISTINCT hour FROM utilization_hourly WHERE {U}),
    c AS (SELECT *, lead(effective_from) OVER (PARTITION BY cluster, accelerator_type ORDER BY effective_from) AS effective_to
          FROM cluster_capacity),
    cap AS (SELECT c.cluster, sum(c.accelerators)::DOUBLE AS installed, count(DISTINCT h.hour) AS hours
            FROM h JOIN c ON h.hour >= c.effective_from AND (c.effective_to IS NULL OR h.hour < c.effective_to) GROUP BY c.cluster)"""
REFERENCE.update({
    "installed_capacity_hours": f"{_CAP} SELECT cluster, installed FROM cap",
    "installed_accelerators": f"{_CAP} SELECT cluster, installed / hours FROM cap",
    "capacity_allocated_pct": f"""{_CAP}, a AS (SELECT cluster, sum(allocated_hours) AS x FROM utilization_hourly WHERE {U} GROUP BY cluster)
        SELECT cap.cluster, 100 * a.x / cap.installed FROM cap JOIN a ON a.cluster = cap.cluster""",
})
REFERENCE_DIMENSION = {"installed_capacity_hours": "cluster", "installed_accelerators": "cluster", "capacity_allocated_pct": "cluster"}
"""Metrics checked by another dimension than team (their data has none)."""

# Attributed cost (attribution.yaml): each day's pool cost split by allocated hours; the rest unattributed.
REFERENCE["attributed_cost_usd"] = f"""
    WITH pool AS (SELECT date_trunc('day', ChargePeriodStart) AS d, x_cluster AS c, x_accelerator_type AS a, sum(EffectiveCost) AS cost
                  FROM cost_daily GROUP BY ALL),
    used AS (SELECT date_trunc('day', hour) AS d, cluster AS c, accelerator_type AS a, team, sum(allocated_hours) AS h
             FROM utilization_hourly GROUP BY ALL),
    tot AS (SELECT d, c, a, sum(h) AS h FROM used GROUP BY ALL HAVING sum(h) > 0),
    parts AS (SELECT u.team, p.cost * u.h / t.h AS x, p.d FROM pool p JOIN tot t USING (d, c, a) JOIN used u USING (d, c, a)
              UNION ALL
              SELECT NULL, p.cost, p.d FROM pool p LEFT JOIN tot t USING (d, c, a) WHERE t.h IS NULL)
    SELECT team, sum(x)::DOUBLE FROM parts WHERE d >= TIMESTAMP '{START}' AND d < TIMESTAMP '{END}' GROUP BY team"""

# Power (DCGM POWER_USAGE in W) and FOCUS ContractedCost (semantic_layer/definitions/field_measures.yaml): the mean
# draw of one allocated accelerator is its energy over its hours (kWh x 1000 / h = W), where energy was measured.
REFERENCE.update({
    "mean_power_w": _util("sum(u.energy_kwh) * 1000 / sum(u.allocated_hours) FILTER (WHERE u.energy_kwh IS NOT NULL)"),
    "peak_power_w": _gpu("max(power_w)"),
    "contracted_cost_usd": _cost("sum(ContractedCost)::DOUBLE"),
})
GPU_METRICS = GPU_METRICS | {"peak_power_w"}
REFERENCE.update({
    "gpu_tensor_activity_pct": _gpu("100 * sum(tensor_active * observed_hours) / sum(observed_hours) FILTER (WHERE tensor_active IS NOT NULL)"),
    "gpu_dram_activity_pct": _gpu("100 * sum(dram_active * observed_hours) / sum(observed_hours) FILTER (WHERE dram_active IS NOT NULL)"),
})
GPU_METRICS = GPU_METRICS | {"gpu_tensor_activity_pct", "gpu_dram_activity_pct"}
REFERENCE["avg_memory_free_gib"] = _gpu("sum(fb_free_mib / 1024 * observed_hours) / sum(observed_hours) FILTER (WHERE fb_free_mib IS NOT NULL)")
GPU_METRICS = GPU_METRICS | {"avg_memory_free_gib"}
